"""Contests and their structure: events, rounds, criteria (the scoring core's definition side).

The columns hold what the database must index, join or constrain; the rest of each level's rules (panel rule,
combination, tie-break chain, award and title rules...) is kept in a JSON `rules` column exactly as the contest
definition file states it, so that a definition loads and dumps without loss.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contestapp.auth.models import Organisation, User
from contestapp.common.db import Fixed, UTCDateTime, utcnow
from contestapp.contests.triggers import install as install_criteria_triggers
from contestapp.extensions import db
from contestapp.i18n import N_


class ContestKind(StrEnum):
    SKILLS = "skills"
    MERIT = "merit"
    CRAFTSMAN = "craftsman"
    POINTS = "points"


CONTEST_KIND_LABELS = {
    ContestKind.SKILLS: N_("职工技能竞赛"), ContestKind.MERIT: N_("重点工程立功竞赛"),
    ContestKind.CRAFTSMAN: N_("工匠评选"), ContestKind.POINTS: N_("积分考核"),
}


class ContestStatus(StrEnum):
    DRAFT = "draft"
    REGISTRATION = "registration"
    RUNNING = "running"
    PUBLICITY = "publicity"
    FINAL = "final"
    ARCHIVED = "archived"


CONTEST_STATUS_LABELS = {
    ContestStatus.DRAFT: N_("筹备中"), ContestStatus.REGISTRATION: N_("报名中"), ContestStatus.RUNNING: N_("进行中"),
    ContestStatus.PUBLICITY: N_("公示中"), ContestStatus.FINAL: N_("已定稿"), ContestStatus.ARCHIVED: N_("已归档"),
}


class Contest(db.Model):
    __tablename__ = "contests"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=ContestStatus.DRAFT)
    year: Mapped[int | None]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    location: Mapped[str | None] = mapped_column(String(200))
    rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    events: Mapped[list[Event]] = relationship(
        back_populates="contest", order_by="Event.order", cascade="all, delete-orphan"
    )
    members: Mapped[list[ContestMember]] = relationship(back_populates="contest", cascade="all, delete-orphan")

    @property
    def kind_label(self) -> str:
        return CONTEST_KIND_LABELS.get(ContestKind(self.kind), self.kind)

    @property
    def status_label(self) -> str:
        return CONTEST_STATUS_LABELS.get(ContestStatus(self.status), self.status)


class ContestMember(db.Model):
    """A user's role in one contest: chief judge, judge, arbitrator (or an extra organiser)."""

    __tablename__ = "contest_members"
    __table_args__ = (UniqueConstraint("contest_id", "user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))

    contest: Mapped[Contest] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class EventMode(StrEnum):
    INDIVIDUAL = "individual"
    TEAM = "team"
    UNIT = "unit"


EVENT_MODE_LABELS = {EventMode.INDIVIDUAL: N_("个人赛"), EventMode.TEAM: N_("团体赛"), EventMode.UNIT: N_("单位")}


class Event(db.Model):
    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("contest_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    mode: Mapped[str] = mapped_column(String(20), default=EventMode.INDIVIDUAL)
    order: Mapped[int] = mapped_column(default=0)
    rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # When the event's results became final (定稿); None while they may change. Set and cleared only by the results
    # workflow (finalise, reopen, an approved correction); read by every area through contests.finality.
    final_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    contest: Mapped[Contest] = relationship(back_populates="events")
    rounds: Mapped[list[Round]] = relationship(
        back_populates="event", order_by="Round.order", cascade="all, delete-orphan"
    )

    @property
    def mode_label(self) -> str:
        return EVENT_MODE_LABELS.get(EventMode(self.mode), self.mode)


class Round(db.Model):
    __tablename__ = "rounds"
    __table_args__ = (UniqueConstraint("event_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    weight: Mapped[Decimal] = mapped_column(Fixed, default=Decimal(1))
    order: Mapped[int] = mapped_column(default=0)
    rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # moved by database triggers on every change to the round's criteria (contestapp.contests.triggers)
    criteria_version: Mapped[int] = mapped_column(default=0, server_default="0")

    event: Mapped[Event] = relationship(back_populates="rounds")
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="round", order_by="Criterion.order", cascade="all, delete-orphan"
    )


class CriterionKind(StrEnum):
    MEASUREMENT = "measurement"
    JUDGEMENT = "judgement"
    DEDUCTION = "deduction"
    BONUS = "bonus"
    TIME = "time"
    VETO = "veto"


CRITERION_KIND_LABELS = {
    CriterionKind.MEASUREMENT: N_("客观评分"), CriterionKind.JUDGEMENT: N_("主观评分"), CriterionKind.DEDUCTION: N_("扣分"),
    CriterionKind.BONUS: N_("加分"), CriterionKind.TIME: N_("用时"),
    CriterionKind.VETO: N_("一票否决"),
}


class Criterion(db.Model):
    __tablename__ = "criteria"
    __table_args__ = (UniqueConstraint("round_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20), default=CriterionKind.MEASUREMENT)
    max: Mapped[Decimal] = mapped_column(Fixed)
    min: Mapped[Decimal] = mapped_column(Fixed, default=Decimal(0))
    step: Mapped[Decimal | None] = mapped_column(Fixed)
    order: Mapped[int] = mapped_column(default=0)
    rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    round: Mapped[Round] = relationship(back_populates="criteria")

    @property
    def kind_label(self) -> str:
        try:
            return CRITERION_KIND_LABELS[CriterionKind(self.kind)]
        except ValueError:
            return self.kind


install_criteria_triggers(Criterion.__table__)
