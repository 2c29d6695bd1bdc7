"""Spec types: what a contest is made of (events, rounds, criteria, panel rules, awards, titles).

Every spec is a frozen dataclass that checks its own fields when built and raises `SpecError` carrying every
problem as `(field path, message)`; the definition parser prefixes the paths (`events[0].rounds[1].weight`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Iterable, Iterator, Literal, Optional

from .messages import N_, Message

Problem = tuple[str, str]  # (path, message)

ZERO = Decimal(0)
ONE = Decimal(1)

Aggregate = Literal["mean", "median", "trimmed"]
Reduce = Literal["mean", "sum"]
Fallback = Literal["error", "mean", "median"]
CriterionKind = Literal["measurement", "judgement", "deduction", "bonus", "time", "veto"]
RoundCombine = Literal["sum", "weighted"]
EventCombine = Literal["weighted_sum", "sum", "mean", "best"]
Mode = Literal["individual", "team", "unit"]
TeamCombine = Literal["sum_members", "own_marks"]
ContestKind = Literal["skills", "merit", "craftsman", "points"]
TieKey = Literal["round", "criterion", "time"]
Order = Literal["asc", "desc"]
Gender = Literal["M", "F"]
Category = Literal["worker", "manager"]

AGGREGATES = ("mean", "median", "trimmed")
REDUCES = ("mean", "sum")
FALLBACKS = ("error", "mean", "median")
CRITERION_KINDS = ("measurement", "judgement", "deduction", "bonus", "time", "veto")
SCORED_KINDS = ("measurement", "judgement", "deduction")  # kinds that make up the subtotal
ROUND_COMBINES = ("sum", "weighted")
EVENT_COMBINES = ("weighted_sum", "sum", "mean", "best")
MODES = ("individual", "team", "unit")
TEAM_COMBINES = ("sum_members", "own_marks")
CONTEST_KINDS = ("skills", "merit", "craftsman", "points")
TIE_KEYS = ("round", "criterion", "time")
ORDERS = ("asc", "desc")
GENDERS = ("M", "F")
CATEGORIES = ("worker", "manager")


class SpecError(ValueError):
    """A spec is invalid; `problems` lists every `(path, message)` found."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = list(problems)
        super().__init__("; ".join(f"{p or '.'}: {m}" for p, m in self.problems))


_QUANTA = [Decimal(1).scaleb(-places) for places in range(10)]  # 1, 0.1, 0.01, ...: one per places, made once


def round_half_up(value: Decimal | Fraction | int, places: int) -> Decimal:
    """四舍五入 to `places` decimals (Decimal('2.675') -> 2.68; half-up, never banker's rounding).

    A `Fraction` (an exact mean such as 25/3) is rounded exactly: a value exactly at .xx5 always rounds up (away
    from zero), whatever its decimal expansion, and a value a hair below never does."""
    if isinstance(value, Decimal):
        quantum = _QUANTA[places] if 0 <= places < 10 else Decimal(1).scaleb(-places)
        return value.quantize(quantum, rounding=ROUND_HALF_UP)
    value = Fraction(value)
    return half_up(value.numerator, value.denominator, places)


def half_up(num: int, den: int, places: int) -> Decimal:
    """round_half_up(num / den, places) exactly, in integers (den > 0): the one rounding of an exact figure."""
    q, r = divmod(abs(num) * 10 ** places, den)
    if 2 * r >= den:
        q += 1
    return Decimal(-q if num < 0 else q).scaleb(-places)


def exact(value: Decimal | Fraction | int) -> Fraction:
    """A figure as an exact rational (Decimals convert exactly)."""
    return value if isinstance(value, Fraction) else Fraction(value)


