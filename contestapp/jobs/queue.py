"""The queue of background work: a table in the application's database (`job_queue`), read by the jobs process.

The web process only enqueues (`enqueue`, committed with the request's own changes) and shows progress; a jobs
process — `flask jobs work`, or the scheduler `flask jobs run`, which drains the queue between its scheduled runs —
claims each job and runs its handler. Areas register their handlers at import time::

    @handler("certificate_batch")
    def run(work: Work) -> str:
        work.report(3, 10, N_("生成 PDF"))   # progress, written with the handler's next commit
        ...
        return Message(N_("完成 %(n)s 张"), n=10)  # the outcome (Chinese; a Message is shown in the reader's
                                                # language); raise JobFailed(N_("...")) for a failure

Claiming is one conditional UPDATE (`... WHERE status = 'queued' OR the lease has run out`): two workers never run
the same job at once, on SQLite or PostgreSQL. A worker holds a job on a lease that each progress report renews; a
job whose worker died is claimed again when its lease has run out (at once when the dead worker was on this host),
at most `max_attempts` times; a worker stopped with SIGTERM or Ctrl-C gives its job back to the queue. Handlers must
therefore be idempotent (issuing again reuses the serials; a roster import checks the list again).
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

from sqlalchemy import and_, or_, select, update

from contestapp.extensions import db
from contestapp.i18n import N_, Message, restored, said, stored, tr
from contestapp.jobs.models import QueuedJob

log = logging.getLogger("contestapp.jobs.queue")

LEASE = timedelta(minutes=10)  # renewed by every progress report; a dead worker's job is retried after this
POLL_SECONDS = 1.0


class JobFailed(Exception):
    """A failure to show to the person who started the job (message in Chinese: an N_ text or a Message, shown in
    the reader's language on the job's page); the job is not retried."""


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _now() -> datetime:
    return datetime.now(timezone.utc)  # leases run on the real clock even when the application's clock is moved


@dataclass
class Work:
    """What a handler receives: the job's payload, and `report` for its progress."""

    job: QueuedJob
    listener: Callable[[int, int, str], None] | None = None  # also told each report (a command running it here)

    @property
    def payload(self) -> dict:
        return self.job.payload or {}

    def report(self, done: int, total: int, phase: str) -> None:
        """Progress (and a renewed lease), written with the handler's next commit."""
        self.job.done, self.job.total, self.job.phase = done, total, phase[:100]
        self.job.lease_until = _now() + LEASE
        if self.listener is not None:
            self.listener(done, total, phase)


HANDLERS: dict[str, Callable[[Work], str]] = {}
# kind -> what else to mark when a job of that kind is given up (its worker died on every attempt)
GIVE_UP: dict[str, Callable[[QueuedJob, str], None]] = {}


def handler(kind: str, on_give_up: Callable[[QueuedJob, str], None] | None = None
            ) -> Callable[[Callable[[Work], str]], Callable[[Work], str]]:
    def register(func: Callable[[Work], str]) -> Callable[[Work], str]:
        HANDLERS[kind] = func
        if on_give_up is not None:
            GIVE_UP[kind] = on_give_up
        return func

    return register


def enqueue(kind: str, payload: dict, *, contest_id: int | None = None, created_by: int | None = None,
            phase: str = N_("排队中"), max_attempts: int = 3) -> QueuedJob:
    """Queue a job (flushed, not committed: it starts once the caller commits). `created_by` (a user id) may
    follow it on its page."""
    job = QueuedJob(kind=kind, payload=payload, contest_id=contest_id, created_by=created_by,
                    status="queued", phase=phase, max_attempts=max_attempts)
    db.session.add(job)
    db.session.flush()
    return job


