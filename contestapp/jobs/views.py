"""Console: scheduled jobs with their last and next run and outcome; background jobs (the queue) with a progress
bar; a user's notices."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import inspect, select, text, update

from contestapp.auth.permissions import (ADMIN, ARBITRATOR, CHIEF_JUDGE, JUDGE, ORGANISER, UNIT, deny, get_or_404,
                                         roles_required)
from contestapp.extensions import db
from contestapp.i18n import tr
from contestapp.jobs import tasks  # noqa: F401  (registers the jobs)
from contestapp.jobs.models import CONSOLE_HOLDER, JobRun, Notice, QueuedJob
from contestapp.jobs.queue import enqueue, shown, status_of
from contestapp.jobs.runner import (JOBS, SCHEDULED_JOB, last_runs, next_run, run_job, scheduler_last_seen,
                                    scheduler_running, zone_of)

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


def _stored_next_runs() -> dict[str, datetime]:
    """Next run times as the scheduler process stored them (empty if it never ran)."""
    if not inspect(db.engine).has_table("apscheduler_jobs"):
        return {}
    rows = db.session.execute(text("SELECT id, next_run_time FROM apscheduler_jobs")).all()
    return {r[0]: datetime.fromtimestamp(r[1], timezone.utc) for r in rows if r[1] is not None}


def job_rows(now: datetime) -> list[dict]:
    zone = zone_of(current_app)
    stored = _stored_next_runs()
    last = last_runs()
    return [{"name": name, "label": spec.label, "last": last.get(name),
             "next": stored.get(name) or next_run(spec, now, zone), "stored": name in stored}
            for name, spec in JOBS.items()]


@bp.route("/")
@roles_required(ADMIN)
def index():
    now = datetime.now(timezone.utc)
    recent = db.session.scalars(select(JobRun).order_by(JobRun.id.desc()).limit(50)).all()
    queued = db.session.scalars(select(QueuedJob).order_by(QueuedJob.id.desc()).limit(20)).all()
    return render_template("jobs/index.html", rows=job_rows(now), recent=recent, running=scheduler_running(now),
                           seen=scheduler_last_seen(), queued=queued, shown=shown, outcome=outcome)


def outcome(run: JobRun) -> str:
    """Inside a request: how the run ended, in the reader's language ("" when it says nothing)."""
    message = run.outcome
    return tr(message) if message is not None else ""


@bp.route("/<name>/run", methods=["POST"])
@roles_required(ADMIN)
def run_now(name: str):
    if name not in JOBS:
        flash(_("没有该任务"), "error")
        return redirect(url_for(".index"))
    holder = f"{CONSOLE_HOLDER}{current_user.username}"
    if JOBS[name].background:  # long work (the backup): the jobs process does it, this page follows it
        job = enqueue(SCHEDULED_JOB, {"name": name, "holder": holder}, created_by=current_user.id)
        db.session.commit()
        return redirect(url_for(".queued", job_id=job.id))
    run = run_job(name, holder=holder)
    flash(_("%(job)s：%(status)s %(outcome)s", job=_(JOBS[name].label), status=_(run.status_label),
            outcome=outcome(run))[:300], "success" if run.status == "ok" else "error")
    return redirect(url_for(".index"))


def _own_job(job_id: int) -> QueuedJob:
    """A background job its starter (or an administrator) may follow."""
    job = get_or_404(QueuedJob, job_id)
    if current_user.role != ADMIN and job.created_by != current_user.id:
        deny(403)
    return job


def _status(job: QueuedJob) -> dict:
    info = status_of(job)
    info["status_label"], info["phase"] = _(info["status_label"]), _(info["phase"]) if info["phase"] else ""
    info.update(shown(job))
    return info


@bp.route("/queue/<int:job_id>")
@roles_required(ORGANISER, CHIEF_JUDGE, JUDGE, ARBITRATOR, UNIT)
def queued(job_id: int):
    job = _own_job(job_id)
    back = url_for("entrants.index", contest_id=job.contest_id) if job.contest_id else url_for(".index")
    return render_template("jobs/queued.html", job=job, info=_status(job), back=back,
                           label=_job_label(job))


@bp.route("/queue/<int:job_id>/status")
@roles_required(ORGANISER, CHIEF_JUDGE, JUDGE, ARBITRATOR, UNIT)
def queued_status(job_id: int):
    return jsonify(_status(_own_job(job_id)))


def _job_label(job: QueuedJob) -> str:
    if job.kind == SCHEDULED_JOB:
        spec = JOBS.get((job.payload or {}).get("name"))
        return _(spec.label) if spec else job.kind
    return {"roster_import": _("导入报名表"), "certificate_batch": _("证书批次")}.get(job.kind, job.kind)


@bp.route("/notices")
@roles_required(ORGANISER, CHIEF_JUDGE, JUDGE, ARBITRATOR, UNIT)
def notices():
    items = db.session.scalars(select(Notice).where(Notice.user_id == current_user.id)
                               .order_by(Notice.id.desc()).limit(200)).all()
    return render_template("jobs/notices.html", notices=items)


@bp.route("/notices/read", methods=["POST"])
@roles_required(ORGANISER, CHIEF_JUDGE, JUDGE, ARBITRATOR, UNIT)
def notices_read():
    db.session.execute(update(Notice).where(Notice.user_id == current_user.id, Notice.read_at.is_(None))
                       .values(read_at=datetime.now(timezone.utc)))
    db.session.commit()
    return redirect(url_for(".notices"))
