"""The fast engine: the same results as `scoring.py`, computed from per-criterion aggregates instead of single marks.

Ranking 10,000 entries from 1,000,000 marks cannot afford one Python object per mark. A database can hand over, per
entry and criterion, the count, sum, lowest and highest mark (one GROUP BY); with those the common panel rules are
exact: mean = sum / n; trimmed dropping at most one high and one low = (sum - high - low) / kept. Rules that need the
marks themselves (median, dropping two or more, a median fallback) take the sorted `values` instead.

The arithmetic is the same `Decimal` operations in the same order as `scoring.py`, so both engines give identical
figures (a test in tests/domain proves it on random inputs and on the example definitions); the fast engine builds
no explanation -- ask `scoring.score_entry` for one entry's 成绩明细 when it is wanted.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable, Mapping, NamedTuple, Optional

from .scoring import CriterionResult, EntryResult, Explanation, RoundResult, ScoringError
from .types import ONE, SCORED_KINDS, ZERO, CriterionSpec, EventSpec, PanelRule, RoundSpec, round_half_up

_EMPTY = Explanation(())


class PanelStats(NamedTuple):
    """One entry's marks for one criterion, aggregated: count, sum, lowest, highest; `values` (ascending) only when
    `needs_values` says the rule needs them. (A named tuple: a database hands over 200,000 of these at once.)"""

    n: int
    total: Decimal
    low: Decimal
    high: Decimal
    values: Optional[tuple[Decimal, ...]] = None


def needs_values(spec: CriterionSpec, rule: PanelRule) -> bool:
    """Whether this criterion's rule needs the single marks rather than count/sum/min/max."""
    if spec.kind == "veto":
        return False
    if rule.aggregate == "median" or rule.fallback == "median":
        return True
    return rule.aggregate == "trimmed" and (rule.drop_high > 1 or rule.drop_low > 1)


def _median(values: tuple[Decimal, ...]) -> Decimal:
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def _values(spec: CriterionSpec, st: PanelStats) -> tuple[Decimal, ...]:
    if st.values is None:
        raise ValueError(f"{spec.code}: this panel rule needs the single marks (PanelStats.values)")
    return st.values


def criterion_value(spec: CriterionSpec, rule: PanelRule, st: Optional[PanelStats]) -> Optional[Decimal]:
    """The criterion's value as `scoring.score_criterion` computes it; None when bonus/time has no marks."""
    if spec.kind == "veto":
        return ONE if st is not None and st.n and st.high == ONE else ZERO
    if st is None or st.n == 0:
        if spec.kind in ("bonus", "time"):
            return None
        raise ScoringError(f"{spec.name}：需要至少 {rule.min_judges} 名裁判评分，现有 0 名")
    n = st.n
    if n < rule.min_judges:
        if rule.fallback == "error":
            raise ScoringError(f"{spec.name}：需要至少 {rule.min_judges} 名裁判评分，现有 {n} 名")
        value = st.total / n if rule.fallback == "mean" else _median(_values(spec, st))
        if rule.aggregate == "trimmed" and rule.reduce == "sum":
            value *= rule.kept
    elif rule.aggregate == "mean":
        value = st.total / n
    elif rule.aggregate == "median":
        value = _median(_values(spec, st))
    else:
        if rule.drop_high > 1 or rule.drop_low > 1:
            kept_values = _values(spec, st)[rule.drop_low: n - rule.drop_high]
            kept = sum(kept_values, ZERO)
            count = len(kept_values)
        else:
            kept = st.total
            if rule.drop_low:
                kept -= st.low
            if rule.drop_high:
                kept -= st.high
            count = n - rule.drop_low - rule.drop_high
        value = kept if rule.reduce == "sum" else kept / count
    if rule.places is not None:
        value = round_half_up(value, rule.places)
    if spec.kind == "deduction":
        deducted = value * spec.deduction_per if spec.deduction_per is not None else value
        value = max(spec.min, spec.max - deducted)
    return value


