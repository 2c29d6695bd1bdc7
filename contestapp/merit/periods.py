"""A merit contest's or points assessment's project and periods (考评期): dating them, opening and closing them.
Never commit.

A period is the round of its code in every event. Periods are generated from the project's schedule and dates;
regenerating them (re-dating the contest) keeps every reference valid: a tie-break link on a period that goes moves
to its successor (`domain.periods.successor`), and a change that would leave the definition invalid is refused.
A contest made from a template file is dated from the day it is used (`date_template`, on `template_loaded`).

Nothing a user needs waits on the scheduler alone: the jobs open and close periods on time, and the same steps run
from the console (`open_now`) and whenever someone joins late (`fill_open_periods`: the sheets of open periods for
assessors added and participants imported after a period opened).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from contestapp.audit.service import record
from contestapp.common.db import insert_ignore
from contestapp.common.formatting import contest_zone, local_time
from contestapp.contests.definition import problems_of
from contestapp.contests.models import Contest, ContestMember, Criterion, Event, Round
from contestapp.contests.services import add_references
from contestapp.contests.signals import member_added, member_removed, template_loaded
from contestapp.domain.periods import SCHEDULE_LABELS, plan_periods, schedule_of, span_from, successor
from contestapp.entrants.models import Entrant, EntrantKind, Entry, EntryStatus
from contestapp.extensions import db
from contestapp.i18n import N_, Message
from contestapp.judging.models import VOID_STATUS, Recusal, ScoreSheet, SheetStatus
from contestapp.merit.models import Period, PeriodStatus, Project, SelfSheet, UnitProfile

MERIT_KINDS = ("merit", "points")
DEFAULT_SCHEDULE = {"merit": "monthly", "points": "yearly"}


class MeritError(ValueError):
    """Not allowed now, or bad input; the message is Chinese, for the user."""


# --- time ----------------------------------------------------------------------------------------------------------

def local_midnight(day: date) -> datetime:
    """00:00 of `day` in the display time zone, as an aware UTC datetime."""
    return datetime.combine(day, time(0), tzinfo=contest_zone()).astimezone(timezone.utc)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


# --- project -------------------------------------------------------------------------------------------------------

def project_of(contest: Contest) -> Project | None:
    return db.session.scalar(select(Project).where(Project.contest_id == contest.id))


def save_project(contest: Contest, data: dict[str, Any], actor) -> Project:
    if contest.kind not in MERIT_KINDS:
        raise MeritError(N_("只有立功竞赛和积分考核可以设置项目与考评期"))
    project = project_of(contest) or Project(contest_id=contest.id, name=contest.name, settings={})
    for key in ("name", "owner", "budget", "location", "starts_on", "ends_on", "schedule", "deadline_days",
                "red_flags", "review_weight", "top_flag"):
        if key in data and data[key] is not None:
            setattr(project, key, data[key])
    if project.starts_on and project.ends_on and project.ends_on < project.starts_on:
        raise MeritError(N_("项目结束日期不能早于开始日期"))
    db.session.add(project)
    db.session.flush()
    record(actor, "merit.project", project, contest_id=contest.id, summary=f"保存项目信息 {project.name}")
    return project


# --- periods -------------------------------------------------------------------------------------------------------

def periods_of(contest: Contest) -> list[Period]:
    return list(db.session.scalars(select(Period).where(Period.contest_id == contest.id).order_by(Period.seq)))


def rounds_of(period: Period) -> dict[int, Round]:
    """event id -> the period's round in that event."""
    rows = db.session.scalars(select(Round).join(Event).where(Event.contest_id == period.contest_id,
                                                              Round.code == period.code))
    return {r.event_id: r for r in rows}


def _copy_round(template: Round, code: str, name: str, order: int) -> Round:
    rnd = Round(code=code, name=name, weight=Decimal(1), order=order, rules=dict(template.rules or {}))
    for c in template.criteria:
        rnd.criteria.append(Criterion(code=c.code, name=c.name, kind=c.kind, max=c.max, min=c.min, step=c.step,
                                      order=c.order, rules=dict(c.rules or {})))
    return rnd


@dataclass
class Generated:
    """What `generate_periods` did: the periods in order, and the tie-break links it moved (for the user)."""

    periods: list[Period]
    repointed: list[str] = field(default_factory=list)


