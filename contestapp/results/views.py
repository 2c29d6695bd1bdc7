"""Results console (ranking, drill-down, exports, publicity, appeals, snapshots, paper marks); the big screen is in
`results.board`."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from contestapp.common.db import utcnow
from contestapp.common.forms import DateTimeTextError, local_datetime, zone_label
from contestapp.common.http import XLSX, download
from contestapp.auth.permissions import ARBITRATOR, CHIEF_JUDGE, ORGANISER, contest_access, get_or_404
from contestapp.common.limits import limited
from contestapp.common.nav import Tab, add_tab
from contestapp.common.refusals import refusals_go_to, refused_to, register_refusals
from contestapp.contests.definition import DefinitionFileError
from contestapp.contests.models import Contest, Event
from contestapp.domain import ScoringError
from contestapp.entrants.models import Entry
from contestapp.extensions import db
from contestapp.i18n import tr
from contestapp.results import correction_picker, engine, exports, services
from contestapp.results.marks import MarksFileError, check_files, confirm_batch, disagreements, discard_batch, store_batch
from contestapp.results.models import Appeal, MarkBatch, ResultSnapshot

bp = Blueprint("results", __name__, url_prefix="/contests/<int:contest_id>/results")
VIEWERS = (ORGANISER, CHIEF_JUDGE, ARBITRATOR)
MIMES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX, "pdf": "application/pdf"}

add_tab(Tab("results", "成绩", "results.index", VIEWERS, order=60))
add_tab(Tab("marks", "纸质评分", "results.marks", (ORGANISER,), order=55))

register_refusals(bp, services.ResultsError, MarksFileError, DateTimeTextError, fallback=".index")


def _download(content: bytes, filename: str, fmt: str) -> Response:
    return download(content, filename, MIMES[fmt])


def _event(contest: Contest, event_id: int) -> Event:
    return get_or_404(Event, event_id, contest_id=contest.id)


def _back(contest: Contest, event: Event):
    return redirect(url_for(".event", contest_id=contest.id, event_id=event.id))


def _done(contest: Contest, event: Event, ok: str):
    """A step done: commit, say so, back to the event's page (where a refusal goes too: `refused_to(".event")`)."""
    db.session.commit()
    flash(ok, "success")
    return _back(contest, event)


@bp.route("/")
@contest_access(*VIEWERS)
def index(contest: Contest):
    rows = []
    for event in contest.events:
        state = services.state_of(event, create=False)
        rows.append((event, state, services.pending_appeals(event)))
    return render_template("results/index.html", contest=contest, rows=rows)


@bp.route("/events/<int:event_id>")
@contest_access(*VIEWERS)
def event(contest: Contest, event_id: int):
    return _event_page(contest, _event(contest, event_id))


def _event_page(contest: Contest, event: Event, status: int = 200, correction_rows=None, correction_reason="",
                appeal_form=None):
    """The event's results page; a refused correction or ruling comes back with its rows and text as entered
    (`correction_rows`/`correction_reason`, `appeal_form`: {appeal id: {"rows", "outcome", "decision"}})."""
    try:
        ranking = engine.ranking(event)
    except (DefinitionFileError, ScoringError) as exc:  # a definition that cannot be scored: show why, not a 500
        flash(_("无法计算成绩：%(why)s", why=tr(exc)), "error")
        ranking = None
    state = services.state_of(event, create=False)
    appeals = list(db.session.scalars(select(Appeal).where(Appeal.event_id == event.id).order_by(Appeal.lodged_at)))
    decrypted = services.is_decrypted(event)
    picker = choices = None
    if state.stage == "reopened" or any(a.status == "pending" for a in appeals):
        choices = correction_picker.choices(event, decrypted)
    if state.stage == "reopened":
        picker = {**choices, "notes": correction_picker.audit_notes(event),
                  "rows": correction_rows or [correction_picker.Row()], "blank": correction_picker.Row(),
                  "reason": correction_reason}
    return render_template("results/event.html", contest=contest, event=event, ranking=ranking, state=state,
                           appeals=appeals, snapshots=services.snapshots_of(event),
                           deadline=services.appeal_deadline(state), appeals_close=services.appeals_close_at(state),
                           appeals_open=services.appeals_open(state), holds=services.finalise_holds(event),
                           official=services.official_snapshot(event), decrypted=decrypted,
                           picker=picker, choices=choices, appeal_form=appeal_form or {},
                           blank=correction_picker.Row(), zone_label=zone_label()), status


