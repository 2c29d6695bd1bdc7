"""The fast engine: the same results as `scoring.py`, computed from aggregates instead of single marks.

Ranking 10,000 entries from 1,000,000 marks cannot afford one Python object per mark. A database hands over
aggregates, and the arithmetic stays exact (the full engine computes with exact rationals too):

- per entry and round, for the round's *plain* criteria (judgement or measurement; mean, or trimmed dropping at
  most one high and one low; no rounding of their own; not compared by the tie-break chain), one integer sum
  S = sum over criteria of weight x (sum - low - high) in units of 10^-(scale + weight places) with the counts of
  marks; when every plain criterion of a rule has the same number of marks n (at least the rule's minimum), the
  plain part of the subtotal is exactly S / (10^(...) x kept) with kept = n - drops -- one division per round,
  `plain_part`. A round whose counts differ (a recusal, a missing mark) is scored from per-criterion rows instead;
- per entry and criterion, count, sum, lowest and highest mark (`PanelStats`) for every other criterion; `values`
  (ascending) only where the rule needs the marks themselves (median, dropping two or more: diving).

`fast_round` adds the plain part and the other criteria exactly as `scoring.score_round` does; no explanation --
ask `scoring.score_entry` for one entry's 成绩明细 when it is wanted. Tests prove both engines equal.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Iterable, Mapping, NamedTuple, Optional

from .scoring import CriterionResult, EntryResult, Explanation, RoundResult, ScoringError, deduct
from .types import (ONE, SCORED_KINDS, ZERO, CriterionSpec, EventSpec, PanelRule, RoundSpec, exact, round_half_up,
                    to_decimal)

_EMPTY = Explanation(())
_F0 = Fraction(0)


class PanelStats(NamedTuple):
    """One entry's marks for one criterion, aggregated: count, sum, lowest, highest; `values` (ascending) only when
    `needs_values` says the rule needs them. (A named tuple: a database hands over many of these at once.)"""

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


def _median(values: tuple[Decimal, ...]) -> Fraction:
    mid = len(values) // 2
    return Fraction(values[mid]) if len(values) % 2 else Fraction(values[mid - 1] + values[mid]) / 2


def _values(spec: CriterionSpec, st: PanelStats) -> tuple[Decimal, ...]:
    if st.values is None:
        raise ValueError(f"{spec.code}: this panel rule needs the single marks (PanelStats.values)")
    return st.values


def criterion_value(spec: CriterionSpec, rule: PanelRule, st: Optional[PanelStats]) -> Optional[Fraction]:
    """The criterion's exact value as `scoring.score_criterion` computes it; None when bonus/time has no marks."""
    if spec.kind == "veto":
        return Fraction(1) if st is not None and st.n and st.high == ONE else _F0
    if st is None or st.n == 0:
        if spec.kind in ("bonus", "time"):
            return None
        raise ScoringError(f"{spec.name}：需要至少 {rule.min_judges} 名裁判评分，现有 0 名")
    n = st.n
    if n < rule.min_judges:
        if rule.fallback == "error":
            raise ScoringError(f"{spec.name}：需要至少 {rule.min_judges} 名裁判评分，现有 {n} 名")
        value = Fraction(st.total) / n if rule.fallback == "mean" else _median(_values(spec, st))
        if rule.aggregate == "trimmed" and rule.reduce == "sum":
            value *= rule.kept
    elif rule.aggregate == "mean":
        value = Fraction(st.total) / n
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
        value = Fraction(kept) if rule.reduce == "sum" else Fraction(kept) / count
    if rule.places is not None:
        value = Fraction(round_half_up(value, rule.places))
    if spec.kind == "deduction":
        value = deduct(spec, value)
    return value


