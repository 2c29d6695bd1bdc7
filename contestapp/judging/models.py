"""Score sheets and marks: the raw data every result is computed from.

A score sheet (评分表) is one judge's marks for one entry in one round. Its marks are never overwritten silently:
once submitted the sheet is locked, and a change needs an explicit return (退回) with a reason; every change of a
mark is written to the audit log. Results are always recomputed from these rows; nothing stores partial sums.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contestapp.auth.models import User
from contestapp.common.db import Fixed, UTCDateTime, utcnow
from contestapp.contests.models import Criterion, Round
from contestapp.entrants.models import Entry
from contestapp.extensions import db


class SheetStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"


SHEET_STATUS_LABELS = {SheetStatus.DRAFT: "草稿", SheetStatus.SUBMITTED: "已提交", SheetStatus.RETURNED: "已退回"}


class ScoreSheet(db.Model):
    __tablename__ = "score_sheets"
    __table_args__ = (UniqueConstraint("entry_id", "round_id", "judge_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=SheetStatus.DRAFT)
    version: Mapped[int] = mapped_column(default=1)  # bumped on every change; a stale tablet is detected by it
    source: Mapped[str] = mapped_column(String(20), default="tablet")  # tablet / paper (marks import)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_reason: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    entry: Mapped[Entry] = relationship()
    round: Mapped[Round] = relationship()
    judge: Mapped[User] = relationship()
    marks: Mapped[list[Mark]] = relationship(back_populates="sheet", cascade="all, delete-orphan")


class Mark(db.Model):
    """One judge's mark for one criterion of one entry (评分)."""

    __tablename__ = "marks"
    __table_args__ = (
        UniqueConstraint("sheet_id", "criterion_id"),
        # covering index for ranking: all marks of a round's criteria in one range scan
        Index("ix_marks_criterion_sheet_value", "criterion_id", "sheet_id", "value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("score_sheets.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criteria.id", ondelete="CASCADE"))
    value: Mapped[Decimal] = mapped_column(Fixed)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    sheet: Mapped[ScoreSheet] = relationship(back_populates="marks")
    criterion: Mapped[Criterion] = relationship()


class EntryRound(db.Model):
    """Per entry and round facts that are not a judge's mark: difficulty multiplier (难度系数) and time (用时)."""

    __tablename__ = "entry_rounds"
    __table_args__ = (UniqueConstraint("entry_id", "round_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    multiplier: Mapped[Decimal | None] = mapped_column(Fixed)
    time: Mapped[Decimal | None] = mapped_column(Fixed)  # seconds
