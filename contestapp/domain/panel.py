"""The panel rule, once: how one criterion's marks from several judges become one value.

`panel_value` applies a PanelRule to a criterion's statistics (count, sum, lowest, highest; the single marks where
the rule needs them) -- whether those come from one entry's marks (`score_criterion`, with the explanation) or from
one aggregate query over a whole event (`criterion_value`). The arithmetic is exact and generic over the number it
carries: an exact `Fraction` when no explanation is wanted, or a `Num`, which also keeps the Decimal the
arithmetic gives (its form -- 9.0, 8.50 -- is what explanations show).
"""
from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Iterable, Optional, Sequence

from .messages import N_, Message, said
from .scores import CriterionResult, Explanation, Line, Mark, PanelStats, ScoringError
from .types import ONE, ZERO, CriterionSpec, PanelRule, round_half_up, to_decimal


class Num:
    """A figure: `d`, the Decimal the arithmetic gives (its form is what explanations show), and `f`, the exact
    rational (what is compared and rounded). They differ only after a division that does not end (25/3)."""

    __slots__ = ("d", "f")

    def __init__(self, d: Decimal, f: Optional[Fraction] = None):
        self.d, self.f = d, (Fraction(d) if f is None else f)

    @staticmethod
    def of(x: "Num | Decimal | int") -> "Num":
        return x if isinstance(x, Num) else Num(Decimal(x))

    @property
    def shown(self) -> Decimal:
        """The Decimal to show and hand on: `d` when exact, else the exact value to 28 digits."""
        return self.d if Fraction(self.d) == self.f else to_decimal(self.f)

    def __add__(self, o):
        o = Num.of(o)
        return Num(self.d + o.d, self.f + o.f)

    __radd__ = __add__

    def __sub__(self, o):
        o = Num.of(o)
        return Num(self.d - o.d, self.f - o.f)

    def __rsub__(self, o):
        return Num.of(o) - self

    def __mul__(self, o):
        o = Num.of(o)
        return Num(self.d * o.d, self.f * o.f)

    __rmul__ = __mul__

    def __truediv__(self, n: int):
        return Num(self.d / n, self.f / n)

    def __lt__(self, o):
        return self.f < Num.of(o).f

    def __gt__(self, o):
        return self.f > Num.of(o).f

    def __eq__(self, o):
        return self.f == Num.of(o).f

    def __hash__(self):
        return hash(self.f)

    def __bool__(self):
        return bool(self.f)


# The two kinds of number the engine computes with: `of` turns a Decimal of the spec or the marks into one.
def exact_of(x) -> Fraction:
    return x.f if isinstance(x, Num) else x


def shown(x) -> Decimal:
    """A figure as the Decimal results carry: a Num's shown form, a Fraction's exact value (to 28 digits)."""
    return x.shown if isinstance(x, Num) else to_decimal(x)


def fmt(value) -> str:
    """Decimal without exponent noise (no 1E+1), keeping meaningful places."""
    if isinstance(value, Num):
        value = value.shown
    text = format(value, "f")
    if "." in text and len(text.split(".")[1]) > 4:  # an unrounded mean: show it shortened
        text = format(round_half_up(value, 4), "f")
    return text


def needs_values(spec: CriterionSpec, rule: PanelRule) -> bool:
    """Whether this criterion's rule needs the single marks rather than count/sum/min/max."""
    if spec.kind == "veto":
        return False
    if rule.aggregate == "median" or rule.fallback == "median":
        return True
    return rule.aggregate == "trimmed" and (rule.drop_high > 1 or rule.drop_low > 1)


def is_plain(cs: CriterionSpec, rule: PanelRule) -> bool:
    """Whether a database can reduce this criterion's marks exactly to a weighted integer sum: a judgement or
    measurement, mean or trimmed by at most one high and one low, no rounding of its own."""
    return (cs.kind in ("judgement", "measurement") and rule.places is None
            and (rule.aggregate == "mean" or (rule.aggregate == "trimmed" and rule.drop_low <= 1
                                              and rule.drop_high <= 1)))


