"""Project merit contests (重点工程立功竞赛) and points assessments (1+X): projects, periods, self-assessment,
period standings, red flags, bulletins, rewards by rank, annual review, honours and evidence.

A period is a Round (one per event, same code); the assessors' column is the judging area's ScoreSheet/Mark rows,
and the reason for each deduction its MarkNote rows (the rule saying which marks need one is merit's, registered in
`judging.notes`). Everything here adds what the scoring core does not hold: dates and status of a period, the unit's
own column, and the published results of each period.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contestapp.common.db import Fixed, UTCDateTime, utcnow
from contestapp.extensions import db
from contestapp.i18n import N_

UNIT_ROLES = {"construction": "施工", "supervision": "监理", "design": "设计"}
SECTION_TYPES = ("项目部", "标段", "工区")


class Project(db.Model):
    """A key project (重点建设项目) and the settings of its merit contest."""

    __tablename__ = "merit_projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str | None] = mapped_column(String(200))         # 建设单位 / 业主
    budget: Mapped[Decimal | None] = mapped_column(Fixed)           # 总投资（万元）
    location: Mapped[str | None] = mapped_column(String(200))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    schedule: Mapped[str] = mapped_column(String(20), default="monthly")
    deadline_days: Mapped[int] = mapped_column(default=5)
    red_flags: Mapped[int] = mapped_column(default=3)               # 流动红旗 for the top N
    review_weight: Mapped[Decimal] = mapped_column(Fixed, default=Decimal("0.2"))  # annual review in the year
    top_flag: Mapped[int] = mapped_column(default=20)               # points assessments: top K flagged
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class UnitProfile(db.Model):
    """A participating unit's kind (项目部/标段/工区) and the account that fills its self-assessment."""

    __tablename__ = "merit_unit_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), unique=True)
    section_type: Mapped[str | None] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)

    unit = relationship("Unit")


class PeriodStatus(StrEnum):
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"
    PUBLISHED = "published"


PERIOD_STATUS_LABELS = {PeriodStatus.SCHEDULED: N_("未开始"), PeriodStatus.OPEN: N_("考评中"),
                        PeriodStatus.CLOSED: N_("已截止"), PeriodStatus.PUBLISHED: N_("已通报")}


class Period(db.Model):
    """考评期: the rounds of code `code` in every event of the contest."""

    __tablename__ = "merit_periods"
    __table_args__ = (UniqueConstraint("contest_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    seq: Mapped[int] = mapped_column(default=0)
    weight: Mapped[Decimal] = mapped_column(Fixed, default=Decimal(1))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[str] = mapped_column(String(20), default=PeriodStatus.SCHEDULED, index=True)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    contest = relationship("Contest")

    @property
    def status_label(self) -> str:
        return PERIOD_STATUS_LABELS.get(PeriodStatus(self.status), self.status)


class SelfSheet(db.Model):
    """A unit's self-assessment (自评) for one period and entry."""

    __tablename__ = "merit_self_sheets"
    __table_args__ = (UniqueConstraint("period_id", "entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("merit_periods.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")  # draft / submitted
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    marks: Mapped[list[SelfMark]] = relationship(back_populates="sheet", cascade="all, delete-orphan")
    entry = relationship("Entry")
    period = relationship("Period")


class SelfMark(db.Model):
    __tablename__ = "merit_self_marks"
    __table_args__ = (UniqueConstraint("sheet_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("merit_self_sheets.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id", ondelete="CASCADE"))
    value: Mapped[Decimal] = mapped_column(Fixed)
    note: Mapped[str | None] = mapped_column(String(500))

    sheet: Mapped[SelfSheet] = relationship(back_populates="marks")


class PeriodStanding(db.Model):
    """An entry's published result in a period (the bulletin's ranking; the charts read it)."""

    __tablename__ = "merit_period_standings"
    __table_args__ = (UniqueConstraint("period_id", "entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("merit_periods.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    rank: Mapped[int | None]                                # None: not assessed (no submitted sheet)
    score: Mapped[Decimal | None] = mapped_column(Fixed)
    self_score: Mapped[Decimal | None] = mapped_column(Fixed)
    vetoed: Mapped[bool] = mapped_column(default=False)
    red_flag: Mapped[bool] = mapped_column(default=False)
    rewards: Mapped[str | None] = mapped_column(String(300))
    reward_amount: Mapped[Decimal | None] = mapped_column(Fixed)
    lost: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)      # criterion code -> points lost
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)    # veto reasons, deductions, explanation

    entry = relationship("Entry")


class Bulletin(db.Model):
    """通报: one PDF per period; the unique key lets the database refuse a second one."""

    __tablename__ = "merit_bulletins"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("merit_periods.id", ondelete="CASCADE"), unique=True)
    path: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100), default="")  # the job run or user that produced it


class RankReward(db.Model):
    """A line of the rewards-and-penalties table (奖惩): places from..to (from the bottom if `from_bottom`)."""

    __tablename__ = "merit_rank_rewards"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    from_rank: Mapped[int]
    to_rank: Mapped[int]
    label: Mapped[str] = mapped_column(String(100))
    amount: Mapped[Decimal] = mapped_column(Fixed, default=Decimal(0))  # yuan; negative = penalty
    from_bottom: Mapped[bool] = mapped_column(default=False)


class AnnualReview(db.Model):
    """年度考评得分 of an entry (added to the year's cumulative result with the project's review weight)."""

    __tablename__ = "merit_annual_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), unique=True)
    score: Mapped[Decimal] = mapped_column(Fixed)
    note: Mapped[str | None] = mapped_column(String(500))


class HonourRule(db.Model):
    """An honour with a quota for the entries of one event (labels configurable)."""

    __tablename__ = "merit_honour_rules"
    __table_args__ = (UniqueConstraint("contest_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(100))
    quota: Mapped[int]
    order: Mapped[int] = mapped_column(default=0)
    # The organiser's settlement of a tie across the quota: {"among": [entry ids tied], "chosen": [entry ids],
    # "reason": ..., "by": username, "at": ISO time}; re-applied when the honours are recomputed with the same tie.
    tie_decision: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Honour(db.Model):
    """The year's honour list: what the certificates area issues from (one row per entry and honour)."""

    __tablename__ = "merit_honours"
    __table_args__ = (UniqueConstraint("rule_id", "entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("merit_honour_rules.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    year: Mapped[int | None]
    label: Mapped[str] = mapped_column(String(100))
    entrant_name: Mapped[str] = mapped_column(String(200))
    unit_name: Mapped[str | None] = mapped_column(String(200))
    rank: Mapped[int]
    score: Mapped[Decimal] = mapped_column(Fixed)
    pending: Mapped[bool] = mapped_column(default=False)   # tie across the quota: organiser decides
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Evidence(db.Model):
    """佐证材料 for a special item of a points assessment, reviewed and confirmed before its points count."""

    __tablename__ = "merit_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(100), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending / confirmed / rejected
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str | None] = mapped_column(String(500))

    criterion = relationship("Criterion")
    entry = relationship("Entry")

    @property
    def status_label(self) -> str:
        return EVIDENCE_LABELS.get(self.status, self.status)


EVIDENCE_LABELS = {"none": N_("未上传"), "pending": N_("待审核"), "confirmed": N_("已确认"), "rejected": N_("未通过")}
