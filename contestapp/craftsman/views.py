"""Craftsman selection pages: the office console, unit nominations, materials, experts' list, public vote and
publicity. Views load, check, validate, call a service, commit once, render."""
from __future__ import annotations

import io
import secrets
from decimal import Decimal

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from contestapp.auth.permissions import (
    ADMIN, JUDGE, ORGANISER, UNIT, contest_access, deny, get_or_404, public, roles_required)
from contestapp.common.db import utcnow
from contestapp.common.headers import untrusted_file
from contestapp.common.http import PDF, download
from contestapp.common.limits import limited
from contestapp.common.nav import Tab, add_tab
from contestapp.common.refusals import refused_to, refusals_go_to, register_refusals
from contestapp.contests.models import Contest, ContestMember
from contestapp.craftsman import (
    calls, documents, naming as naming_service, nominations as nomination_service, panel, review as review_service,
    vote as vote_service)
from contestapp.craftsman.errors import CraftsmanError, RateLimited
from contestapp.craftsman.forms import CallForm, CodeForm, DecisionForm, NominationForm, UploadForm, VoteForm
from contestapp.craftsman.models import CraftsmanCall, Nomination, NominationFile, NominationStatus, STAGE_LABELS, Stage
from contestapp.craftsman.panel import PANEL_MAX, PANEL_MIN
from contestapp.extensions import db
from contestapp.common.formatting import local_time
from contestapp.i18n import N_, tr

bp = Blueprint("craftsman", __name__, url_prefix="/craftsman")
add_tab(Tab("craftsman", "工匠评选", "craftsman.console", roles=(ORGANISER,), order=30))

DEVICE_COOKIE = "cm_dev"


def _split(text: str | None) -> list[str]:
    return [p.strip() for p in (text or "").replace("，", "、").replace(",", "、").replace("\n", "、").split("、")
            if p.strip()]


def _craftsman_call(contest: Contest, required: bool = True) -> CraftsmanCall | None:
    if contest.kind != "craftsman":
        abort(404, description="这不是工匠评选")
    call = calls.call_of(contest)
    if call is None and required:
        flash(_("请先发布申报通知"), "info")
        abort(redirect(url_for(".call_form", contest_id=contest.id)))
    return call


def _fail(exc: Exception) -> None:
    """A refused form shown again with what was typed (the other refusals go through `register_refusals`)."""
    db.session.rollback()
    flash(tr(exc), "error")  # a service's fixed message (marked N_) in the reader's language


register_refusals(bp, CraftsmanError, fallback=".console")


@bp.errorhandler(RateLimited)
def rate_limited(exc: RateLimited):
    """The public vote's limits: a page of its own with status 429 (the vote pages all name the contest)."""
    db.session.rollback()
    flash(tr(exc), "error")
    contest, call = _public_call(request.view_args["contest_id"], VOTE_STAGES)
    return render_template("craftsman/vote_message.html", contest=contest, call=call), 429


# --- office: console, call, eligibility check --------------------------------------------------------------------

@bp.route("/<int:contest_id>/")
@contest_access(ORGANISER)
def console(contest: Contest):
    call = _craftsman_call(contest)
    nominations = nomination_service.nominations_of(contest)
    counts: dict[str, int] = {}
    for n in nominations:
        counts[n.status] = counts.get(n.status, 0) + 1
    return render_template("craftsman/console.html", contest=contest, call=call, nominations=nominations,
                           counts=counts, next_stage=calls.next_stage(call), stage_labels=STAGE_LABELS,
                           panel=_panel_check(call), experts=panel.experts_of(contest),
                           panel_min=PANEL_MIN, panel_max=PANEL_MAX,
                           open_now=calls.nominations_open(call))


def _panel_check(call: CraftsmanCall):
    """The panel check while the review has not started (None after, or while the definition is broken)."""
    if call.stage not in (Stage.NOMINATION, Stage.CHECKING):
        return None
    try:  # not a refused action: the console shows no panel check while the definition is broken
        return review_service.panel_check(call)
    except CraftsmanError:
        return None


