"""Judge consistency: how each judge's marks relate to the panel's, for the chief judge during the contest.

Input is what the scoring engine already decided: for each (entry, criterion) the marks, the panel's value per judge
(the mean of the marks it kept) and which judges' marks it dropped as high or low (`observe` builds one from a
`CriterionResult`). Deviations are compared across criteria as a share of each criterion's range (max - min), so a
0-3 judgement item and a 0-40 item weigh alike; figures are reported in percent of the range, and in points where the
criteria share one range.

Per judge: mean deviation (signed: a lenient judge is positive), mean absolute deviation, spread (standard deviation
of the deviations), how often the rule dropped their mark as the highest or lowest, the correlation of their marks with
the panel's, and, optionally, z-scores (each judge's marks standardised by their own mean and spread, as some award
platforms offer). A judge whose deviations on one unit's entrants differ from their deviations on everyone else's by
more than a threshold, with enough entries to tell (Welch's t), is flagged: a sign of bias for or against that unit.

Statistics here describe; they never change a score. Decimal arithmetic, reported rounded half-up.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Iterable, Mapping, Optional, Sequence

from .scoring import CriterionResult
from .types import round_half_up

HUNDRED = Decimal(100)
ZERO = Decimal(0)


@dataclass(frozen=True)
class Observation:
    """One entry's marks on one criterion, as the panel rule treated them."""

    entry: str
    criterion: str
    unit: Optional[str]
    scale: Decimal                        # the criterion's range (max - min), > 0
    marks: tuple[tuple[str, Decimal], ...]  # (judge, mark)
    panel: Decimal                        # the panel's value per judge: the mean of the kept marks
    dropped_high: frozenset[str] = frozenset()
    dropped_low: frozenset[str] = frozenset()


def observe(result: CriterionResult, entry: str, unit: Optional[str], scale: Decimal,
            drop_low: int = 0) -> Optional[Observation]:
    """An observation from the engine's result for one entry and criterion; `drop_low` is the panel rule's count of
    lowest marks dropped (the engine lists the dropped lowest first, then the highest). None when fewer than two
    judges marked it (there is no panel to deviate from) or for a veto (a finding, not a mark)."""
    marks = result.used + result.dropped
    if len(marks) < 2 or not result.used or scale <= 0 or result.kind == "veto":
        return None
    kept = [m.value for m in result.used]
    low, high = result.dropped[:drop_low], result.dropped[drop_low:]
    with localcontext() as ctx:
        ctx.prec = 28
        panel = sum(kept, ZERO) / len(kept)
    return Observation(
        entry=entry, criterion=result.code, unit=unit, scale=scale,
        marks=tuple((m.judge, m.value) for m in marks), panel=panel,
        dropped_high=frozenset(m.judge for m in high), dropped_low=frozenset(m.judge for m in low))


@dataclass(frozen=True)
class UnitFlag:
    """A judge's marks on one unit's entrants stand apart from their marks on everyone else's."""

    judge: str
    unit: str
    entries: int              # the unit's entries this judge marked
    difference: Decimal       # mean deviation on the unit minus on the rest, percent of range (+ favours)
    t: Decimal                # Welch's t of that difference

    @property
    def favours(self) -> bool:
        return self.difference > 0


@dataclass(frozen=True)
class JudgeConsistency:
    judge: str
    marks: int
    mean_deviation: Decimal            # percent of range, signed (+ = above the panel)
    mean_abs_deviation: Decimal        # percent of range
    spread: Decimal                    # standard deviation of the deviations, percent of range
    mean_deviation_points: Optional[Decimal]  # in points, when every criterion has the same range
    dropped_high: int
    dropped_low: int
    dropped_high_rate: Decimal         # percent of this judge's marks on items where the rule dropped any
    dropped_low_rate: Decimal
    correlation: Optional[Decimal]     # Pearson r of the judge's marks with the panel's (None below 3 marks)
    flags: tuple[UnitFlag, ...] = ()


@dataclass(frozen=True)
class ConsistencyReport:
    judges: tuple[JudgeConsistency, ...]
    observations: int

    @property
    def flags(self) -> tuple[UnitFlag, ...]:
        return tuple(f for j in self.judges for f in j.flags)

    def judge(self, code: str) -> Optional[JudgeConsistency]:
        return next((j for j in self.judges if j.judge == code), None)


def _mean(values: Sequence[Decimal]) -> Decimal:
    return sum(values, ZERO) / len(values)


def _variance(values: Sequence[Decimal]) -> Decimal:
    """Sample variance (n - 1); 0 for fewer than two values."""
    if len(values) < 2:
        return ZERO
    m = _mean(values)
    return sum(((v - m) ** 2 for v in values), ZERO) / (len(values) - 1)


def _sqrt(value: Decimal) -> Decimal:
    return value.sqrt() if value > 0 else ZERO


def _correlation(xs: Sequence[Decimal], ys: Sequence[Decimal]) -> Optional[Decimal]:
    if len(xs) < 3:
        return None
    mx, my = _mean(xs), _mean(ys)
    sxy = sum(((x - mx) * (y - my) for x, y in zip(xs, ys)), ZERO)
    sxx = sum(((x - mx) ** 2 for x in xs), ZERO)
    syy = sum(((y - my) ** 2 for y in ys), ZERO)
    if sxx == 0 or syy == 0:
        return None  # no variation on one side: correlation is undefined
    return sxy / (sxx * syy).sqrt()