def fast_round(spec: RoundSpec, stats: Mapping[str, PanelStats], multiplier: Optional[Decimal] = None,
               time: Optional[Decimal] = None, keep: Iterable[str] = ()) -> RoundResult:
    """One entry's round result as `scoring.score_round` gives it, without explanation; `criteria` holds only the
    criteria named in `keep` (those a tie-break chain compares)."""
    if spec.multiplier and (multiplier is None or multiplier <= 0):
        raise ScoringError(f"{spec.name}：缺少难度系数（须大于 0）")
    if not spec.multiplier and multiplier is not None:
        raise ScoringError(f"{spec.name}：本轮次不使用难度系数")
    keep = set(keep)
    subtotal = ZERO
    lost = ZERO
    ungrouped = ZERO
    groups: dict[str, Decimal] = {}
    times: list[Decimal] = []
    vetoes: list[str] = []
    kept: list[CriterionResult] = []
    for cs in spec.criteria:
        st = stats.get(cs.code)
        if (st is None or not st.n) and cs.kind in SCORED_KINDS:
            raise ScoringError(f"{spec.name}：{cs.name} 缺少评分")
        value = criterion_value(cs, cs.panel_for(spec.panel), st)
        if cs.code in keep:
            kept.append(CriterionResult(cs.code, cs.name, cs.kind, ZERO if value is None else value, (), (), ""))
        if value is None:
            if cs.kind != "bonus":
                continue
            value = ZERO  # an unmarked bonus counts 0, as in scoring.py (it matters in a group of negatives)
        if cs.kind in SCORED_KINDS:
            if spec.base is not None:
                lost += (cs.max - value) * cs.weight
            else:
                subtotal += value * cs.weight
        elif cs.kind == "bonus":
            if cs.bonus_group is None:
                ungrouped += value * cs.weight
            else:
                weighted = value * cs.weight
                groups[cs.bonus_group] = max(groups.get(cs.bonus_group, weighted), weighted)
        elif cs.kind == "time":
            times.append(value)
        elif cs.kind == "veto" and value == ONE:
            vetoes.append(cs.name)
    if spec.base is not None:
        subtotal = spec.base - lost
    bonus = ungrouped
    for best in groups.values():
        bonus += best
    if spec.bonus_cap is not None and bonus > spec.bonus_cap:
        bonus = spec.bonus_cap
    score = subtotal * multiplier if spec.multiplier else subtotal  # type: ignore[operator]
    if bonus:
        score += bonus
    if spec.floor is not None and score < spec.floor:
        score = spec.floor
    if spec.cap is not None and score > spec.cap:
        score = spec.cap
    score = round_half_up(score, spec.places)
    passed = spec.pass_mark is None or score >= spec.pass_mark
    round_time = sum(times, ZERO) if times else time
    return RoundResult(spec.code, spec.name, score, subtotal, bonus, multiplier, round_time, bool(vetoes),
                       tuple(vetoes), passed, tuple(kept), _EMPTY)


@dataclass(frozen=True, slots=True)
class RoundStats:
    """One entry's aggregated marks in one round (criterion code -> stats) and its round facts."""

    stats: Mapping[str, PanelStats]
    multiplier: Optional[Decimal] = None
    time: Optional[Decimal] = None


def chain_criteria(event: EventSpec) -> dict[str, set[str]]:
    """Round code -> criterion codes the event's tie-break chain compares."""
    out: dict[str, set[str]] = {}
    for key in event.chain:
        if key.key == "criterion" and key.code:
            round_code, _, crit = key.code.partition(".")
            out.setdefault(round_code, set()).add(crit)
    return out


def fast_entry(event: EventSpec, entry: str, rounds: Mapping[str, RoundStats],
               keep: Optional[Mapping[str, set[str]]] = None) -> EntryResult:
    """One entry's event result as `scoring.score_entry` gives it, without explanation."""
    keep = chain_criteria(event) if keep is None else keep
    results: list[RoundResult] = []
    for rs in event.rounds:
        data = rounds.get(rs.code)
        if data is not None:
            results.append(fast_round(rs, data.stats, data.multiplier, data.time, keep.get(rs.code, ())))
    for code in rounds:
        if event.round(code) is None:
            raise ScoringError(f"{event.name}：未定义的轮次 {code}")
    scores = {rr.round: rr.score for rr in results}
    if event.combine in ("weighted_sum", "sum"):
        total = sum((scores.get(rs.code, ZERO) * rs.weight for rs in event.rounds), ZERO)
    elif event.combine == "mean":
        total = sum(scores.values(), ZERO) / len(scores) if scores else ZERO
    else:
        best = max(results, key=lambda rr: rr.score, default=None)
        total = best.score if best else ZERO
    total = round_half_up(total, event.places)
    times = [rr.time for rr in results if rr.time is not None]
    veto_reasons = tuple(r for rr in results for r in rr.veto_reasons)
    present = {rr.round for rr in results}
    passed = all(rr.passed for rr in results) and not any(
        rs.pass_mark is not None for rs in event.rounds if rs.code not in present)
    return EntryResult(entry, total, sum(times, ZERO) if times else None, bool(veto_reasons), veto_reasons, passed,
                       tuple(results), _EMPTY)


def stats_of(values: Iterable[Decimal], with_values: bool = False) -> PanelStats:
    """PanelStats from single marks (tests, small events)."""
    ordered = tuple(sorted(values))
    return PanelStats(len(ordered), sum(ordered, ZERO), ordered[0], ordered[-1], ordered if with_values else None)