@bp.route("/events/<int:event_id>/entries/<int:entry_id>")
@contest_access(*VIEWERS)
def entry(contest: Contest, event_id: int, entry_id: int):
    event = _event(contest, event_id)
    entry = get_or_404(Entry, entry_id, event_id=event.id)
    result, error = None, None
    try:
        result = engine.explain(event, entry)
    except ScoringError as exc:
        error = tr(exc)
    ranking = engine.ranking(event)
    ranked = next((r for r in ranking.ranked if r.entry == entry.number), None)
    return render_template("results/entry.html", contest=contest, event=event, entry=entry, result=result,
                           error=error, ranked=ranked)


@bp.route("/events/<int:event_id>/export.<any(csv,xlsx,pdf):fmt>")
@contest_access(*VIEWERS)
@limited("export")
def export(contest: Contest, event_id: int, fmt: str):
    event = _event(contest, event_id)
    ranking = engine.ranking(event)
    name = f"{contest.name}-{event.name}-成绩排名.{fmt}"
    if fmt == "csv":
        return _download(exports.to_csv(*exports.ranking_table(ranking)), name, fmt)
    if fmt == "xlsx":
        header, rows = exports.ranking_table(ranking)
        return _download(exports.to_xlsx([(event.name, header, rows)]), name, fmt)
    return _download(exports.ranking_pdf(event, ranking), name, fmt)


@bp.route("/events/<int:event_id>/marks.xlsx")
@contest_access(*VIEWERS)
@limited("export")
def marks_export(contest: Contest, event_id: int):
    event = _event(contest, event_id)
    ranking = engine.ranking(event)
    explanations = {i: (r if isinstance(r, str) else r.explanation.text())
                    for i, r in engine.explain_all(event, ranking.spec).items()}
    return _download(exports.marks_workbook(event, ranking, explanations), f"{contest.name}-{event.name}-成绩明细表.xlsx",
                     "xlsx")


@bp.route("/events/<int:event_id>/settings", methods=["POST"])
@contest_access(ORGANISER)
@refused_to(".event")
def settings(contest: Contest, event_id: int):
    event = _event(contest, event_id)
    f = request.form
    services.update_settings(
        event, current_user, appeal_hours=f.get("appeal_hours", 2, type=int),
        publicity_days=f.get("publicity_days", 5, type=int), board_enabled=f.get("board_enabled") == "1",
        public_names=f.get("public_names") == "1")
    return _done(contest, event, _("设置已保存"))


@bp.route("/events/<int:event_id>/end", methods=["POST"])
@contest_access(ORGANISER, CHIEF_JUDGE)
@refused_to(".event")
def record_end(contest: Contest, event_id: int):
    event = _event(contest, event_id)
    services.record_end(event, current_user, local_datetime(request.form.get("ended_at")) or utcnow())
    return _done(contest, event, _("已记录赛项结束时间"))


@bp.route("/events/<int:event_id>/publish", methods=["POST"])
@contest_access(ORGANISER)
@refused_to(".event")
def publish(contest: Contest, event_id: int):
    event = _event(contest, event_id)
    services.publish_preliminary(event, current_user)
    return _done(contest, event, _("公示成绩已发布"))


@bp.route("/events/<int:event_id>/finalise", methods=["POST"])
@contest_access(ORGANISER)
@refused_to(".event")
def finalise(contest: Contest, event_id: int):
    event = _event(contest, event_id)
    services.finalise(event, current_user)
    return _done(contest, event, _("成绩已定稿，奖项已评定"))


@bp.route("/events/<int:event_id>/reopen", methods=["POST"])
@contest_access(ORGANISER)
@refused_to(".event")
def reopen(contest: Contest, event_id: int):
    event = _event(contest, event_id)
    services.reopen(event, request.form.get("reason", ""), current_user)
    return _done(contest, event, _("成绩已重新开放；更正评分后请提出更正版本，经两人批准后生效"))


