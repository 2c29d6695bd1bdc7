"""Judging pages: card login and the tablet (judges); draws, judges, assignments and cards (organisers); the chief
judge's console (progress matrix, alerts, recusals, return, confirm, decrypt, ties, score sheet PDFs)."""
from __future__ import annotations


from flask import (
    Blueprint, Response, abort, current_app, flash, make_response, redirect, render_template, request, send_from_directory,
    session, url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy import select

from contestapp.common.http import PDF, download
from contestapp.audit.models import AuditEntry
from contestapp.audit.service import record
from contestapp.auth.models import User
from contestapp.auth.permissions import (
    CHIEF_JUDGE, JUDGE, ORGANISER, contest_access, contest_roles, get_or_404, public, roles_required)
from contestapp.common.nav import Tab, add_tab
from contestapp.common.refusals import refused_to, register_refusals
from contestapp.contests.models import CRITERION_KIND_LABELS, Contest, ContestMember, Event, Round
from contestapp.entrants.models import Entrant, Entry, Unit
from contestapp.extensions import db
from contestapp.domain.numbers import INT_LIMIT
from contestapp.i18n import N_, Message, tr, verbatim
from contestapp.judging import assignments, cards, console, pdf, requests, signoff
from contestapp.judging import membership  # noqa: F401  (connects the member_removed receiver)
from contestapp.judging.assignments import ensure_member
from contestapp.judging.cards import CardLoginError, issue_card
from contestapp.judging.common import JudgingError, as_text, judge_code, round_confirmed
from contestapp.judging.criteria import assigned_criteria, sheet_total
from contestapp.judging import grid
from contestapp.judging.grid import assignment_picker
from contestapp.judging.draws import draw_event, import_manual_draw, latest_draw, read_manual_draw, verify_draw
from contestapp.judging.api import check_card_session
from contestapp.judging.forms import (
    AssignForm, CardIssueForm, CardLoginForm, DecisionForm, DrawForm, JudgeAddForm, ManualDrawForm, PickerForm,
    ReturnForm, TieForm)
from contestapp.judging.models import (
    SHEET_STATUS_LABELS, Assignment, JudgeCard, ScoreSheet, SheetRequest)
from contestapp.judging.signoff import confirm_round, decrypt_event, decryption_of, judged_rounds, record_tie

bp = Blueprint("judging", __name__, url_prefix="/judging")
console_bp = Blueprint("judging_console", __name__, url_prefix="/contests/<int:contest_id>/judging")
bp.before_request(check_card_session)
register_refusals(console_bp, JudgingError, fallback=".index")

add_tab(Tab("judging", "评分", "judging_console.index", (ORGANISER, CHIEF_JUDGE), order=30))

STATE_LABELS = {"not_started": N_("未开始"), "draft": N_("草稿"), "submitted": N_("已提交"), "returned": N_("已退回"),
                "void": N_("已作废"), "recused": N_("回避")}


def _pdf(content: bytes, filename: str) -> Response:
    return download(content, filename, PDF, inline=True)


# --- judges -------------------------------------------------------------------------------------------------------

@bp.route("/card", methods=["GET", "POST"])
@public
def card_login():
    """Card login: the QR code opens /judging/card#CODE-PIN and the page fills the form; or both are typed in."""
    form = CardLoginForm()
    if form.validate_on_submit():
        try:
            card = cards.card_login(form.code.data, form.pin.data, request.remote_addr or "")
        except CardLoginError as exc:  # the form is shown again with the card number typed
            db.session.commit()  # keep the failure for rate limiting
            flash(_(exc.template, **exc.params), "error")
            headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else {}
            return render_template("judging/card_login.html", form=form), exc.status, headers
        login_user(card.judge)
        session["card_id"] = card.id
        db.session.commit()
        return redirect(url_for(".home"))
    return render_template("judging/card_login.html", form=form)


@bp.route("/")
@roles_required(JUDGE)
def home():
    """The tablet: one page that keeps working offline (sheets open without a round trip). The service worker keeps
    a copy of it for the user named in X-Contestapp-User, and drops the copy when another user's page arrives."""
    response = make_response(render_template("judging/tablet.html", kind_labels=CRITERION_KIND_LABELS))
    response.headers["X-Contestapp-User"] = str(current_user.id)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.route("/sw.js")
@public
def service_worker():
    """The tablet's service worker (static/js/tablet-sw.js), served from /judging/ so that its scope is the tablet's
    pages (a worker controls only pages under the folder it is served from); checked for updates on every visit."""
    response = send_from_directory(current_app.static_folder, "js/tablet-sw.js", mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


# --- organisers: draws, judges, assignments, cards ------------------------------------------------------------------

def _event(contest: Contest, event_id: int) -> Event:
    return get_or_404(Event, event_id, contest_id=contest.id)


def _round(contest: Contest, round_id: int) -> Round:
    rnd = get_or_404(Round, round_id)
    if rnd.event.contest_id != contest.id:
        abort(404)
    return rnd


def _judges(contest: Contest) -> list[User]:
    return list(db.session.scalars(select(User).join(ContestMember, ContestMember.user_id == User.id).where(
        ContestMember.contest_id == contest.id, ContestMember.role == JUDGE, User.role == JUDGE)
        .order_by(User.display_name)))


def _assign_form(contest: Contest) -> AssignForm:
    form = AssignForm(prefix="a")
    form.judge_id.choices = [(j.id, _("%(name)s（%(unit)s）", name=j.display_name, unit=j.units_label or _("无单位")))
                             for j in _judges(contest)]
    form.round_ids.choices = [(r.id, f"{e.name}·{r.name}") for e in contest.events for r in e.rounds]
    return form


def _card_form(contest: Contest) -> CardIssueForm:
    form = CardIssueForm(prefix="c")
    form.judge_id.choices = [(0, _("全部裁判"))] + [(j.id, j.display_name) for j in _judges(contest)]
    return form


@console_bp.route("/setup")
@contest_access(ORGANISER)
def setup(contest: Contest):
    return _setup_page(contest)


def _setup_page(contest: Contest, posted=None, status: int = 200):
    """The setup page; `posted` (round id, picks, error) keeps a refused assignment picker as it was sent."""
    judges = _judges(contest)
    draws = {e.id: latest_draw(e) for e in contest.events}
    counts = {e.id: db.session.scalar(select(db.func.count(Entry.id)).where(Entry.event_id == e.id)) for e in contest.events}
    assignments = list(db.session.scalars(select(Assignment).where(Assignment.contest_id == contest.id)
                                          .order_by(Assignment.judge_id, Assignment.round_id)))
    cards = list(db.session.scalars(select(JudgeCard).where(JudgeCard.contest_id == contest.id)
                                    .order_by(JudgeCard.revoked_at.is_not(None), JudgeCard.id.desc())))
    return render_template("judging/setup.html", contest=contest, draws=draws, counts=counts,
                           assignments=assignments, cards=cards, judges=judges,
                           draw_form=DrawForm(prefix="d"), manual_form=ManualDrawForm(prefix="m"),
                           judge_form=JudgeAddForm(prefix="j"), assign_form=_assign_form(contest),
                           card_form=_card_form(contest), verify=verify_draw, picker_form=PickerForm(prefix="p"),
                           picker=assignment_picker(contest, judges, posted)), status


def _back(contest: Contest, anchor: str = ""):
    return redirect(url_for(".setup", contest_id=contest.id) + anchor)


@console_bp.route("/events/<int:event_id>/draw", methods=["POST"])
@refused_to(".setup", "draws")
@contest_access(ORGANISER)
def draw(contest: Contest, event_id: int):
    event = _event(contest, event_id)
    form = DrawForm(prefix="d")
    if not form.validate_on_submit():
        flash("；".join(str(e) for errs in form.errors.values() for e in errs), "error")
        return _back(contest, "#draws")
    d = draw_event(event, current_user, int(form.levels.data), form.workstations.data,
                   witnesses=form.witnesses.data or "")
    db.session.commit()
    flash(_("%(event)s 抽签完成：%(n)s 人，随机种子 %(seed)s（已记录，可复核）", event=event.name, n=len(d.lots), seed=d.seed),
          "success")
    return _back(contest, "#draws")


@console_bp.route("/events/<int:event_id>/draw-import", methods=["POST"])
@contest_access(ORGANISER)
def draw_import(contest: Contest, event_id: int):
    event = _event(contest, event_id)
    form = ManualDrawForm(prefix="m")
    if not form.validate_on_submit():
        flash(_("请选择 CSV 文件"), "error")
        return _back(contest, "#draws")
    try:
        import_manual_draw(event, read_manual_draw(form.file.data.read()), current_user)
    except JudgingError as exc:  # its own handling: the file's problems are listed under the message, one by one
        db.session.rollback()
        flash(tr(exc), "error")
        for problem in (exc.detail or [])[:20]:
            flash(tr(problem), "error")
        return _back(contest, "#draws")
    db.session.commit()
    flash(_("%(event)s 已导入人工抽签结果", event=event.name), "success")
    return _back(contest, "#draws")


@console_bp.route("/events/<int:event_id>/draw.pdf")
@contest_access(ORGANISER)
def draw_sheet(contest: Contest, event_id: int):
    event = _event(contest, event_id)
    d = latest_draw(event)
    if d is None:
        abort(404, description=_("该赛项尚未抽签"))
    ids = [lot["entry_id"] for lot in d.lots]
    people = {eid: (number, name, unit) for eid, number, name, unit in db.session.execute(
        select(Entry.id, Entry.number, Entrant.name, Unit.name).join(Entrant, Entry.entrant_id == Entrant.id)
        .outerjoin(Unit, Entrant.unit_id == Unit.id).where(Entry.id.in_(ids or [0])))}
    rows = [{**lot, "number": people.get(lot["entry_id"], ("", "", ""))[0],
             "name": people.get(lot["entry_id"], ("", "", ""))[1],
             "unit": people.get(lot["entry_id"], ("", "", ""))[2] or ""} for lot in d.lots]
    record(current_user, "draw.print", d, contest_id=contest.id, summary=f"打印 {event.name} 抽签记录表")
    db.session.commit()
    return _pdf(pdf.draw_sheet_pdf(contest, event, d, rows), f"{event.name}-抽签记录表.pdf")


@console_bp.route("/judges", methods=["POST"])
@contest_access(ORGANISER)
def add_judge(contest: Contest):
    form = JudgeAddForm(prefix="j")
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.username == form.username.data.strip()))
        if user is None or user.role != JUDGE:
            flash(_("找不到该裁判账号（须为裁判角色）"), "error")
        else:
            ensure_member(contest, user, current_user)
            db.session.commit()
            flash(_("已添加裁判 %(name)s", name=user.display_name), "success")
    return _back(contest, "#judges")


