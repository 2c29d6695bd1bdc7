"""Merit contest console: project and periods, participants import, rewards table, period standings and bulletins,
charts, the year's ranking and honours, unit self-assessment, assessors' sheets with notes, 1+X evidence."""
from __future__ import annotations

import io
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from contestapp.auth.permissions import (
    ARBITRATOR, CHIEF_JUDGE, JUDGE, ORGANISER, UNIT, can, contest_access, deny, get_or_404, roles_required)
from contestapp.common.headers import untrusted_file
from contestapp.common.nav import NavLink, Tab, add_nav_link, add_tab
from contestapp.common.refusals import refused_to, register_refusals
from contestapp.contests.definition import DefinitionFileError
from contestapp.contests.models import Contest, Criterion
from contestapp.domain.periods import SCHEDULE_LABELS
from contestapp.domain.types import SpecError
from contestapp.entrants.models import Entrant, Entry
from contestapp.entrants.roster import RosterFileError
from contestapp.extensions import db
from contestapp.common.formatting import number
from contestapp.i18n import N_, tr
from contestapp.judging.models import SHEET_STATUS_LABELS, MarkNote, ScoreSheet
from contestapp.merit import honours as honour_service, participants, periods, sheets, standings, tables, tasks
from contestapp.merit.bulletin import distinct_notes
from contestapp.merit.charts import bar_chart, line_chart
from contestapp.merit.forms import EvidenceForm, ParticipantsUploadForm, ProjectForm
from contestapp.merit.models import (
    EVIDENCE_LABELS, UNIT_ROLES, AnnualReview, Bulletin, Evidence, Honour, HonourRule, Period, RankReward,
    SelfSheet)

bp = Blueprint("merit", __name__, url_prefix="/contests/<int:contest_id>/merit")
VIEWERS = (ORGANISER, CHIEF_JUDGE, JUDGE, ARBITRATOR)
add_tab(Tab("merit", "考评", "merit.index", VIEWERS, order=40))
add_tab(Tab("merit_year", "年度", "merit.year", VIEWERS, order=41))


bp.add_app_template_filter(distinct_notes, "distinct_notes")


@bp.errorhandler(DefinitionFileError)
def definition_broken(error: DefinitionFileError):
    """A contest whose definition no longer validates (e.g. changed outside the console): say what is wrong and where
    to fix it, never a server error."""
    db.session.rollback()
    problems = "；".join(f"{where}：{what}" for where, what in error.problems[:8])
    return render_template("error.html", code=409, title=N_("竞赛定义有问题"),
                           text=N_("本竞赛的定义有误，考评暂不能进行。请组织者在“竞赛设置”中修正以下问题后再试。"),
                           description=problems), 409


register_refusals(bp, periods.MeritError, SpecError, RosterFileError, fallback=".index")


def _back(contest: Contest, endpoint: str = ".index", **kw):
    return redirect(url_for(endpoint, contest_id=contest.id, **kw))


def _period(contest: Contest, period_id: int) -> Period:
    return get_or_404(Period, period_id, contest_id=contest.id)


@bp.route("/")
@contest_access(*VIEWERS)
def index(contest: Contest):
    return _index_page(contest)


def _index_page(contest: Contest, reward_table: tables.Checked | None = None, status: int = 200):
    """The console; a refused rewards table is shown again as typed, with the problem on each bad row."""
    project = periods.project_of(contest)
    form = ProjectForm(obj=project)
    if project is None:
        form.name.data = contest.name
        form.starts_on.data, form.ends_on.data = contest.starts_on, contest.ends_on
    rewards = db.session.scalars(select(RankReward).where(RankReward.contest_id == contest.id)
                                 .order_by(RankReward.from_bottom, RankReward.from_rank)).all()
    units = db.session.execute(select(Entrant.kind, Entrant.name).where(Entrant.contest_id == contest.id)
                               .order_by(Entrant.kind, Entrant.id)).all()
    if reward_table is None:
        reward_table = tables.Checked(tables.reward_rows_of(rewards))
    return render_template("merit/index.html", contest=contest, project=project, form=form,
                           periods=periods.periods_of(contest), rewards=rewards, upload=ParticipantsUploadForm(),
                           schedules=SCHEDULE_LABELS, participants=units, is_merit=contest.kind in periods.MERIT_KINDS,
                           reward_rows=reward_table.rows,
                           reward_problems={i: tr(m) for i, m in reward_table.problems.items()}), status


