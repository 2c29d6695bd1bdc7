"""Scoring: judges' marks -> criterion values -> round scores -> entry results, each with its explanation (成绩明细).

Arithmetic is exact: every figure is carried as an exact rational beside the Decimal shown (`_Num`), so a mean of
thirds (25/3) goes exactly through weights, multiplier, bonus, floor and cap, and is rounded half-up exactly where
the rules round (a panel's `places`, the round's, the event's): a sum landing exactly on .xx5 always rounds up.
Figures shown keep their Decimal form (25.0, 8.50); one without an exact Decimal is shown to 28 digits.

Marks for bonus and veto criteria are exception-only (no mark = no bonus / no veto); every other scored criterion
needs its marks, and a missing time mark leaves the time unknown.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from decimal import Decimal
from fractions import Fraction
from typing import Iterable, Mapping, Optional, Sequence

from .types import (
    ONE,
    SCORED_KINDS,
    ZERO,
    CriterionSpec,
    EventSpec,
    PanelRule,
    RoundSpec,
    TieBreakKey,
    exact,
    round_half_up,
    to_decimal,
)


class _Num:
    """A figure: `d`, the Decimal the arithmetic gives (its form is what explanations show), and `f`, the exact
    rational (what is compared and rounded). They differ only after a division that does not end (25/3)."""

    __slots__ = ("d", "f")

    def __init__(self, d: Decimal, f: Optional[Fraction] = None):
        self.d, self.f = d, (Fraction(d) if f is None else f)

    @staticmethod
    def of(x: "_Num | Decimal | int") -> "_Num":
        return x if isinstance(x, _Num) else _Num(Decimal(x))

    @property
    def shown(self) -> Decimal:
        """The Decimal to show and hand on: `d` when exact, else the exact value to 28 digits."""
        return self.d if Fraction(self.d) == self.f else to_decimal(self.f)

    def __add__(self, o):
        o = _Num.of(o)
        return _Num(self.d + o.d, self.f + o.f)

    __radd__ = __add__

    def __sub__(self, o):
        o = _Num.of(o)
        return _Num(self.d - o.d, self.f - o.f)

    def __rsub__(self, o):
        return _Num.of(o) - self

    def __mul__(self, o):
        o = _Num.of(o)
        return _Num(self.d * o.d, self.f * o.f)

    __rmul__ = __mul__

    def __truediv__(self, n: int):
        return _Num(self.d / n, self.f / n)

    def __lt__(self, o):
        return self.f < _Num.of(o).f

    def __gt__(self, o):
        return self.f > _Num.of(o).f

    def __eq__(self, o):
        return self.f == _Num.of(o).f

    def __hash__(self):
        return hash(self.f)

    def __bool__(self):
        return bool(self.f)


_N0 = _Num(ZERO)


class ScoringError(ValueError):
    """Marks cannot be scored (too few judges, a mark out of range, ...). The message is Chinese, for users."""


@dataclass(frozen=True)
class Mark:
    """One judge's mark for one criterion (see CriterionSpec for what `value` means per kind)."""

    judge: str
    criterion: str
    value: Decimal


@dataclass(frozen=True)
class EntryRoundInput:
    """All marks of one entry in one round; `multiplier` is its difficulty coefficient (难度系数) if the round uses one;
    `time` is a recorded time in seconds (用时, e.g. from a timekeeper's sheet), used when no time criterion has marks."""

    entry: str
    round: str
    marks: tuple[Mark, ...]
    multiplier: Optional[Decimal] = None
    time: Optional[Decimal] = None


@dataclass(frozen=True)
class Line:
    """One line of an explanation: `label` (what), `detail` (how, in Chinese), `value` (the figure it gives)."""

    depth: int
    label: str
    detail: str
    value: Optional[Decimal] = None