@bp.route("/<int:contest_id>/call", methods=["GET", "POST"])
@contest_access(ORGANISER)
def call_form(contest: Contest):
    call = _craftsman_call(contest, required=False)
    form = CallForm(obj=call)
    if request.method == "GET" and call is not None:
        rules, targets = call.eligibility or {}, {t["code"]: t for t in call.targets or []}
        form.max_age.data, form.min_years_in_trade.data = rules.get("max_age"), rules.get("min_years_in_trade")
        form.min_level.data = rules.get("min_level") or ""
        form.employer_types.data = "、".join(rules.get("employer_types") or [])
        form.front_line_only.data = bool(rules.get("front_line_only"))
        form.direct_keywords.data = "、".join(rules.get("direct_keywords") or [])
        form.young_age.data = (targets.get("young") or {}).get("max_age")
        form.young_share.data = Decimal(str(targets["young"]["min_share"])) if "young" in targets else None
        form.front_share.data = Decimal(str(targets["front"]["min_share"])) if "front" in targets else None
    elif request.method == "GET":
        form.reference_date.data = contest.starts_on
    if form.validate_on_submit():
        targets = []
        if form.young_age.data and form.young_share.data:
            targets.append({"code": "young", "label": str(calls.young_label(form.young_age.data)),
                            "min_share": str(form.young_share.data), "max_age": form.young_age.data})
        if form.front_share.data:
            targets.append({"code": "front", "label": calls.FRONT_LINE_LABEL, "min_share": str(form.front_share.data),
                            "front_line": True})
        values = {
            "title": form.title.data.strip(), "notice": form.notice.data or "", "quota": form.quota.data,
            "shortlist_size": form.shortlist_size.data, "reference_date": form.reference_date.data,
            "deadline": form.deadline.data,
            "eligibility": {"max_age": form.max_age.data, "min_years_in_trade": form.min_years_in_trade.data,
                            "min_level": form.min_level.data or None,
                            "employer_types": _split(form.employer_types.data),
                            "front_line_only": form.front_line_only.data,
                            "direct_keywords": _split(form.direct_keywords.data)},
            "targets": targets, "vote_enabled": form.vote_enabled.data,
            "vote_weight": form.vote_weight.data or 0, "publicity_days": form.publicity_days.data,
        }
        try:  # a refused call is shown again with what the organiser typed
            calls.save_call(contest, values, current_user)
        except CraftsmanError as exc:
            _fail(exc)
        else:
            db.session.commit()
            flash(_("申报通知已保存"), "success")
            return redirect(url_for(".console", contest_id=contest.id))
    return render_template("craftsman/call_form.html", contest=contest, call=call, form=form)


@bp.route("/<int:contest_id>/stage", methods=["POST"])
@refused_to(".console")
@contest_access(ORGANISER)
def advance(contest: Contest):
    call = _craftsman_call(contest)
    target = request.form.get("stage", "")
    if target == Stage.REVIEW:  # the review starts from its own page, which shows the panel after recusal first
        return redirect(url_for(".start_review", contest_id=contest.id))
    if target != calls.next_stage(call) or target in (Stage.PUBLICITY, Stage.NAMED):
        raise CraftsmanError(N_("不能直接进入该阶段"))
    calls.set_stage(call, target, current_user)
    db.session.commit()
    flash(_("评选阶段：%(stage)s", stage=_(call.stage_label)), "success")
    return redirect(url_for(".console", contest_id=contest.id))


@bp.route("/<int:contest_id>/review/start", methods=["GET", "POST"])
@refused_to(".start_review")
@contest_access(ORGANISER)
def start_review(contest: Contest):
    """开始专家评审: each candidate's experts after recusal, those with too few named, then the start (refused while a
    candidate cannot be scored; a panel smaller than wanted needs the organiser's explicit confirmation)."""
    call = _craftsman_call(contest)
    if call.stage not in (Stage.NOMINATION, Stage.CHECKING):
        return redirect(url_for(".review", contest_id=contest.id))
    if request.method == "POST":
        created = review_service.start_review(call, current_user, acknowledged=request.form.get("acknowledge") == "1")
        db.session.commit()
        flash(_("专家评审开始：%(n)s 名候选人进入评审", n=created), "success")
        return redirect(url_for(".review", contest_id=contest.id))
    try:  # not a refused action: the page shows why the panel cannot be checked
        check, problem = review_service.panel_check(call), None
    except CraftsmanError as exc:
        check, problem = None, tr(exc)
    nominations = nomination_service.nominations_of(contest)
    pending = [n for n in nominations if n.status == NominationStatus.SUBMITTED]
    direct = [n for n in nominations if n.status == NominationStatus.DIRECT]
    return render_template("craftsman/start_review.html", contest=contest, call=call, check=check, problem=problem,
                           pending=pending, direct=direct, panel_min=PANEL_MIN, panel_max=PANEL_MAX)


