"""What an assessor or a participating unit's account has to do in merit contests and points assessments, across
contests: the page they reach from the top bar (a judge's home is the skills tablet, a unit's the craftsman page)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from contestapp.contests.models import Contest, ContestMember
from contestapp.entrants.models import Entrant, Entry
from contestapp.extensions import db
from contestapp.judging.models import ScoreSheet, SheetStatus
from contestapp.merit.models import Period, PeriodStatus, SelfSheet, UnitProfile
from contestapp.merit.periods import MERIT_KINDS, is_due, periods_of, rounds_of


@dataclass
class ContestTasks:
    contest: Contest
    role: str                                            # judge / unit
    open_periods: list[Period] = field(default_factory=list)
    waiting: list[Period] = field(default_factory=list)  # due, not yet opened
    bulletins: list[Period] = field(default_factory=list)  # published periods, latest first
    todo: int = 0                                        # sheets (or self-assessments) still to submit
    done: int = 0
    unit: str | None = None                              # a unit account's unit


def tasks_for(user, now: datetime) -> list[ContestTasks]:
    """The merit contests and points assessments the user assesses (judge) or takes part in (unit account)."""
    rows = db.session.execute(select(Contest, ContestMember.role).join(ContestMember)
                              .where(ContestMember.user_id == user.id, ContestMember.role == user.role,
                                     Contest.kind.in_(MERIT_KINDS)).order_by(Contest.id.desc())).all()
    out = []
    for contest, role in rows:
        periods = periods_of(contest)
        item = ContestTasks(contest, role, [p for p in periods if p.status == PeriodStatus.OPEN],
                            [p for p in periods if is_due(p, now)],
                            [p for p in reversed(periods) if p.status == PeriodStatus.PUBLISHED])
        if role == "judge":
            rounds = [r.id for p in item.open_periods for r in rounds_of(p).values()]
            counts = dict(db.session.execute(
                select(ScoreSheet.status, func.count(ScoreSheet.id))
                .where(ScoreSheet.round_id.in_(rounds), ScoreSheet.judge_id == user.id)
                .group_by(ScoreSheet.status)).all()) if rounds else {}
            item.done = counts.pop(SheetStatus.SUBMITTED.value, 0)
            item.todo = sum(counts.values())
        else:
            profile = db.session.scalar(select(UnitProfile).where(UnitProfile.contest_id == contest.id,
                                                                  UnitProfile.user_id == user.id))
            item.unit = profile.unit.name if profile else None
            if profile is not None and item.open_periods:
                selfs = db.session.scalars(select(SelfSheet.status).join(Entry, SelfSheet.entry_id == Entry.id)
                                           .join(Entrant, Entry.entrant_id == Entrant.id)
                                           .where(Entrant.unit_id == profile.unit_id,
                                                  SelfSheet.period_id.in_([p.id for p in item.open_periods]))).all()
                item.done = sum(1 for s in selfs if s == "submitted")
                item.todo = len(selfs) - item.done
        out.append(item)
    return out