@bp.route("/project", methods=["POST"])
@contest_access(ORGANISER)
def save_project(contest: Contest):
    form = ProjectForm()
    if not form.validate_on_submit():
        for field, errors in form.errors.items():
            flash(f"{getattr(form, field).label.text}：{'；'.join(errors)}", "error")
        return _back(contest)
    data = {k: v for k, v in form.data.items() if k != "csrf_token"}
    periods.save_project(contest, data, current_user)
    db.session.commit()
    flash(_("项目信息已保存"), "success")
    return _back(contest)


@bp.route("/periods", methods=["POST"])
@contest_access(ORGANISER)
def generate(contest: Contest):
    done = periods.generate_periods(contest, current_user)
    db.session.commit()
    flash(_("已生成 %(n)s 个考评期", n=len(done.periods)), "success")
    if done.repointed:
        flash(_("平局规则中引用的考评期已随之更新：%(moves)s", moves="；".join(done.repointed)), "info")
    return _back(contest)


@bp.route("/periods/weights", methods=["POST"])
@contest_access(ORGANISER)
def period_weights(contest: Contest):
    """Each period's weight in the year's score (audited)."""
    raw = {int(k[2:]): v for k, v in request.form.items() if k.startswith("w_") and k[2:].isdigit()}
    changes = honour_service.save_period_weights(contest, raw, current_user)
    db.session.commit()
    flash(_("已保存考评期权重（修改 %(n)s 项）", n=len(changes)) if changes else _("权重没有修改"), "success")
    return _back(contest)


@bp.route("/import", methods=["POST"])
@refused_to(".index")
@contest_access(ORGANISER)
def import_participants(contest: Contest):
    form = ParticipantsUploadForm()
    if not form.validate_on_submit():
        for error in form.file.errors:
            flash(error, "error")
        return _back(contest)
    checked = participants.check_participants(contest, form.file.data.read(), form.file.data.filename)
    if not checked.ok:
        return render_template("merit/import_errors.html", contest=contest, checked=checked,
                               reasons=[tr(p.reason) for p in checked.problems]), 400
    count = participants.import_participants(contest, checked, current_user)
    db.session.commit()
    flash(_("已导入 %(n)s 条（参建单位、班组、个人）", n=count), "success")
    return _back(contest)


@bp.route("/import/template.xlsx")
@contest_access(ORGANISER)
def import_template(contest: Contest):
    return send_file(io.BytesIO(participants.template_workbook()), download_name="参建单位导入模板.xlsx",
                     as_attachment=True)


def _bottom_words() -> list[str]:
    """How a rank counted from the bottom is written in the rewards table: 倒数, or its translation."""
    return list(dict.fromkeys(w.strip().lower() for w in ("倒数", _("倒数"))))


@bp.route("/rewards", methods=["POST"])
@contest_access(ORGANISER)
def save_rewards(contest: Contest):
    """The rewards table from the rows editor (or, from a script, the line format in `rows`)."""
    if "rows" in request.form:
        rows = tables.reward_rows_from_text(request.form["rows"], _bottom_words())
    else:
        rows = tables.rows_from_form(request.form, tables.REWARD_FIELDS)
    checked = tables.save_reward_rows(contest, rows, current_user)
    if not checked.ok:
        db.session.rollback()
        flash(_("奖惩表有 %(n)s 行有误，请修改标出的行后再保存", n=len(checked.problems)), "error")
        return _index_page(contest, checked, 422)
    db.session.commit()
    flash(_("奖惩表已保存"), "success")
    return _back(contest)


