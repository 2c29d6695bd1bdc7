"""Awards over a ranking.

Each level reaches down to a place (`upto_place`) or to a cumulative share of the entrants (`upto_share`), counted
as round-half-up(share x number of entrants ranked) -- cumulative, so 10%/20%/30% of 15 gives 2, 3 (5 - 2) and 4
(9 - 5) rather than three separately rounded counts. Vetoed entries, and (with `require_pass`) entries below a
pass mark, get no award and take no place: the next eligible entry moves up. Entries tied at a boundary share a
rank and all get the higher award.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Optional, Sequence

from .messages import N_, Message
from .ranking import Ranked
from .scores import ScoringError
from .types import AwardLevel, AwardRule, round_half_up


@dataclass(frozen=True)
class Award:
    entry: str
    rank: int
    level: Optional[str]  # None: no award
    reason: str  # why (Chinese; an N_ text or a Message), for the explanation and the certificate office


def _reach(level: AwardLevel, entrants: int) -> int:
    if level.upto_place is not None:
        return level.upto_place
    return int(round_half_up(Decimal(entrants) * level.upto_share, 0))  # type: ignore[operator]


def award_counts(rule: AwardRule, entrants: int) -> list[tuple[str, int]]:
    """How many places each level reaches, cumulative (before ties): [(一等奖, 2), (二等奖, 5), ...]."""
    return [(lv.name, _reach(lv, entrants)) for lv in rule.levels]


def assign_awards(rule: AwardRule, ranked: Sequence[Ranked]) -> list[Award]:
    """One Award per ranked entry, in ranking order. Refuses while a tie awaits the chief judge."""
    if any(r.needs_decision for r in ranked):
        raise ScoringError(N_("存在待裁判长裁定的并列名次，暂不能评定奖项"))
    reaches = award_counts(rule, len(ranked))
    out: list[Award] = []
    eligible_before: dict[int, int] = {}  # official rank -> eligible entries ranked strictly above it
    eligible = 0
    for r in ranked:
        if r.vetoed:
            out.append(Award(r.entry, r.rank, None, N_("一票否决，不参加评奖")))
            continue
        if rule.require_pass and not r.result.passed:
            out.append(Award(r.entry, r.rank, None, N_("未达合格线，不授奖")))
            continue
        place = eligible_before.setdefault(r.rank, eligible) + 1  # tied entries share their place
        eligible += 1
        level = next((name for name, reach in reaches if place <= reach), None)
        reason = (Message(N_("获奖名次 %(place)s，在%(level)s范围内"), place=place, level=level) if level
                  else Message(N_("获奖名次 %(place)s，未进入获奖范围"), place=place))
        out.append(Award(r.entry, r.rank, level, reason))
    return out