@dataclass(frozen=True)
class Explanation:
    """成绩明细: structured lines, renderable as Chinese text."""

    lines: tuple[Line, ...]

    def text(self) -> str:
        return "\n".join("  " * ln.depth + f"{ln.label}：{ln.detail}" for ln in self.lines) + "\n"

    def nested(self, by: int = 1) -> tuple[Line, ...]:
        return tuple(Line(ln.depth + by, ln.label, ln.detail, ln.value) for ln in self.lines)


@dataclass(frozen=True)
class CriterionResult:
    code: str
    name: str
    kind: str
    value: Decimal  # points (scored kinds, bonus), seconds (time) or 1/0 (veto)
    used: tuple[Mark, ...]
    dropped: tuple[Mark, ...]
    rule: str
    alert: Optional[str] = None
    fallback: bool = False  # the panel's fallback was applied (too few judges)
    explanation: Explanation = Explanation(())
    exact: Optional[Fraction] = None  # `value` exactly, when it has no exact Decimal (a mean of thirds)

    @property
    def figure(self) -> Fraction:
        """The value as an exact rational (what the round adds up)."""
        return self.exact if self.exact is not None else Fraction(self.value)

    def _num(self) -> _Num:
        return _Num(self.value, self.exact)


@dataclass(frozen=True)
class RoundResult:
    round: str
    name: str
    score: Decimal
    subtotal: Decimal
    bonus: Decimal
    multiplier: Optional[Decimal]
    time: Optional[Decimal]
    vetoed: bool
    veto_reasons: tuple[str, ...]
    passed: bool
    criteria: tuple[CriterionResult, ...]
    explanation: Explanation

    @property
    def alerts(self) -> tuple[str, ...]:
        return tuple(c.alert for c in self.criteria if c.alert)

    def criterion(self, code: str) -> Optional[CriterionResult]:
        return next((c for c in self.criteria if c.code == code), None)


@dataclass(frozen=True)
class EntryResult:
    """An entry's result in an event; a team's result from its members' results has `members` and no `rounds`."""

    entry: str
    total: Decimal
    time: Optional[Decimal]
    vetoed: bool
    veto_reasons: tuple[str, ...]
    passed: bool
    rounds: tuple[RoundResult, ...]
    explanation: Explanation
    members: tuple["EntryResult", ...] = ()

    def round(self, code: str) -> Optional[RoundResult]:
        return next((r for r in self.rounds if r.round == code), None)

    def round_score(self, code: str) -> Optional[Decimal]:
        """The entry's score in a round, or None. A team scored from its members' results (`team_result`) has no
        rounds of its own: its round score is the sum of its counted members' scores in that round (团体成绩 =
        队员成绩之和), None when none of them has one. Exact: each member's score is already rounded half-up at the
        round's places, so the Decimal sum keeps those places and rounds nothing. Exports, the ranking page and the
        tie-break chain (`value`) all read round scores here."""
        if self.members:
            scores = [s for m in self.members if (s := m.round_score(code)) is not None]
            return sum(scores, ZERO) if scores else None
        for rr in self.rounds:  # looked up directly: ranking asks this of every tied entry
            if rr.round == code:
                return rr.score
        return None

    def round_scores(self) -> dict[str, Decimal]:
        """Round code -> `round_score` for every round the entry (a team: any of its counted members) has."""
        if not self.members:
            return {rr.round: rr.score for rr in self.rounds}
        codes = dict.fromkeys(code for m in self.members for code in m.round_scores())
        return {code: score for code in codes if (score := self.round_score(code)) is not None}

    @cached_property
    def _figures(self) -> dict[tuple[str, Optional[str]], Decimal]:
        figures: dict[tuple[str, Optional[str]], Decimal] = {}
        if self.time is not None:
            figures["time", None] = self.time
        for rr in self.rounds:
            figures["round", rr.round] = rr.score
            for cr in rr.criteria:
                figures["criterion", f"{rr.round}.{cr.code}"] = cr.value
        return figures

    def value(self, key: TieBreakKey) -> Optional[Decimal]:
        """The figure a tie-break key compares (teams: the sum over members; a round score: `round_score`)."""
        if key.key == "round":
            return self.round_score(key.code or "")
        if self.members:
            values = [v for m in self.members if (v := m.value(key)) is not None]
            return sum(values, ZERO) if values else None
        if key.key == "time":
            return self.time
        return self._figures.get((key.key, key.code))


