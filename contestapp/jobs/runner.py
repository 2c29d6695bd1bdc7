"""Running a job: claim its database lease, record a JobRun, call the job function with `now`, commit.

A job function takes `now` (aware UTC) and returns a short Chinese summary (a Message, or an N_ text, so that the
console shows it in its reader's language: it is kept in `JobRun.detail`); it must be idempotent (driven by the
state it finds: a period already open is not opened again, a bulletin already produced is not produced again).
Two scheduler processes cannot run the same job at once: the lease row in `job_locks` is claimed with one atomic
`UPDATE ... WHERE locked_until IS NULL OR locked_until < now`, and the database lets only one UPDATE win.

A job marked `background` (the backup) is not run inside a web request when started from the console: it is queued
(contestapp.jobs.queue, kind `scheduled_job`) for the jobs process. This module imports neither the scheduler nor
the job definitions (contestapp.jobs.tasks registers those with `@job`).
"""
from __future__ import annotations

import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from contestapp.common.formatting import contest_zone
from contestapp.extensions import db
from contestapp.i18n import N_, Message, said, stored
from contestapp.jobs.models import CONSOLE_HOLDER, JobLock, JobRun
from contestapp.jobs.queue import JobFailed, Work, handler, holder_id

LEASE = timedelta(minutes=30)  # a crashed holder's lease expires after this
BUSY = N_("另一个调度进程正在运行此任务")


@dataclass(frozen=True)
class JobSpec:
    name: str
    label: str
    func: Callable[[datetime], str]
    trigger: dict          # APScheduler trigger: {"trigger": "interval", "minutes": 10} / cron fields
    grace: int = 3600      # seconds a missed run may still be caught up
    background: bool = False  # started from the console: queued for the jobs process, not run in the request


JOBS: dict[str, JobSpec] = {}
SCHEDULED_JOB = "scheduled_job"  # the queue's kind for a scheduled job started from the console


def job(name: str, label: str, grace: int = 3600, background: bool = False, **trigger):
    def register(func):
        JOBS[name] = JobSpec(name, label, func, trigger, grace, background)
        return func

    return register


def zone_of(app=None) -> ZoneInfo:
    """The application's time zone (cron times, local dates)."""
    return contest_zone(app=app)


def make_trigger(spec: JobSpec, zone):
    fields = dict(spec.trigger)
    kind = fields.pop("trigger")
    if kind == "interval":
        return IntervalTrigger(timezone=zone, start_date=datetime(2000, 1, 1, tzinfo=timezone.utc), **fields)
    return CronTrigger(timezone=zone, **fields)


def _utc(now: datetime | None) -> datetime:
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is None:
        raise ValueError("naive datetime")
    return now.astimezone(timezone.utc)


def acquire(name: str, holder: str, now: datetime, lease: timedelta = LEASE) -> bool:
    """Claim the job's lease (committed at once, so the other process sees it)."""
    if db.session.get(JobLock, name) is None:
        try:
            db.session.add(JobLock(name=name))
            db.session.commit()
        except IntegrityError:  # the other process created it first: fine
            db.session.rollback()
    real_now = datetime.now(timezone.utc)  # leases run on the real clock even when a job's `now` is frozen
    result = db.session.execute(
        update(JobLock).where(JobLock.name == name,
                              or_(JobLock.locked_until.is_(None), JobLock.locked_until < real_now))
        .values(holder=holder, locked_until=real_now + lease)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def release(name: str, holder: str) -> None:
    db.session.execute(update(JobLock).where(JobLock.name == name, JobLock.holder == holder)
                       .values(locked_until=None).execution_options(synchronize_session=False))
    db.session.commit()


def run_job(name: str, now: datetime | None = None, holder: str | None = None) -> JobRun:
    """Run one job now (or at a frozen `now`); returns its JobRun (status ok / error / skipped)."""
    return _run(name, now, holder)[0]


def _run(name: str, now: datetime | None, holder: str | None) -> tuple[JobRun, str]:
    """`run_job`, and the job's summary as the job function returned it (a Message, if it is one)."""
    spec = JOBS[name]
    now = _utc(now)
    holder = holder or holder_id()
    if not acquire(name, holder, now):
        run = JobRun(job=name, holder=holder, scheduled_for=now, status="skipped",
                     message=BUSY, finished_at=datetime.now(timezone.utc))
        db.session.add(run)
        db.session.commit()
        return run, BUSY
    run = JobRun(job=name, holder=holder, scheduled_for=now, status="running")
    db.session.add(run)
    db.session.commit()
    run_id = run.id
    try:
        message = spec.func(now)
        db.session.commit()
        status, text = "ok", message or ""
    except Exception as exc:  # a job's failure is recorded, never kills the scheduler
        db.session.rollback()
        status, message = "error", _error(exc)
        text = f"{message}\n{traceback.format_exc(limit=5)}"  # the traceback for the logs and the CLI only
    run = db.session.get(JobRun, run_id)
    run.status, run.message, run.finished_at = status, str(text)[:4000], datetime.now(timezone.utc)
    run.detail = stored(message) if isinstance(message, Message) else None
    db.session.commit()
    release(name, holder)
    return run, message


def _error(exc: Exception) -> Message:
    """A failed run's first line, `ValueError: why`; why in the reader's language when the error carries a Message
    (or a catalogued text)."""
    reason = exc.args[0] if len(exc.args) == 1 and isinstance(exc.args[0], Message) else said(str(exc))
    return Message(N_("%(error)s: %(reason)s"), error=type(exc).__name__, reason=reason)


def last_runs() -> dict[str, JobRun]:
    out = {}
    for name in JOBS:
        out[name] = db.session.scalar(select(JobRun).where(JobRun.job == name, JobRun.status != "skipped")
                                      .order_by(JobRun.id.desc()).limit(1))
    return out


def scheduler_last_seen() -> datetime | None:
    """When a scheduler process last started a job (runs started by hand from the console do not count)."""
    return db.session.scalar(select(JobRun.started_at).where(~JobRun.holder.startswith(CONSOLE_HOLDER))
                             .order_by(JobRun.id.desc()).limit(1))


def scheduler_running(now: datetime) -> bool:
    """A scheduler process runs the interval jobs at least every 15 minutes: it is running if it started one within
    twice that (a stopped scheduler leaves its stored next-run times behind, so those say nothing)."""
    seen = scheduler_last_seen()
    every = min((timedelta(**{k: v for k, v in s.trigger.items() if k != "trigger"}) for s in JOBS.values()
                 if s.trigger["trigger"] == "interval"), default=timedelta(minutes=15))
    return seen is not None and now - seen <= 2 * every


def next_run(spec: JobSpec, now: datetime, zone) -> datetime | None:
    return make_trigger(spec, zone).get_next_fire_time(None, now)


@handler(SCHEDULED_JOB)
def run_queued(work: Work) -> str:
    """A scheduled job started from the console and queued (payload: name, holder): run it in the jobs process."""
    name = work.payload["name"]
    if name not in JOBS:
        raise JobFailed(Message(N_("没有任务 %(name)s"), name=name))
    work.report(0, 1, N_("运行中"))
    run, message = _run(name, None, work.payload.get("holder"))
    if run.status == "error":
        raise JobFailed(run.outcome or "")  # the exception's own text (a Message), without the traceback
    if run.status == "skipped":
        raise JobFailed(BUSY)
    return message or ""
