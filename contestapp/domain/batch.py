"""A whole event from what one aggregate query hands over (the results area owns that query).

Ranking 10,000 entries from 1,000,000 marks cannot afford one Python object per mark, nor per criterion. So per
entry and round the query sums the round's *plain* criteria (judgement or measurement; mean, or trimmed dropping
at most one high and one low; no rounding of their own; not compared by the tie-break chain): S = sum over the
criteria of weight x (sum - low - high) in integers, with the fewest and most marks per criterion. When every plain
criterion of a rule has the same number of marks n (at least the rule's minimum), the plain part of the round's
subtotal is exactly S / (10^(...) x (n - drops)) -- one division per round (`plain_part`). Every other criterion
comes as per-criterion statistics (`PanelStats`), with the single marks where its rule needs them. A round whose
counts differ (a recusal, a missing mark) is read per criterion instead.

The scoring is `scoring.score_round_stats` / `scoring._entry`: the same functions as for single marks. A round of
plain criteria only (`RoundPlan.simple`: no multiplier, bonus, base, floor or cap) is that function with nothing
but a plain part: its score is the part rounded half-up (`_plain_round`).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Iterable, Mapping, Optional

from .messages import said
from .panel import is_plain
from .scores import NO_EXPLANATION, EntryResult, PanelStats, RoundResult, RoundStats, ScoringError
from .scoring import _entry, chain_criteria, score_entry_stats
from .types import ZERO, CriterionSpec, EventSpec, RoundSpec, exact, half_up

_F0 = Fraction(0)
_NO_FACTS = (None, None)


@dataclass(frozen=True)
class PlainClass:
    """Plain criteria of one round sharing one rule: per criterion kept = sum [- lowest] [- highest], value =
    kept / (n - drop_low - drop_high) (or kept, reduce sum); `weights` are the criteria's weights x 10^places."""

    drop_low: int
    drop_high: int
    as_sum: bool
    min_judges: int
    codes: tuple[str, ...]
    weights: tuple[int, ...]


@dataclass(frozen=True)
class RoundPlan:
    round: str
    classes: tuple[PlainClass, ...]
    codes: frozenset[str]          # the criteria the classes cover (summed by the database)
    others: tuple[str, ...]        # every other criterion (per-criterion statistics)
    weight_places: int             # weights x 10^weight_places are integers
    top: Fraction                  # sum of max x weight over `codes` (rounds with a base score)
    simple: bool                   # only plain criteria, no multiplier, bonus, base, floor or cap


def plan_event(event: EventSpec, keep: Optional[Mapping[str, set[str]]] = None) -> dict[str, RoundPlan]:
    """Round code -> its plan: criteria summed by the database (grouped by rule) and the others."""
    keep = chain_criteria(event) if keep is None else keep
    plans: dict[str, RoundPlan] = {}
    for rs in event.rounds:
        chained = keep.get(rs.code, set())
        plain = [cs for cs in rs.criteria if cs.code not in chained and is_plain(cs, cs.panel_for(rs.panel))]
        places = max((max(0, -cs.weight.normalize().as_tuple().exponent) for cs in plain), default=0)
        by_rule: dict[tuple, list[CriterionSpec]] = {}
        for cs in plain:
            rule = cs.panel_for(rs.panel)
            trimmed = rule.aggregate == "trimmed"
            key = (rule.drop_low if trimmed else 0, rule.drop_high if trimmed else 0,
                   trimmed and rule.reduce == "sum", rule.min_judges)
            by_rule.setdefault(key, []).append(cs)
        classes = tuple(PlainClass(*key, tuple(cs.code for cs in group),
                                   tuple(int(cs.weight.scaleb(places)) for cs in group))
                        for key, group in by_rule.items())
        codes = frozenset(cs.code for cs in plain)
        others = tuple(cs.code for cs in rs.criteria if cs.code not in codes)
        top = sum((exact(cs.max) * exact(cs.weight) for cs in plain), _F0)
        simple = (not others and not rs.multiplier and rs.base is None and rs.floor is None and rs.cap is None
                  and bool(plain))
        plans[rs.code] = RoundPlan(rs.code, classes, codes, others, places, top, simple)
    return plans