def stats_of(values: Iterable[Decimal], with_values: bool = False) -> PanelStats:
    """PanelStats from single marks (tests, small events)."""
    ordered = tuple(sorted(values))
    return PanelStats(len(ordered), sum(ordered, ZERO), ordered[0], ordered[-1], ordered if with_values else None)


def _too_few(spec: CriterionSpec, rule: PanelRule, n: int) -> ScoringError:
    return ScoringError(Message(N_("%(criterion)s：需要至少 %(need)s 名裁判评分，现有 %(n)s 名"), criterion=spec.name,
                                need=rule.min_judges, n=n))


def _median(values: Sequence[Decimal], of):
    mid = len(values) // 2
    return of(values[mid]) if len(values) % 2 else (of(values[mid - 1]) + of(values[mid])) / 2


def _values(spec: CriterionSpec, st: PanelStats) -> tuple[Decimal, ...]:
    if st.values is None:
        raise ValueError(f"{spec.code}: this panel rule needs the single marks (PanelStats.values)")
    return st.values


def _sum(st: PanelStats, of, start: int = 0, stop: Optional[int] = None):
    """The sum of the marks from the `start`-th lowest up to `stop` (the single marks when given: their Decimal
    form is what an explanation shows; else count/sum/min/max, which drop at most one at each end)."""
    if st.values is not None:
        return of(sum(st.values[start:stop], ZERO))
    kept = st.total
    if start:
        kept -= st.low
    if stop is not None and stop < st.n:
        kept -= st.high
    return of(kept)


def panel_value(spec: CriterionSpec, rule: PanelRule, st: PanelStats, of=Fraction):
    """(value, fallback applied): the panel rule on one criterion's statistics, before the rule's own rounding."""
    n = st.n
    if n < rule.min_judges:
        if rule.fallback == "error" or not n:
            raise _too_few(spec, rule, n)
        value = _sum(st, of) / n if rule.fallback == "mean" else _median(_values(spec, st), of)
        if rule.aggregate == "trimmed" and rule.reduce == "sum":  # keep the scale of a sum of `kept` marks
            value = value * rule.kept
        return value, True
    if rule.aggregate == "mean":
        return _sum(st, of) / n, False
    if rule.aggregate == "median":
        return _median(_values(spec, st), of), False
    if rule.drop_high > 1 or rule.drop_low > 1:
        _values(spec, st)
    kept = _sum(st, of, rule.drop_low, n - rule.drop_high)
    return (kept if rule.reduce == "sum" else kept / (n - rule.drop_low - rule.drop_high)), False


def deduct(spec: CriterionSpec, entered, of=Fraction):
    """A deduction item keeps max - deducted, never below min (扣完为止); `entered` is occurrences or points."""
    deducted = entered if spec.deduction_per is None else entered * of(spec.deduction_per)
    left = of(spec.max) - deducted
    return left if left > of(spec.min) else of(spec.min)


def criterion_value(spec: CriterionSpec, rule: PanelRule, st: Optional[PanelStats]) -> Optional[Fraction]:
    """The criterion's exact value from its statistics; None when a bonus or time criterion has no marks."""
    if spec.kind == "veto":
        return Fraction(1) if st is not None and st.n and st.high == ONE else Fraction(0)
    if st is None or st.n == 0:
        if spec.kind in ("bonus", "time"):
            return None
        raise _too_few(spec, rule, 0)
    value, _ = panel_value(spec, rule, st)
    if rule.places is not None:
        value = Fraction(round_half_up(value, rule.places))
    return deduct(spec, value) if spec.kind == "deduction" else value


# --- one criterion from its marks, with the explanation ---------------------------------------------------------------

def _marks_text(marks: Iterable[Mark]) -> str:
    return "、".join(f"{fmt(m.value)}({m.judge})" for m in marks) or "无"


