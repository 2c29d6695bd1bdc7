"""Scheduled job bookkeeping: runs and their outcome, the database lock, and console notices.

APScheduler keeps its own table (`apscheduler_jobs`, created by its job store, excluded from migrations).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from contestapp.common.db import UTCDateTime, utcnow
from contestapp.extensions import db
from contestapp.i18n import N_

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
    """One run of a job: when, by which process, and how it ended (ok / error / skipped)."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(64), index=True)
    holder: Mapped[str] = mapped_column(String(100))
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime)   # the job's `now` (frozen in tests)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="running")
    message: Mapped[str | None] = mapped_column(Text)

    @property
    def status_label(self) -> str:
        return RUN_STATUS_LABELS.get(self.status, self.status)

    @property
    def by_hand(self) -> bool:
        return self.holder.startswith(CONSOLE_HOLDER)


class Notice(db.Model):
    """A notice in the console (reminders of missing sheets...); `key` makes sending it idempotent."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    contest_id: Mapped[int | None] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    emailed: Mapped[bool] = mapped_column(default=False)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


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
