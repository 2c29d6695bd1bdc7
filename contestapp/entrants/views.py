"""Roster console: entrant list, roster import with preview, template and export."""
from __future__ import annotations

import secrets

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from contestapp.audit.service import record
from contestapp.auth.permissions import ADMIN, ORGANISER, contest_access, get_or_404
from contestapp.common.http import XLSX, download
from contestapp.common.limits import limited
from contestapp.common.nav import Tab, add_tab
from contestapp.common.refusals import refused_to, register_refusals
from contestapp.contests.models import Contest
from contestapp.entrants import services
from contestapp.entrants.forms import RosterUploadForm
from contestapp.entrants.models import Entrant
from contestapp.entrants.roster import RosterFileError, roster_workbook, template_workbook
from contestapp.extensions import db
from contestapp.i18n import N_, tr
from contestapp.jobs.imports import pending_dir, queue_roster_import, queue_rows

bp = Blueprint("entrants", __name__, url_prefix="/contests/<int:contest_id>/entrants")
add_tab(Tab("entrants", N_("参赛者"), "entrants.index", (ORGANISER,), order=20,
            labels=(("merit", N_("参评单位")), ("points", N_("参评单位")))))

register_refusals(bp, RosterFileError, fallback=".index")


def _xlsx(content: bytes, filename: str) -> Response:
    return download(content, filename, XLSX)


@bp.route("/")
@contest_access(ORGANISER)
def index(contest: Contest):
    q = request.args.get("q", "").strip()
    event_id = request.args.get("event", type=int)
    unit_id = request.args.get("unit", type=int)
    page = db.paginate(services.entrant_query(contest, q, event_id, unit_id),
                       per_page=current_app.config["ENTRANTS_PER_PAGE"], error_out=False)
    return render_template("entrants/index.html", contest=contest, page=page, q=q, event_id=event_id,
                           unit_id=unit_id, units=services.units_of(contest), upload=RosterUploadForm())


@bp.route("/template.xlsx")
@contest_access(ORGANISER)
def template(contest: Contest):
    return _xlsx(template_workbook([e.name for e in contest.events]), f"{contest.name}-报名表模板.xlsx")


@bp.route("/export.xlsx")
@contest_access(ORGANISER)
@limited("export")
def export(contest: Contest):
    reveal = current_user.role == ADMIN and request.args.get("reveal") == "1"
    if reveal:
        record(current_user, "roster.export_full", contest, contest_id=contest.id, summary="导出含完整身份证号的名单")
        db.session.commit()
    return _xlsx(roster_workbook(services.export_rows(contest, reveal)), f"{contest.name}-参赛名单.xlsx")


@bp.route("/import", methods=["POST"])
@contest_access(ORGANISER)
@refused_to(".index")
def import_preview(contest: Contest):
    form = RosterUploadForm()
    if not form.validate_on_submit():
        for error in form.file.errors:
            flash(str(error), "error")
        return redirect(url_for(".index", contest_id=contest.id))
    content, filename = form.file.data.read(), form.file.data.filename
    checked = services.check_roster(contest, content, filename)
    token = None
    if checked.ok:
        token = secrets.token_urlsafe(16)
        (pending_dir() / token).write_bytes(content)
        session["roster_pending"] = {"token": token, "contest": contest.id, "filename": filename,
                                     "rows": len(checked.rows)}
    return render_template("entrants/preview.html", contest=contest, checked=checked, filename=filename,
                           token=token, reasons=[tr(p.reason) for p in checked.problems]), (200 if checked.ok else 400)


@bp.route("/import/confirm", methods=["POST"])
@contest_access(ORGANISER)
def import_confirm(contest: Contest):
    pending = session.pop("roster_pending", None)
    if not pending or pending["contest"] != contest.id or pending["token"] != request.form.get("token"):
        flash(_("导入预览已失效，请重新上传报名表"), "error")
        return redirect(url_for(".index", contest_id=contest.id))
    path = pending_dir() / pending["token"]
    if pending.get("rows", 0) >= queue_rows() and path.is_file():  # a large roster: the jobs process imports it
        job = queue_roster_import(contest, pending["token"], pending["filename"], current_user)
        db.session.commit()
        return redirect(url_for("jobs.queued", job_id=job.id))
    try:  # the preview's file, gone meanwhile (not a refusal: a stale page)
        content = path.read_bytes()
    except FileNotFoundError:
        flash(_("导入预览已失效，请重新上传报名表"), "error")
        return redirect(url_for(".index", contest_id=contest.id))
    path.unlink(missing_ok=True)
    checked = services.check_roster(contest, content, pending["filename"])  # again: others may have imported since
    if not checked.ok:
        return render_template("entrants/preview.html", contest=contest, checked=checked,
                               filename=pending["filename"], token=None,
                               reasons=[tr(p.reason) for p in checked.problems]), 400
    count = services.import_roster(contest, checked, current_user)
    db.session.commit()
    flash(_("已导入 %(n)s 名参赛者", n=count), "success")
    return redirect(url_for(".index", contest_id=contest.id))


@bp.route("/<int:entrant_id>/reveal", methods=["POST"])
@contest_access(ADMIN)
def reveal(contest: Contest, entrant_id: int):
    entrant = get_or_404(Entrant, entrant_id, contest_id=contest.id)
    number = services.reveal_id_number(entrant, current_user)
    db.session.commit()
    flash(_("%(name)s 的身份证号：%(number)s（本次查看已记录）", name=entrant.name, number=number), "info")
    return redirect(request.referrer or url_for(".index", contest_id=contest.id))


@bp.route("/<int:entrant_id>/delete", methods=["POST"])
@contest_access(ORGANISER)
def delete(contest: Contest, entrant_id: int):
    entrant = get_or_404(Entrant, entrant_id, contest_id=contest.id)
    services.delete_entrant(entrant, current_user)
    db.session.commit()
    flash(_("已删除"), "success")
    return redirect(url_for(".index", contest_id=contest.id))