@bp.route("/events/<int:event_id>/mark-corrections", methods=["POST"])
@contest_access(ORGANISER)
@refused_to(".event")
def correct_marks(contest: Contest, event_id: int):
    """The correction picker's rows (entry, round.criterion, judge, new value) or the text format (`changes`, one
    per line) become the same list of changes; a refused list is shown again as chosen, with the message on its row
    and nothing changed."""
    event = _event(contest, event_id)
    reason = request.form.get("reason", "")
    if request.form.get("changes") is not None:  # the text format (as in the appeal ruling)
        services.correct_marks(event, services.parse_mark_changes(event, request.form["changes"]), reason,
                               current_user)
        return _done(contest, event, _("评分已更正（原分数已记入审计日志）"))
    rows = correction_picker.rows_from(request.form)
    try:  # a refused list is shown again with the rows as chosen (nothing typed is lost)
        services.correct_marks(event, correction_picker.changes_from(event, rows, tr), reason, current_user)
    except services.ResultsError as exc:
        db.session.rollback()
        _row_error(exc, rows)
        return _event_page(contest, event, 400, rows, reason)
    return _done(contest, event, _("评分已更正（原分数已记入审计日志）"))


def _row_error(exc: services.ResultsError, rows: list) -> None:
    """Show a refused change on its row (`exc.row`, set by the service) or, if it is about the whole list, above."""
    row = getattr(exc, "row", None)
    if row is not None and 0 <= row < len(rows):
        rows[row].error = tr(exc)
        flash(_("有 %(n)s 行更正不能保存，请按各行提示修改", n=1), "error")
    else:
        flash(tr(exc), "error")


@bp.route("/events/<int:event_id>/entries/<int:entry_id>/marks.json")
@contest_access(ORGANISER, ARBITRATOR)
def entry_marks(contest: Contest, event_id: int, entry_id: int):
    """The submitted marks of one entry, for the correction picker's old values (corrections and rulings)."""
    event = _event(contest, event_id)
    entry = get_or_404(Entry, entry_id, event_id=event.id)
    return jsonify(marks=correction_picker.entry_marks(event, entry))


@bp.route("/events/<int:event_id>/corrections", methods=["POST"])
@contest_access(ORGANISER)
@refused_to(".event")
def propose_correction(contest: Contest, event_id: int):
    event = _event(contest, event_id)
    services.propose_correction(event, request.form.get("reason", ""), current_user)
    return _done(contest, event, _("更正版本已创建，待两人批准"))


@bp.route("/snapshots/<int:snapshot_id>")
@contest_access(*VIEWERS)
def snapshot(contest: Contest, snapshot_id: int):
    snap = db.session.get(ResultSnapshot, snapshot_id)
    if snap is None or snap.event.contest_id != contest.id:
        abort(404)
    if request.args.get("format") == "json":
        return jsonify(number=snap.number, version=snap.version, kind=snap.kind, status=snap.status, data=snap.data)
    return render_template("results/snapshot.html", contest=contest, snap=snap, event=snap.event)


@bp.route("/snapshots/<int:snapshot_id>/<any(approve,reject):action>", methods=["POST"])
@contest_access(ORGANISER, CHIEF_JUDGE)
@refused_to(".event")
def decide_correction(contest: Contest, snapshot_id: int, action: str):
    snap = db.session.get(ResultSnapshot, snapshot_id)
    if snap is None or snap.event.contest_id != contest.id:
        abort(404)
    refusals_go_to(".event", contest_id=contest.id, event_id=snap.event.id)
    (services.approve_correction if action == "approve" else services.reject_correction)(snap, current_user)
    return _done(contest, snap.event, _("已记录"))


# --- appeals ------------------------------------------------------------------------------------------------------

@bp.route("/events/<int:event_id>/appeals", methods=["POST"])
@contest_access(ORGANISER, ARBITRATOR)
@refused_to(".event")
def lodge_appeal(contest: Contest, event_id: int):
    event = _event(contest, event_id)
    f = request.form
    entry = None
    if f.get("entry"):
        entry = db.session.scalar(select(Entry).where(Entry.event_id == event.id,
                                                      (Entry.number == f["entry"]) | (Entry.code == f["entry"])))
        if entry is None:
            flash(_("找不到参赛编号或加密号 %(entry)s", entry=f["entry"]), "error")
            return _back(contest, event)
    services.lodge_appeal(event, entry, f.get("appellant", ""), f.get("text", ""), current_user,
                          local_datetime(f.get("lodged_at")))
    return _done(contest, event, _("申诉已登记"))


