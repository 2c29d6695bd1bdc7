"""Titles and rewards by rank and entrant conditions (技术能手, 五一劳动奖章 recommendation, 晋升技师, ...)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Mapping, Optional, Sequence

from .awards import Award
from .ranking import Ranked
from .types import Category, Gender, TitleRule


@dataclass(frozen=True)
class Entrant:
    """What title conditions look at; unknown attributes fail the conditions that need them."""

    entry: str
    birth_date: Optional[date] = None
    gender: Optional[Gender] = None
    category: Optional[Category] = None  # worker (一线职工) or manager (管理人员)


@dataclass(frozen=True)
class TitleGrant:
    entry: str
    title: str
    rank: int


def age_on(birth: date, day: date) -> int:
    """Full years of age on `day` (周岁): the birthday must have been reached."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _meets(rule: TitleRule, r: Ranked, who: Optional[Entrant], award: Optional[str], on: date) -> bool:
    if r.vetoed or r.rank < rule.from_place or (rule.to_place is not None and r.rank > rule.to_place):
        return False
    if rule.award_levels and award not in rule.award_levels:
        return False
    if rule.max_age is not None or rule.min_age is not None:
        if who is None or who.birth_date is None:
            return False
        age = age_on(who.birth_date, on)
        if (rule.max_age is not None and age > rule.max_age) or (rule.min_age is not None and age < rule.min_age):
            return False
    if rule.gender is not None and (who is None or who.gender != rule.gender):
        return False
    if rule.category is not None and (who is None or who.category != rule.category):
        return False
    return True


def grant_titles(
    rules: Sequence[TitleRule],
    ranked: Sequence[Ranked],
    entrants: Mapping[str, Entrant],
    contest_date: date,
    awards: Sequence[Award] = (),
) -> list[TitleGrant]:
    """Every title each ranked entry qualifies for, rule by rule in ranking order; `limit` keeps the first N
    qualifying (entries tied at the limit all qualify). Vetoed entries get none."""
    award_of = {a.entry: a.level for a in awards}
    out: list[TitleGrant] = []
    for rule in rules:
        granted: list[Ranked] = []
        for r in ranked:
            if rule.limit is not None and len(granted) >= rule.limit and granted[-1].rank != r.rank:
                break
            if _meets(rule, r, entrants.get(r.entry), award_of.get(r.entry), contest_date):
                granted.append(r)
                out.append(TitleGrant(r.entry, rule.name, r.rank))
    return out