def _repoint_tie_break(event: Event, old: list[str], new: list[str], removed: set[str]) -> list[str]:
    """Move the event's tie-break links on removed period rounds to their successors; describe each move."""
    chain = list((event.rules or {}).get("tie_break") or [])
    moved = []
    for i, link in enumerate(chain):
        code = str(link.get("code") or "")
        round_code, dot, criterion = code.partition(".")
        if link.get("key") not in ("round", "criterion") or round_code not in removed:
            continue
        target = successor(old, new, round_code)
        if target is None:
            continue
        chain[i] = {**link, "code": target + dot + criterion}
        moved.append(f"{event.name}：{code} → {target + dot + criterion}")
    if moved:
        event.rules = {**(event.rules or {}), "tie_break": chain}
    return moved


def generate_periods(contest: Contest, actor, start: date | None = None, end: date | None = None) -> Generated:
    """Cut the project's span into periods by its schedule; each period is a round (copied from the event's first
    round: the indicator sheet) in every event. Rounds already scored are kept; periods already open stay; tie-break
    links on rounds that go move to their successors. Refused (nothing changed) if the definition would be left
    invalid."""
    project = project_of(contest)
    if project is None:
        raise MeritError(N_("请先填写项目信息（含考评周期和起止日期）"))
    start = start or project.starts_on or contest.starts_on
    end = end or project.ends_on or (date(contest.year, 12, 31) if contest.year else None)
    if start is None or end is None:
        raise MeritError(N_("请填写项目的开始和结束日期"))
    plans = plan_periods(project.schedule, start, end, project.deadline_days)
    existing = {p.code: p for p in periods_of(contest)}
    started = [p.name for p in existing.values()
               if p.status != PeriodStatus.SCHEDULED and p.code not in {pl.code for pl in plans}]
    if started:
        raise MeritError(Message(N_("已开始的考评期不能删除：%(names)s。请调整日期范围，使其包含这些考评期"),
                                 names="、".join(started)))
    if project.schedule == "yearly" and len(plans) == 1 and contest.events and len(contest.events[0].rounds) == 1:
        only = contest.events[0].rounds[0].code  # a yearly sheet (1+X): its one round is the period
        plans = [type(plans[0])(only, plans[0].name, plans[0].starts_on, plans[0].ends_on, plans[0].deadline)]
    codes = [pl.code for pl in plans]
    scored = set(db.session.scalars(select(ScoreSheet.round_id).join(Round).join(Event)
                                    .where(Event.contest_id == contest.id).distinct()))
    repointed: list[str] = []
    for event in contest.events:
        if not event.rounds:
            raise MeritError(Message(N_("%(event)s 没有考评表（请先定义一个轮次作为指标模板）"), event=event.name))
        template = event.rounds[0]
        old = [r.code for r in event.rounds]
        by_code = {r.code: r for r in event.rounds}
        for i, pl in enumerate(plans):
            rnd = by_code.get(pl.code)
            if rnd is None:
                rnd = _copy_round(template, pl.code, pl.name, i)
                event.rounds.append(rnd)
            rnd.order = i
        removed = [r for r in event.rounds if r.code not in codes and r.id not in scored]
        kept = codes + [r.code for r in event.rounds if r.code not in codes and r.id in scored]
        repointed += _repoint_tie_break(event, old, kept, {r.code for r in removed})
        for r in removed:
            event.rounds.remove(r)
    for i, pl in enumerate(plans):
        period = existing.pop(pl.code, None)
        if period is None:
            period = Period(contest_id=contest.id, code=pl.code, status=PeriodStatus.SCHEDULED, weight=Decimal(1))
            db.session.add(period)
        if period.status == PeriodStatus.SCHEDULED:
            period.name, period.starts_on, period.ends_on = pl.name, pl.starts_on, pl.ends_on
            period.opens_at = local_midnight(pl.starts_on)
            period.deadline_at = local_midnight(pl.deadline + timedelta(days=1))
        period.seq = i
    for leftover in existing.values():
        db.session.delete(leftover)
    db.session.flush()
    problems = problems_of(contest)
    if problems:
        raise MeritError(Message(N_("按此周期生成考评期后竞赛定义将出错，未作修改：%(problems)s"),
                                 problems="；".join(f"{where}：{what}" for where, what in problems[:5])))
    record(actor, "merit.periods", contest, contest_id=contest.id,
           summary=f"按{SCHEDULE_LABELS.get(project.schedule, project.schedule)}生成考评期 {len(plans)} 个"
                   f"（{start}—{end}）" + (f"；平局规则改为：{'；'.join(repointed)}" if repointed else ""),
           data={"codes": codes, "repointed": repointed})
    return Generated(periods_of(contest), repointed)