@console_bp.route("/assignments", methods=["POST"])
@refused_to(".setup", "judges")
@contest_access(ORGANISER, CHIEF_JUDGE)
def assign(contest: Contest):
    form = _assign_form(contest)
    if not form.validate_on_submit():
        flash("；".join(str(e) for errs in form.errors.values() for e in errs), "error")
        return _back(contest, "#judges")
    judge = get_or_404(User, form.judge_id.data)
    rounds = [_round(contest, rid) for rid in form.round_ids.data]
    codes = [c.strip() for c in (form.criteria.data or "").replace("，", ",").split(",") if c.strip()] or None
    assignments.assign(contest, judge, rounds, codes, current_user)
    db.session.commit()
    flash(_("已分配 %(name)s", name=judge.display_name), "success")
    return _back(contest, "#judges")


@console_bp.route("/rounds/<int:round_id>/assignment-picker", methods=["POST"])
@contest_access(ORGANISER)
def assign_round(contest: Contest, round_id: int):
    """The judges x criteria picker of one round (templates/judging/setup.html), checked by `assignments.assign`;
    a refused picker comes back as it was sent, with the reason."""
    rnd = _round(contest, round_id)
    judges = _judges(contest)
    picks = grid.read_picks(request.form, judges)
    try:
        if not PickerForm(prefix="p").validate_on_submit():
            raise JudgingError("bad_form", N_("页面已过期，请刷新后重试"))
        assignments.assign_round(contest, rnd, picks, current_user)
    except JudgingError as exc:  # the picker is shown again as it was sent, with the reason
        db.session.rollback()
        return _setup_page(contest, (rnd.id, picks, tr(exc)), 422)
    db.session.commit()
    flash(_("已保存 %(event)s·%(round)s 的裁判分工", event=rnd.event.name, round=rnd.name), "success")
    return redirect(url_for(".setup", contest_id=contest.id) + f"#round-{rnd.id}")