@bp.route("/periods/<int:period_id>")
@contest_access(*VIEWERS)
def period(contest: Contest, period_id: int):
    p = _period(contest, period_id)
    bulletin = db.session.scalar(select(Bulletin).where(Bulletin.period_id == p.id))
    preview = None
    if p.status in ("open", "closed"):
        preview = standings.compute_period(p)
    missing = standings.missing_sheets(p) if p.status == "open" else None
    no_reason = None  # deductions without a reason: every one for organisers, an assessor's own otherwise
    if can(current_user, contest, ORGANISER, CHIEF_JUDGE):
        no_reason = sheets.missing_notes(p)
    elif can(current_user, contest, JUDGE):
        no_reason = sheets.missing_notes(p, judge_id=current_user.id)
    published = p.status == "published"
    return render_template("merit/period.html", contest=contest, period=p, standings=standings.standings_of(p),
                           preview=preview, bulletin=bulletin, missing=missing, no_reason=no_reason,
                           events={e.id: e for e in contest.events},
                           due=periods.is_due(p, datetime.now(timezone.utc)),
                           flags=standings.red_flag_holders(p) if published else {},
                           previous=standings.previous_flags(p) if published else {})


@bp.route("/periods/<int:period_id>/bulletin.pdf")
@contest_access(*VIEWERS, UNIT)
def bulletin(contest: Contest, period_id: int):
    p = _period(contest, period_id)
    b = db.session.scalar(select(Bulletin).where(Bulletin.period_id == p.id))
    if b is None or not Path(b.path).is_file():
        abort(404)
    return send_file(b.path, mimetype="application/pdf", download_name=f"{contest.code}-{p.code}-通报.pdf")


@bp.route("/periods/<int:period_id>/open", methods=["POST"])
@refused_to(".period")
@contest_access(ORGANISER)
def open_period(contest: Contest, period_id: int):
    """Open a due period now, without waiting for the scheduler (the same step as the `open_periods` job)."""
    p = _period(contest, period_id)
    counts = periods.open_now(p, current_user, datetime.now(timezone.utc))
    db.session.commit()
    flash(_("%(period)s 已开始考评：考评表 %(sheets)s 份，自评表 %(selfs)s 份", period=p.name,
            sheets=counts["sheets"], selfs=counts["self"]), "success")
    return _back(contest, ".period", period_id=p.id)


@bp.route("/periods/<int:period_id>/publish", methods=["POST"])
@contest_access(ORGANISER)
def publish(contest: Contest, period_id: int):
    """Close now (before the deadline if the organiser wishes) and publish: the same steps as the jobs."""
    p = _period(contest, period_id)
    now = datetime.now(timezone.utc)
    if p.status == "open":
        periods.close_period(p, now)
    made = standings.publish_period(p, now, by=f"user:{current_user.username}")
    db.session.commit()
    flash(_("已生成排名与通报") if made else _("该考评期尚未开放或已通报"), "success" if made else "error")
    return _back(contest, ".period", period_id=p.id)


@bp.route("/charts")
@contest_access(*VIEWERS)
def charts(contest: Contest):
    blocks = []
    for event in contest.events:
        data = standings.chart_data(contest, event)
        blocks.append({"event": event, "line": line_chart(data["periods"], data["series"]),
                       "lost": [(name, bar_chart(items)) for name, items in data["lost"].items()]})
    return render_template("merit/charts.html", contest=contest, blocks=blocks)


@bp.route("/year")
@contest_access(*VIEWERS)
def year(contest: Contest):
    if can(current_user, contest, ORGANISER) and not db.session.scalar(
            select(HonourRule.id).where(HonourRule.contest_id == contest.id).limit(1)):
        honour_service.ensure_honour_rules(contest)  # the table to edit starts from the definition's honours
        db.session.commit()
    return _year_page(contest)