def date_template(contest: Contest, start: date, actor) -> Message | None:
    """Date a contest just made from a template file from `start`, the day it is used: the project spans as many
    periods of the template's schedule (read from its round codes) as the template has, from the period containing
    `start`; the contest's year and dates follow, the template's year in its name and code too; the periods are
    generated and those already due are opened. Returns what was done (for the user)."""
    if contest.kind not in MERIT_KINDS or not contest.events or not contest.events[0].rounds:
        return None
    codes = [r.code for r in contest.events[0].rounds]
    schedule = schedule_of(codes) or DEFAULT_SCHEDULE[contest.kind]
    first, last = span_from(schedule, start, len(codes) if schedule_of(codes) else 1)
    old_year = contest.year
    contest.year, contest.starts_on, contest.ends_on = last.year, first, last
    contest.rules = {**(contest.rules or {}), "date": last.isoformat()}
    if old_year and old_year != last.year:
        contest.name = contest.name.replace(str(old_year), str(last.year))
        new_code = contest.code.replace(str(old_year), str(last.year))
        if new_code != contest.code and db.session.scalar(select(Contest.id).where(Contest.code == new_code)) is None:
            contest.code = new_code
    save_project(contest, {"name": contest.name, "starts_on": first, "ends_on": last, "schedule": schedule}, actor)
    generated = generate_periods(contest, actor)
    opened = open_due_periods(contest, utc_now())
    if opened:
        return Message(N_("已按 %(start)s 起的日期生成考评期 %(n)s 个（%(first)s 至 %(last)s）；已开始考评：%(names)s"),
                       start=start.isoformat(), n=len(generated.periods), first=first.isoformat(),
                       last=last.isoformat(), names="、".join(p.name for p in opened))
    return Message(N_("已按 %(start)s 起的日期生成考评期 %(n)s 个（%(first)s 至 %(last)s）"), start=start.isoformat(),
                   n=len(generated.periods), first=first.isoformat(), last=last.isoformat())


@template_loaded.connect
def _on_template_loaded(contest: Contest, start: date, actor=None, **_kw) -> str | None:
    return date_template(contest, start, actor)


# --- what refers to a period's round -------------------------------------------------------------------------------

@add_references
def period_references(node) -> list[str]:
    """A period's round must stay (and keep its code) while the period exists: a round of a period's code, or an
    event holding the only rounds of some period's code."""
    if isinstance(node, Round):
        codes = {node.code}
        contest_id = node.event.contest_id
    elif isinstance(node, Event):
        others = {r.code for e in node.contest.events if e is not node for r in e.rounds}
        codes = {r.code for r in node.rounds} - others
        contest_id = node.contest_id
    else:
        return []
    names = list(db.session.scalars(select(Period.name).where(Period.contest_id == contest_id,
                                                              Period.code.in_(codes)).order_by(Period.seq)))
    return [f"考评期“{n}”" for n in names]


# --- opening and closing -------------------------------------------------------------------------------------------

def assessors_of(contest_id: int) -> list[int]:
    return list(db.session.scalars(select(ContestMember.user_id).where(
        ContestMember.contest_id == contest_id, ContestMember.role == "judge").order_by(ContestMember.user_id)))


def active_entries(event_id: int) -> list[Entry]:
    return list(db.session.scalars(select(Entry).where(Entry.event_id == event_id, Entry.status == EntryStatus.ACTIVE)
                                   .options(selectinload(Entry.entrant).selectinload(Entrant.unit))
                                   .order_by(Entry.id)))