@console_bp.route("/assignments/<int:assignment_id>/delete", methods=["POST"])
@refused_to(".setup", "judges")
@contest_access(ORGANISER, CHIEF_JUDGE)
def unassign(contest: Contest, assignment_id: int):
    a = get_or_404(Assignment, assignment_id, contest_id=contest.id)
    assignments.unassign(a, current_user)
    db.session.commit()
    flash(_("已取消分配"), "success")
    return _back(contest, "#judges")


@console_bp.route("/cards", methods=["POST"])
@refused_to(".setup", "cards")
@contest_access(ORGANISER)
def issue_cards(contest: Contest):
    form = _card_form(contest)
    if not form.validate_on_submit():
        flash(_("请选择裁判"), "error")
        return _back(contest, "#cards")
    judges = _judges(contest) if form.judge_id.data == 0 else [get_or_404(User, form.judge_id.data)]
    for judge in judges:
        issue_card(contest, judge, current_user)
    db.session.commit()
    flash(_("已制作 %(n)s 张登录卡（原有卡片已作废）", n=len(judges)), "success")
    return _back(contest, "#cards")


@console_bp.route("/cards/<int:card_id>/revoke", methods=["POST"])
@contest_access(ORGANISER)
def revoke_card(contest: Contest, card_id: int):
    cards.revoke_card(get_or_404(JudgeCard, card_id, contest_id=contest.id), current_user)
    db.session.commit()
    flash(_("登录卡已作废"), "success")
    return _back(contest, "#cards")