def _year_page(contest: Contest, honour_table: tables.Checked | None = None, status: int = 200):
    entries = {e.id: e for e in db.session.scalars(select(Entry).join(Entrant).where(Entrant.contest_id == contest.id))}
    rankings = [(event, honour_service.year_ranking(contest, event)) for event in contest.events]
    honours = db.session.scalars(select(Honour).where(Honour.contest_id == contest.id)
                                 .order_by(Honour.rule_id, Honour.rank)).all()
    rules = db.session.scalars(select(HonourRule).where(HonourRule.contest_id == contest.id)
                               .order_by(HonourRule.order)).all()
    reviews = dict(db.session.execute(select(AnnualReview.entry_id, AnnualReview.score).where(
        AnnualReview.entry_id.in_(list(entries)))).all()) if entries else {}
    if honour_table is None:
        honour_table = tables.Checked(tables.honour_rows_of(rules))
    return render_template("merit/year.html", contest=contest, rankings=rankings, entries=entries, honours=honours,
                           rules=rules, reviews=reviews, project=periods.project_of(contest),
                           honour_rows=honour_table.rows,
                           honour_problems={i: tr(m) for i, m in honour_table.problems.items()}), status


@bp.route("/year/honours", methods=["POST"])
@contest_access(ORGANISER)
def honours(contest: Contest):
    granted = honour_service.assign_honours(contest, current_user)
    db.session.commit()
    flash(_("已评定年度荣誉 %(n)s 项（一票否决的单位不参评）", n=len(granted)), "success")
    return _back(contest, ".year")


@bp.route("/year/honours/<int:rule_id>/tie", methods=["GET", "POST"])
@contest_access(ORGANISER)
def honour_tie(contest: Contest, rule_id: int):
    """Settle a tie across an honour's quota: choose who gets it, with a reason (audited)."""
    rule = get_or_404(HonourRule, rule_id, contest_id=contest.id)
    if request.method == "POST":
        try:  # a refused choice is shown again with the entries ticked and the reason typed
            chosen = [int(i) for i in request.form.getlist("entry")]
            honour_service.settle_honour_tie(rule, chosen, request.form.get("reason", ""), current_user)
        except (ValueError, periods.MeritError) as exc:
            db.session.rollback()
            flash(tr(exc) if isinstance(exc, periods.MeritError) else _("选择无效"), "error")
        else:
            db.session.commit()
            flash(_("并列已确定"), "success")
            return _back(contest, ".year")
    pending = honour_service.pending_ties(contest).get(rule.id, [])
    granted = db.session.scalar(select(func.count(Honour.id)).where(Honour.rule_id == rule.id,
                                                                     Honour.pending.is_(False))) or 0
    return render_template("merit/honour_tie.html", contest=contest, rule=rule, pending=pending,
                           free=rule.quota - granted, chosen={int(i) for i in request.form.getlist("entry")
                                                              if i.isdigit()},
                           reason=request.form.get("reason", ""))


@bp.route("/year/rules", methods=["POST"])
@contest_access(ORGANISER)
def honour_rules(contest: Contest):
    """The honours table from the rows editor: rows kept are updated, new ones added, removed ones deleted."""
    checked = tables.save_honour_rows(contest, tables.rows_from_form(request.form, tables.HONOUR_FIELDS),
                                      current_user)
    if not checked.ok:
        db.session.rollback()
        flash(_("荣誉表有误，请修改标出的行后再保存"), "error")
        return _year_page(contest, checked, 422)
    db.session.commit()
    flash(_("荣誉名称和名额已保存"), "success")
    return _back(contest, ".year")


@bp.route("/year/review/<int:entry_id>", methods=["POST"])
@refused_to(".year")
@contest_access(ORGANISER)
def review(contest: Contest, entry_id: int):
    entry = get_or_404(Entry, entry_id)
    if entry.entrant.contest_id != contest.id:
        deny(404)
    score = honour_service.review_score(request.form.get("score", ""))
    honour_service.save_review(entry, score, request.form.get("note", ""), current_user)
    db.session.commit()
    return _back(contest, ".year")


# --- the unit's own column (自评) ----------------------------------------------------------------------------------