@bp.route("/<int:contest_id>/nominations/<int:nomination_id>")
@contest_access(ORGANISER)
def office_nomination(contest: Contest, nomination_id: int):
    call = _craftsman_call(contest)
    n = get_or_404(Nomination, nomination_id, contest_id=contest.id)
    if n.status == NominationStatus.DRAFT:
        deny(404)
    return render_template("craftsman/office_nomination.html", contest=contest, call=call, n=n,
                           report=nomination_service.run_checks(call, n), form=DecisionForm())


@bp.route("/<int:contest_id>/nominations/<int:nomination_id>/decide", methods=["POST"])
@refused_to(".office_nomination")
@contest_access(ORGANISER)
def decide(contest: Contest, nomination_id: int):
    call = _craftsman_call(contest)
    n = get_or_404(Nomination, nomination_id, contest_id=contest.id)
    form = DecisionForm()
    if not form.validate_on_submit():
        flash(_("请选择审查结论"), "error")
        return redirect(url_for(".office_nomination", contest_id=contest.id, nomination_id=n.id))
    nomination_service.decide(call, n, form.decision.data, form.note.data, current_user)
    db.session.commit()
    flash(f"{n.name}：{_(n.status_label)}", "success")
    return redirect(url_for(".console", contest_id=contest.id))


# --- office: review, vote, naming --------------------------------------------------------------------------------

@bp.route("/<int:contest_id>/review")
@contest_access(ORGANISER)
def review(contest: Contest):
    call = _craftsman_call(contest)
    standings, problem = [], None
    try:  # not a refused action: the page shows why there are no standings yet
        standings = review_service.review_standings(call)
    except CraftsmanError as exc:
        problem = tr(exc)
    return render_template("craftsman/review.html", contest=contest, call=call, standings=standings,
                           problem=problem, experts=panel.experts_of(contest),
                           progress=review_service.tablet_progress(contest))


@bp.route("/<int:contest_id>/shortlist", methods=["POST"])
@refused_to(".review")
@contest_access(ORGANISER)
def shortlist(contest: Contest):
    call = _craftsman_call(contest)
    cut = review_service.make_shortlist(call, current_user)
    db.session.commit()
    flash(_("入围名单已确定：%(n)s 人", n=len(cut)), "success")
    return redirect(url_for(".review", contest_id=contest.id))


@bp.route("/<int:contest_id>/votes")
@contest_access(ORGANISER)
def votes(contest: Contest):
    call = _craftsman_call(contest)
    counts = vote_service.vote_counts(contest.id)
    shortlisted = [n for n in nomination_service.nominations_of(contest) if n.shortlisted]
    shortlisted.sort(key=lambda n: -counts.get(n.id, 0))
    return render_template("craftsman/votes.html", contest=contest, call=call, counts=counts,
                           shortlisted=shortlisted, report=vote_service.suspicious(call),
                           vote_page=call.vote_enabled and call.stage in VOTE_STAGES)


@bp.route("/<int:contest_id>/naming")
@contest_access(ORGANISER)
def naming(contest: Contest):
    call = _craftsman_call(contest)
    proposal, problem = None, None
    if call.stage in (Stage.REVIEW, Stage.VOTE, Stage.NAMING):
        try:  # not a refused action: the page shows why there is no proposal yet
            proposal = naming_service.propose(call)
        except CraftsmanError as exc:
            problem = tr(exc)
    named = [n for n in nomination_service.nominations_of(contest) if n.named]
    return render_template("craftsman/naming.html", contest=contest, call=call, proposal=proposal,
                           warnings=[tr(w) for w in proposal.warnings] if proposal else [], problem=problem,
                           named=named, titles=naming_service.titles_of(contest),
                           now=utcnow(), snapshots=naming_service.publicity_snapshots(contest),
                           objections=naming_service.pending_objections(contest))