@console_bp.route("/cards.pdf")
@contest_access(ORGANISER)
def cards_pdf(contest: Contest):
    cards = [c for c in db.session.scalars(select(JudgeCard).where(
        JudgeCard.contest_id == contest.id, JudgeCard.revoked_at.is_(None)).order_by(JudgeCard.id))]
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url
    record(current_user, "card.print", contest, contest_id=contest.id, summary=f"打印 {len(cards)} 张登录卡")
    db.session.commit()
    return _pdf(pdf.cards_pdf(contest, cards, base), f"{contest.name}-裁判登录卡.pdf")


# --- the chief judge -----------------------------------------------------------------------------------------------

@console_bp.route("/")
@contest_access(ORGANISER, CHIEF_JUDGE)
def index(contest: Contest):
    events = []
    for event in contest.events:
        rounds = []
        for rnd in judged_rounds(event):
            m = grid.progress_matrix(rnd)
            rounds.append({"round": rnd, "counts": m.counts, "confirmed": round_confirmed(rnd.id),
                           "all_signed": m.all_signed})
        ties = console.event_ties(contest, event) if rounds else console.EventTies()
        events.append({"event": event, "rounds": rounds, "decryption": decryption_of(event),
                       "draw": latest_draw(event), "ties": ties.pending, "stale": ties.stale,
                       "incomplete": ties.incomplete, "ties_note": ties.note,
                       "decisions": console.tie_decisions(event)})
    return render_template("judging/console.html", contest=contest, events=events, tie_form=TieForm(prefix="t"),
                           code_of=judge_code, pending_count=len(requests.pending_requests(contest)))


