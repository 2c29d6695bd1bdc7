"""Craftsman selection rules (工匠评选): eligibility checks, direct recognition hints, targets, vote merging, bursts.

Pure: frozen dataclasses in, dataclasses out, Decimal arithmetic rounded half-up. The office sees every automatic
check with its reason; a check that the data cannot decide is reported as `None` ("须人工核实"), never as a pass.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Iterable, Optional, Sequence

from .messages import N_, Message
from .types import ZERO, round_half_up

HUNDRED = Decimal(100)

# 国家职业资格 / 职业技能等级, lowest first (names marked for the catalogue); each level's accepted spellings.
LEVELS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (N_("初级工"), ("五级", "初级", "初级工", "五级/初级工")),
    (N_("中级工"), ("四级", "中级", "中级工", "四级/中级工")),
    (N_("高级工"), ("三级", "高级", "高级工", "三级/高级工")),
    (N_("技师"), ("二级", "技师", "二级/技师")),
    (N_("高级技师"), ("一级", "高级技师", "一级/高级技师")),
)
LEVEL_NAMES = tuple(name for name, _ in LEVELS)


def level_rank(level: Optional[str]) -> Optional[int]:
    """0 (初级工) .. 4 (高级技师), or None when the text names no known level."""
    text = (level or "").strip()
    for i, (name, spellings) in enumerate(LEVELS):
        if text == name or text in spellings:
            return i
    return None


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@dataclass(frozen=True)
class EligibilityRules:
    """A call's conditions (申报条件); None / empty = no condition."""

    max_age: Optional[int] = None
    min_age: Optional[int] = None
    min_years_in_trade: Optional[int] = None
    min_level: Optional[str] = None
    employer_types: tuple[str, ...] = ()  # allowed employer types (e.g. 企业); empty = any
    front_line_only: bool = False
    direct_keywords: tuple[str, ...] = ()  # honours that qualify directly (直接认定), e.g. 省级一等奖, 技能大师

    def __post_init__(self) -> None:
        if self.min_level is not None and level_rank(self.min_level) is None:
            raise ValueError(Message(N_("未知的职业技能等级：%(level)s"), level=self.min_level))


@dataclass(frozen=True)
class Candidate:
    birth_date: Optional[date] = None
    years_in_trade: Optional[int] = None
    vocational_level: Optional[str] = None
    employer_type: Optional[str] = None
    front_line: Optional[bool] = None
    honours: str = ""  # honours and contest awards, free text (one per line)


@dataclass(frozen=True)
class Check:
    rule: str  # age / years / level / employer / front_line
    label: str  # marked N_
    passed: Optional[bool]  # None: the data cannot decide; the office must check by hand
    reason: str  # N_ or a Message


@dataclass(frozen=True)
class EligibilityReport:
    checks: tuple[Check, ...]
    direct_hints: tuple[str, ...]  # honours lines matching a direct-recognition keyword

    @property
    def eligible(self) -> Optional[bool]:
        """False if any check fails, None if some cannot be decided, True if all pass."""
        if any(c.passed is False for c in self.checks):
            return False
        if any(c.passed is None for c in self.checks):
            return None
        return True

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(c.reason for c in self.checks if c.passed is False)


def check_eligibility(rules: EligibilityRules, cand: Candidate, on: date) -> EligibilityReport:
    """Every condition of `rules` checked on `cand` (ages on `on`, the call's reference date)."""
    checks: list[Check] = []
    if rules.max_age is not None or rules.min_age is not None:
        if cand.birth_date is None:
            checks.append(Check("age", N_("年龄"), None, N_("缺少出生日期，须人工核实")))
        else:
            age = age_on(cand.birth_date, on)
            if rules.max_age is not None and age > rules.max_age:
                checks.append(Check("age", N_("年龄"), False, Message(N_("年龄 %(age)s 岁，超过 %(limit)s 岁的上限"),
                                                                      age=age, limit=rules.max_age)))
            elif rules.min_age is not None and age < rules.min_age:
                checks.append(Check("age", N_("年龄"), False, Message(N_("年龄 %(age)s 岁，未满 %(limit)s 岁"),
                                                                      age=age, limit=rules.min_age)))
            else:
                checks.append(Check("age", N_("年龄"), True, Message(N_("年龄 %(age)s 岁，符合条件"), age=age)))
    if rules.min_years_in_trade is not None:
        years = cand.years_in_trade
        if years is None:
            checks.append(Check("years", N_("从业年限"), None, N_("缺少从业年限，须人工核实")))
        elif years < rules.min_years_in_trade:
            checks.append(Check("years", N_("从业年限"), False, Message(
                N_("从事本职业（工种）%(years)s 年，不足 %(need)s 年"), years=years, need=rules.min_years_in_trade)))
        else:
            checks.append(Check("years", N_("从业年限"), True,
                                Message(N_("从事本职业（工种）%(years)s 年，符合条件"), years=years)))
    if rules.min_level is not None:
        need = level_rank(rules.min_level)
        have = level_rank(cand.vocational_level)
        if have is None:
            checks.append(Check("level", N_("职业技能等级"), None, Message(
                N_("职业技能等级“%(level)s”无法识别，须人工核实"),
                level=cand.vocational_level or Message(N_("未填写")))))
        elif have < need:  # type: ignore[operator]
            checks.append(Check("level", N_("职业技能等级"), False, Message(
                N_("职业技能等级为%(level)s，低于要求的%(need)s"), level=Message(LEVEL_NAMES[have]),
                need=Message(LEVEL_NAMES[need]))))  # type: ignore[index]
        else:
            checks.append(Check("level", N_("职业技能等级"), True,
                                Message(N_("职业技能等级为%(level)s，符合条件"), level=Message(LEVEL_NAMES[have]))))
    if rules.employer_types:
        if not cand.employer_type:
            checks.append(Check("employer", N_("单位性质"), None, N_("缺少单位性质，须人工核实")))
        elif cand.employer_type not in rules.employer_types:
            checks.append(Check("employer", N_("单位性质"), False, Message(
                N_("单位性质为%(type)s，不在可申报范围（%(allowed)s）内"), type=cand.employer_type,
                allowed="、".join(rules.employer_types))))
        else:
            checks.append(Check("employer", N_("单位性质"), True,
                                Message(N_("单位性质为%(type)s，符合条件"), type=cand.employer_type)))
    if rules.front_line_only:
        if cand.front_line is None:
            checks.append(Check("front_line", N_("一线职工"), None, N_("未说明是否一线职工，须人工核实")))
        elif not cand.front_line:
            checks.append(Check("front_line", N_("一线职工"), False, N_("非一线职工，本次评选仅限一线职工")))
        else:
            checks.append(Check("front_line", N_("一线职工"), True, N_("一线职工，符合条件")))
    hints = tuple(
        line.strip() for line in cand.honours.splitlines()
        if line.strip() and any(k and k in line for k in rules.direct_keywords)
    )
    return EligibilityReport(tuple(checks), hints)


