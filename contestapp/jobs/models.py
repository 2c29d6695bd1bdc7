"""Job bookkeeping: scheduled runs and their outcome, the database lock, the queue of background work, and console
notices.

APScheduler keeps its own table (`apscheduler_jobs`, created by its job store, excluded from migrations).
"""
from __future__ import annotations

from datetime import datetime

from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from contestapp.common.db import UTCDateTime, utcnow
from contestapp.extensions import db
from contestapp.i18n import N_, Message, kept, restored, said

RUN_STATUS_LABELS = {"ok": N_("成功"), "error": N_("出错"), "skipped": N_("跳过"), "running": N_("运行中")}
CONSOLE_HOLDER = "console:"  # runs started from the jobs console ("立即运行") rather than by the scheduler


class JobLock(db.Model):
    """One row per job: a lease claimed with one atomic UPDATE ... WHERE (the database arbitrates between
    scheduler processes; a crashed holder's lease simply expires)."""

    __tablename__ = "job_locks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(100))
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class JobRun(db.Model):
    """One run of a job: when, by which process, and how it ended (ok / error / skipped). `message` is the outcome
    in Chinese (logs, the CLI); `detail` keeps it as a Message (`stored`) when the job gave one, for the pages."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(64), index=True)
    holder: Mapped[str] = mapped_column(String(100))
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime)   # the job's `now` (frozen in tests)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="running")
    message: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    @property
    def status_label(self) -> str:
        return RUN_STATUS_LABELS.get(self.status, self.status)

    @property
    def outcome(self) -> Message | None:
        """The outcome as a Message `tr` can translate: the kept one, else the text as it was (a run from before
        `detail`, or a job that returned a plain text); None when there is none."""
        if self.detail:
            return restored(self.detail)
        return said(self.message) if self.message else None

    @property
    def by_hand(self) -> bool:
        return self.holder.startswith(CONSOLE_HOLDER)


QUEUE_STATUS_LABELS = {"queued": N_("排队中"), "running": N_("运行中"), "done": N_("已完成"), "failed": N_("失败")}


class QueuedJob(db.Model):
    """One piece of background work (a certificate batch, a large roster import, a backup started by hand), done by
    a jobs process (`flask jobs work`, or the scheduler `flask jobs run`), never by the web process.

    A worker claims a job with one conditional UPDATE and holds it on a lease (`lease_until`, renewed as it reports
    progress); a job whose worker died is claimed again once its lease has run out, at most `max_attempts` times."""

    __tablename__ = "job_queue"
    __table_args__ = (Index("ix_job_queue_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=3)
    holder: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    phase: Mapped[str] = mapped_column(String(100), default="")
    message: Mapped[str | None] = mapped_column(Text)    # the outcome, in Chinese
    error: Mapped[str | None] = mapped_column(Text)      # why it failed, in Chinese
    contest_id: Mapped[int | None] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def status_label(self) -> str:
        return QUEUE_STATUS_LABELS.get(self.status, self.status)

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        return min(100, int(self.done * 100 / self.total)) if self.total else 0


class Notice(db.Model):
    """A notice in the console (reminders of missing sheets...); `key` makes sending it idempotent. `text` is the
    notice in Chinese (the daily e-mail); `detail` keeps it as a Message (`stored`) for the notices page."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    contest_id: Mapped[int | None] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(500))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    emailed: Mapped[bool] = mapped_column(default=False)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def message(self) -> Message | None:
        """The notice for `tr`: the kept message, else the text as it was (a notice from before `detail`)."""
        return kept(self.detail, self.text)


class MailLog(db.Model):
    """One reminder e-mail sent to one person on one day (local date): the unique pair keeps it to one a day."""

    __tablename__ = "mail_log"
    __table_args__ = (UniqueConstraint("user_id", "day", name="uq_mail_log_user_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    day: Mapped[str] = mapped_column(String(10))          # YYYY-MM-DD in the application's time zone
    address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    notices: Mapped[int] = mapped_column(default=0)       # how many console notices the mail carried
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