@console_bp.route("/rounds/<int:round_id>")
@contest_access(ORGANISER, CHIEF_JUDGE)
def matrix(contest: Contest, round_id: int):
    rnd = _round(contest, round_id)
    confirmed = round_confirmed(rnd.id)
    return render_template("judging/matrix.html", contest=contest, rnd=rnd, confirmed=confirmed,
                           grid=console.round_grid(rnd, request.args.get("view", "")[:100]), labels=STATE_LABELS,
                           can_return=not confirmed and CHIEF_JUDGE in contest_roles(current_user, contest),
                           return_form=ReturnForm(prefix="r"))


@console_bp.route("/recusals")
@contest_access(ORGANISER, CHIEF_JUDGE)
def recusals(contest: Contest):
    return render_template("judging/recusals.html", contest=contest, rows=console.recusal_report(contest))


def _sheet(contest: Contest, sheet_id: int) -> ScoreSheet:
    if not 0 < sheet_id <= INT_LIMIT:
        abort(404)
    sheet = get_or_404(ScoreSheet, sheet_id)
    if sheet.round.event.contest_id != contest.id:
        abort(404)
    return sheet


@console_bp.route("/sheets/<int:sheet_id>")
@contest_access(ORGANISER, CHIEF_JUDGE)
def sheet(contest: Contest, sheet_id: int):
    s = _sheet(contest, sheet_id)
    values = {m.criterion_id: m.value for m in s.marks}
    history = list(db.session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == "ScoreSheet", AuditEntry.object_id == str(s.id)).order_by(AuditEntry.id)))
    return render_template("judging/sheet.html", contest=contest, s=s, values=values, history=history,
                           total=sheet_total(list(s.round.criteria), values), code=judge_code(s.entry),
                           form=ReturnForm(prefix="r"), labels=STATE_LABELS, status_labels=SHEET_STATUS_LABELS)


@console_bp.route("/requests")
@contest_access(ORGANISER, CHIEF_JUDGE)
def sheet_requests(contest: Contest):
    """Recusals and withdrawals of submitted sheets waiting for the chief judge, sheets taken back from removed
    judges, and the decisions taken."""
    return render_template("judging/requests.html", contest=contest, pending=requests.pending_requests(contest),
                           decided=requests.decided_requests(contest), form=DecisionForm(prefix="d"),
                           kinds=requests.KIND_LABELS, statuses=requests.STATUS_LABELS, code_of=judge_code)


@console_bp.route("/requests/<int:request_id>", methods=["POST"])
@refused_to(".sheet_requests")
@contest_access(CHIEF_JUDGE)
def decide_request(contest: Contest, request_id: int):
    if not 0 < request_id <= INT_LIMIT:
        abort(404)
    req = get_or_404(SheetRequest, request_id, contest_id=contest.id)
    form = DecisionForm(prefix="d")
    approve = request.form.get("action") == "approve"
    if not form.validate_on_submit():
        raise JudgingError("bad_form", N_("处理意见最多 500 字"))
    requests.decide(req, current_user, approve, form.decision.data)
    db.session.commit()
    flash(_("已批准") if approve else _("已驳回"), "success")
    return redirect(url_for(".sheet_requests", contest_id=contest.id))


@console_bp.route("/sheets/<int:sheet_id>/return", methods=["POST"])
@refused_to(".sheet")
@contest_access(CHIEF_JUDGE)
def return_sheet(contest: Contest, sheet_id: int):
    s = _sheet(contest, sheet_id)
    form = ReturnForm(prefix="r")
    if not form.validate_on_submit():
        raise JudgingError("reason_required", N_("请填写退回理由"))
    signoff.return_sheet(s, current_user, form.reason.data)
    db.session.commit()
    flash(_("已退回 %(name)s 的评分表 %(code)s", name=s.judge.display_name, code=judge_code(s.entry)), "success")
    return redirect(url_for(".matrix", contest_id=contest.id, round_id=s.round_id,
                            view=request.form.get("view", "")[:100] or None) + "#grid")