@bp.route("/self")
@contest_access(UNIT)
def self_list(contest: Contest):
    return render_template("merit/self_list.html", contest=contest,
                           sheets=sheets.self_sheets_for(contest, current_user))


def _sheet_form(contest, rnd, values, notes=None, docs=None, entry_id=None):
    """The sheet's rows: what is stored, or, after a refused save, what the user typed (nothing is lost). In a
    points assessment each special item shows the state of its evidence (only confirmed evidence counts)."""
    posted = request.method == "POST"
    evidence = {}
    if contest.kind == "points" and entry_id is not None:
        for criterion_id, status in db.session.execute(select(Evidence.criterion_id, Evidence.status).where(
                Evidence.contest_id == contest.id, Evidence.entry_id == entry_id).order_by(Evidence.id)):
            evidence[criterion_id] = status  # the latest upload's state
    rows = []
    for c in rnd.criteria:
        value = values.get(c.id)
        rows.append({"c": c, "text": request.form.get(f"v_{c.code}", "") if posted else number(value),
                     "note": request.form.get(f"n_{c.code}", "") if posted else (notes or {}).get(c.id),
                     "doc": request.form.get(f"d_{c.code}", "") if posted else (docs or {}).get(c.id, ""),
                     "evidence": evidence.get(c.id, "none") if c.kind == "bonus" else None})
    return rows


@bp.route("/self/<int:sheet_id>", methods=["GET", "POST"])
@contest_access(UNIT)
def self_sheet(contest: Contest, sheet_id: int):
    sheet = db.session.get(SelfSheet, sheet_id)
    if sheet is None or sheet.id not in {s.id for s in sheets.self_sheets_for(contest, current_user)}:
        deny(404)
    rnd = periods.rounds_of(sheet.period)[sheet.entry.event_id]
    if request.method == "POST":
        try:  # a refused self-assessment is shown again with what the unit typed (`_sheet_form`)
            values = sheets.parse_values(request.form, rnd.criteria)
            sheets.save_self_assessment(sheet, current_user, values, request.form.get("submit") == "1")
        except periods.MeritError as exc:
            db.session.rollback()
            flash(tr(exc), "error")
        else:
            db.session.commit()
            flash(_("自评已保存"), "success")
            return _back(contest, ".self_list")
    rows = _sheet_form(contest, rnd, {m.criterion_id: m.value for m in sheet.marks},
                       {m.criterion_id: m.note for m in sheet.marks})
    title = _("%(period)s 自评：%(name)s", period=sheet.period.name, name=sheet.entry.entrant.name)
    return render_template("merit/sheet.html", contest=contest, title=title,
                           back=url_for(".self_list", contest_id=contest.id),
                           rows=rows, locked=sheet.status == "submitted" or sheet.period.status != "open",
                           kind=contest.kind, evidence_labels=EVIDENCE_LABELS)


# --- the assessors' column (考评), with the reason for every deduction ----------------------------------------------

@bp.route("/assess")
@contest_access(JUDGE)
def assess_list(contest: Contest):
    now = datetime.now(timezone.utc)
    if any(periods.fill_open_periods(contest, now).values()):  # joined or imported after a period opened
        db.session.commit()
    waiting = [p for p in periods.periods_of(contest) if periods.is_due(p, now)]
    return render_template("merit/assess_list.html", contest=contest, sheets=_open_sheets(contest), waiting=waiting,
                           status_labels=SHEET_STATUS_LABELS)


def _open_sheets(contest: Contest) -> list[ScoreSheet]:
    out = []
    for p in periods.periods_of(contest):
        if p.status != "open":
            continue
        rounds = [r.id for r in periods.rounds_of(p).values()]
        out += db.session.scalars(select(ScoreSheet).where(ScoreSheet.round_id.in_(rounds),
                                                           ScoreSheet.judge_id == current_user.id)
                                  .order_by(ScoreSheet.id)).all()
    return out