@bp.route("/<int:contest_id>/naming/confirm", methods=["POST"])
@refused_to(".naming")
@contest_access(ORGANISER)
def confirm(contest: Contest):
    call = _craftsman_call(contest)
    naming_service.confirm_list(call, current_user, acknowledged=request.form.get("acknowledge") == "1")
    db.session.commit()
    flash(_("拟命名名单已确定，进入公示"), "success")
    return redirect(url_for(".naming", contest_id=contest.id))


@bp.route("/<int:contest_id>/naming/name", methods=["POST"])
@refused_to(".naming")
@contest_access(ORGANISER)
def name(contest: Contest):
    call = _craftsman_call(contest)
    titles = naming_service.name_titles(call, current_user)
    db.session.commit()
    flash(_("已命名 %(n)s 名“%(title)s”，证书编号已生成", n=len(titles), title=call.title), "success")
    return redirect(url_for(".naming", contest_id=contest.id))


@bp.route("/<int:contest_id>/naming.pdf")
@contest_access(ORGANISER)
def naming_pdf(contest: Contest):
    call = _craftsman_call(contest)
    named = documents.named_in_order(nomination_service.nominations_of(contest))
    if not named:
        flash(_("还没有拟命名人选"), "error")
        return redirect(url_for(".naming", contest_id=contest.id))
    snap = naming_service.current_publicity_snapshot(contest)
    period = (f"{local_time(call.publicity_starts, '%Y-%m-%d')} 至 {local_time(call.publicity_ends, '%Y-%m-%d')}"
              if call.publicity_ends else "")
    pdf = documents.naming_list_pdf(contest.name, call.title, call.stage, documents.naming_rows(named),
                                    period=period, number=snap.number if snap else "")
    what = "命名名单" if call.stage == Stage.NAMED else "拟命名人选公示"
    return download(pdf, f"{contest.name}-{what}.pdf", PDF)


@bp.route("/<int:contest_id>/certificates.pdf")
@refused_to(".naming")
@contest_access(ORGANISER)
def certificates(contest: Contest):
    _craftsman_call(contest)
    out = io.BytesIO()
    naming_service.render_certificates(contest, out)
    return download(out.getvalue(), contest.name + "-工匠称号证书.pdf", PDF)


# --- units: nominations and materials ----------------------------------------------------------------------------

def _open_calls_for(user) -> list[tuple[Contest, CraftsmanCall]]:
    """Calls of craftsman contests organised by the unit's organisation or any organisation above it."""
    ancestors, org = set(), user.organisation
    while org is not None and org.id not in ancestors:
        ancestors.add(org.id)
        org = org.parent
    rows = db.session.execute(select(Contest, CraftsmanCall).join(CraftsmanCall, CraftsmanCall.contest_id == Contest.id)
                              .where(Contest.kind == "craftsman", Contest.organisation_id.in_(ancestors))
                              .order_by(CraftsmanCall.deadline.desc())).all()
    return [(c, call) for c, call in rows]


def _own_nomination(nomination_id: int) -> Nomination:
    n = db.session.get(Nomination, nomination_id)
    if n is None or (current_user.role != ADMIN and n.unit_org_id != current_user.organisation_id):
        deny(404)
    return n


@bp.route("/unit")
@roles_required(UNIT)
def unit_home():
    open_calls = _open_calls_for(current_user)
    mine = list(db.session.scalars(select(Nomination).where(Nomination.unit_org_id == current_user.organisation_id)
                                   .order_by(Nomination.id.desc())))
    return render_template("craftsman/unit_home.html", calls=open_calls, mine=mine, is_open=calls.nominations_open)


@bp.route("/unit/calls/<int:contest_id>/new", methods=["GET", "POST"])
@roles_required(UNIT)
def nominate(contest_id: int):
    contest = db.session.get(Contest, contest_id)
    if contest is None or contest.id not in {c.id for c, _ in _open_calls_for(current_user)}:
        deny(404)
    call = calls.call_of(contest)
    form = NominationForm()
    if not calls.nominations_open(call):
        flash(_("申报已截止"), "error")
        return redirect(url_for(".unit_home"))
    if form.validate_on_submit():
        try:  # a refused nomination is shown again with what the unit typed
            n = nomination_service.save_nomination(call, current_user, None, form.values())
        except CraftsmanError as exc:
            _fail(exc)
        else:
            db.session.commit()
            flash(_("草稿已保存，请上传证明材料后提交"), "success")
            return redirect(url_for(".unit_nomination", nomination_id=n.id))
    return render_template("craftsman/nomination_form.html", contest=contest, call=call, form=form, n=None)