def _check_marks(spec: CriterionSpec, marks: Sequence[Mark]) -> None:
    judges: set[str] = set()
    for m in marks:
        if m.judge in judges:
            raise ScoringError(Message(N_("%(criterion)s：裁判 %(judge)s 重复评分"), criterion=spec.name, judge=m.judge))
        judges.add(m.judge)
        why = spec.check_mark(m.value)
        if why:
            raise ScoringError(Message(N_("%(criterion)s：裁判 %(judge)s 的评分 %(value)s 无效（%(reason)s）"),
                                       criterion=spec.name, judge=m.judge, value=m.value, reason=said(why)))


def score_criterion(spec: CriterionSpec, rule: PanelRule, marks: Sequence[Mark]) -> CriterionResult:
    """One criterion's value from its marks, under `rule` (use `spec.panel_for(round.panel)`), explained."""
    _check_marks(spec, marks)
    if spec.kind == "veto":  # one assessor's finding is enough
        value = ONE if any(m.value == ONE for m in marks) else ZERO
        line = Line(0, spec.name, "是（一票否决）" if value else "否", value)
        return CriterionResult(spec.code, spec.name, spec.kind, value, tuple(marks), (), "任一评分为 1 即否决",
                               explanation=Explanation((line,)))
    if not marks and spec.kind in ("bonus", "time"):  # no bonus / time unknown
        line = Line(0, spec.name, "未录入", ZERO)
        return CriterionResult(spec.code, spec.name, spec.kind, ZERO, (), (), "未录入", explanation=Explanation((line,)))
    ordered = sorted(marks, key=lambda m: (m.value, m.judge))  # equal marks: drop by judge code, reproducibly
    values = tuple(m.value for m in ordered)
    value, fallback = panel_value(spec, rule, PanelStats(len(values), sum(values, ZERO), values[0] if values else ZERO,
                                                         values[-1] if values else ZERO, values), Num.of)
    used, low, high = ordered, [], []
    if fallback:
        text = f"裁判不足 {rule.min_judges} 名（{len(ordered)} 名），改取{'平均' if rule.fallback == 'mean' else '中位数'}"
        if rule.aggregate == "trimmed" and rule.reduce == "sum":
            text += f" × {rule.kept}"
    else:
        text = rule.describe()
        if rule.aggregate == "trimmed":
            used = ordered[rule.drop_low: len(ordered) - rule.drop_high]
            low, high = ordered[: rule.drop_low], ordered[len(ordered) - rule.drop_high:]
    alert = None
    spread = values[-1] - values[0]
    if rule.spread_alert is not None and spread > rule.spread_alert:
        alert = Message(N_("评分差 %(spread)s 超过 %(limit)s，请裁判长核查"), spread=fmt(spread), limit=fmt(rule.spread_alert))
    if rule.places is not None:
        value = Num(round_half_up(value.f, rule.places))
    parts = [f"评分 {_marks_text(marks)}"]
    if high:
        parts.append(f"去掉最高 {_marks_text(high)}")
    if low:
        parts.append(f"去掉最低 {_marks_text(low)}")
    if len(marks) > 1 or fallback or value != marks[0].value:
        parts.append(f"{text} = {fmt(value)}")
    if spec.kind == "deduction":
        entered = value
        value = deduct(spec, entered, Num.of)
        how = f"{fmt(entered)} 分" if spec.deduction_per is None else \
            f"{fmt(entered)} 处 × {fmt(spec.deduction_per)} 分"
        parts.append(f"扣 {how}，{fmt(spec.max)} 分扣完为止，得 {fmt(value)}")
    if alert:
        parts.append("⚠ " + alert)
        alert = Message(N_("%(criterion)s：%(reason)s"), criterion=spec.name, reason=alert)
    figure = value.shown
    lines = (Line(0, spec.name, "；".join(parts), figure),)
    return CriterionResult(spec.code, spec.name, spec.kind, figure, tuple(used), tuple(low + high), text, alert,
                           fallback, Explanation(lines), None if Fraction(figure) == value.f else value.f)