@bp.route("/appeals/<int:appeal_id>/decide", methods=["POST"])
@contest_access(ARBITRATOR)
@refused_to(".event")
def decide_appeal(contest: Contest, appeal_id: int):
    appeal = db.session.get(Appeal, appeal_id)
    if appeal is None or appeal.event.contest_id != contest.id:
        abort(404)
    f = request.form
    event = appeal.event
    refusals_go_to(".event", contest_id=contest.id, event_id=event.id)
    if f.get("changes") is not None:  # the text format, one change per line
        changes = services.parse_mark_changes(event, f.get("changes"), appeal.entry)
        services.decide_appeal(appeal, f.get("outcome") == "upheld", f.get("decision", ""), current_user, changes)
        return _done(contest, event, _("仲裁决定已记录"))
    rows = correction_picker.rows_from(f)  # the picker's rows, checked by the same rule as the text format
    try:  # a refused ruling is shown again with its rows, outcome and text as entered (nothing typed is lost)
        changes = correction_picker.changes_from(event, rows, tr, entry=appeal.entry, required=False)
        services.decide_appeal(appeal, f.get("outcome") == "upheld", f.get("decision", ""), current_user, changes)
    except services.ResultsError as exc:
        db.session.rollback()
        _row_error(exc, rows)
        kept = {"rows": rows, "outcome": f.get("outcome", ""), "decision": f.get("decision", "")}
        return _event_page(contest, event, 400, appeal_form={appeal.id: kept})
    return _done(contest, event, _("仲裁决定已记录"))


# --- paper marks (双人录入核对) -------------------------------------------------------------------------------------

@bp.route("/marks")
@contest_access(ORGANISER)
def marks(contest: Contest):
    batches = list(db.session.scalars(select(MarkBatch).where(MarkBatch.contest_id == contest.id)
                                      .order_by(MarkBatch.id.desc()).limit(100)))
    return render_template("results/marks.html", contest=contest, batches=batches)


@bp.route("/marks/batches", methods=["POST"])
@contest_access(ORGANISER)
@refused_to(".marks")
def upload_batch(contest: Contest):
    upload = request.files.get("file")
    extras = request.files.get("extras")
    pair_id = request.form.get("pair", type=int)
    if upload is None or not upload.filename:
        flash(_("请选择评分文件"), "error")
        return redirect(url_for(".marks", contest_id=contest.id))
    pair = None
    if pair_id:
        pair = db.session.get(MarkBatch, pair_id)
        if pair is None or pair.contest_id != contest.id:
            abort(404)
    has_extras = extras is not None and bool(extras.filename)
    checked = check_files(contest, upload.read(), upload.filename, extras.read() if has_extras else None,
                          extras.filename if has_extras else "")
    if not checked.ok:
        return render_template("results/marks_errors.html", contest=contest, problems=checked.problems,
                               filename=upload.filename, reasons=[tr(p.reason) for p in checked.problems[:500]]), 400
    batch = store_batch(contest, checked, current_user, upload.filename, extras.filename if has_extras else None, pair)
    db.session.commit()
    flash(_("已保存录入批次 #%(id)s（%(n)s 条评分），尚未计入成绩", id=batch.id, n=len(checked.rows)), "success")
    return redirect(url_for(".batch", contest_id=contest.id, batch_id=batch.id))


def _batch(contest: Contest, batch_id: int) -> MarkBatch:
    return get_or_404(MarkBatch, batch_id, contest_id=contest.id)


@bp.route("/marks/batches/<int:batch_id>")
@contest_access(ORGANISER)
def batch(contest: Contest, batch_id: int):
    batch = _batch(contest, batch_id)
    first = db.session.get(MarkBatch, batch.pair_id) if batch.pair_id else batch
    second = batch if batch.pair_id else db.session.scalar(
        select(MarkBatch).where(MarkBatch.pair_id == batch.id, MarkBatch.status != "discarded")
        .order_by(MarkBatch.id.desc()).limit(1))
    diff = disagreements(first, second) if second else None
    return render_template("results/batch.html", contest=contest, first=first, second=second, diff=diff)


@bp.route("/marks/batches/<int:batch_id>/confirm", methods=["POST"])
@contest_access(ORGANISER)
@refused_to(".batch")
def confirm(contest: Contest, batch_id: int):
    batch = _batch(contest, batch_id)
    count = confirm_batch(contest, batch, current_user)
    db.session.commit()
    flash(_("两次录入一致，已导入 %(n)s 条评分", n=count), "success")
    return redirect(url_for(".batch", contest_id=contest.id, batch_id=batch.id))


@bp.route("/marks/batches/<int:batch_id>/discard", methods=["POST"])
@contest_access(ORGANISER)
@refused_to(".marks")
def discard(contest: Contest, batch_id: int):
    batch = _batch(contest, batch_id)
    discard_batch(batch, current_user)
    db.session.commit()
    flash(_("已作废"), "success")
    return redirect(url_for(".marks", contest_id=contest.id))