def _dead_here(holder: str | None) -> bool:
    """Was the job held by a process of this host that no longer exists?"""
    host, _, pid = (holder or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # someone else's process: alive
        return False
    return False


def _give_up_abandoned(now: datetime) -> None:
    """Jobs whose worker died on every attempt: failed, with a message for the person who started them."""
    stale = db.session.scalars(select(QueuedJob).where(QueuedJob.status == "running",
                                                       QueuedJob.attempts >= QueuedJob.max_attempts)).all()
    for job in stale:
        if (job.lease_until and job.lease_until < now) or _dead_here(job.holder):
            job.status, job.finished_at = "failed", now
            message = Message(N_("任务进程在运行中中断了 %(n)s 次，已停止重试；请检查任务进程的日志后重新提交"),
                              n=job.attempts)
            _keep(job, "error", message)
            hook = GIVE_UP.get(job.kind)
            if hook is not None:
                hook(job, message)
    db.session.commit()


def claim(holder: str, job_id: int | None = None) -> QueuedJob | None:
    """The oldest job that is queued, or whose worker died (or only job `job_id`, if so); claimed for `holder`
    (committed), or None."""
    now = _now()
    _give_up_abandoned(now)
    orphaned = and_(QueuedJob.status == "running", QueuedJob.attempts < QueuedJob.max_attempts)
    query = select(QueuedJob.id, QueuedJob.status, QueuedJob.holder, QueuedJob.lease_until) \
        .where(or_(QueuedJob.status == "queued", orphaned))
    if job_id is not None:
        query = query.where(QueuedJob.id == job_id)
    rows = db.session.execute(query.order_by(QueuedJob.id).limit(20)).all()
    for row_id, status, old_holder, lease in rows:
        if status == "running" and not ((lease and lease < now) or _dead_here(old_holder)):
            continue  # a live worker holds it
        free = QueuedJob.status == "queued" if status == "queued" else \
            and_(QueuedJob.status == "running", QueuedJob.holder == old_holder)
        won = db.session.execute(
            update(QueuedJob).where(QueuedJob.id == row_id, free)
            .values(status="running", holder=holder, lease_until=now + LEASE, attempts=QueuedJob.attempts + 1,
                    started_at=now, error=None).execution_options(synchronize_session=False)).rowcount == 1
        db.session.commit()
        if won:
            return db.session.get(QueuedJob, row_id)
    return None


def run_claimed(job: QueuedJob, listener: Callable[[int, int, str], None] | None = None) -> QueuedJob:
    """Run a claimed job's handler and record how it ended (committed); `listener` is told its progress too."""
    job_id = job.id
    func = HANDLERS.get(job.kind)
    try:
        if func is None:
            raise JobFailed(Message(N_("未知的任务类型：%(kind)s"), kind=job.kind))
        message = func(Work(job, listener))
        db.session.commit()
        job = db.session.get(QueuedJob, job_id)
        job.status, job.phase = "done", N_("已完成")
        _keep(job, "message", message or "")
        job.done = job.total = max(job.total, 1)
    except JobFailed as exc:
        job = _failed(job_id, exc.args[0] if exc.args else str(exc))
    except (KeyboardInterrupt, SystemExit):
        db.session.rollback()  # stopped by hand: the job goes back to the queue for the next worker
        db.session.execute(update(QueuedJob).where(QueuedJob.id == job_id)
                           .values(status="queued", holder=None, lease_until=None, phase=N_("排队中"),
                                   attempts=QueuedJob.attempts - 1).execution_options(synchronize_session=False))
        db.session.commit()
        raise
    except Exception as exc:  # noqa: BLE001 - a job's failure is recorded, never kills the worker
        log.exception("job %s (%s) failed", job_id, job.kind)
        job = _failed(job_id, Message(N_("任务失败（系统错误：%(error)s），已记录，请联系管理员"),
                                      error=type(exc).__name__))
    job.finished_at, job.lease_until = _now(), None
    db.session.commit()
    return job


_KEPT = {"error": "error_message", "message": "result_message"}  # the payload key keeping each field's Message


def _keep(job: QueuedJob, field: str, message) -> None:
    """Set the job's `error` or `message` to the Chinese text; a Message's template and values are kept too (payload
    "error_message" / "result_message") so that pages can show it in their reader's language (`shown`)."""
    setattr(job, field, str(message)[:4000])
    key = _KEPT[field]
    payload = {k: v for k, v in (job.payload or {}).items() if k != key}
    job.payload = {**payload, key: stored(message)} if isinstance(message, Message) else payload


def _failed(job_id: int, message) -> QueuedJob:
    db.session.rollback()
    job = db.session.get(QueuedJob, job_id)
    job.status, job.phase = "failed", N_("失败")
    _keep(job, "error", message)
    return job


def _kept(job: QueuedJob, field: str) -> Message | None:
    text = getattr(job, field)
    if not text:
        return None
    kept = (job.payload or {}).get(_KEPT[field])
    return restored(kept) if isinstance(kept, dict) else said(text)


def error_message(job: QueuedJob) -> Message | None:
    """Why the job failed, as a Message `tr` can translate (None if it did not fail)."""
    return _kept(job, "error")


def result_message(job: QueuedJob) -> Message | None:
    """The job's outcome (its handler's result), as a Message `tr` can translate (None if it has none)."""
    return _kept(job, "message")


def shown(job: QueuedJob) -> dict[str, str]:
    """Inside a request: the job's error and outcome in the reader's language ("" when it has none), for every page
    that shows a job (its own page, the console's list, a certificate batch)."""
    error, result = error_message(job), result_message(job)
    return {"error": tr(error) if error is not None else "", "message": tr(result) if result is not None else ""}


def run_next(holder: str | None = None) -> QueuedJob | None:
    """Claim and run one job (inside an app context); the job, or None when the queue is empty."""
    job = claim(holder or holder_id())
    return run_claimed(job) if job is not None else None


def work(app, stop: threading.Event | None = None, poll: float = POLL_SECONDS, until_empty: bool = False) -> int:
    """The worker loop: run jobs until `stop` is set (or, with until_empty, until the queue is empty).
    Returns the number of jobs run."""
    ran = 0
    holder = holder_id()
    while stop is None or not stop.is_set():
        with app.app_context():  # a fresh session per job (removed when the context ends)
            job = run_next(holder)
            if job is not None:
                log.info("job %s (%s): %s", job.id, job.kind, job.status)
        if job is not None:
            ran += 1
            continue
        if until_empty:
            break
        if stop is not None:
            stop.wait(poll)
        else:
            time.sleep(poll)
    return ran


def status_of(job: QueuedJob) -> dict:
    """The job's state for the progress bar (contestapp.jobs.views and static/js/job-progress.js)."""
    return {"id": job.id, "kind": job.kind, "status": job.status, "status_label": job.status_label,
            "phase": job.phase, "done": job.done, "total": job.total, "percent": job.percent,
            "message": job.message or "", "error": job.error or "", "finished": job.finished,
            "attempts": job.attempts}