@bp.route("/assess/<int:sheet_id>", methods=["GET", "POST"])
@contest_access(JUDGE)
def assess(contest: Contest, sheet_id: int):
    sheet = db.session.get(ScoreSheet, sheet_id)
    if sheet is None or sheet.judge_id != current_user.id or sheet.round.event.contest_id != contest.id:
        deny(404)
    if request.method == "POST":
        try:  # a refused sheet is shown again with what the assessor typed (`_sheet_form`)
            values = sheets.parse_values(request.form, sheet.round.criteria)
            sheets.save_assessment(sheet, current_user, values, request.form.get("submit") == "1")
        except periods.MeritError as exc:
            db.session.rollback()
            flash(tr(exc), "error")
        else:
            db.session.commit()
            flash(_("考评表已保存"), "success")
            return _back(contest, ".assess_list")
    notes = {n.criterion_id: n for n in db.session.scalars(select(MarkNote).where(MarkNote.sheet_id == sheet.id))}
    rows = _sheet_form(contest, sheet.round, {m.criterion_id: m.value for m in sheet.marks},
                       {k: v.note for k, v in notes.items()}, {k: v.document_no or "" for k, v in notes.items()},
                       sheet.entry_id)
    period = db.session.scalar(select(Period).where(Period.contest_id == contest.id, Period.code == sheet.round.code))
    title = _("%(period)s：%(name)s", period=sheet.round.name, name=sheet.entry.entrant.name)
    return render_template("merit/sheet.html", contest=contest, title=title,
                           back=url_for(".assess_list", contest_id=contest.id),
                           rows=rows, locked=sheet.status == "submitted" or (period and period.status != "open"),
                           kind=contest.kind, evidence_labels=EVIDENCE_LABELS)


@bp.route("/periods/<int:period_id>/notes/<int:sheet_id>", methods=["GET", "POST"])
@contest_access(ORGANISER, JUDGE)
def sheet_notes(contest: Contest, period_id: int, sheet_id: int):
    """Add the missing reasons to a submitted sheet's deductions (e.g. marked on a tablet) without changing marks:
    the sheet's assessor, or an organiser on the assessor's word (audited either way)."""
    p = _period(contest, period_id)
    sheet = db.session.get(ScoreSheet, sheet_id)
    if sheet is None or sheet.round_id not in {r.id for r in periods.rounds_of(p).values()}:
        deny(404)
    if not can(current_user, contest, ORGANISER) and sheet.judge_id != current_user.id:
        deny(403)
    if request.method == "POST":
        notes = {c.code: sheets.SheetInput(Decimal(0), (request.form.get(f"n_{c.code}") or ""),
                                             (request.form.get(f"d_{c.code}") or ""))
                 for c in sheet.round.criteria if f"n_{c.code}" in request.form}
        try:  # refused reasons are shown again as typed
            changed = sheets.save_mark_notes(sheet, current_user, notes)
        except periods.MeritError as exc:
            db.session.rollback()
            flash(tr(exc), "error")
        else:
            db.session.commit()
            flash(_("已补填原因 %(n)s 项", n=len(changed)) if changed else _("没有修改"), "success" if changed else "info")
            return _back(contest, ".period", period_id=p.id)
    existing = {n.criterion_id: n for n in db.session.scalars(select(MarkNote).where(MarkNote.sheet_id == sheet.id))}
    marks = {m.criterion_id: m.value for m in sheet.marks}
    rows = []
    for c in sheet.round.criteria:
        if c.kind in ("deduction", "bonus", "veto") and marks.get(c.id):
            n = existing.get(c.id)
            rows.append({"c": c, "value": marks[c.id], "note": request.form.get(f"n_{c.code}", n.note if n else ""),
                         "doc": request.form.get(f"d_{c.code}", (n.document_no or "") if n else "")})
    return render_template("merit/notes.html", contest=contest, period=p, sheet=sheet, rows=rows,
                           locked=p.status not in ("open", "closed"))


# --- 1+X evidence --------------------------------------------------------------------------------------------------

