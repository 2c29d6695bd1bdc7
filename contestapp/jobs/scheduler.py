"""APScheduler 3.x set-up: one process (`flask jobs run`), jobs stored in the application's database.

- job store: SQLAlchemyJobStore on the app's engine, table `apscheduler_jobs` (kept out of Alembic autogenerate);
- misfires: `coalesce=True` (many missed runs become one) and each job's `misfire_grace_time`;
- on start, a catch-up pass runs every job whose last scheduled time (within its grace period) has no run yet;
- a second process started by mistake does no harm: every run claims the job's lease in `job_locks` first;
- between its scheduled runs the process drains the job queue (contestapp.jobs.queue): certificate batches, large
  imports and backups started in the web console, so `make run` needs no third process.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone

from apscheduler.jobstores.base import ConflictingIdError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from contestapp.extensions import db
from contestapp.jobs import tasks  # noqa: F401  (registers the jobs)
from contestapp.jobs.models import JobRun
from contestapp.jobs.queue import work
from contestapp.jobs.runner import JOBS, make_trigger, run_job, zone_of

log = logging.getLogger("contestapp.jobs")
TABLE = "apscheduler_jobs"
_APP = None  # the Flask app of this scheduler process (jobs are stored by reference, not pickled with the app)


def scheduled_run(name: str) -> None:
    """What APScheduler calls (by reference `contestapp.jobs.scheduler:scheduled_run`)."""
    with _APP.app_context():
        run = run_job(name)
        log.info("job %s: %s %s", name, run.status, (run.message or "")[:200])


def build_scheduler(app, scheduler_class=BackgroundScheduler) -> BaseScheduler:
    global _APP
    _APP = app
    zone = zone_of(app)
    with app.app_context():
        store = SQLAlchemyJobStore(engine=db.engine, tablename=TABLE)
    scheduler = scheduler_class(
        jobstores={"default": store}, executors={"default": {"type": "threadpool", "max_workers": 1}},
        job_defaults={"coalesce": True, "max_instances": 1}, timezone=zone)
    return scheduler


def register_jobs(scheduler: BaseScheduler, app) -> None:
    zone = zone_of(app)
    for spec in JOBS.values():
        try:
            scheduler.add_job("contestapp.jobs.scheduler:scheduled_run", trigger=make_trigger(spec, zone),
                              args=[spec.name], id=spec.name, name=spec.label, replace_existing=True,
                              misfire_grace_time=spec.grace, coalesce=True, max_instances=1)
        except (ConflictingIdError, IntegrityError):  # another process stored it at the same moment
            log.info("job %s already stored by another process", spec.name)


def due_for_catch_up(now: datetime, zone) -> list[str]:
    """Jobs whose latest scheduled time within their grace period has no run (ok or error) since."""
    due = []
    for spec in JOBS.values():
        if spec.trigger["trigger"] == "interval":
            due.append(spec.name)  # cheap and state-driven: always run once at start
            continue
        trigger = make_trigger(spec, zone)
        window_start = now - timedelta(seconds=spec.grace)
        fire = trigger.get_next_fire_time(None, window_start)
        latest = None
        while fire is not None and fire <= now:
            latest = fire
            fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
        if latest is None:
            continue
        ran = db.session.scalar(select(JobRun.id).where(JobRun.job == spec.name, JobRun.status.in_(["ok", "error"]),
                                                        JobRun.scheduled_for >= latest).limit(1))
        if ran is None:
            due.append(spec.name)
    return due


def catch_up(app, now: datetime | None = None) -> list[JobRun]:
    now = now or datetime.now(timezone.utc)
    with app.app_context():
        runs = [run_job(name, now) for name in due_for_catch_up(now, zone_of(app))]
        for run in runs:
            log.info("catch-up %s: %s", run.job, run.status)
        return runs


def run_forever(app, stop: threading.Event | None = None) -> None:
    """The scheduler in a background thread, the queue worker in this one, until `stop` is set (or SIGTERM /
    Ctrl-C end the process: a queued job being run then goes back to the queue)."""
    scheduler = build_scheduler(app)
    register_jobs(scheduler, app)
    catch_up(app)
    scheduler.start()
    try:
        work(app, stop)
    finally:
        scheduler.shutdown(wait=False)
