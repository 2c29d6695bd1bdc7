"""Console: scheduled jobs with their last and next run and outcome; a user's notices."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select, update

from contestapp.auth.permissions import ADMIN, ARBITRATOR, CHIEF_JUDGE, JUDGE, ORGANISER, UNIT, roles_required
from contestapp.extensions import db
from contestapp.jobs import tasks  # noqa: F401  (registers the jobs)
from contestapp.jobs.models import CONSOLE_HOLDER, JobRun, Notice
from contestapp.jobs.runner import JOBS, last_runs, next_run, run_job, scheduler_last_seen, scheduler_running

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


def _stored_next_runs() -> dict[str, datetime]:
    """Next run times as the scheduler process stored them (empty if it never ran)."""
    from sqlalchemy import inspect, text

    if not inspect(db.engine).has_table("apscheduler_jobs"):
        return {}
    rows = db.session.execute(text("SELECT id, next_run_time FROM apscheduler_jobs")).all()
    return {r[0]: datetime.fromtimestamp(r[1], timezone.utc) for r in rows if r[1] is not None}


def job_rows(now: datetime) -> list[dict]:
    from contestapp.jobs.scheduler import _zone
    from flask import current_app

    zone = _zone(current_app)
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
    return render_template("jobs/index.html", rows=job_rows(now), recent=recent, running=scheduler_running(now),
                           seen=scheduler_last_seen())


@bp.route("/<name>/run", methods=["POST"])
@roles_required(ADMIN)
def run_now(name: str):
    if name not in JOBS:
        flash(_("没有该任务"), "error")
        return redirect(url_for(".index"))
    run = run_job(name, holder=f"{CONSOLE_HOLDER}{current_user.username}")
    flash(f"{_(JOBS[name].label)}：{_(run.status_label)} {run.message or ''}"[:300],
          "success" if run.status == "ok" else "error")
    return redirect(url_for(".index"))


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
