"""Ranking: total, then the tie-break chain, then competition ranks (1, 2, 2, 4).

Vetoed entries are ranked after all others (they keep their points for the bulletin but compete for nothing).
In places <= unshared_places (排名不并列) a tie the chain cannot break needs a chief-judge decision (TieDecision).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable, Optional, Sequence

from .scoring import EntryResult
from .types import TieBreakKey

_MISSING = (1, Decimal(0))  # a missing figure sorts after every present one, whatever the order


@dataclass(frozen=True)
class TieDecision:
    """The chief judge's recorded order for entries the chain could not separate (裁判长裁定)."""

    entries: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class Ranked:
    entry: str
    rank: int
    total: Decimal
    result: EntryResult
    vetoed: bool = False
    tied_with: tuple[str, ...] = ()  # other entries sharing this rank
    needs_decision: bool = False  # tie in an unshared place, not yet decided
    decision: Optional[str] = None  # reason of the TieDecision that set this rank


def _key(result: EntryResult, chain: Sequence[TieBreakKey]) -> tuple:
    """Sort key: ascending sort puts the best first."""
    parts: list[tuple[int, Decimal]] = []
    for k in chain:
        v = result.value(k)
        parts.append(_MISSING if v is None else (0, -v if k.order == "desc" else v))
    return (result.vetoed, -result.total, *parts)


def rank(
    results: Iterable[EntryResult],
    chain: Sequence[TieBreakKey],
    unshared_places: int = 0,
    decisions: Iterable[TieDecision] = (),
) -> list[Ranked]:
    """Rank results, best first. A decision applies to a tie whose entries are exactly its entries."""
    keyed = sorted(((_key(r, chain), r.entry, r) for r in results), key=lambda t: (t[0], t[1]))
    by_set = {frozenset(d.entries): d for d in decisions}
    out: list[Ranked] = []
    i = 0
    while i < len(keyed):
        j = i + 1
        while j < len(keyed) and keyed[j][0] == keyed[i][0]:
            j += 1
        group = [t[2] for t in keyed[i:j]]
        place = i + 1
        if len(group) == 1:
            r = group[0]
            out.append(Ranked(r.entry, place, r.total, r, r.vetoed))
        elif place <= unshared_places and (d := by_set.get(frozenset(r.entry for r in group))) is not None:
            by_entry = {r.entry: r for r in group}
            for n, entry in enumerate(d.entries):
                r = by_entry[entry]
                out.append(Ranked(entry, place + n, r.total, r, r.vetoed, decision=d.reason))
        else:
            names = tuple(r.entry for r in group)
            undecided = place <= unshared_places
            for r in group:
                others = tuple(n for n in names if n != r.entry)
                out.append(Ranked(r.entry, place, r.total, r, r.vetoed, others, undecided))
        i = j
    return out


def pending_ties(ranked: Sequence[Ranked]) -> list[tuple[str, ...]]:
    """Ties still waiting for a chief-judge decision, each as its entries (in entry order)."""
    seen: list[tuple[str, ...]] = []
    for r in ranked:
        if r.needs_decision:
            group = tuple(sorted((r.entry, *r.tied_with)))
            if group not in seen:
                seen.append(group)
    return seen