def open_period(period: Period, now: datetime, actor=None) -> dict[str, int]:
    """Open a scheduled period: one draft sheet per assessor and entry, one self-assessment per unit entry.
    Idempotent: an open period only gets the sheets still missing (an assessor added or a unit imported later)."""
    if period.status not in (PeriodStatus.SCHEDULED, PeriodStatus.OPEN):
        return {"sheets": 0, "self": 0}
    judges = assessors_of(period.contest_id)
    sheets = selfs = 0
    for event_id, rnd in rounds_of(period).items():
        entries = active_entries(event_id)
        have = set(db.session.execute(select(ScoreSheet.entry_id, ScoreSheet.judge_id)
                                      .where(ScoreSheet.round_id == rnd.id)).all())
        new = [{"entry_id": e.id, "round_id": rnd.id, "judge_id": j, "status": SheetStatus.DRAFT.value, "version": 1,
                "source": "tablet", "updated_at": now} for e in entries for j in judges if (e.id, j) not in have]
        insert_ignore(db.session, ScoreSheet.__table__, new, ["entry_id", "round_id", "judge_id"])
        sheets += len(new)
        have_self = set(db.session.scalars(select(SelfSheet.entry_id).where(SelfSheet.period_id == period.id)))
        new_self = [{"period_id": period.id, "entry_id": e.id, "status": "draft"} for e in entries
                    if e.entrant.kind == EntrantKind.UNIT and e.id not in have_self]
        insert_ignore(db.session, SelfSheet.__table__, new_self, ["period_id", "entry_id"])
        selfs += len(new_self)
    if period.status == PeriodStatus.SCHEDULED:
        period.status, period.opened_at = PeriodStatus.OPEN, now
        record(actor, "merit.period_open", period, contest_id=period.contest_id,
               summary=f"{period.name}开始考评：考评表 {sheets} 份，自评表 {selfs} 份"
                       + (f"（{getattr(actor, 'display_name', actor)} 手动开启）" if actor is not None else ""))
    elif sheets or selfs:
        record(actor, "merit.period_fill", period, contest_id=period.contest_id,
               summary=f"{period.name}补发考评表 {sheets} 份，自评表 {selfs} 份（后加入的考评人员或参评对象）")
    db.session.flush()
    return {"sheets": sheets, "self": selfs}


def is_due(period: Period, now: datetime) -> bool:
    """A scheduled period whose opening time has come and whose deadline has not passed."""
    return period.status == PeriodStatus.SCHEDULED and period.opens_at <= now < period.deadline_at


def open_due_periods(contest: Contest, now: datetime) -> list[Period]:
    """Open every due period of the contest (what the `open_periods` job does for all contests)."""
    opened = [p for p in periods_of(contest) if is_due(p, now)]
    for period in opened:
        open_period(period, now)
    return opened


def open_now(period: Period, actor, now: datetime) -> dict[str, int]:
    """The organiser opens a due period by hand (not waiting for the scheduler). Audited with the organiser."""
    if period.status != PeriodStatus.SCHEDULED:
        raise MeritError(N_("该考评期已开启或已截止"))
    if now < period.opens_at:
        raise MeritError(Message(N_("该考评期 %(when)s 才开始，不能提前开启"),
                                 when=local_time(period.opens_at)))
    if now >= period.deadline_at:
        raise MeritError(N_("该考评期已过截止时间；请用“立即截止并生成通报”"))
    return open_period(period, now, actor)


def fill_open_periods(contest: Contest, now: datetime) -> dict[str, int]:
    """The missing sheets of every open period: for assessors who joined and participants imported after it
    opened. Idempotent (nothing happens when nothing is missing)."""
    total = {"sheets": 0, "self": 0}
    for period in periods_of(contest):
        if period.status == PeriodStatus.OPEN:
            counts = open_period(period, now)
            total = {k: total[k] + counts[k] for k in total}
    return total


@member_added.connect
def _on_member_added(contest: Contest, user=None, role: str = "", actor=None, **_kw) -> str | None:
    """An assessor added after a period opened gets its sheets at once (as if present at the opening)."""
    if contest.kind not in MERIT_KINDS or role != "judge":
        return None
    revived = _revive_taken_sheets(contest, user) if user is not None else 0
    counts = fill_open_periods(contest, utc_now())
    given = counts["sheets"] + revived
    return Message(N_("已为其发放开放中考评期的考评表 %(n)s 份"), n=given) if given else None