# --- targets (结构要求) ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    """At least `min_share` of the named list must match: aged <= max_age, and/or front-line workers."""

    code: str
    label: str
    min_share: Decimal
    max_age: Optional[int] = None
    front_line: Optional[bool] = None

    def __post_init__(self) -> None:
        if not ZERO < self.min_share <= 1:
            raise ValueError(N_("比例须在 0 到 1 之间"))
        if self.max_age is None and self.front_line is None:
            raise ValueError(N_("结构要求须指定年龄或一线职工条件"))

    def matches(self, cand: Candidate, on: date) -> bool:
        if self.max_age is not None and (cand.birth_date is None or age_on(cand.birth_date, on) > self.max_age):
            return False
        if self.front_line is not None and cand.front_line is not self.front_line:
            return False
        return True


@dataclass(frozen=True)
class TargetResult:
    target: Target
    count: int
    total: int
    share: Decimal  # 0..1, rounded to 4 places
    met: bool

    @property
    def percent(self) -> Decimal:
        return round_half_up(self.share * HUNDRED, 1)

    @property
    def required_percent(self) -> Decimal:
        return round_half_up(self.target.min_share * HUNDRED, 1)

    @property
    def message(self) -> Message:
        template = (N_("%(label)s：%(count)s/%(total)s 人，占 %(pct)s%%（要求不低于 %(need)s%%），已达到") if self.met
                    else N_("%(label)s：%(count)s/%(total)s 人，占 %(pct)s%%（要求不低于 %(need)s%%），未达到"))
        return Message(template, label=self.target.label, count=self.count, total=self.total, pct=self.percent,
                       need=self.required_percent)


def check_targets(targets: Sequence[Target], named: Sequence[Candidate], on: date) -> list[TargetResult]:
    """Each target against the list; exact: share >= min_share compared as count >= min_share x total."""
    total = len(named)
    out = []
    for t in targets:
        count = sum(1 for c in named if t.matches(c, on))
        share = round_half_up(Decimal(count) / total, 4) if total else ZERO
        out.append(TargetResult(t, count, total, share, total > 0 and Decimal(count) >= t.min_share * total))
    return out


# --- public vote -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Merged:
    expert: Decimal
    votes: int
    vote_score: Decimal
    final: Decimal
    detail: str


def merge_votes(expert: Decimal, votes: int, top_votes: int, weight: Decimal, places: int = 2) -> Merged:
    """Final score = expert x (1 - weight) + vote score x weight, where the vote score is 100 x votes / the highest
    count among the candidates (0 when nobody voted). weight 0 leaves the expert score as it is."""
    if not ZERO <= weight <= 1:
        raise ValueError(N_("投票权重须在 0 到 1 之间"))
    vote_score = round_half_up(HUNDRED * votes / top_votes, places) if top_votes else ZERO
    final = round_half_up(expert * (1 - weight) + vote_score * weight, places)
    detail = (f"专家评审 {expert} × {1 - weight} + 投票得分 {vote_score}（{votes}/{top_votes} 票 × 100）"
              f" × {weight} = {final}")
    return Merged(expert, votes, vote_score, final, detail)


@dataclass(frozen=True)
class Burst:
    """Many votes from one address in a short window (刷票嫌疑)."""

    address: str
    count: int
    first: datetime
    last: datetime


def find_bursts(votes: Iterable[tuple[str, datetime]], window: timedelta, threshold: int) -> list[Burst]:
    """For each address, the densest run of votes within `window`; reported when it reaches `threshold`."""
    by_address: dict[str, list[datetime]] = {}
    for address, at in votes:
        by_address.setdefault(address, []).append(at)
    out = []
    for address, times in by_address.items():
        times.sort()
        best, best_i, best_j = 0, 0, 0
        i = 0
        for j, t in enumerate(times):
            while t - times[i] > window:
                i += 1
            if j - i + 1 > best:
                best, best_i, best_j = j - i + 1, i, j
        if best >= threshold:
            out.append(Burst(address, best, times[best_i], times[best_j]))
    return sorted(out, key=lambda b: (-b.count, b.address))