def _fmt(value: "Decimal | _Num") -> str:
    """Decimal without exponent noise (no 1E+1), keeping meaningful places."""
    if isinstance(value, _Num):
        value = value.shown
    text = format(value, "f")
    if "." in text and len(text.split(".")[1]) > 4:  # an unrounded mean: show it shortened
        text = format(round_half_up(value, 4), "f")
    return text


def _marks_text(marks: Iterable[Mark]) -> str:
    return "、".join(f"{_fmt(m.value)}({m.judge})" for m in marks) or "无"


def _mean(values: Sequence) -> _Num:
    return sum((_Num.of(v) for v in values), _N0) / len(values)


def _median(values: Sequence[Decimal]) -> _Num:
    s = sorted(values)
    mid = len(s) // 2
    return _Num(s[mid]) if len(s) % 2 else (_Num(s[mid - 1]) + s[mid]) / 2


def _check_marks(spec: CriterionSpec, marks: Sequence[Mark]) -> None:
    judges: set[str] = set()
    for m in marks:
        if m.judge in judges:
            raise ScoringError(f"{spec.name}：裁判 {m.judge} 重复评分")
        judges.add(m.judge)
        why = spec.check_mark(m.value)
        if why:
            raise ScoringError(f"{spec.name}：裁判 {m.judge} 的评分 {m.value} 无效（{why}）")


_Panel = tuple[_Num, list[Mark], list[Mark], list[Mark], bool, str]


def _panel(spec: CriterionSpec, rule: PanelRule, marks: Sequence[Mark]) -> _Panel:
    """Apply the panel rule: (value, used, dropped low, dropped high, fallback applied, rule text)."""
    ordered = sorted(marks, key=lambda m: (m.value, m.judge))  # equal marks: drop by judge code, reproducibly
    values = [m.value for m in ordered]
    if len(ordered) < rule.min_judges:
        if rule.fallback == "error" or not ordered:
            raise ScoringError(f"{spec.name}：需要至少 {rule.min_judges} 名裁判评分，现有 {len(ordered)} 名")
        value = _mean(values) if rule.fallback == "mean" else _median(values)
        how = "平均" if rule.fallback == "mean" else "中位数"
        text = f"裁判不足 {rule.min_judges} 名（{len(ordered)} 名），改取{how}"
        if rule.aggregate == "trimmed" and rule.reduce == "sum":  # keep the scale of a sum of `kept` marks
            value = value * rule.kept
            text += f" × {rule.kept}"
        return value, ordered, [], [], True, text
    if rule.aggregate == "mean":
        return _mean(values), ordered, [], [], False, rule.describe()
    if rule.aggregate == "median":
        return _median(values), ordered, [], [], False, rule.describe()
    used = ordered[rule.drop_low: len(ordered) - rule.drop_high]
    low, high = ordered[: rule.drop_low], ordered[len(ordered) - rule.drop_high:]
    kept = [m.value for m in used]
    value = _Num(sum(kept, ZERO)) if rule.reduce == "sum" else _mean(kept)
    return value, used, low, high, False, rule.describe()


def deduct(spec: CriterionSpec, entered: Fraction) -> Fraction:
    """A deduction item keeps max - deducted, never below min (扣完为止); `entered` is occurrences or points."""
    deducted = entered if spec.deduction_per is None else entered * exact(spec.deduction_per)
    return max(exact(spec.min), exact(spec.max) - deducted)