def fast_round(spec: RoundSpec, stats: Mapping[str, PanelStats], multiplier: Optional[Decimal] = None,
               time: Optional[Decimal] = None, keep: Iterable[str] = (), plain: Optional[tuple[int, int]] = None,
               plan: Optional["RoundPlan"] = None) -> RoundResult:
    """One entry's round result as `scoring.score_round` gives it, without explanation; `criteria` holds only the
    criteria named in `keep` (those a tie-break chain compares). `plain` (numerator, denominator) is the exact sum
    of weight x value over `plan.codes` (see `plain_part`); those criteria are then not looked up in `stats`."""
    if spec.multiplier and (multiplier is None or multiplier <= 0):
        raise ScoringError(f"{spec.name}：缺少难度系数（须大于 0）")
    if not spec.multiplier and multiplier is not None:
        raise ScoringError(f"{spec.name}：本轮次不使用难度系数")
    if plain is not None and plan is not None and plan.simple:
        return _simple_round(spec, plain, time)
    keep = set(keep)
    covered = plan.codes if plain is not None and plan is not None else frozenset()
    part = Fraction(*plain) if covered else _F0
    subtotal = part
    lost = plan.top - part if covered else _F0  # base rounds: the plain criteria's max x weight minus their value
    ungrouped = _F0
    groups: dict[str, Fraction] = {}
    times: list[Fraction] = []
    vetoes: list[str] = []
    kept: list[CriterionResult] = []
    for cs in spec.criteria:
        if cs.code in covered:
            continue
        st = stats.get(cs.code)
        if (st is None or not st.n) and cs.kind in SCORED_KINDS:
            raise ScoringError(f"{spec.name}：{cs.name} 缺少评分")
        value = criterion_value(cs, cs.panel_for(spec.panel), st)
        if cs.code in keep:
            shown = ZERO if value is None else to_decimal(value)
            kept.append(CriterionResult(cs.code, cs.name, cs.kind, shown, (), (), "",
                                        exact=None if value is None or shown == value else value))
        if value is None:
            if cs.kind != "bonus":
                continue
            value = _F0  # an unmarked bonus counts 0, as in scoring.py (it matters in a group of negatives)
        if cs.kind in SCORED_KINDS:
            if spec.base is not None:
                lost += (exact(cs.max) - value) * exact(cs.weight)
            else:
                subtotal += value * exact(cs.weight)
        elif cs.kind == "bonus":
            weighted = value * exact(cs.weight)
            if cs.bonus_group is None:
                ungrouped += weighted
            else:
                groups[cs.bonus_group] = max(groups.get(cs.bonus_group, weighted), weighted)
        elif cs.kind == "time":
            times.append(value)
        elif cs.kind == "veto" and value == 1:
            vetoes.append(cs.name)
    if spec.base is not None:
        subtotal = exact(spec.base) - lost
    bonus = ungrouped
    for best in groups.values():
        bonus += best
    if spec.bonus_cap is not None and bonus > spec.bonus_cap:
        bonus = exact(spec.bonus_cap)
    score = subtotal * exact(multiplier) if spec.multiplier else subtotal  # type: ignore[arg-type]
    if bonus:
        score += bonus
    if spec.floor is not None and score < spec.floor:
        score = exact(spec.floor)
    if spec.cap is not None and score > spec.cap:
        score = exact(spec.cap)
    rounded = round_half_up(score, spec.places)
    passed = spec.pass_mark is None or rounded >= spec.pass_mark
    round_time = to_decimal(sum(times, _F0)) if times else time
    return RoundResult(spec.code, spec.name, rounded, to_decimal(subtotal), to_decimal(bonus), multiplier, round_time,
                       bool(vetoes), tuple(vetoes), passed, tuple(kept), _EMPTY)


_ROUND_FIELDS = tuple(RoundResult.__dataclass_fields__)


def _simple_round(rs: RoundSpec, plain: tuple[int, int], time: Optional[Decimal]) -> RoundResult:
    """A round of plain criteria only, without multiplier, bonus, base, floor or cap: integer arithmetic."""
    num, den = plain
    score = _half_up(num, den, rs.places)
    passed = rs.pass_mark is None or score >= rs.pass_mark
    # the same object RoundResult(...) gives, without the frozen dataclass's per-field __setattr__ (10,000s of them)
    rr = object.__new__(RoundResult)
    rr.__dict__.update(zip(_ROUND_FIELDS, (rs.code, rs.name, score, Decimal(num) / Decimal(den), ZERO, None, time,
                                           False, (), passed, (), _EMPTY)))
    return rr


def _half_up(num: int, den: int, places: int) -> Decimal:
    """round_half_up(num / den, places) exactly, in integers (den > 0)."""
    q, r = divmod(abs(num) * 10 ** places, den)
    if 2 * r >= den:
        q += 1
    return Decimal(-q if num < 0 else q).scaleb(-places)


@dataclass(frozen=True, slots=True)
class RoundStats:
    """One entry's aggregated marks in one round (criterion code -> stats), its round facts, and optionally the
    exact plain part (numerator, denominator) of `plan_event(...)[round].codes` (those are then not in `stats`)."""

    stats: Mapping[str, PanelStats]
    multiplier: Optional[Decimal] = None
    time: Optional[Decimal] = None
    plain: Optional[tuple[int, int]] = None


def chain_criteria(event: EventSpec) -> dict[str, set[str]]:
    """Round code -> criterion codes the event's tie-break chain compares."""
    out: dict[str, set[str]] = {}
    for key in event.chain:
        if key.key == "criterion" and key.code:
            round_code, _, crit = key.code.partition(".")
            out.setdefault(round_code, set()).add(crit)
    return out