def to_decimal(value: Decimal | Fraction | int) -> Decimal:
    """An exact figure as a Decimal for display and comparison: the quotient correctly rounded to the context's 28
    significant digits (exact whenever it fits: 1/8 -> 0.125). A function of the exact value only, so equal values
    give equal Decimals and order is kept; never used before a rounding -- `round_half_up` takes the Fraction."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    return Decimal(value.numerator) / Decimal(value.denominator)


def _raise_if(problems: list[Problem]) -> None:
    if problems:
        raise SpecError(problems)


def _one_of(name: str, value: object, allowed: tuple[str, ...]) -> Iterator[Problem]:
    if value not in allowed:
        yield name, f"must be one of {', '.join(allowed)} / 取值须为 {'、'.join(allowed)}"


def _duplicates(name: str, codes: Iterable[str]) -> Iterator[Problem]:
    seen: set[str] = set()
    for i, code in enumerate(codes):
        if code in seen:
            yield f"{name}[{i}].code", f"duplicate code {code!r} / 代码重复"
        seen.add(code)


def _places(name: str, places: Optional[int]) -> Iterator[Problem]:
    if places is not None and not 0 <= places <= 6:
        yield name, "must be between 0 and 6 / 小数位须在 0 到 6 之间"


@dataclass(frozen=True)
class PanelRule:
    """How one criterion's marks from several judges become one value.

    `trimmed` drops the `drop_high` highest and `drop_low` lowest marks, then `reduce`s the rest (mean, or sum as in
    diving). With fewer than `min_judges` marks (e.g. after a recusal) the `fallback` applies: `error`, or the mean /
    median of the marks left -- scaled to the number of marks a `sum` would have added, so scores stay comparable.
    `spread_alert`: max - min above it asks the chief judge to have the item re-marked.
    """

    aggregate: Aggregate = "mean"
    drop_high: int = 0
    drop_low: int = 0
    reduce: Reduce = "mean"
    min_judges: int = 1
    spread_alert: Optional[Decimal] = None
    fallback: Fallback = "error"
    places: Optional[int] = None

    def __post_init__(self) -> None:
        p: list[Problem] = []
        p += _one_of("aggregate", self.aggregate, AGGREGATES)
        p += _one_of("reduce", self.reduce, REDUCES)
        p += _one_of("fallback", self.fallback, FALLBACKS)
        if self.drop_high < 0 or self.drop_low < 0:
            p.append(("drop_high", "must be >= 0 / 不能为负"))
        if self.aggregate != "trimmed" and (self.drop_high or self.drop_low):
            p.append(("aggregate", "dropping marks needs aggregate 'trimmed' / 去分须用 trimmed"))
        if self.min_judges < 1:
            p.append(("min_judges", "must be >= 1 / 至少 1 名裁判"))
        elif self.drop_high + self.drop_low >= self.min_judges:
            p.append(("min_judges", "must exceed drop_high + drop_low / 须多于去掉的分数个数"))
        if self.spread_alert is not None and self.spread_alert < 0:
            p.append(("spread_alert", "must be >= 0 / 不能为负"))
        p += _places("places", self.places)
        _raise_if(p)

    @property
    def kept(self) -> int:
        """Number of marks kept at full strength (what a `sum` adds up)."""
        return self.min_judges - self.drop_high - self.drop_low

    def describe(self) -> str:
        """Chinese text of the rule, for explanations."""
        if self.aggregate == "trimmed":
            how = "求和" if self.reduce == "sum" else "取平均"
            text = f"去掉{self.drop_high}个最高分和{self.drop_low}个最低分后{how}"
        else:
            text = {"mean": "取平均", "median": "取中位数"}[self.aggregate]
        if self.places is not None:
            text += f"，保留{self.places}位小数"
        return text


# Objective criteria (one marker plus a checker): the marks should agree, so any difference is an alert.
OBJECTIVE_PANEL = PanelRule(spread_alert=ZERO)


@dataclass(frozen=True)
class Choice:
    """An allowed value with its label, e.g. a lookup table of base points by star level (三星 -> 80)."""

    label: str
    value: Decimal


@dataclass(frozen=True)
class CriterionSpec:
    """One line of the score sheet (评分细则 / 指标). How marks are input depends on `kind`:

    - measurement, judgement: points awarded, min..max (on `step`, or one of `choices`);
    - deduction: with `deduction_per`, the NUMBER of occurrences (每处扣 X 分); without it, the points deducted.
      The item keeps max - deducted, never below min (扣完为止);
    - bonus: bonus points (min may be negative for 通报批评); in one `bonus_group` only the highest counts;
    - time: seconds taken; gives the round's time (a tie-break), not points;
    - veto: 1 if the event happened (一票否决), else 0; any judge's 1 vetoes the entry; no points.
    `weight` multiplies the value (a weight of a 'weighted' round, or a factor in a 'sum' round).
    `panel` overrides the round's rule; only judgement criteria use the round's rule, the others default to
    OBJECTIVE_PANEL.
    """

    code: str
    name: str
    kind: CriterionKind = "judgement"
    max: Decimal = Decimal(100)
    min: Decimal = ZERO
    step: Optional[Decimal] = None
    weight: Decimal = ONE
    panel: Optional[PanelRule] = None
    deduction_per: Optional[Decimal] = None
    bonus_group: Optional[str] = None
    choices: tuple[Choice, ...] = ()
    order: int = 0

    def __post_init__(self) -> None:
        p: list[Problem] = []
        if not self.code:
            p.append(("code", "is required / 必填"))
        p += _one_of("kind", self.kind, CRITERION_KINDS)
        if self.max <= self.min:
            p.append(("max", "must be > min / 须大于最低分"))
        if self.step is not None:
            if self.step <= 0:
                p.append(("step", "must be > 0 / 须大于 0"))
            elif (self.max - self.min) % self.step:
                p.append(("step", "must divide max - min / 须能整除分值范围"))
        if self.weight <= 0:
            p.append(("weight", "must be > 0 / 须大于 0"))
        if self.deduction_per is not None:
            if self.kind != "deduction":
                p.append(("deduction_per", "only for deduction criteria / 仅用于扣分项"))
            elif self.deduction_per <= 0:
                p.append(("deduction_per", "must be > 0 / 须大于 0"))
        if self.bonus_group is not None and self.kind != "bonus":
            p.append(("bonus_group", "only for bonus criteria / 仅用于加分项"))
        if self.kind in ("time", "veto") and self.choices:
            p.append(("choices", f"not for {self.kind} criteria"))
        for i, c in enumerate(self.choices):
            if not self.min <= c.value <= self.max:
                p.append((f"choices[{i}].value", "must be within min..max / 须在分值范围内"))
        _raise_if(p)

    def panel_for(self, round_panel: PanelRule) -> PanelRule:
        if self.panel is not None:
            return self.panel
        return round_panel if self.kind == "judgement" else OBJECTIVE_PANEL

    def check_mark(self, value: Decimal) -> Optional[str]:
        """Why a judge's mark is not acceptable (a Chinese text, a Message where it has figures), or None. The
        tablet API uses the same check."""
        if self.kind == "time":
            return N_("用时不能为负") if value < 0 else None
        if self.kind == "veto":
            return None if value in (ZERO, ONE) else N_("否决项只能填 0 或 1")
        if self.kind == "deduction" and self.deduction_per is not None:
            ok = value >= 0 and value == value.to_integral_value()
            return None if ok else N_("扣分次数须为非负整数")
        low, high = (ZERO, self.max - self.min) if self.kind == "deduction" else (self.min, self.max)
        if not low <= value <= high:
            return Message(N_("分数须在 %(low)s 到 %(high)s 之间"), low=low, high=high)
        if self.choices and value not in {c.value for c in self.choices}:
            return Message(N_("分数须为规定档次之一：%(choices)s"),
                           choices=tuple(Message("%(label)s %(value)s", label=c.label, value=c.value)
                                         for c in self.choices))
        if self.step is not None and (value - low) % self.step:
            return Message(N_("分数须为 %(step)s 的整数倍"), step=self.step)
        return None


@dataclass(frozen=True)
class RoundSpec:
    """A round: a part (理论/实操), module, attempt, dive, run, period (考评期) or review stage.

    score = (subtotal x multiplier + bonus), then floor/cap, then rounded half-up at `places`, where subtotal is
    sum(weight x value) over measurement/judgement/deduction criteria -- or, with `base` (merit sheets: 100),
    base - sum(weight x (max - value)): the sheet starts at base and loses what each item falls short of its max.
    bonus = per bonus_group the highest, plus ungrouped bonuses, limited to `bonus_cap`.
    """

    code: str
    name: str
    criteria: tuple[CriterionSpec, ...]
    weight: Decimal = ONE
    panel: PanelRule = PanelRule()
    combine: RoundCombine = "sum"
    multiplier: bool = False
    cap: Optional[Decimal] = None
    floor: Optional[Decimal] = None
    places: int = 2
    pass_mark: Optional[Decimal] = None
    bonus_cap: Optional[Decimal] = None
    base: Optional[Decimal] = None
    order: int = 0

    def __post_init__(self) -> None:
        p: list[Problem] = []
        if not self.code:
            p.append(("code", "is required / 必填"))
        p += _one_of("combine", self.combine, ROUND_COMBINES)
        if self.weight <= 0:
            p.append(("weight", "must be > 0 / 须大于 0"))
        if not self.criteria:
            p.append(("criteria", "at least one criterion / 至少一个评分项"))
        p += _duplicates("criteria", (c.code for c in self.criteria))
        scored = [c for c in self.criteria if c.kind in SCORED_KINDS]
        if self.combine == "weighted" and sum((c.weight for c in scored), ZERO) != ONE:
            p.append(("criteria", "weights of a weighted round must sum to 1 / 权重之和须为 1"))
        if self.cap is not None and self.floor is not None and self.cap <= self.floor:
            p.append(("cap", "must be > floor / 上限须大于下限"))
        if self.bonus_cap is not None and self.bonus_cap < 0:
            p.append(("bonus_cap", "must be >= 0 / 不能为负"))
        p += _places("places", self.places)
        _raise_if(p)

    def criterion(self, code: str) -> Optional[CriterionSpec]:
        return next((c for c in self.criteria if c.code == code), None)


@dataclass(frozen=True)
class TieBreakKey:
    """One link of the tie-break chain: ('round', 'practical', 'desc'), ('criterion', 'practical.M1', 'desc'),
    ('time', None, 'asc'). A criterion is named `round.criterion`."""

    key: TieKey
    code: Optional[str] = None
    order: Order = "desc"

    def __post_init__(self) -> None:
        p: list[Problem] = []
        p += _one_of("key", self.key, TIE_KEYS)
        p += _one_of("order", self.order, ORDERS)
        if self.key == "time" and self.code is not None:
            p.append(("code", "time takes no code / 用时无需代码"))
        if self.key != "time" and not self.code:
            p.append(("code", "is required / 必填"))
        if self.key == "criterion" and self.code and "." not in self.code:
            p.append(("code", "write round.criterion / 格式为 轮次.评分项"))
        _raise_if(p)

    def describe(self) -> str:
        what = {"round": f"{self.code}成绩", "criterion": f"{self.code}得分", "time": "用时"}[self.key]
        return what + ("高者优先" if self.order == "desc" else "少者优先")


@dataclass(frozen=True)
class AwardLevel:
    """An award level reaching down to a place (`upto_place`) or a cumulative share of entrants (`upto_share`):
    一等奖 upto_share 0.1, 二等奖 0.3, 三等奖 0.6 (10%/20%/30%); 金奖 upto_place 1 ...; 优胜奖 upto_share 0.5."""

    name: str
    upto_place: Optional[int] = None
    upto_share: Optional[Decimal] = None

    def __post_init__(self) -> None:
        p: list[Problem] = []
        if not self.name:
            p.append(("name", "is required / 必填"))
        if (self.upto_place is None) == (self.upto_share is None):
            p.append(("upto_place", "give exactly one of upto_place, upto_share / 二者选一"))
        if self.upto_place is not None and self.upto_place < 1:
            p.append(("upto_place", "must be >= 1 / 须大于等于 1"))
        if self.upto_share is not None and not ZERO < self.upto_share <= ONE:
            p.append(("upto_share", "must be in (0, 1] / 须在 0 到 1 之间"))
        _raise_if(p)


@dataclass(frozen=True)
class AwardRule:
    """Award levels, best first. `require_pass`: an entry below a round's pass mark gets no award."""

    levels: tuple[AwardLevel, ...]
    require_pass: bool = True

    def __post_init__(self) -> None:
        p: list[Problem] = []
        if not self.levels:
            p.append(("levels", "at least one level / 至少一个奖项"))
        names = [lv.name for lv in self.levels]
        if len(set(names)) != len(names):
            p.append(("levels", "duplicate level name / 奖项名称重复"))
        _raise_if(p)


