"""Ranking: total, then the tie-break chain, then competition ranks (1, 2, 2, 4).

Vetoed entries are ranked after all others (they keep their points for the bulletin but compete for nothing).
In places <= unshared_places (排名不并列) a tie the chain cannot break needs a chief-judge decision (TieDecision).
A decision applies only to a tie of exactly its entries; one that applies to no tie any more (results changed since)
is reported as stale (`rank_outcome`), so the chief judge can decide again.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from operator import attrgetter, itemgetter, ne
from typing import Iterable, Iterator, NamedTuple, Optional, Sequence

from .scores import EntryResult
from .types import TieBreakKey

_MISSING = (1, Decimal(0))  # a missing figure sorts after every present one, whatever the order


@dataclass(frozen=True)
class TieDecision:
    """The chief judge's recorded order for entries the chain could not separate (裁判长裁定)."""

    entries: tuple[str, ...]
    reason: str


class Ranked(NamedTuple):
    """An entry's place. A named tuple (immutable, compared by its fields): rank() builds one per entry."""

    entry: str
    rank: int
    result: EntryResult
    tied_with: tuple[str, ...] = ()  # other entries sharing this rank
    needs_decision: bool = False  # tie in an unshared place, not yet decided
    decision: Optional[str] = None  # reason of the TieDecision that set this rank

    @property
    def total(self) -> Decimal:
        return self.result.total

    @property
    def vetoed(self) -> bool:
        return self.result.vetoed


_new_ranked = tuple.__new__


def _chain_key(r: EntryResult, chain: Sequence[TieBreakKey]) -> tuple:
    key: list = []
    rounds = None if r.members else r.rounds  # a team from its members' results: EntryResult.value (member sums)
    for k in chain:
        if rounds is not None and k.key == "round":  # EntryResult.value, inlined: asked of every tied entry
            v = None
            for rr in rounds:
                if rr.round == k.code:
                    v = rr.score
                    break
        elif rounds is not None and k.key == "time":
            v = r.time
        else:
            v = r.value(k)
        key += _MISSING if v is None else (0, -v if k.order == "desc" else v)
    return tuple(key)


_ENTRY, _TOTAL, _VETOED, _FIRST = attrgetter("entry"), attrgetter("total"), attrgetter("vetoed"), itemgetter(0)
_PLACE = attrgetter("total", "vetoed")


def _tied_groups(results: Iterable[EntryResult], chain: Sequence[TieBreakKey]) -> Iterator[list[EntryResult]]:
    """Groups of results the chain cannot separate, best first, each listed by entry.

    Sorting by total first and consulting the chain only within equal totals keeps 10,000 results well under
    50 ms: most totals differ, and the chain's figures are then never looked up.
    """
    ordered = sorted(results, key=_ENTRY)  # then stable by total, best first, vetoed last: ties stay in entry order
    ordered.sort(key=_TOTAL, reverse=True)
    if any(map(_VETOED, ordered)):
        ordered.sort(key=_VETOED)
    if not ordered:
        return
    places = list(map(_PLACE, ordered))
    # where a new (total, vetoed) begins: found by comparing neighbours in C, not a Python loop per entry
    starts = [k for k, new in enumerate(map(ne, places, islice(places, 1, None)), 1) if new]
    for i, j in zip([0, *starts], [*starts, len(ordered)]):
        if j - i == 1:
            yield [ordered[i]]
        else:
            keyed = sorted([(_chain_key(r, chain), r) for r in ordered[i:j]], key=_FIRST)  # stable: entry order
            group = [keyed[0][1]]
            for prev, cur in zip(keyed, keyed[1:]):
                if cur[0] != prev[0]:
                    yield group
                    group = []
                group.append(cur[1])
            yield group


class RankOutcome(NamedTuple):
    """`rank`'s ranking, and the decisions that applied to no tie (stale: the tied set has changed since)."""

    ranked: list[Ranked]
    stale_decisions: list[TieDecision]


def rank(
    results: Iterable[EntryResult],
    chain: Sequence[TieBreakKey],
    unshared_places: int = 0,
    decisions: Iterable[TieDecision] = (),
) -> list[Ranked]:
    """Rank results, best first (ties listed by entry). A decision applies to a tie in an unshared place whose
    entries are exactly its entries; a stale one (results changed since) is ignored and the tie stays pending
    (`rank_outcome` also reports the stale ones)."""
    return rank_outcome(results, chain, unshared_places, decisions).ranked


def rank_outcome(
    results: Iterable[EntryResult],
    chain: Sequence[TieBreakKey],
    unshared_places: int = 0,
    decisions: Iterable[TieDecision] = (),
) -> RankOutcome:
    """`rank`, and the stale decisions: those that applied to no tie, in the order given (a later decision for the
    same entries replaces an earlier one). A stale decision is not reported once a later decision names any of its
    entries: the chief judge has decided again for them. Which decision applies is `rank`'s rule, unchanged."""
    decisions = list(decisions)
    by_set = {frozenset(d.entries): d for d in decisions}
    applied: set[frozenset] = set()
    out: list[Ranked] = []
    for group in _tied_groups(results, chain):
        place = len(out) + 1
        if len(group) == 1:
            r = group[0]
            out.append(_new_ranked(Ranked, (r.entry, place, r, (), False, None)))
            continue
        d = None
        if place <= unshared_places:
            tied = frozenset(r.entry for r in group)
            d = by_set.get(tied)
            if d is not None:
                applied.add(tied)
        if d is not None:
            by_entry = {r.entry: r for r in group}
            out += (Ranked(e, place + n, by_entry[e], (), False, d.reason) for n, e in enumerate(d.entries))
            continue
        names = tuple(r.entry for r in group)
        undecided = place <= unshared_places
        out += (_new_ranked(Ranked, (r.entry, place, r, names[:n] + names[n + 1:], undecided, None))
                for n, r in enumerate(group))
    return RankOutcome(out, _stale(decisions, applied))


def _stale(decisions: Sequence[TieDecision], applied: set[frozenset]) -> list[TieDecision]:
    latest = {frozenset(d.entries): i for i, d in enumerate(decisions)}  # the decision in force per entry set
    stale = []
    for entries, i in latest.items():
        if entries in applied:
            continue
        if any(j > i and entries & other for other, j in latest.items()):  # decided again since for these entries
            continue
        stale.append(i)
    return [decisions[i] for i in sorted(stale)]


def pending_ties(ranked: Sequence[Ranked]) -> list[tuple[str, ...]]:
    """Ties still waiting for a chief-judge decision, each as its entries (in entry order)."""
    seen: list[tuple[str, ...]] = []
    for r in ranked:
        if r.needs_decision:
            group = tuple(sorted((r.entry, *r.tied_with)))
            if group not in seen:
                seen.append(group)
    return seen