# --- plans: which criteria a database can sum exactly ---------------------------------------------------------------

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
    others: tuple[str, ...]        # every other criterion (per-criterion aggregates)
    weight_places: int             # weights x 10^weight_places are integers
    top: Fraction                  # sum of max x weight over `codes` (rounds with a base score)
    simple: bool                   # only plain criteria, no multiplier, bonus, base, floor or cap: integers only


def is_plain(cs: CriterionSpec, rule: PanelRule) -> bool:
    """Whether a database can reduce this criterion's marks exactly to a weighted integer sum (see module doc)."""
    return (cs.kind in ("judgement", "measurement") and rule.places is None
            and (rule.aggregate == "mean" or (rule.aggregate == "trimmed" and rule.drop_low <= 1
                                              and rule.drop_high <= 1)))


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
    fewer marks than the rule's minimum -- score that round from per-criterion aggregates then."""
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


def fast_entry(event: EventSpec, entry: str, rounds: Mapping[str, RoundStats],
               keep: Optional[Mapping[str, set[str]]] = None,
               plans: Optional[Mapping[str, RoundPlan]] = None) -> EntryResult:
    """One entry's event result as `scoring.score_entry` gives it, without explanation."""
    keep = chain_criteria(event) if keep is None else keep
    results: list[RoundResult] = []
    for rs in event.rounds:
        data = rounds.get(rs.code)
        if data is not None:
            plan = None
            if data.plain is not None:
                plan = (plans or plan_event(event, keep))[rs.code]
            results.append(fast_round(rs, data.stats, data.multiplier, data.time, keep.get(rs.code, ()), data.plain,
                                      plan))
    for code in rounds:
        if event.round(code) is None:
            raise ScoringError(f"{event.name}：未定义的轮次 {code}")
    return _combine(event, entry, results)


def stats_of(values: Iterable[Decimal], with_values: bool = False) -> PanelStats:
    """PanelStats from single marks (tests, small events)."""
    ordered = tuple(sorted(values))
    return PanelStats(len(ordered), sum(ordered, ZERO), ordered[0], ordered[-1], ordered if with_values else None)


# --- batch: a whole event from aggregate rows -------------------------------------------------------------------------

