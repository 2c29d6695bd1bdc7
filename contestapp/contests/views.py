"""Organiser console: contests, their structure, and definition files."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from contestapp.auth.permissions import (
    ARBITRATOR, CHIEF_JUDGE, ORGANISER, contest_access, deny, get_or_404, roles_required)
from contestapp.common.nav import Tab, add_tab
from contestapp.common.refusals import refused_to, register_refusals
from contestapp.contests import services
from contestapp.contests.definition import (
    DefinitionFileError, canonical, definition_of, load_template, problems_of, read_definition)
from contestapp.contests.forms import ContestForm, CriterionForm, DefinitionUploadForm, EventForm, RoundForm
from contestapp.contests.models import CONTEST_STATUS_LABELS, Contest, ContestMember, Criterion, Event, Round
from contestapp.entrants.models import Entrant, Entry
from contestapp.extensions import db
from contestapp.i18n import N_, tr

bp = Blueprint("contests", __name__, url_prefix="/contests")

VIEWERS = (ORGANISER, CHIEF_JUDGE, ARBITRATOR)

add_tab(Tab("setup", N_("竞赛设置"), "contests.show", VIEWERS, order=10))
add_tab(Tab("members", N_("裁判与仲裁"), "contests.members", (ORGANISER,), order=25,
            labels=(("merit", N_("考评人员")), ("points", N_("审核人员")), ("craftsman", N_("评审专家")))))

register_refusals(bp, services.SetupError, fallback=".index")


@bp.route("/")
@roles_required(ORGANISER, CHIEF_JUDGE, ARBITRATOR)
def index():
    return render_template("contests/index.html", contests=services.visible_contests(current_user),
                           upload=DefinitionUploadForm())


def _contest_form(contest: Contest | None = None) -> ContestForm:
    form = ContestForm(obj=contest)
    form.organisation_id.choices = [(o.id, o.name) for o in services.organisations_for(current_user)]
    if contest is None and request.method == "GET":
        form.year.data, form.starts_on.data = date.today().year, date.today()
    return form


@bp.route("/new", methods=["GET", "POST"])
@roles_required(ORGANISER)
def create():
    form = _contest_form()
    if form.validate_on_submit():
        try:  # a refused form is shown again as typed, the message at the code
            contest = services.save_contest(None, form, current_user)
        except services.SetupError as exc:
            form.code.errors.append(_(str(exc)))
        else:
            db.session.commit()
            flash(_("竞赛已创建，请添加赛项、轮次和评分项，或导入竞赛定义文件"), "success")
            return redirect(url_for(".show", contest_id=contest.id))
    return render_template("contests/form.html", form=form, contest=None)


@bp.route("/import", methods=["POST"])
@roles_required(ORGANISER)
@refused_to(".index")
def import_definition():
    form = DefinitionUploadForm()
    orgs = services.organisations_for(current_user)
    if not form.validate_on_submit() or not orgs:
        for error in form.file.errors or ["没有可用的主办单位"]:
            flash(error, "error")
        return redirect(url_for(".index"))
    upload = form.file.data
    try:  # a refused file: its problems listed on a page of their own (400), not one flashed line
        contest, notes = load_template(read_definition(upload.read(), upload.filename), orgs[0], current_user,
                                       form.start.data or date.today())
    except DefinitionFileError as exc:
        db.session.rollback()
        return render_template("contests/definition_errors.html", problems=exc.problems,
                               filename=upload.filename), 400
    db.session.commit()
    flash(_("已导入竞赛定义：%(name)s", name=contest.name), "success")
    for note in notes:
        flash(tr(note), "info")
    return redirect(url_for(".show", contest_id=contest.id))


@bp.route("/<int:contest_id>")
@contest_access(*VIEWERS)
def show(contest: Contest):
    counts = dict(db.session.execute(
        select(Entry.event_id, func.count(Entry.id)).join(Event).where(Event.contest_id == contest.id)
        .group_by(Entry.event_id)).all())
    entrants = db.session.scalar(select(func.count(Entrant.id)).where(Entrant.contest_id == contest.id))
    return render_template("contests/show.html", contest=contest, problems=problems_of(contest),
                           entry_counts=counts, entrant_count=entrants, statuses=CONTEST_STATUS_LABELS,
                           editable=contest.status in services.EDITABLE)


@bp.route("/<int:contest_id>/edit", methods=["GET", "POST"])
@contest_access(ORGANISER)
def edit(contest: Contest):
    form = _contest_form(contest)
    if form.validate_on_submit():
        try:  # a refused form is shown again as typed, the message at the code
            services.save_contest(contest, form, current_user)
        except services.SetupError as exc:
            form.code.errors.append(_(str(exc)))
        else:
            db.session.commit()
            flash(_("已保存"), "success")
            return redirect(url_for(".show", contest_id=contest.id))
    return render_template("contests/form.html", form=form, contest=contest)


@bp.route("/<int:contest_id>/status", methods=["POST"])
@contest_access(ORGANISER)
@refused_to(".show")
def set_status(contest: Contest):
    services.set_status(contest, request.form.get("status", ""), current_user)
    db.session.commit()
    flash(_("竞赛状态已改为：%(status)s", status=contest.status_label), "success")
    return redirect(url_for(".show", contest_id=contest.id))


@bp.route("/<int:contest_id>/definition.json")
@contest_access(*VIEWERS)
def export_definition(contest: Contest):
    problems = problems_of(contest)
    if problems:
        flash(_("竞赛定义仍有问题，无法导出：%(problems)s", problems="；".join(f"{p}: {m}" for p, m in problems[:5])), "error")
        return redirect(url_for(".show", contest_id=contest.id))
    return Response(canonical(definition_of(contest)), mimetype="application/json",
                    headers={"Content-Disposition": f"attachment; filename={contest.code}.json"})


# --- structure: events, rounds, criteria -------------------------------------------------------------------------

def _save(form, save, redirect_to, template, **context):
    if form.validate_on_submit():
        try:  # a refused form is shown again as typed
            save()
        except services.SetupError as exc:
            db.session.rollback()
            flash(tr(exc), "error")
        else:
            db.session.commit()
            flash(_("已保存"), "success")
            return redirect(redirect_to)
    return render_template(template, form=form, **context)


@bp.route("/<int:contest_id>/events/new", methods=["GET", "POST"])
@bp.route("/<int:contest_id>/events/<int:event_id>/edit", methods=["GET", "POST"])
@contest_access(ORGANISER)
def event_form(contest: Contest, event_id: int | None = None):
    event = get_or_404(Event, event_id, contest_id=contest.id) if event_id else None
    form = EventForm(obj=event, data=(event.rules if event and request.method == "GET" else None))
    return _save(form, lambda: services.save_event(contest, event, form, current_user),
                 url_for(".show", contest_id=contest.id), "contests/node_form.html",
                 contest=contest, title=(_("编辑赛项") if event else _("添加赛项")))


@bp.route("/<int:contest_id>/events/<int:event_id>/rounds/new", methods=["GET", "POST"])
@bp.route("/<int:contest_id>/rounds/<int:round_id>/edit", methods=["GET", "POST"])
@contest_access(ORGANISER)
def round_form(contest: Contest, event_id: int | None = None, round_id: int | None = None):
    rnd = get_or_404(Round, round_id) if round_id else None
    event = rnd.event if rnd else get_or_404(Event, event_id)
    if event.contest_id != contest.id:
        deny(404)
    data = None
    if rnd is not None and request.method == "GET":
        data = {**(rnd.rules or {}), **(rnd.rules or {}).get("panel", {})}
    form = RoundForm(obj=rnd, data=data)
    return _save(form, lambda: services.save_round(contest, event, rnd, form, current_user),
                 url_for(".show", contest_id=contest.id), "contests/node_form.html",
                 contest=contest, title=f"{event.name}：" + (_("编辑轮次") if rnd else _("添加轮次")))


@bp.route("/<int:contest_id>/rounds/<int:round_id>/criteria/new", methods=["GET", "POST"])
@bp.route("/<int:contest_id>/criteria/<int:criterion_id>/edit", methods=["GET", "POST"])
@contest_access(ORGANISER)
def criterion_form(contest: Contest, round_id: int | None = None, criterion_id: int | None = None):
    criterion = get_or_404(Criterion, criterion_id) if criterion_id else None
    rnd = criterion.round if criterion else get_or_404(Round, round_id)
    if rnd.event.contest_id != contest.id:
        deny(404)
    form = CriterionForm(obj=criterion, data=(criterion.rules if criterion and request.method == "GET" else None))
    return _save(form, lambda: services.save_criterion(contest, rnd, criterion, form, current_user),
                 url_for(".show", contest_id=contest.id), "contests/node_form.html",
                 contest=contest, title=f"{rnd.event.name} · {rnd.name}：" + (_("编辑评分项") if criterion else _("添加评分项")))


@bp.route("/<int:contest_id>/<any(event, round, criterion):kind>/<int:node_id>/delete", methods=["POST"])
@contest_access(ORGANISER)
@refused_to(".show")
def delete_node(contest: Contest, kind: str, node_id: int):
    model = {"event": Event, "round": Round, "criterion": Criterion}[kind]
    node = get_or_404(model, node_id)
    owner = {"event": lambda n: n.contest_id, "round": lambda n: n.event.contest_id,
             "criterion": lambda n: n.round.event.contest_id}[kind](node)
    if owner != contest.id:
        deny(404)
    services.delete_node(contest, node, current_user)
    db.session.commit()
    flash(_("已删除"), "success")
    return redirect(url_for(".show", contest_id=contest.id))


# --- contest staff: chief judges, judges, arbitrators ---------------------------------------------------------------

@bp.route("/<int:contest_id>/members", methods=["GET", "POST"])
@contest_access(ORGANISER)
@refused_to(".members")
def members(contest: Contest):
    if request.method == "POST":
        _member, notes = services.add_member(contest, request.form.get("username", ""), request.form.get("role", ""),
                                             current_user)
        db.session.commit()
        flash(_("已添加"), "success")
        for note in notes:
            flash(tr(note), "info")
        return redirect(url_for(".members", contest_id=contest.id))
    return render_template("contests/members.html", contest=contest, roles=services.MEMBER_ROLES,
                           candidates=services.member_candidates(contest))


@bp.route("/<int:contest_id>/members/<int:member_id>/delete", methods=["POST"])
@contest_access(ORGANISER)
def remove_member(contest: Contest, member_id: int):
    member = get_or_404(ContestMember, member_id, contest_id=contest.id)
    notes = services.remove_member(contest, member, current_user)
    db.session.commit()
    flash(_("已移除"), "success")
    for note in notes:
        flash(tr(note), "info")
    return redirect(url_for(".members", contest_id=contest.id))