@console_bp.route("/rounds/<int:round_id>/confirm", methods=["POST"])
@refused_to(".matrix")
@contest_access(CHIEF_JUDGE)
def confirm(contest: Contest, round_id: int):
    rnd = _round(contest, round_id)
    confirm_round(rnd, current_user)
    db.session.commit()
    flash(_("%(event)s·%(round)s 已确认", event=rnd.event.name, round=rnd.name), "success")
    return redirect(url_for(".matrix", contest_id=contest.id, round_id=rnd.id))


@console_bp.route("/rounds/<int:round_id>/judges/<int:judge_id>/sheets.pdf")
@contest_access(ORGANISER, CHIEF_JUDGE)
def sheets_pdf(contest: Contest, round_id: int, judge_id: int):
    rnd = _round(contest, round_id)
    a = db.session.scalar(select(Assignment).where(Assignment.round_id == rnd.id, Assignment.judge_id == judge_id))
    if a is None:
        abort(404)
    criteria = assigned_criteria(list(rnd.criteria), a.criteria)
    sheets = []
    for s in db.session.scalars(select(ScoreSheet).where(ScoreSheet.round_id == rnd.id,
                                                         ScoreSheet.judge_id == judge_id)):
        values = {m.criterion_id: m.value for m in s.marks}
        sheets.append({"code": judge_code(s.entry) or "", "signature": s.signature,
                       "submitted_at": s.submitted_at, "status_label": STATE_LABELS.get(s.status, s.status),
                       "marks": {cid: as_text(v) or "" for cid, v in values.items()},
                       "total": as_text(sheet_total(criteria, values)) or ""})
    sheets.sort(key=lambda x: x["code"])
    return _pdf(pdf.score_sheets_pdf(contest, rnd, a.judge, criteria, sheets),
                f"{rnd.event.name}-{rnd.name}-评分表-{a.judge.display_name}.pdf")


@console_bp.route("/events/<int:event_id>/decrypt", methods=["POST"])
@refused_to(".index")
@contest_access(CHIEF_JUDGE)
def decrypt(contest: Contest, event_id: int):
    event = _event(contest, event_id)
    decrypt_event(event, current_user)
    db.session.commit()
    flash(_("%(event)s 已解密（已记录解密人和时间）", event=event.name), "success")
    return redirect(url_for(".decrypted", contest_id=contest.id, event_id=event.id))


@console_bp.route("/events/<int:event_id>/decrypted")
@contest_access(ORGANISER, CHIEF_JUDGE)
def decrypted(contest: Contest, event_id: int):
    event = _event(contest, event_id)
    dec = decryption_of(event)
    if dec is None:
        abort(403, description=_("该赛项尚未解密"))
    rows = db.session.execute(select(Entry, Entrant.name, Unit.name).join(Entrant, Entry.entrant_id == Entrant.id)
                              .outerjoin(Unit, Entrant.unit_id == Unit.id).where(Entry.event_id == event.id)).all()
    rows.sort(key=lambda r: judge_code(r[0]) or "")
    return render_template("judging/decrypted.html", contest=contest, event=event, dec=dec, rows=rows,
                           code_of=judge_code)


@console_bp.route("/events/<int:event_id>/ties", methods=["POST"])
@refused_to(".index")
@contest_access(CHIEF_JUDGE)
def tie(contest: Contest, event_id: int):
    event = _event(contest, event_id)
    form = TieForm(prefix="t")
    if not form.validate_on_submit():
        raise JudgingError("bad_tie", N_("请填写名次顺序和裁定理由"))
    by_code = {judge_code(e): e.id for e in db.session.scalars(select(Entry).where(Entry.event_id == event.id))}
    codes = [c.strip() for c in form.order.data.replace("，", ",").split(",") if c.strip()]
    unknown = [c for c in codes if c not in by_code]
    if unknown:
        raise JudgingError("bad_tie", Message(N_("未知的加密号：%(codes)s"), codes=tuple(map(verbatim, unknown))))
    record_tie(event, [by_code[c] for c in codes], form.reason.data, current_user)
    db.session.commit()
    flash(_("并列裁定已记录"), "success")
    return redirect(url_for(".index", contest_id=contest.id))