@bp.route("/unit/nominations/<int:nomination_id>", methods=["GET", "POST"])
@roles_required(UNIT)
def unit_nomination(nomination_id: int):
    n = _own_nomination(nomination_id)
    contest = db.session.get(Contest, n.contest_id)
    call = calls.call_of(contest)
    form = NominationForm(obj=n)
    if request.method == "GET":
        form.front_line.data = {True: "1", False: "0"}.get(n.front_line, "")
        form.employer_type.data = n.employer_type or ""
        form.vocational_level.data = n.vocational_level or ""
    if request.method == "POST" and form.validate_on_submit():
        try:  # a refused nomination is shown again with what the unit typed
            nomination_service.save_nomination(call, current_user, n, form.values())
        except CraftsmanError as exc:
            _fail(exc)
        else:
            db.session.commit()
            flash(_("已保存"), "success")
            return redirect(url_for(".unit_nomination", nomination_id=n.id))
    return render_template("craftsman/nomination_form.html", contest=contest, call=call, form=form, n=n,
                           upload=UploadForm(), missing=nomination_service.missing_for_submit(n),
                           open_now=calls.nominations_open(call))


@bp.route("/unit/nominations/<int:nomination_id>/files", methods=["POST"])
@refused_to(".unit_nomination")
@roles_required(UNIT)
def upload(nomination_id: int):
    n = _own_nomination(nomination_id)
    form = UploadForm()
    if not form.validate_on_submit():
        flash("；".join(form.file.errors or form.kind.errors or [_("上传失败")]), "error")
        return redirect(url_for(".unit_nomination", nomination_id=n.id))
    storage = form.file.data
    f = nomination_service.store_file(n, storage.filename, storage.stream, current_user, form.kind.data)
    db.session.commit()
    flash(_("已上传：%(name)s", name=f.original_name), "success")
    return redirect(url_for(".unit_nomination", nomination_id=n.id))


@bp.route("/unit/nominations/<int:nomination_id>/files/<int:file_id>/delete", methods=["POST"])
@refused_to(".unit_nomination")
@roles_required(UNIT)
def delete_file(nomination_id: int, file_id: int):
    n = _own_nomination(nomination_id)
    f = get_or_404(NominationFile, file_id, nomination_id=n.id)
    nomination_service.delete_file(n, f, current_user)
    db.session.commit()
    flash(_("已删除"), "success")
    return redirect(url_for(".unit_nomination", nomination_id=n.id))


@bp.route("/unit/nominations/<int:nomination_id>/submit", methods=["POST"])
@refused_to(".unit_nomination")
@roles_required(UNIT)
def submit(nomination_id: int):
    n = _own_nomination(nomination_id)
    call = calls.call_of(db.session.get(Contest, n.contest_id))
    nomination_service.submit_nomination(call, n, current_user)
    db.session.commit()
    flash(_("推荐表已提交，等待资格审查"), "success")
    return redirect(url_for(".unit_nomination", nomination_id=n.id))


@bp.route("/files/<int:file_id>")
@roles_required(UNIT, ORGANISER, JUDGE)
@untrusted_file
def material(file_id: int):
    """A candidate's material: only for the nominating unit, the contest's organisers and its unrecused experts."""
    f = db.session.get(NominationFile, file_id)
    if f is None or not nomination_service.may_see_nomination(current_user, f.nomination):
        deny(404)
    return _send(f)


