"""Contest set-up: create and edit contests, events, rounds and criteria. Services never commit."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable

from sqlalchemy import select

from contestapp.audit.service import record
from contestapp.auth.models import Organisation, User
from contestapp.auth.roles import ADMIN, managed_organisation_ids
from contestapp.contests.definition import problems_of
from contestapp.contests.errors import SetupError  # the area's refusal (views name it services.SetupError)
from contestapp.contests.finality import ensure_open
from contestapp.contests.models import Contest, ContestMember, ContestStatus, Criterion, Event, Round
from contestapp.contests.signals import member_added, member_removed, messages
from contestapp.extensions import db
from contestapp.i18n import N_, Message

EDITABLE = {ContestStatus.DRAFT, ContestStatus.REGISTRATION}


def visible_contests(user) -> list[Contest]:
    query = select(Contest).order_by(Contest.created_at.desc())
    if user.role == ADMIN:
        pass
    elif user.role == "organiser":
        query = query.where(Contest.organisation_id.in_(managed_organisation_ids(user)))
    else:
        query = query.where(Contest.id.in_(
            select(ContestMember.contest_id).where(ContestMember.user_id == user.id, ContestMember.role == user.role)))
    return list(db.session.scalars(query))


def organisations_for(user) -> list[Organisation]:
    query = select(Organisation).order_by(Organisation.id)
    if user.role != ADMIN:
        query = query.where(Organisation.id.in_(managed_organisation_ids(user)))
    return list(db.session.scalars(query))


def check_editable(contest: Contest) -> None:
    if contest.status not in EDITABLE:
        raise SetupError(N_("竞赛已开始评分，评分结构已锁定；如需修改请联系管理员"))


def _set_rule(rules: dict[str, Any], key: str, value) -> dict[str, Any]:
    """Return a copy of `rules` with key set (or removed when value is None): JSON columns need a new object."""
    rules = dict(rules or {})
    if value is None or value == "":
        rules.pop(key, None)
    else:
        rules[key] = str(value) if isinstance(value, Decimal) else value
    return rules


def save_contest(contest: Contest | None, form, actor) -> Contest:
    if contest is None:
        if db.session.scalar(select(Contest.id).where(Contest.code == form.code.data)) is not None:
            raise SetupError(f"竞赛代码 {form.code.data} 已被使用")
        contest = Contest(status=ContestStatus.DRAFT, rules={})
        db.session.add(contest)
        action = "contest.create"
    else:
        clash = db.session.scalar(select(Contest.id).where(Contest.code == form.code.data, Contest.id != contest.id))
        if clash is not None:
            raise SetupError(f"竞赛代码 {form.code.data} 已被使用")
        action = "contest.update"
    contest.code, contest.name, contest.kind = form.code.data, form.name.data, form.kind.data
    contest.organisation_id = form.organisation_id.data
    contest.year, contest.starts_on, contest.ends_on = form.year.data, form.starts_on.data, form.ends_on.data
    contest.location = form.location.data or None
    contest.rules = _set_rule(contest.rules, "date", form.starts_on.data.isoformat())
    db.session.flush()
    record(actor, action, contest, contest_id=contest.id, summary=contest.name)
    return contest


def save_event(contest: Contest, event: Event | None, form, actor) -> Event:
    check_editable(contest)
    ensure_open(event)
    if event is None:
        event = Event(contest=contest, order=len(contest.events), rules={})
        db.session.add(event)
    if any(e.code == form.code.data and e is not event for e in contest.events):
        raise SetupError(f"赛项代码 {form.code.data} 已存在")
    event.code, event.name, event.mode = form.code.data, form.name.data, form.mode.data
    rules = _set_rule(event.rules, "combine", form.combine.data)
    rules = _set_rule(rules, "places", form.places.data)
    event.rules = _set_rule(rules, "unshared_places", form.unshared_places.data or None)
    db.session.flush()
    record(actor, "event.save", event, contest_id=contest.id, summary=f"{event.code} {event.name}")
    return event


# --- what refers to a round or criterion ----------------------------------------------------------------------------
# A tie-break link names a round (or round.criterion) by code; other areas register what else does (a merit
# contest's period is the round of its code in every event): fn(node) -> reasons (Chinese) the node must stay.
REFERENCES: list[Callable[[Any], list[str]]] = []


def add_references(fn: Callable[[Any], list[str]]) -> Callable[[Any], list[str]]:
    if fn not in REFERENCES:
        REFERENCES.append(fn)
    return fn


def _tie_break_references(event: Event, round_code: str, criterion_code: str | None = None) -> list[str]:
    out = []
    for i, link in enumerate((event.rules or {}).get("tie_break") or [], start=1):
        code = str(link.get("code") or "")
        rnd, _dot, crit = code.partition(".")
        if rnd == round_code and (criterion_code is None or crit == criterion_code):
            out.append(f"{event.name}的平局规则第 {i} 项（{code}）")
    return out


def references_to(node) -> list[str]:
    """Everything that names `node` (an event, round or criterion) and would be left pointing at nothing if it
    went or changed its code: the tie-break chain here, and what other areas registered."""
    if isinstance(node, Round):
        found = _tie_break_references(node.event, node.code)
    elif isinstance(node, Criterion):
        found = _tie_break_references(node.round.event, node.round.code, node.code)
    else:
        found = []
    for fn in REFERENCES:
        found += fn(node)
    return found


REFERENCED = {Event: N_("赛项“%(name)s”（%(code)s）被引用：%(refs)s。请先修改这些引用"),
              Round: N_("轮次“%(name)s”（%(code)s）被引用：%(refs)s。请先修改这些引用"),
              Criterion: N_("评分项“%(name)s”（%(code)s）被引用：%(refs)s。请先修改这些引用")}


def _refuse_if_referenced(node) -> None:
    found = references_to(node)
    if found:
        raise SetupError(Message(REFERENCED[type(node)], name=node.name, code=node.code, refs="；".join(found)))


def save_round(contest: Contest, event: Event, rnd: Round | None, form, actor) -> Round:
    check_editable(contest)
    ensure_open(event)
    if rnd is not None and rnd.code != form.code.data:
        _refuse_if_referenced(rnd)
    if rnd is None:
        rnd = Round(event=event, order=len(event.rounds), rules={})
        db.session.add(rnd)
    if any(r.code == form.code.data and r is not rnd for r in event.rounds):
        raise SetupError(f"轮次代码 {form.code.data} 已存在")
    rnd.code, rnd.name, rnd.weight = form.code.data, form.name.data, form.weight.data
    panel = {"aggregate": form.aggregate.data, "drop_high": form.drop_high.data, "drop_low": form.drop_low.data,
             "reduce": form.reduce.data, "min_judges": form.min_judges.data}
    if form.spread_alert.data is not None:
        panel["spread_alert"] = str(form.spread_alert.data)
    rules = dict(rnd.rules or {})
    rules["panel"] = {**rules.get("panel", {}), **panel}
    if form.spread_alert.data is None:
        rules["panel"].pop("spread_alert", None)
    rules = _set_rule(rules, "combine", form.combine.data)
    rules = _set_rule(rules, "multiplier", bool(form.multiplier.data))
    rules = _set_rule(rules, "places", form.places.data)
    rnd.rules = _set_rule(rules, "pass_mark", form.pass_mark.data)
    db.session.flush()
    record(actor, "round.save", rnd, contest_id=contest.id, summary=f"{event.code}/{rnd.code} {rnd.name}")
    return rnd


def save_criterion(contest: Contest, rnd: Round, criterion: Criterion | None, form, actor) -> Criterion:
    check_editable(contest)
    ensure_open(rnd.event)
    if criterion is not None and criterion.code != form.code.data:
        _refuse_if_referenced(criterion)
    if criterion is None:
        criterion = Criterion(round=rnd, order=len(rnd.criteria), rules={})
        db.session.add(criterion)
    if any(c.code == form.code.data and c is not criterion for c in rnd.criteria):
        raise SetupError(f"评分项代码 {form.code.data} 已存在")
    if form.max.data is not None and form.min.data is not None and form.max.data <= form.min.data:
        raise SetupError(N_("最高分须大于最低分"))
    criterion.code, criterion.name, criterion.kind = form.code.data, form.name.data, form.kind.data
    criterion.max, criterion.min, criterion.step = form.max.data, form.min.data or Decimal(0), form.step.data
    rules = _set_rule(criterion.rules, "weight", form.weight.data if form.weight.data not in (None, 1) else None)
    rules = _set_rule(rules, "deduction_per", form.deduction_per.data)
    criterion.rules = _set_rule(rules, "bonus_group", form.bonus_group.data or None)
    db.session.flush()
    record(actor, "criterion.save", criterion, contest_id=contest.id, summary=f"{rnd.code}.{criterion.code}")
    return criterion


def delete_node(contest: Contest, node, actor) -> None:
    """Delete an event, round or criterion (only while the structure is editable; marks keep it alive otherwise),
    never one that something still names (a tie-break link, a merit contest's period)."""
    check_editable(contest)
    ensure_open(node if isinstance(node, Event) else node.event if isinstance(node, Round) else node.round.event)
    _refuse_if_referenced(node)
    record(actor, f"{type(node).__name__.lower()}.delete", node, contest_id=contest.id,
           summary=f"{node.code} {node.name}")
    db.session.delete(node)
    db.session.flush()


def set_status(contest: Contest, status: str, actor) -> None:
    if status not in {s.value for s in ContestStatus}:
        raise SetupError(N_("状态无效"))
    if status not in EDITABLE and problems_of(contest):
        raise SetupError(N_("竞赛定义仍有问题，请先修正后再开始竞赛"))
    old = contest.status
    contest.status = status
    record(actor, "contest.status", contest, contest_id=contest.id, data={"old": old, "new": status},
           summary=f"状态 {old} → {status}")


# "unit": a participating unit's account in a merit contest or points assessment (fills its self-assessment).
MEMBER_ROLES = {"chief_judge": N_("裁判长"), "judge": N_("裁判/评委"), "arbitrator": N_("仲裁组成员"), "unit": N_("参赛单位账号")}


def member_candidates(contest: Contest) -> list:
    """Accounts of the contest's organisation and below that can serve as staff."""
    ids = contest.organisation.subtree_ids()
    return list(db.session.scalars(select(User).where(
        User.organisation_id.in_(ids), User.role.in_(tuple(MEMBER_ROLES)), User.active.is_(True)
    ).order_by(User.role, User.username)))


def add_member(contest: Contest, username: str, role: str, actor) -> tuple[ContestMember, list[str]]:
    """Add a person to the contest's staff; returns the membership and what the other areas did for a late member
    (e.g. the sheets of a merit contest's open periods), for the organiser."""
    if role not in MEMBER_ROLES:
        raise SetupError(N_("角色无效"))
    user = db.session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        raise SetupError(f"找不到账号 {username}")
    if user.role != role:
        raise SetupError(f"{user.display_name} 的账号角色是“{user.role_label}”，不能担任“{MEMBER_ROLES[role]}”")
    if any(m.user_id == user.id and m.role == role for m in contest.members):
        raise SetupError(f"{user.display_name} 已在本竞赛担任该角色")
    member = ContestMember(contest=contest, user=user, role=role)
    db.session.add(member)
    db.session.flush()
    record(actor, "member.add", member, contest_id=contest.id, summary=f"{user.display_name} 担任 {MEMBER_ROLES[role]}")
    return member, messages(member_added.send(contest, user=user, role=role, actor=actor))


def remove_member(contest: Contest, member: ContestMember, actor) -> list[str]:
    """End a person's place on the staff; the other areas end their access to sheets (signal `member_removed`)
    and say what they did, for the organiser."""
    notes = messages(member_removed.send(contest, user=member.user, role=member.role, actor=actor))
    record(actor, "member.remove", member, contest_id=contest.id,
           summary=f"{member.user.display_name} 不再担任 {MEMBER_ROLES.get(member.role, member.role)}")
    db.session.delete(member)
    return notes