def _revive_taken_sheets(contest: Contest, user) -> int:
    """An assessor added back: the sheets of open periods taken back at the removal (`_on_member_removed`) are
    theirs again, as drafts; a sheet voided by a recusal stays void."""
    rounds = [r.id for p in periods_of(contest) if p.status == PeriodStatus.OPEN for r in rounds_of(p).values()]
    recused = set(db.session.scalars(select(Recusal.entry_id).where(Recusal.judge_id == user.id)))
    sheets = [s for s in db.session.scalars(select(ScoreSheet).where(
        ScoreSheet.round_id.in_(rounds), ScoreSheet.judge_id == user.id, ScoreSheet.status == VOID_STATUS))
        if s.entry_id not in recused]
    for sheet in sheets:
        sheet.status, sheet.version = SheetStatus.DRAFT, (sheet.version or 0) + 1
    return len(sheets)


@member_removed.connect
def _on_member_removed(contest: Contest, user=None, role: str = "", actor=None, **_kw) -> str | None:
    """An assessor or a unit account leaves a merit contest: access ends with the membership (the pages check it);
    here the assessor's unsubmitted sheets are taken back (voided: never counted, never listed, no reminders) and the
    unit's self-assessments lose their account until the organiser names another. Submitted marks stay."""
    if contest.kind not in MERIT_KINDS or user is None:
        return None
    if role == "judge":
        rounds = [r.id for e in contest.events for r in e.rounds]
        sheets = list(db.session.scalars(select(ScoreSheet).where(ScoreSheet.round_id.in_(rounds),
                                                                  ScoreSheet.judge_id == user.id)))
        taken = [s for s in sheets if s.status in (SheetStatus.DRAFT, SheetStatus.RETURNED)]
        for sheet in taken:
            sheet.status, sheet.version = VOID_STATUS, (sheet.version or 0) + 1
        kept = sum(1 for s in sheets if s.status == SheetStatus.SUBMITTED)
        record(actor, "merit.assessor_removed", contest, contest_id=contest.id,
               summary=f"{user.display_name} 不再担任考评人：收回未提交的考评表 {len(taken)} 份，已提交的 {kept} 份保留",
               data={"user": user.id, "voided": [s.id for s in taken], "kept": kept})
        return Message(N_("%(name)s 的 %(n)s 份未提交的考评表已收回，待重新分配；已提交的 %(kept)s 份保留"),
                       name=user.display_name, n=len(taken), kept=kept) if taken or kept else None
    if role == "unit":
        profiles = list(db.session.scalars(select(UnitProfile).where(UnitProfile.contest_id == contest.id,
                                                                     UnitProfile.user_id == user.id)))
        units = [p.unit_id for p in profiles]
        open_self = db.session.scalar(select(db.func.count(SelfSheet.id)).join(Entry, SelfSheet.entry_id == Entry.id)
                                      .join(Entrant, Entry.entrant_id == Entrant.id)
                                      .where(Entrant.unit_id.in_(units), SelfSheet.status != "submitted")) or 0
        for profile in profiles:
            profile.user_id = None
        if not profiles:
            return None
        record(actor, "merit.unit_account_removed", contest, contest_id=contest.id,
               summary=f"单位账号 {user.display_name} 已移除：{len(profiles)} 个单位的未提交自评表 {open_self} 份待指定填报账号",
               data={"user": user.id, "units": units, "open_self_sheets": open_self})
        return Message(N_("单位账号 %(name)s 已移除：未提交的自评表 %(n)s 份待重新指定填报账号"),
                       name=user.display_name, n=open_self)
    return None


def close_period(period: Period, now: datetime) -> bool:
    if period.status != PeriodStatus.OPEN:
        return False
    period.status, period.closed_at = PeriodStatus.CLOSED, now
    draft = db.session.scalar(select(db.func.count(ScoreSheet.id)).where(
        ScoreSheet.round_id.in_([r.id for r in rounds_of(period).values()]),
        ScoreSheet.status.notin_([SheetStatus.SUBMITTED, VOID_STATUS])))
    record(None, "merit.period_close", period, contest_id=period.contest_id,
           summary=f"{period.name}考评截止，未提交考评表 {draft} 份（不计入）")
    db.session.flush()
    return True