def _send(f: NominationFile):
    path = nomination_service.file_path(f)
    if not path.is_file():
        deny(404)
    response = send_file(path, mimetype=f.content_type, download_name=f.original_name,
                         as_attachment=f.content_type == "application/pdf", max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- experts ------------------------------------------------------------------------------------------------------

@bp.route("/expert")
@roles_required(JUDGE)
def expert_home():
    contests = list(db.session.scalars(
        select(Contest).join(ContestMember, ContestMember.contest_id == Contest.id)
        .where(ContestMember.user_id == current_user.id, ContestMember.role == JUDGE, Contest.kind == "craftsman")))
    lists = []
    for contest in contests:
        lists.append((contest, calls.call_of(contest), nomination_service.expert_candidates(contest, current_user)))
    return render_template("craftsman/expert_home.html", lists=lists)


# --- public: vote and publicity -----------------------------------------------------------------------------------

def _public_call(contest_id: int, stages: tuple[str, ...]) -> tuple[Contest, CraftsmanCall]:
    contest = db.session.get(Contest, contest_id)
    call = calls.call_of(contest) if contest is not None and contest.kind == "craftsman" else None
    if call is None or call.stage not in stages:
        deny(404)
    return contest, call


def _client() -> tuple[str, str]:
    device = request.cookies.get(DEVICE_COOKIE) or request.headers.get("X-Device-Id") or ""
    return (request.remote_addr or "")[:64], device[:64]


VOTE_STAGES = (Stage.VOTE, Stage.NAMING, Stage.PUBLICITY, Stage.NAMED)


@bp.route("/vote/<int:contest_id>")
@public
def vote_page(contest_id: int):
    contest, call = _public_call(contest_id, VOTE_STAGES)
    if not call.vote_enabled:
        deny(404)
    candidates = [n for n in nomination_service.nominations_of(contest) if n.shortlisted]
    counts = vote_service.vote_counts(contest.id)
    response = Response(render_template("craftsman/vote.html", contest=contest, call=call, candidates=candidates,
                                        counts=counts, code_form=CodeForm(), vote_form=VoteForm(),
                                        open_now=vote_service.vote_open(call)))
    if not request.cookies.get(DEVICE_COOKIE):
        response.set_cookie(DEVICE_COOKIE, secrets.token_hex(16), max_age=365 * 86400, httponly=True,
                            samesite="Lax")
    return response


@bp.route("/vote/<int:contest_id>/code", methods=["POST"])
@public
@limited("vote_code", "vote_code_phone")
def vote_code(contest_id: int):
    contest, call = _public_call(contest_id, VOTE_STAGES)
    form = CodeForm()
    if form.validate_on_submit():
        refusals_go_to(".vote_page", contest_id=contest.id, phone=form.phone.data or "")  # the number typed is kept
        vote_service.request_code(call, form.phone.data, *_client())
        db.session.commit()
        flash(_("验证码已发送，10 分钟内有效"), "success")
    else:
        flash(_("请输入手机号码"), "error")
    return redirect(url_for(".vote_page", contest_id=contest.id, phone=form.phone.data or ""))


@bp.route("/vote/<int:contest_id>/cast", methods=["POST"])
@refused_to(".vote_page")
@public
@limited("vote_cast", "vote_cast_phone")
def vote_cast(contest_id: int):
    contest, call = _public_call(contest_id, VOTE_STAGES)
    form = VoteForm()
    if not form.validate_on_submit() or not (form.nomination_id.data or "").isdigit():
        flash(_("请填写手机号码和验证码"), "error")
        return redirect(url_for(".vote_page", contest_id=contest.id))
    n = db.session.get(Nomination, int(form.nomination_id.data))
    if n is None or n.contest_id != contest.id:
        deny(404)
    vote_service.cast_vote(call, n, form.phone.data, form.code.data, *_client())
    db.session.commit()
    flash(_("投票成功：您为 %(name)s 投了一票", name=n.name), "success")
    return redirect(url_for(".vote_page", contest_id=contest.id))


@bp.route("/vote/<int:contest_id>/photo/<int:nomination_id>")
@public
@untrusted_file
def photo(contest_id: int, nomination_id: int):
    contest, call = _public_call(contest_id, VOTE_STAGES)
    n = get_or_404(Nomination, nomination_id, contest_id=contest.id)
    visible = n.shortlisted if call.vote_enabled else n.named
    if not visible or n.photo is None:
        deny(404)
    return _send(n.photo)


@bp.route("/publicity/<int:contest_id>")
@public
def publicity(contest_id: int):
    contest, call = _public_call(contest_id, (Stage.PUBLICITY, Stage.NAMED))
    named = documents.named_in_order(nomination_service.nominations_of(contest))
    return render_template("craftsman/publicity.html", contest=contest, call=call, named=named,
                           snapshot=naming_service.current_publicity_snapshot(contest))