def _round(value: Optional[Decimal], places: int = 2) -> Optional[Decimal]:
    return None if value is None else round_half_up(value, places)


def judge_consistency(observations: Iterable[Observation], *, min_unit_entries: int = 3,
                      flag_difference: Decimal = Decimal(5), flag_t: Decimal = Decimal(2)) -> ConsistencyReport:
    """Per-judge consistency figures and unit flags.

    A unit is flagged for a judge when the judge marked at least `min_unit_entries` of its entries and as many of
    other units', their mean deviation on it differs from the rest by at least `flag_difference` percent of the range,
    and Welch's t of the difference is at least `flag_t` (roughly 95% confidence with a handful of entries)."""
    obs = list(observations)
    with localcontext() as ctx:
        ctx.prec = 28
        rel: dict[str, list[Decimal]] = defaultdict(list)          # judge -> deviations, percent of range
        points: dict[str, list[Decimal]] = defaultdict(list)       # judge -> deviations in points
        pairs: dict[str, list[tuple[Decimal, Decimal]]] = defaultdict(list)  # judge -> (mark, panel), share of range
        by_unit: dict[str, dict[str, list[Decimal]]] = defaultdict(lambda: defaultdict(list))
        unit_entries: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        dropped = defaultdict(lambda: [0, 0, 0])                    # judge -> [high, low, marks on items with drops]
        scales = {o.scale for o in obs}
        for o in obs:
            any_dropped = bool(o.dropped_high or o.dropped_low)
            for judge, value in o.marks:
                deviation = (value - o.panel) / o.scale * HUNDRED
                rel[judge].append(deviation)
                points[judge].append(value - o.panel)
                pairs[judge].append((value / o.scale, o.panel / o.scale))
                if o.unit is not None:
                    by_unit[judge][o.unit].append(deviation)
                    unit_entries[judge][o.unit].add(o.entry)
                if any_dropped:
                    counts = dropped[judge]
                    counts[0] += judge in o.dropped_high
                    counts[1] += judge in o.dropped_low
                    counts[2] += 1
        judges = []
        for judge in sorted(rel):
            devs = rel[judge]
            high, low, with_drops = dropped[judge]
            flags = _unit_flags(judge, by_unit[judge], unit_entries[judge], min_unit_entries, flag_difference,
                                flag_t)
            judges.append(JudgeConsistency(
                judge=judge, marks=len(devs),
                mean_deviation=_round(_mean(devs)),
                mean_abs_deviation=_round(_mean([abs(d) for d in devs])),
                spread=_round(_sqrt(_variance(devs))),
                mean_deviation_points=_round(_mean(points[judge])) if len(scales) == 1 else None,
                dropped_high=high, dropped_low=low,
                dropped_high_rate=_round(Decimal(high) / with_drops * HUNDRED) if with_drops else ZERO,
                dropped_low_rate=_round(Decimal(low) / with_drops * HUNDRED) if with_drops else ZERO,
                correlation=_round(_correlation([x for x, _ in pairs[judge]], [y for _, y in pairs[judge]]), 3),
                flags=flags))
    return ConsistencyReport(tuple(judges), len(obs))


def _unit_flags(judge: str, by_unit: Mapping[str, list[Decimal]], entries: Mapping[str, set[str]],
                min_entries: int, min_difference: Decimal, min_t: Decimal) -> tuple[UnitFlag, ...]:
    flags = []
    for unit, devs in sorted(by_unit.items()):
        rest = [d for other, values in by_unit.items() if other != unit for d in values]
        rest_entries = set().union(*(e for other, e in entries.items() if other != unit)) if len(entries) > 1 else set()
        if len(entries[unit]) < min_entries or len(rest_entries) < min_entries:
            continue
        difference = _mean(devs) - _mean(rest)
        error = _sqrt(_variance(devs) / len(devs) + _variance(rest) / len(rest))
        if abs(difference) < min_difference:
            continue
        t = abs(difference) / error if error > 0 else Decimal("Infinity")
        if t >= min_t:
            flags.append(UnitFlag(judge, unit, len(entries[unit]), round_half_up(difference, 2),
                                  round_half_up(t, 2) if t.is_finite() else Decimal(999)))
    return tuple(flags)


def z_scores(observations: Iterable[Observation]) -> dict[tuple[str, str, str], Optional[Decimal]]:
    """Each mark standardised by its judge's own marks: (mark - judge's mean) / judge's standard deviation, marks taken
    as a share of their criterion's range. Keyed by (judge, entry, criterion); None where a judge's marks do not vary.
    A view for the chief judge: a harsh and a lenient judge who order entrants alike get alike z-scores."""
    obs = list(observations)
    with localcontext() as ctx:
        ctx.prec = 28
        shares: dict[str, list[tuple[str, str, Decimal]]] = defaultdict(list)
        for o in obs:
            for judge, value in o.marks:
                shares[judge].append((o.entry, o.criterion, value / o.scale))
        out: dict[tuple[str, str, str], Optional[Decimal]] = {}
        for judge, rows in shares.items():
            values = [v for _, _, v in rows]
            mean, sd = _mean(values), _sqrt(_variance(values))
            for entry, criterion, v in rows:
                out[(judge, entry, criterion)] = round_half_up((v - mean) / sd, 2) if sd > 0 else None
    return out