def score_event_rows(event: EventSpec, rows: Iterable[tuple], facts: Mapping[tuple, tuple] = {},
                     scale: int = 4, plain: Mapping[tuple, tuple[int, int]] = {},
                     plans: Optional[Mapping[str, RoundPlan]] = None) -> tuple[dict, dict]:
    """Every entry of an event, as `fast_entry` (and so `scoring.score_entry`) would score them.

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
    D = Decimal
    for row in rows:
        entry, rcode, ccode, n, total, low, high = row[:7]
        st = PanelStats(n, D(total) * unit, D(low) * unit, D(high) * unit, row[7] if len(row) > 7 else None)
        grouped.setdefault(entry, {}).setdefault(rcode, {})[ccode] = st
    by_entry: dict[str, dict[str, tuple[int, int]]] = {}
    for (entry, rcode), part in plain.items():
        by_entry.setdefault(entry, {})[rcode] = part
    results: dict[str, EntryResult] = {}
    errors: dict[str, str] = {}
    all_simple = all(plans[rs.code].simple for rs in event.rounds)
    weights = [(rs, rs.weight) for rs in event.rounds] if event.combine in ("weighted_sum", "sum") else None
    no_facts = (None, None)
    if all_simple and weights is not None:
        _simple_event(event, grouped, by_entry, facts, results)
    for entry in grouped.keys() | by_entry.keys():
        if entry in results:
            continue
        stats = grouped.get(entry, {})
        parts = by_entry.get(entry, {})
        try:
            if all_simple and not stats and len(parts) == len(event.rounds):  # the common case, inlined
                rounds_ = [_simple_round(rs, parts[rs.code], facts.get((entry, rs.code), no_facts)[1])
                           for rs in event.rounds]
                if weights is None:
                    results[entry] = _combine(event, entry, rounds_)
                    continue
                total = ZERO
                for rr, (rs, w) in zip(rounds_, weights):
                    total += rr.score * w
                times = [rr.time for rr in rounds_ if rr.time is not None]
                er = object.__new__(EntryResult)  # as EntryResult(...), see _simple_round
                er.__dict__.update(zip(_ENTRY_FIELDS, (
                    entry, round_half_up(total, event.places), sum(times, ZERO) if times else None, False, (),
                    all(rr.passed for rr in rounds_), tuple(rounds_), _EMPTY, ())))
                results[entry] = er
                continue
            rounds: dict[str, RoundStats] = {}
            for rcode in stats.keys() | parts.keys():
                mult, time = facts.get((entry, rcode), (None, None))
                rs = event.round(rcode)
                if rs is not None and not rs.multiplier:
                    mult = None
                rounds[rcode] = RoundStats(stats.get(rcode, {}), mult, time, parts.get(rcode))
            results[entry] = fast_entry(event, entry, rounds, keep, plans)
        except ScoringError as exc:
            errors[entry] = str(exc)
    return results, errors


_ENTRY_FIELDS = tuple(EntryResult.__dataclass_fields__)


def _simple_event(event: EventSpec, grouped: Mapping, by_entry: Mapping[str, Mapping[str, tuple[int, int]]],
                  facts: Mapping[tuple, tuple], results: dict[str, EntryResult]) -> None:
    """The common case of `score_event_rows` in integers: every round simple (`_simple_round`), rounds combined by
    weighted_sum or sum. Per entry and round one exact half-up division of the plain part; the total is the exact
    integer sum of round score x weight, rounded half-up once -- the same figures as the Decimal arithmetic of
    `_combine` (exact: scores and weights have a few digits) and the same Decimal forms. Objects are built without
    the frozen dataclasses' per-field __setattr__ (10,000s of them). Entries of another shape are left to the caller."""
    rounds = event.rounds
    wplaces = max(max(0, -rs.weight.normalize().as_tuple().exponent) for rs in rounds)
    top = max(rs.places for rs in rounds) + wplaces
    consts = [(rs.code, rs.name, rs.places, 10 ** rs.places, rs.pass_mark, int(rs.weight.scaleb(wplaces)),
               10 ** (top - rs.places - wplaces)) for rs in rounds]
    places = event.places
    unit = 10 ** top
    quantum = 10 ** places
    n_rounds = len(rounds)
    new, D, RR, ER = object.__new__, Decimal, RoundResult, EntryResult
    no_time = not facts
    # A round's result depends on (round, plain part, time) only, and parts repeat across entries (a few thousand
    # distinct ones for 10,000 entries): one RoundResult (immutable) and its exact share of the total for each.
    memo: dict[tuple, tuple[RoundResult, int]] = {}
    totals: dict[int, Decimal] = {}

    def round_result(const: tuple, part: tuple[int, int], time: Optional[Decimal]) -> tuple[RoundResult, int]:
        code, name, rplaces, scale, pass_mark, weight, shift = const
        num, den = part
        q, r = divmod((num if num >= 0 else -num) * scale, den)
        if 2 * r >= den:
            q += 1
        if num < 0:
            q = -q
        score = D(q).scaleb(-rplaces)
        rr = new(RR)
        rr.__dict__.update({"round": code, "name": name, "score": score, "subtotal": D(num) / D(den),
                            "bonus": ZERO, "multiplier": None, "time": time, "vetoed": False,
                            "veto_reasons": (), "passed": pass_mark is None or score >= pass_mark, "criteria": (),
                            "explanation": _EMPTY})
        return rr, q * weight * shift

    for entry, parts in by_entry.items():
        if len(parts) != n_rounds or entry in grouped:
            continue
        total = 0
        passed = True
        round_results = []
        times = []
        for const in consts:
            code = const[0]
            part = parts.get(code)
            if part is None:
                break
            time = None if no_time else facts.get((entry, code), (None, None))[1]
            key = (code, part, time)
            got = memo.get(key)
            if got is None:
                got = memo[key] = round_result(const, part, time)
            rr, share = got
            total += share
            passed = passed and rr.passed
            if time is not None:
                times.append(time)
            round_results.append(rr)
        else:
            # the total, half-up to the event's places, exactly (a negative total keeps its sign, as quantize does)
            q, r = divmod((total if total >= 0 else -total) * quantum, unit)
            if 2 * r >= unit:
                q += 1
            key = q if total >= 0 else -q - 1  # -0.00 is its own value
            shown = totals.get(key)
            if shown is None:
                shown = totals[key] = (D(q).scaleb(-places) if total >= 0 else D((1, (0,), -places)) if q == 0
                                       else D(-q).scaleb(-places))
            er = new(ER)
            er.__dict__.update({"entry": entry, "total": shown, "time": sum(times, ZERO) if times else None,
                                "vetoed": False, "veto_reasons": (), "passed": passed,
                                "rounds": tuple(round_results), "explanation": _EMPTY, "members": ()})
            results[entry] = er


def _combine(event: EventSpec, entry: str, results: list[RoundResult]) -> EntryResult:
    scores = {rr.round: rr.score for rr in results}
    if event.combine in ("weighted_sum", "sum"):
        total = sum((scores.get(rs.code, ZERO) * rs.weight for rs in event.rounds), ZERO)
    elif event.combine == "mean":
        total = Fraction(sum(scores.values(), ZERO)) / len(scores) if scores else ZERO
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