def plain_part(plan: RoundPlan, sums: Iterable[tuple[int, int, int, int]], scale: int = 4
               ) -> Optional[tuple[int, int]]:
    """The exact plain part of a round's subtotal, (numerator, denominator), from per class (in `plan.classes`
    order): (S = sum of weight x kept as integers scaled by 10^(scale + weight_places), fewest marks, most marks,
    number of criteria marked). None when a class cannot be summed: a criterion unmarked, counts that differ, or
    fewer marks than the rule's minimum -- score that round from per-criterion statistics then."""
    num, den = 0, 1
    for cls, (total, low_n, high_n, count) in zip(plan.classes, sums):
        if count != len(cls.codes) or low_n != high_n or low_n < cls.min_judges:
            return None
        k = 1 if cls.as_sum else low_n - cls.drop_low - cls.drop_high
        if k == 1:
            num += total * den
        else:
            num, den = num * k + total * den, den * k
    return num, den * 10 ** (scale + plan.weight_places)


def _plain_round(rs: RoundSpec, num: int, den: int, time: Optional[Decimal]) -> RoundResult:
    """`scoring._round` of a simple round (`RoundPlan.simple`): nothing but the plain part, rounded half-up."""
    score = half_up(num, den, rs.places)
    return RoundResult(rs.code, rs.name, score, Decimal(num) / Decimal(den), ZERO, None, time, False, (),
                       rs.pass_mark is None or score >= rs.pass_mark, (), NO_EXPLANATION)


def score_event_stats(event: EventSpec, rows: Iterable[tuple], facts: Mapping[tuple, tuple] = {},
                      scale: int = 4, plain: Mapping[tuple, tuple[int, int]] = {},
                      plans: Optional[Mapping[str, RoundPlan]] = None) -> tuple[dict, dict]:
    """Every entry of an event, as `scoring.score_entry` would score them from their marks.

    rows: (entry, round code, criterion code, n, sum, low, high[, values]) with sum/low/high as integers scaled by
    10**scale (how the database stores them), values (if given) as Decimals ascending. plain: (entry, round code) ->
    the exact plain part of that round (`plain_part`); for those rounds rows of the plan's plain criteria are
    ignored. facts: (entry, round code) -> (multiplier, time) as Decimals.
    Returns ({entry: EntryResult}, {entry: reason it cannot be scored}).
    """
    keep = chain_criteria(event)
    plans = plan_event(event, keep) if plans is None else plans
    grouped: dict[str, dict[str, dict[str, PanelStats]]] = {}
    unit = Decimal(1).scaleb(-scale)
    for row in rows:
        entry, rcode, ccode, n, total, low, high = row[:7]
        st = PanelStats(n, Decimal(total) * unit, Decimal(low) * unit, Decimal(high) * unit,
                        row[7] if len(row) > 7 else None)
        grouped.setdefault(entry, {}).setdefault(rcode, {})[ccode] = st
    by_entry: dict[str, dict[str, tuple[int, int]]] = {}
    for (entry, rcode), part in plain.items():
        by_entry.setdefault(entry, {})[rcode] = part
    simple = [rs for rs in event.rounds if plans[rs.code].simple]
    all_simple = len(simple) == len(event.rounds)
    memo: dict[tuple, RoundResult] = {}  # a round's result depends on (round, plain part, time) only, and repeats
    results: dict[str, EntryResult] = {}
    errors: dict[str, str] = {}
    none: dict = {}
    for entry in (grouped.keys() | by_entry.keys()) if grouped else by_entry:
        stats = grouped.get(entry, none) if grouped else none
        parts = by_entry.get(entry, none)
        try:
            if all_simple and not stats:  # the common case: every round a plain part, or absent
                rounds = []
                for rs in event.rounds:
                    part = parts.get(rs.code)
                    if part is not None:
                        time = facts.get((entry, rs.code), _NO_FACTS)[1] if facts else None
                        key = (rs.code, part, time)
                        rr = memo.get(key)
                        if rr is None:
                            rr = memo[key] = _plain_round(rs, *part, time)
                        rounds.append(rr)
                results[entry] = _entry(event, entry, rounds)
                continue
            data: dict[str, RoundStats] = {}
            for rcode in stats.keys() | parts.keys():
                mult, time = facts.get((entry, rcode), (None, None))
                rs = event.round(rcode)
                if rs is not None and not rs.multiplier:
                    mult = None
                data[rcode] = RoundStats(stats.get(rcode, {}), mult, time, parts.get(rcode))
            results[entry] = score_entry_stats(event, entry, data, keep, plans)
        except ScoringError as exc:
            errors[entry] = said(exc)  # a Message: the page shows it in the reader's language
    return results, errors