def _evidence_scope(contest: Contest):
    """Entries the current user may attach evidence to / see evidence of (a unit account: its own unit's)."""
    query = select(Entry).join(Entrant).where(Entrant.contest_id == contest.id)
    if not can(current_user, contest, ORGANISER, JUDGE):
        unit = sheets.unit_of_user(contest, current_user)
        if unit is None:
            return []
        query = query.where(Entrant.unit_id == unit.id)
    return list(db.session.scalars(query.order_by(Entry.id)))


@bp.route("/evidence", methods=["GET", "POST"])
@contest_access(ORGANISER, JUDGE, UNIT)
def evidence(contest: Contest):
    entries = _evidence_scope(contest)
    form = EvidenceForm()
    form.entry_id.choices = [(e.id, e.entrant.name) for e in entries]
    bonus = [c for e in contest.events[:1] for r in e.rounds[:1] for c in r.criteria if c.kind == "bonus"]
    form.criterion_id.choices = [(c.id, c.name) for c in bonus]
    if request.method == "POST":
        if not can(current_user, contest, ORGANISER, UNIT):
            deny(403)
        if form.validate_on_submit():
            entry = next((e for e in entries if e.id == form.entry_id.data), None)
            crit = db.session.get(Criterion, form.criterion_id.data)
            if entry is None or crit is None or crit.id not in {c.id for c in bonus}:
                deny(404)
            try:  # a refused upload shows the form again with the entry, item and note chosen
                sheets.store_evidence(contest, entry, crit, form.file.data.filename, form.file.data.read(),
                                        form.note.data or "", current_user)
            except periods.MeritError as exc:
                db.session.rollback()
                flash(tr(exc), "error")
            else:
                db.session.commit()
                flash(_("佐证材料已上传，待审核"), "success")
                return _back(contest, ".evidence")
        else:
            for errors in form.errors.values():
                flash("；".join(errors), "error")
    items = db.session.scalars(select(Evidence).where(Evidence.contest_id == contest.id,
                                                      Evidence.entry_id.in_([e.id for e in entries]))
                               .order_by(Evidence.status != "pending", Evidence.id.desc())).all() if entries else []
    return render_template("merit/evidence.html", contest=contest, form=form, items=items,
                           reviewer=can(current_user, contest, ORGANISER, JUDGE),
                           uploader=can(current_user, contest, ORGANISER, UNIT))


@bp.route("/evidence/<int:evidence_id>")
@contest_access(ORGANISER, JUDGE, UNIT)
@untrusted_file
def evidence_file(contest: Contest, evidence_id: int):
    ev = get_or_404(Evidence, evidence_id, contest_id=contest.id)
    if ev.entry_id not in {e.id for e in _evidence_scope(contest)}:
        deny(404)
    path = sheets.evidence_dir(contest.id) / ev.stored_name
    if not path.is_file():
        deny(404)
    response = send_file(path, mimetype=ev.content_type, download_name=ev.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response


@bp.route("/evidence/<int:evidence_id>/review", methods=["POST"])
@contest_access(ORGANISER, JUDGE)
def evidence_review(contest: Contest, evidence_id: int):
    ev = get_or_404(Evidence, evidence_id, contest_id=contest.id)
    sheets.review_evidence(ev, request.form.get("confirm") == "1", request.form.get("note", ""), current_user)
    db.session.commit()
    flash(f"{ev.filename}：{_(ev.status_label)}", "success")
    return _back(contest, ".evidence")


# --- an assessor's or a unit account's tasks across contests (reached from the top bar) ----------------------------

tasks_bp = Blueprint("merit_tasks", __name__, url_prefix="/merit")
add_nav_link(NavLink("merit_tasks", N_("考评任务"), "merit_tasks.tasks_index", (JUDGE, UNIT), order=30))


@tasks_bp.route("/")
@roles_required(JUDGE, UNIT)
def tasks_index():
    return render_template("merit/tasks.html", items=tasks.tasks_for(current_user, datetime.now(timezone.utc)))


__all__ = ["bp", "tasks_bp", "UNIT_ROLES"]