def _deduct(spec: CriterionSpec, entered: _Num) -> tuple[_Num, str]:
    if spec.deduction_per is None:
        deducted, how = entered, f"{_fmt(entered)} 分"
    else:
        deducted, how = entered * spec.deduction_per, f"{_fmt(entered)} 处 × {_fmt(spec.deduction_per)} 分"
    left = _Num.of(spec.max) - deducted
    value = left if left > spec.min else _Num(spec.min)
    return value, f"扣 {how}，{_fmt(spec.max)} 分扣完为止，得 {_fmt(value)}"


def score_criterion(spec: CriterionSpec, rule: PanelRule, marks: Sequence[Mark]) -> CriterionResult:
    """One criterion's value from its marks, under `rule` (use `spec.panel_for(round.panel)`)."""
    _check_marks(spec, marks)
    if spec.kind == "veto":  # one assessor's finding is enough
        value = ONE if any(m.value == ONE for m in marks) else ZERO
        line = Line(0, spec.name, "是（一票否决）" if value else "否", value)
        return CriterionResult(spec.code, spec.name, spec.kind, value, tuple(marks), (), "任一评分为 1 即否决",
                               explanation=Explanation((line,)))
    if not marks and spec.kind in ("bonus", "time"):  # no bonus / time unknown
        line = Line(0, spec.name, "未录入", ZERO)
        return CriterionResult(spec.code, spec.name, spec.kind, ZERO, (), (), "未录入", explanation=Explanation((line,)))
    value, used, low, high, fallback, text = _panel(spec, rule, marks)
    alert = None
    spread = max(m.value for m in marks) - min(m.value for m in marks)
    if rule.spread_alert is not None and spread > rule.spread_alert:
        alert = f"评分差 {_fmt(spread)} 超过 {_fmt(rule.spread_alert)}，请裁判长核查"
    if rule.places is not None:
        value = _Num(round_half_up(value.f, rule.places))
    parts = [f"评分 {_marks_text(marks)}"]
    if high:
        parts.append(f"去掉最高 {_marks_text(high)}")
    if low:
        parts.append(f"去掉最低 {_marks_text(low)}")
    if len(marks) > 1 or fallback or value != marks[0].value:
        parts.append(f"{text} = {_fmt(value)}")
    if spec.kind == "deduction":
        value, note = _deduct(spec, value)
        parts.append(note)
    if alert:
        parts.append("⚠ " + alert)
        alert = f"{spec.name}：{alert}"
    shown = value.shown
    lines = (Line(0, spec.name, "；".join(parts), shown),)
    return CriterionResult(spec.code, spec.name, spec.kind, shown, tuple(used), tuple(low + high), text, alert,
                           fallback, Explanation(lines), None if Fraction(shown) == value.f else value.f)


def _bonus(spec: RoundSpec, results: Sequence[CriterionResult]) -> tuple[_Num, list[Line]]:
    """Bonuses: only the highest of each bonus_group counts; the total is limited to bonus_cap."""
    groups: dict[str, _Num] = {}
    total, lines = _N0, []
    for cs, cr in zip(spec.criteria, results):
        if cs.kind != "bonus":
            continue
        points = cr._num() * cs.weight
        if cs.bonus_group is None:
            total += points
        else:
            groups[cs.bonus_group] = max(points, groups.get(cs.bonus_group, points))
    for group, best in groups.items():
        if best:
            lines.append(Line(1, f"加分组 {group}", f"只计最高一项 {_fmt(best)}", best.shown))
        total += best
    if spec.bonus_cap is not None and total > spec.bonus_cap:
        cap = _fmt(spec.bonus_cap)
        lines.append(Line(1, "加分封顶", f"{_fmt(total)} 超过上限 {cap}，按 {cap} 计", spec.bonus_cap))
        total = _Num(spec.bonus_cap)
    return total, lines


