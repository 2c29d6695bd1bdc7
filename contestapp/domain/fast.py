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
    if isinstance(st, _Known):
        return st.total
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


# --- batch: a whole event from aggregate rows -------------------------------------------------------------------------

def _simple(cs: CriterionSpec, rule: PanelRule) -> bool:
    """Criteria whose value is (sum [- low] [- high]) / kept or a plain mean, with nothing else to apply."""
    return (cs.kind in ("judgement", "measurement") and rule.places is None and not needs_values(cs, rule)
            and rule.aggregate in ("mean", "trimmed"))


def score_event_rows(event: EventSpec, rows: Iterable[tuple], facts: Mapping[tuple, tuple] = {},
                     scale: int = 4) -> tuple[dict, dict]:
    """Every entry of an event from aggregate rows, as `fast_entry` (and so `scoring.score_entry`) would score them.

    rows: (entry, round code, criterion code, n, sum, low, high[, values]) with sum/low/high as integers scaled by
    10**scale (how the database stores them), values (if given) as Decimals ascending. facts: (entry, round code) ->
    (multiplier, time) as Decimals. Returns ({entry: EntryResult}, {entry: reason it cannot be scored}).
    The common criteria (mean, or trimmed by at most one high and one low) take an inlined path; every other
    criterion goes through `criterion_value`. Same Decimal operations in the same order as the full engine.
    """
    plans: dict[tuple[str, str], tuple] = {}
    for rs in event.rounds:
        for pos, cs in enumerate(rs.criteria):
            rule = cs.panel_for(rs.panel)
            plans[rs.code, cs.code] = (pos, cs, rule, _simple(cs, rule), rule.min_judges,
                                       rule.drop_low if rule.aggregate == "trimmed" else 0,
                                       rule.drop_high if rule.aggregate == "trimmed" else 0,
                                       rule.aggregate == "trimmed" and rule.reduce == "sum")
    grouped: dict[str, dict[str, dict[str, PanelStats]]] = {}
    simple: dict[str, dict[str, list]] = {}
    sizes = {rs.code: len(rs.criteria) for rs in event.rounds}
    D = Decimal
    for row in rows:
        entry, rcode, ccode, n, total, low, high = row[:7]
        plan = plans.get((rcode, ccode))
        if plan is None:
            continue
        pos, cs, rule, is_simple, min_judges, dl, dh, as_sum = plan
        if is_simple and n >= min_judges:
            kept = total
            if dl:
                kept -= low
            if dh:
                kept -= high
            value = D(kept).scaleb(-scale)
            if not as_sum:
                value = value / (n - dl - dh)
            by_round = simple.get(entry)
            if by_round is None:
                by_round = simple[entry] = {}
            values = by_round.get(rcode)
            if values is None:
                values = by_round[rcode] = [None] * sizes[rcode]
            values[pos] = value
        else:
            st = PanelStats(n, D(total).scaleb(-scale), D(low).scaleb(-scale), D(high).scaleb(-scale),
                            row[7] if len(row) > 7 else None)
            grouped.setdefault(entry, {}).setdefault(rcode, {})[ccode] = st
    results: dict[str, EntryResult] = {}
    errors: dict[str, str] = {}
    keep = chain_criteria(event)
    for entry in simple.keys() | grouped.keys():
        try:
            results[entry] = _entry_from_parts(event, entry, simple.get(entry, {}), grouped.get(entry, {}), facts,
                                               keep)
        except ScoringError as exc:
            errors[entry] = str(exc)
    return results, errors


def _entry_from_parts(event: EventSpec, entry: str, simple: Mapping[str, list], grouped: Mapping[str, dict],
                      facts: Mapping[tuple, tuple], keep: Mapping[str, set[str]]) -> EntryResult:
    rounds: dict[str, RoundStats] = {}
    fast_rounds: list[RoundResult] = []
    for rs in event.rounds:
        values = simple.get(rs.code)
        stats = grouped.get(rs.code)
        if values is None and stats is None:
            continue
        mult, time = facts.get((entry, rs.code), (None, None))
        mult = mult if rs.multiplier else None
        if stats is None and all(v is not None for v in values) and all(  # type: ignore[union-attr]
                cs.kind in SCORED_KINDS for cs in rs.criteria) and rs.base is None and not keep.get(rs.code):
            fast_rounds.append(_simple_round(rs, values, mult, time))  # type: ignore[arg-type]
            continue
        merged = dict(stats or {})
        for cs, v in zip(rs.criteria, values or ()):
            if v is not None:  # an inlined value: hand it on as a one-mark mean (same value, no re-arithmetic)
                merged[cs.code] = _Known(v)
        rounds[rs.code] = RoundStats(merged, mult, time)
    if not rounds:
        return _combine(event, entry, fast_rounds)
    full = fast_entry(event, entry, rounds, keep)
    by_code = {r.round: r for r in (*fast_rounds, *full.rounds)}
    return _combine(event, entry, [by_code[rs.code] for rs in event.rounds if rs.code in by_code])


class _Known(PanelStats):
    """A criterion value already computed (stands in for its stats in `criterion_value`)."""

    def __new__(cls, value: Decimal):
        return super().__new__(cls, -1, value, value, value)


def _simple_round(rs: RoundSpec, values: list, multiplier: Optional[Decimal], time: Optional[Decimal]) -> RoundResult:
    if rs.multiplier and (multiplier is None or multiplier <= 0):
        raise ScoringError(f"{rs.name}：缺少难度系数（须大于 0）")
    subtotal = ZERO
    for cs, value in zip(rs.criteria, values):
        subtotal += value * cs.weight
    score = subtotal * multiplier if rs.multiplier else subtotal  # type: ignore[operator]
    if rs.floor is not None and score < rs.floor:
        score = rs.floor
    if rs.cap is not None and score > rs.cap:
        score = rs.cap
    score = round_half_up(score, rs.places)
    passed = rs.pass_mark is None or score >= rs.pass_mark
    return RoundResult(rs.code, rs.name, score, subtotal, ZERO, multiplier, time, False, (), passed, (), _EMPTY)


def _combine(event: EventSpec, entry: str, results: list[RoundResult]) -> EntryResult:
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