@dataclass(frozen=True)
class TitleRule:
    """A title or reward granted by rank and entrant conditions; all given conditions must hold.

    技术能手: to_place 5. 推荐五一劳动奖章: category worker, limit 1 (the first placed worker).
    晋升技师: to_place 6. 青年岗位能手: max_age 35 (on the contest date). 巾帼建功标兵: gender F.
    """

    name: str
    from_place: int = 1
    to_place: Optional[int] = None
    max_age: Optional[int] = None
    min_age: Optional[int] = None
    gender: Optional[Gender] = None
    category: Optional[Category] = None
    award_levels: tuple[str, ...] = ()
    limit: Optional[int] = None

    def __post_init__(self) -> None:
        p: list[Problem] = []
        if not self.name:
            p.append(("name", "is required / 必填"))
        if self.from_place < 1:
            p.append(("from_place", "must be >= 1 / 须大于等于 1"))
        if self.to_place is not None and self.to_place < self.from_place:
            p.append(("to_place", "must be >= from_place / 须不小于起始名次"))
        if self.gender is not None:
            p += _one_of("gender", self.gender, GENDERS)
        if self.category is not None:
            p += _one_of("category", self.category, CATEGORIES)
        if self.limit is not None and self.limit < 1:
            p.append(("limit", "must be >= 1 / 须大于等于 1"))
        _raise_if(p)