def score_round(spec: RoundSpec, data: EntryRoundInput) -> RoundResult:
    """One entry's round score from its marks (formula in RoundSpec's docstring)."""
    by_criterion: dict[str, list[Mark]] = defaultdict(list)
    for m in data.marks:
        if spec.criterion(m.criterion) is None:
            raise ScoringError(f"{spec.name}：未定义的评分项 {m.criterion}")
        by_criterion[m.criterion].append(m)
    if spec.multiplier and (data.multiplier is None or data.multiplier <= 0):
        raise ScoringError(f"{spec.name}：缺少难度系数（须大于 0）")
    if not spec.multiplier and data.multiplier is not None:
        raise ScoringError(f"{spec.name}：本轮次不使用难度系数")
    results: list[CriterionResult] = []
    for cs in spec.criteria:
        marks = by_criterion.get(cs.code, [])
        if not marks and cs.kind in SCORED_KINDS:
            raise ScoringError(f"{spec.name}：{cs.name} 缺少评分")
        results.append(score_criterion(cs, cs.panel_for(spec.panel), marks))

    lines: list[Line] = [Line(0, spec.name, f"（{spec.code}）")]
    lines += [ln for cr in results for ln in cr.explanation.nested()]
    scored = [(cs, cr) for cs, cr in zip(spec.criteria, results) if cs.kind in SCORED_KINDS]
    if spec.base is not None:
        lost = sum(((_Num(cs.max) - cr._num()) * cs.weight for cs, cr in scored), _N0)
        subtotal = _Num(spec.base) - lost
        lines.append(Line(1, "小计", f"基础分 {_fmt(spec.base)} − 扣分 {_fmt(lost)} = {_fmt(subtotal)}",
                          subtotal.shown))
    else:
        subtotal = sum((cr._num() * cs.weight for cs, cr in scored), _N0)
        terms = " + ".join(_fmt(cr.value) + (f" × {_fmt(cs.weight)}" if cs.weight != ONE else "") for cs, cr in scored)
        lines.append(Line(1, "小计", f"{terms} = {_fmt(subtotal)}", subtotal.shown))
    bonus, bonus_lines = _bonus(spec, results)
    lines += bonus_lines
    score = subtotal
    if spec.multiplier and data.multiplier is not None:  # presence checked above
        score = subtotal * data.multiplier
        lines.append(Line(1, "难度系数", f"{_fmt(subtotal)} × {_fmt(data.multiplier)} = {_fmt(score)}", score.shown))
    if bonus:
        score += bonus
        lines.append(Line(1, "加分", f"+ {_fmt(bonus)} = {_fmt(score)}", score.shown))
    if spec.floor is not None and score < spec.floor:
        lines.append(Line(1, "保底", f"{_fmt(score)} 低于下限，按 {_fmt(spec.floor)} 计", spec.floor))
        score = _Num(spec.floor)
    if spec.cap is not None and score > spec.cap:
        lines.append(Line(1, "封顶", f"{_fmt(score)} 超过上限，按 {_fmt(spec.cap)} 计", spec.cap))
        score = _Num(spec.cap)
    score = round_half_up(score.f, spec.places)
    passed = spec.pass_mark is None or score >= spec.pass_mark
    times = [cr._num() for cs, cr in zip(spec.criteria, results) if cs.kind == "time" and cr.used]
    time = sum(times, _N0).shown if times else data.time
    if not times and data.time is not None:
        lines.append(Line(1, "用时", f"计时记录 {_fmt(data.time)} 秒", data.time))
    veto_reasons = tuple(cr.name for cr in results if cr.kind == "veto" and cr.value == ONE)
    tail = f"四舍五入保留 {spec.places} 位小数 = {_fmt(score)}"
    if spec.pass_mark is not None:
        tail += f"（合格线 {_fmt(spec.pass_mark)}，{'合格' if passed else '不合格'}）"
    lines.append(Line(1, "本轮得分", tail, score))
    if veto_reasons:
        lines.append(Line(1, "一票否决", "、".join(veto_reasons)))
    return RoundResult(spec.code, spec.name, score, subtotal.shown, bonus.shown, data.multiplier, time,
                       bool(veto_reasons), veto_reasons, passed, tuple(results), Explanation(tuple(lines)))


