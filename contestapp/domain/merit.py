"""Merit contests and points assessments over the scoring core: red flags, rewards by rank, the year's cumulative
result, honours with quotas, and top-K flags.

A period is a round: its results come from `scoring.score_round` and are ranked by `ranking.rank`. Vetoed entries
(一票否决) keep their points for the bulletin, rank after every other entry, and get no red flag, no reward and
no honour; a veto in any period of the year bars the year's honours as well.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Optional, Sequence

from .messages import N_, Message, said
from .ranking import Ranked
from .panel import fmt as _fmt
from .scores import EntryResult, Explanation, Line
from .types import ONE, ZERO, SpecError, round_half_up


def red_flags(ranked: Sequence[Ranked], top: int) -> list[str]:
    """流动红旗: the entries ranked 1..top that are not vetoed (entries tied at place `top` all get one)."""
    return [r.entry for r in ranked if not r.vetoed and r.rank <= top]


def flag_top(ranked: Sequence[Ranked], top: int) -> list[str]:
    """Entries within the first `top` places, ties at the boundary included (1+X: top 20 get priority)."""
    return [r.entry for r in ranked if not r.vetoed and r.rank <= top]


@dataclass(frozen=True)
class RankBand:
    """A line of the rewards-and-penalties table: places from_rank..to_rank (counted from the bottom when
    `from_bottom`: 1 = last place) get `label` and `amount` (negative = a penalty, e.g. a deduction of a deposit)."""

    from_rank: int
    to_rank: int
    label: str
    amount: Decimal = ZERO
    from_bottom: bool = False

    def __post_init__(self) -> None:
        problems = []
        if self.from_rank < 1 or self.to_rank < self.from_rank:
            problems.append(("to_rank", "须满足 1 ≤ 起始名次 ≤ 截止名次"))
        if not self.label:
            problems.append(("label", "is required / 必填"))
        if problems:
            raise SpecError(problems)


def rank_rewards(ranked: Sequence[Ranked], bands: Sequence[RankBand]) -> dict[str, list[RankBand]]:
    """The bands each entry falls in. Vetoed entries get no reward (amount > 0) but keep penalties; bottom places
    count among all ranked entries, vetoed ones included (they are last)."""
    n = len(ranked)
    out: dict[str, list[RankBand]] = {r.entry: [] for r in ranked}
    for r in ranked:
        for b in bands:
            # a tie near the bottom: the tied entries share the best (highest) bottom place
            place = n - (r.rank + len(r.tied_with)) + 1 if b.from_bottom else r.rank
            if not b.from_rank <= place <= b.to_rank:
                continue
            if r.vetoed and b.amount > 0:
                continue
            out[r.entry].append(b)
    return out


@dataclass(frozen=True)
class PeriodScore:
    """One entry's published result in one period."""

    period: str
    name: str
    weight: Decimal
    score: Decimal
    vetoed: bool = False
    veto_reasons: tuple[str, ...] = ()


def year_result(entry: str, periods: Sequence[PeriodScore], review: Optional[Decimal], review_weight: Decimal,
                places: int = 2) -> EntryResult:
    """年度综合得分 = 各期得分的加权平均 × (1 − 年度考评权重) + 年度考评得分 × 年度考评权重.

    Periods the entry was not assessed in do not count; without an annual review score the review part counts 0.
    A veto in any period makes the year vetoed (no honours), whatever the points.
    """
    if not ZERO <= review_weight <= ONE:
        raise SpecError([("review_weight", "须在 0 到 1 之间")])
    lines: list[Line] = [Line(0, "年度综合", entry)]
    weights = sum((p.weight for p in periods), ZERO)
    if periods and weights > 0:
        mean = sum((p.score * p.weight for p in periods), ZERO) / weights
        terms = "、".join(f"{p.name} {_fmt(p.score)}" + (f"×{_fmt(p.weight)}" if p.weight != ONE else "")
                         for p in periods)
        lines.append(Line(1, "各期加权平均", f"{terms}，加权平均 {_fmt(mean)}", mean))
    else:
        mean = ZERO
        lines.append(Line(1, "各期加权平均", "无考评成绩，按 0 分计", ZERO))
    review_value = review if review is not None else ZERO
    total = round_half_up(mean * (ONE - review_weight) + review_value * review_weight, places)
    if review_weight:
        lines.append(Line(1, "年度考评", (f"{_fmt(review_value)}" if review is not None else "未评，按 0 分计")
                          + f"，权重 {_fmt(review_weight)}", review_value))
    lines.append(Line(0, "年度综合得分",
                      f"{_fmt(mean)} × {_fmt(ONE - review_weight)} + {_fmt(review_value)} × {_fmt(review_weight)} "
                      f"= {_fmt(total)}", total))
    reasons = tuple(Message(N_("%(period)s：%(reason)s"), period=p.name, reason=said(r))
                    for p in periods if p.vetoed for r in (p.veto_reasons or (N_("一票否决"),)))
    if reasons:
        lines.append(Line(0, "一票否决", "；".join(reasons) + "，不得参加年度评先评优"))
    return EntryResult(entry, total, None, bool(reasons), reasons, True, (), Explanation(tuple(lines)))


@dataclass(frozen=True)
class HonourRule:
    """An honour with a quota (名额), e.g. 先进集体 3, 推荐五一劳动奖状 1; `min_score` optional."""

    code: str
    label: str
    quota: int
    min_score: Optional[Decimal] = None

    def __post_init__(self) -> None:
        if self.quota < 1 or not self.label or not self.code:
            raise SpecError([("quota", "名额须大于 0，名称和代码必填")])


@dataclass(frozen=True)
class HonourGrant:
    entry: str
    code: str
    label: str
    rank: int
    pending: bool  # a tie across the quota boundary: the organiser must decide who gets it
    reason: str


def allocate_honours(rule: HonourRule, ranked: Sequence[Ranked]) -> list[HonourGrant]:
    """Honours in ranking order within the quota. Vetoed entries are skipped (the next moves up); entries tied
    across the quota boundary are all listed as pending, none granted until the organiser decides."""
    eligible = [r for r in ranked if not r.vetoed and (rule.min_score is None or r.total >= rule.min_score)]
    out: list[HonourGrant] = []
    i = 0
    while i < len(eligible) and len(out) < rule.quota:
        group = [eligible[i]]
        while i + len(group) < len(eligible) and eligible[i + len(group)].rank == eligible[i].rank:
            group.append(eligible[i + len(group)])
        fits = len(out) + len(group) <= rule.quota
        for r in group:
            reason = (Message(N_("第 %(rank)s 名"), rank=r.rank) if fits else
                      Message(N_("第 %(rank)s 名，与他人并列且超出名额 %(quota)s，待组织者确定"), rank=r.rank, quota=rule.quota))
            out.append(HonourGrant(r.entry, rule.code, rule.label, r.rank, not fits, reason))
        if not fits:
            break
        i += len(group)
    return out