@dataclass(frozen=True)
class EventSpec:
    """An event (赛项/工种/组别). Round scores combine by `combine`: weighted_sum (round weights sum to 1),
    sum (weights as factors), mean, or best (best attempt/run). Ranking: total, then `tie_break` (None = the
    default chain: practical desc, time asc, theory desc -- the links whose rounds exist), then a shared rank;
    ties in places <= `unshared_places` need a chief-judge decision (排名不并列)."""

    code: str
    name: str
    rounds: tuple[RoundSpec, ...]
    mode: Mode = "individual"
    combine: EventCombine = "weighted_sum"
    places: int = 2
    tie_break: Optional[tuple[TieBreakKey, ...]] = None
    unshared_places: int = 0
    team_combine: TeamCombine = "sum_members"
    awards: Optional[AwardRule] = None
    titles: tuple[TitleRule, ...] = ()

    def __post_init__(self) -> None:
        p: list[Problem] = []
        if not self.code:
            p.append(("code", "is required / 必填"))
        p += _one_of("mode", self.mode, MODES)
        p += _one_of("combine", self.combine, EVENT_COMBINES)
        p += _one_of("team_combine", self.team_combine, TEAM_COMBINES)
        p += _places("places", self.places)
        if self.unshared_places < 0:
            p.append(("unshared_places", "must be >= 0 / 不能为负"))
        if not self.rounds:
            p.append(("rounds", "at least one round / 至少一个轮次"))
        p += _duplicates("rounds", (r.code for r in self.rounds))
        if self.combine == "weighted_sum" and sum((r.weight for r in self.rounds), ZERO) != ONE:
            p.append(("rounds", "round weights must sum to 1 / 各轮次权重之和须为 1"))
        for i, key in enumerate(self.tie_break or ()):
            if key.code is None:
                continue
            round_code, _, crit = key.code.partition(".")
            spec = self.round(round_code)
            if spec is None or (key.key == "criterion" and spec.criterion(crit) is None):
                p.append((f"tie_break[{i}].code", f"unknown {key.key} {key.code!r} / 未定义"))
        _raise_if(p)

    def round(self, code: str) -> Optional[RoundSpec]:
        return next((r for r in self.rounds if r.code == code), None)

    @property
    def ranks_members(self) -> bool:
        """A team event whose teams are ranked on the sum of their members' results: only the members are marked."""
        return self.mode == "team" and self.team_combine == "sum_members"

    @property
    def chain(self) -> tuple[TieBreakKey, ...]:
        """The tie-break chain in force."""
        if self.tie_break is not None:
            return self.tie_break
        return tuple(k for k in DEFAULT_TIE_BREAK if k.code is None or self.round(k.code) is not None)


DEFAULT_TIE_BREAK = (
    TieBreakKey("round", "practical", "desc"),
    TieBreakKey("time", None, "asc"),
    TieBreakKey("round", "theory", "desc"),
)


@dataclass(frozen=True)
class ContestSpec:
    """A contest: `date` is the contest date (ages for titles are computed on it)."""

    code: str
    name: str
    kind: ContestKind
    year: int
    date: date
    events: tuple[EventSpec, ...]

    def __post_init__(self) -> None:
        p: list[Problem] = []
        if not self.code:
            p.append(("code", "is required / 必填"))
        p += _one_of("kind", self.kind, CONTEST_KINDS)
        if not self.events:
            p.append(("events", "at least one event / 至少一个赛项"))
        p += _duplicates("events", (e.code for e in self.events))
        _raise_if(p)

    def event(self, code: str) -> Optional[EventSpec]:
        return next((e for e in self.events if e.code == code), None)

