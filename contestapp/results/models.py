"""Results workflow: an event's stage (draft -> publicity -> final), snapshots, appeals, keyed paper mark batches;
and the ranking's inputs that the database keeps current (panel statistics and versions, see `triggers`).

Nothing here stores a score that the raw marks could contradict: live rankings are computed from the panel
statistics, which the database's triggers recompute from `marks` in the transaction that changes them; a snapshot
is a frozen, numbered copy of a ranking at the moment it was published, kept as the record of what was published
(never read back to compute anything but awards on that very snapshot).
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, String, Text, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from contestapp.auth.models import User
from contestapp.common.db import UTCDateTime, utcnow
from contestapp.contests.finality import watch
from contestapp.contests.models import Event, Round
from contestapp.entrants.models import Entrant, Entry, Unit
from contestapp.extensions import db
from contestapp.i18n import N_
from contestapp.judging.models import EntryRound, Mark, ScoreSheet, TieDecision
from contestapp.results.triggers import install as install_triggers


class Stage(StrEnum):
    DRAFT = "draft"
    PUBLICITY = "publicity"
    FINAL = "final"
    REOPENED = "reopened"  # final results reopened for a correction (the final snapshot stays official meanwhile)


STAGE_LABELS = {Stage.DRAFT: N_("未公布"), Stage.PUBLICITY: N_("公示中"), Stage.FINAL: N_("已定稿"),
                Stage.REOPENED: N_("已重新开放（更正中）")}


class EventResultState(db.Model):
    """Where an event's results stand, and the organiser's settings for them (one row per event, made on demand)."""

    __tablename__ = "event_result_states"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    stage: Mapped[str] = mapped_column(String(20), default=Stage.DRAFT)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)           # the event's end (appeal window)
    appeal_hours: Mapped[int] = mapped_column(default=2)                     # appeals close this long after the end
    publicity_days: Mapped[int] = mapped_column(default=5)                   # working days (公示期)
    publicity_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    publicity_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    board_enabled: Mapped[bool] = mapped_column(Boolean, default=False)      # public big-screen page on
    public_names: Mapped[bool] = mapped_column(Boolean, default=False)       # organiser allows names (after 解密)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS.get(Stage(self.stage), self.stage)


class SnapshotKind(StrEnum):
    PRELIMINARY = "preliminary"
    FINAL = "final"


class ResultSnapshot(db.Model):
    """A published ranking (JSON of the ranking and every explanation), immutable once effective.

    Final results are version 1; a correction is version 2, 3... with a reason, proposed `pending` and effective
    after two different people approve it. Every version stays readable; the effective one with the highest version
    is the official result.
    """

    __tablename__ = "result_snapshots"
    __table_args__ = (UniqueConstraint("event_id", "kind", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(default=1)
    number: Mapped[str] = mapped_column(String(80), unique=True)   # e.g. 2025-city-skills/electrician/F2
    status: Mapped[str] = mapped_column(String(20), default="effective")  # effective / pending / rejected
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_by_1_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_by_2_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    approved_by_1: Mapped[User | None] = relationship(foreign_keys=[approved_by_1_id])
    approved_by_2: Mapped[User | None] = relationship(foreign_keys=[approved_by_2_id])

    @property
    def kind_label(self) -> str:
        return {"preliminary": N_("公示成绩"), "final": N_("最终成绩")}.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return {"effective": N_("有效"), "pending": N_("待审批"), "rejected": N_("已否决")}.get(self.status, self.status)


class ImmutableSnapshotError(RuntimeError):
    pass


@event.listens_for(ResultSnapshot, "before_update")
def _freeze_snapshot(mapper, connection, target):
    """An effective snapshot never changes; a pending one may only collect approvals or be rejected."""
    state = inspect(target)
    changed = {a.key for a in state.attrs if a.history.has_changes()}
    frozen = {"data", "number", "event_id", "kind", "version", "reason", "created_by_id", "created_at"}
    before = state.attrs.status.history.deleted
    old_status = before[0] if before else target.status
    if changed & frozen or old_status != "pending":
        raise ImmutableSnapshotError("已发布的成绩快照不能修改；更正请创建新版本")


@event.listens_for(ResultSnapshot, "before_delete")
def _keep_snapshot(mapper, connection, target):
    raise ImmutableSnapshotError("成绩快照不能删除")


class AppealStatus(StrEnum):
    PENDING = "pending"
    UPHELD = "upheld"
    REJECTED = "rejected"


APPEAL_STATUS_LABELS = {AppealStatus.PENDING: N_("待仲裁"), AppealStatus.UPHELD: N_("申诉成立"),
                        AppealStatus.REJECTED: N_("驳回")}


class Appeal(db.Model):
    """A written appeal (申诉) to the arbitration group and its ruling (仲裁)."""

    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("entries.id", ondelete="SET NULL"), index=True)
    appellant: Mapped[str] = mapped_column(String(200))
    lodged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    text: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(20), default=AppealStatus.PENDING)
    decision: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    changes: Mapped[list | None] = mapped_column(JSON)  # [{mark_id, judge, criterion, old, new}]

    event: Mapped[Event] = relationship()
    entry: Mapped[Entry | None] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def status_label(self) -> str:
        return APPEAL_STATUS_LABELS.get(AppealStatus(self.status), self.status)


watch(Appeal, lambda a: a.event_id)  # no appeal is lodged or ruled on an event whose results are final


class MarkBatch(db.Model):
    """One keying of paper score sheets (双人录入): rows checked and normalised, not yet counted.

    The second keying of the same sheets points at the first (`pair_id`); the marks are written only when both
    keyings agree exactly and were keyed by two different people.
    """

    __tablename__ = "mark_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("mark_batches.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    extras_filename: Mapped[str | None] = mapped_column(String(200))
    rows: Mapped[list] = mapped_column(JSON)     # [[event, round, entry, criterion, judge, value], ...] normalised
    extras: Mapped[list] = mapped_column(JSON, default=list)  # [[event, round, entry, multiplier, time], ...]
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending / confirmed / discarded
    keyed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    keyed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    keyed_by: Mapped[User | None] = relationship(foreign_keys=[keyed_by_id])

    @property
    def status_label(self) -> str:
        return {"pending": N_("待核对"), "confirmed": N_("已入库"), "discarded": N_("已作废")}.get(self.status, self.status)


# --- the ranking's inputs, kept current by the database (contestapp/results/triggers.py) ------------------------------

class PanelStat(db.Model):
    """Per (round, entry, criterion): count, sum, lowest and highest of the marks on submitted sheets, as stored
    (`Fixed`: x 10^4). Written only by the database's triggers; the ranking's aggregate query reads it."""

    __tablename__ = "panel_stats"
    __table_args__ = {"sqlite_with_rowid": False}  # clustered by the key on SQLite: one range scan per round

    round_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    entry_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, index=True)
    criterion_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    n: Mapped[int]
    total: Mapped[int] = mapped_column(BigInteger)
    low: Mapped[int] = mapped_column(BigInteger)
    high: Mapped[int] = mapped_column(BigInteger)


class RoundStat(db.Model):
    """Per (round, entry): the round's panel statistics summed over its criteria -- how many criteria have marks,
    the fewest and most marks of a criterion, and the sums of the criteria's sums, lowest and highest marks. Written
    only by the triggers, with `panel_stats`; for a round whose criteria share one rule and one weight this is the
    aggregate query's row, read instead of grouping the round's criteria (`results.aggregate.plain_select`)."""

    __tablename__ = "round_stats"

    round_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    entry_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, index=True)
    criteria: Mapped[int]
    fewest: Mapped[int]
    most: Mapped[int]
    total: Mapped[int] = mapped_column(BigInteger)
    low: Mapped[int] = mapped_column(BigInteger)
    high: Mapped[int] = mapped_column(BigInteger)


class EntryVersion(db.Model):
    """A new random number on every change of what the entry's result depends on (triggers)."""

    __tablename__ = "entry_versions"

    entry_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)


class EventVersion(db.Model):
    """A new random number on every change of what the event's ranking depends on (triggers): the key of every
    cached ranking and big screen of the event."""

    __tablename__ = "event_versions"

    event_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)


install_triggers({"marks": Mark.__table__, "score_sheets": ScoreSheet.__table__, "entry_rounds": EntryRound.__table__,
                  "entries": Entry.__table__, "entrants": Entrant.__table__, "units": Unit.__table__,
                  "tie_decisions": TieDecision.__table__, "events": Event.__table__, "rounds": Round.__table__})