def score_entry(event: EventSpec, entry: str, inputs: Iterable[EntryRoundInput]) -> EntryResult:
    """One entry's event result: its round results combined by `event.combine`, rounded at `event.places`.

    A round without input counts 0 in weighted_sum and sum (and fails its pass mark); mean and best use the rounds
    the entry has.
    """
    by_round: dict[str, EntryRoundInput] = {}
    for data in inputs:
        if event.round(data.round) is None:
            raise ScoringError(f"{event.name}：未定义的轮次 {data.round}")
        if data.round in by_round:
            raise ScoringError(f"{event.name}：{entry} 的轮次 {data.round} 重复录入")
        by_round[data.round] = data
    rounds = tuple(score_round(rs, by_round[rs.code]) for rs in event.rounds if rs.code in by_round)
    missing = [rs for rs in event.rounds if rs.code not in by_round]
    lines: list[Line] = [Line(0, "成绩明细", entry)]
    for rr in rounds:
        lines += rr.explanation.nested()
    for rs in missing:
        lines.append(Line(1, rs.name, "无成绩" + ("，按 0 分计" if event.combine in ("weighted_sum", "sum") else "")))

    scores = {rr.round: rr.score for rr in rounds}
    if event.combine in ("weighted_sum", "sum"):
        total = sum((scores.get(rs.code, ZERO) * rs.weight for rs in event.rounds), ZERO)
        how = " + ".join(f"{_fmt(scores.get(rs.code, ZERO))}" + (f" × {_fmt(rs.weight)}" if rs.weight != ONE else "")
                         for rs in event.rounds)
    elif event.combine == "mean":
        total = _mean(list(scores.values())).f if scores else ZERO  # exact: rounded below
        how = f"平均（{'、'.join(_fmt(s) for s in scores.values())}）"
    else:
        best = max(rounds, key=lambda rr: rr.score, default=None)
        total = best.score if best else ZERO
        how = f"取最好成绩（{best.name}）" if best else "无成绩"
    total = round_half_up(total, event.places)
    lines.append(Line(0, "总成绩", f"{how} = {_fmt(total)}", total))
    times = [rr.time for rr in rounds if rr.time is not None]
    veto_reasons = tuple(r for rr in rounds for r in rr.veto_reasons)
    passed = all(rr.passed for rr in rounds) and not any(rs.pass_mark is not None for rs in missing)
    if veto_reasons:
        lines.append(Line(0, "一票否决", "、".join(veto_reasons) + "，不得参加评奖评优"))
    return EntryResult(entry, total, sum(times, ZERO) if times else None, bool(veto_reasons), veto_reasons, passed,
                       rounds, Explanation(tuple(lines)))


def score_event(event: EventSpec, inputs_by_entry: Mapping[str, Iterable[EntryRoundInput]]) -> dict[str, EntryResult]:
    """Every entry's result in an event (individuals, or teams scored on their own marks)."""
    return {entry: score_entry(event, entry, inputs) for entry, inputs in inputs_by_entry.items()}


def team_result(event: EventSpec, team: str, members: Sequence[EntryResult]) -> EntryResult:
    """A team's result as the sum of its members' results (团体成绩 = 队员成绩之和); its time is their total time."""
    if not members:
        raise ScoringError(f"{event.name}：团队 {team} 没有队员成绩")
    total = round_half_up(sum((m.total for m in members), ZERO), event.places)
    times = [m.time for m in members if m.time is not None]
    lines = [Line(0, "团体成绩", team)]
    for m in members:
        lines += m.explanation.nested()
    lines.append(Line(0, "团体总成绩", " + ".join(_fmt(m.total) for m in members) + f" = {_fmt(total)}", total))
    veto_reasons = tuple(r for m in members for r in m.veto_reasons)
    return EntryResult(team, total, sum(times, ZERO) if times else None, bool(veto_reasons), veto_reasons,
                       all(m.passed for m in members), (), Explanation(tuple(lines)), tuple(members))
