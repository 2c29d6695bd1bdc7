"""Assignments of judges to rounds, their sheets, and recusal (回避): by unit, automatically, or declared."""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import select

from contestapp.audit.service import record
from contestapp.auth.models import Organisation, User
from contestapp.common.db import insert_ignore, utcnow
from contestapp.contests.definition import DefinitionFileError, spec_of
from contestapp.contests.finality import ensure_open, ensure_rounds_open, is_final
from contestapp.contests.models import Contest, ContestMember, Event, Round
from contestapp.contests.signals import member_added
from contestapp.domain.recusal import Affiliation, unit_key
from contestapp.domain.types import SCORED_KINDS
from contestapp.entrants.models import Entrant, Entry, EntryStatus, Unit
from contestapp.extensions import db
from contestapp.i18n import N_, Message
from contestapp.judging.common import JudgingError, clean_text, judge_code
from contestapp.judging.models import (
    HANDED_BACK, VOID_STATUS, Assignment, Recusal, ScoreSheet, SheetRequest, SheetStatus)


def ensure_member(contest: Contest, judge: User, actor=None) -> None:
    """Make the judge a member of the contest's staff (once); a new member is announced (`member_added`), so the
    areas above give a late judge what the others have (a merit contest's open periods' sheets)."""
    if db.session.scalar(select(ContestMember.id).where(
            ContestMember.contest_id == contest.id, ContestMember.user_id == judge.id,
            ContestMember.role == judge.role)) is None:
        db.session.add(ContestMember(contest_id=contest.id, user_id=judge.id, role=judge.role))
        db.session.flush()
        member_added.send(contest, user=judge, role=judge.role, actor=actor)


def assign(contest: Contest, judge: User, rounds: Iterable[Round], criteria: list[str] | None, actor) -> list[Assignment]:
    """Assign a judge to rounds (criteria: codes of a group, None = all); same-unit entries are blocked."""
    if judge.role != "judge":
        raise JudgingError("not_judge", Message(N_("%(name)s 不是裁判账号"), name=judge.display_name))
    rounds = list(rounds)
    ensure_open(*(r.event for r in rounds))
    out = []
    ensure_member(contest, judge, actor)
    for rnd in rounds:
        if rnd.event.contest_id != contest.id:
            raise JudgingError("not_found", N_("轮次不属于该竞赛"), 404)
        codes = [c.code for c in rnd.criteria]
        chosen = [c for c in (criteria or []) if c in codes] or None
        if criteria and not chosen:
            raise JudgingError("bad_criteria", Message(N_("%(round)s 中没有所选评分项"), round=rnd.name))
        a = db.session.scalar(select(Assignment).where(Assignment.judge_id == judge.id, Assignment.round_id == rnd.id))
        if a is None:
            a = Assignment(contest_id=contest.id, judge_id=judge.id, round_id=rnd.id)
            db.session.add(a)
        a.criteria = chosen
        out.append(a)
        record(actor, "assignment.set", a, contest_id=contest.id,
               summary=f"{judge.display_name} 评 {rnd.event.name}·{rnd.name}"
                       + (f"（{'、'.join(chosen)}）" if chosen else "（全部评分项）"))
    db.session.flush()
    for rnd in rounds:
        ensure_sheets(rnd)
    _hand_back(contest, judge, rounds, actor)
    return out


def _hand_back(contest: Contest, judge: User, rounds: Iterable[Round], actor) -> None:
    """A judge given a round again gets back the open sheets taken from them when they left the staff
    (`membership.judge_removed`) and not yet given to anyone else: the chief judge's reassignment request is closed,
    the sheet is a draft again with the marks it had."""
    waiting = db.session.scalars(
        select(SheetRequest).join(ScoreSheet, ScoreSheet.id == SheetRequest.sheet_id)
        .where(SheetRequest.contest_id == contest.id, SheetRequest.kind == "reassign",
               SheetRequest.status == "pending", SheetRequest.judge_id == judge.id, ScoreSheet.judge_id == judge.id,
               ScoreSheet.status == VOID_STATUS, ScoreSheet.round_id.in_([r.id for r in rounds]))
        .order_by(SheetRequest.id)).all()
    recused = set(db.session.scalars(select(Recusal.entry_id).where(Recusal.judge_id == judge.id)))
    now = utcnow()
    for req in waiting:
        sheet = req.sheet
        if sheet.entry_id in recused:  # a conflict declared since: the sheet stays void
            continue
        sheet.status, sheet.version = SheetStatus.DRAFT.value, sheet.version + 1
        req.status, req.decided_by_id, req.decided_at = "approved", getattr(actor, "id", None), now
        req.decision = HANDED_BACK
        record(actor, "sheet.handed_back", req, contest_id=contest.id,
               summary=f"{judge.display_name} 重新分配到本轮：评分表 {judge_code(sheet.entry)} 交还（保留原有评分）",
               data={"sheet_id": sheet.id, "request_id": req.id})
    if waiting:
        db.session.flush()


def unassign(assignment: Assignment, actor) -> None:
    ensure_rounds_open([assignment.round_id])
    sheets = db.session.scalars(select(ScoreSheet).where(
        ScoreSheet.judge_id == assignment.judge_id, ScoreSheet.round_id == assignment.round_id))
    for sheet in sheets:
        if sheet.marks:
            raise JudgingError("has_marks", N_("该裁判已在本轮评分，不能取消分配"), 409)
        db.session.delete(sheet)
    record(actor, "assignment.remove", assignment, contest_id=assignment.contest_id,
           summary=f"取消 {assignment.judge.display_name} 的 {assignment.round.name} 评分任务")
    db.session.delete(assignment)


def sync_unit_recusals(rnd: Round) -> int:
    """Block every assigned judge from the entries of a unit the judge belongs to (the account's organisation or the
    employer named on it, compared without spaces: `User.affiliation`); returns how many new recusals were recorded."""
    judges = db.session.execute(
        select(User.id, User.unit_name, Organisation.name, Assignment.contest_id)
        .join(Assignment, Assignment.judge_id == User.id)
        .outerjoin(Organisation, Organisation.id == User.organisation_id).where(Assignment.round_id == rnd.id)).all()
    units = {jid: (Affiliation.of(None, org, unit).names, cid) for jid, unit, org, cid in judges}
    units = {jid: (names, cid) for jid, (names, cid) in units.items() if names}
    if not units:
        return 0
    rows = db.session.execute(select(Entry.id, Unit.name).join(Entrant, Entry.entrant_id == Entrant.id).join(
        Unit, Entrant.unit_id == Unit.id).where(Entry.event_id == rnd.event_id)).all()
    existing = set(db.session.execute(select(Recusal.judge_id, Recusal.entry_id).where(
        Recusal.judge_id.in_(units), Recusal.entry_id.in_([r[0] for r in rows] or [0]))).all())
    added = 0
    for entry_id, unit_name in rows:
        for jid, (names, cid) in units.items():
            if unit_key(unit_name) in names and (jid, entry_id) not in existing:
                rec = Recusal(contest_id=cid, judge_id=jid, entry_id=entry_id, source="unit",
                              reason=N_("与参赛者同单位，自动回避"))
                db.session.add(rec)
                db.session.flush()
                record(None, "recusal.auto", rec, contest_id=cid, summary="同单位自动回避",
                       data={"judge_id": jid, "entry_id": entry_id})
                existing.add((jid, entry_id))
                added += 1
    return added


def _members_scored(event: Event) -> bool:
    """Whether the event ranks teams as the sum of their members' results (then only the members are marked)."""
    try:
        spec = spec_of(event.contest).event(event.code)
    except DefinitionFileError:  # reported on the console; the sheets follow the draw meanwhile
        return False
    return spec is not None and spec.ranks_members


def ensure_sheets(rnd: Round) -> None:
    """Create the (empty) sheets of every assigned judge for every drawn, active, non-recused entry of a round
    (none once the event's results are final: nothing of it changes)."""
    if is_final(rnd.event):
        return
    sync_unit_recusals(rnd)
    judges = list(db.session.scalars(select(Assignment.judge_id).where(Assignment.round_id == rnd.id)))
    if not judges:
        return
    scored = select(Entry.id).where(
        Entry.event_id == rnd.event_id, Entry.status == EntryStatus.ACTIVE, Entry.code.is_not(None))
    if _members_scored(rnd.event):  # a team ranked on its members' results is not marked itself
        scored = scored.join(Entrant, Entrant.id == Entry.entrant_id).where(Entrant.kind != "team")
    entries = list(db.session.scalars(scored))
    have = set(db.session.execute(select(ScoreSheet.judge_id, ScoreSheet.entry_id).where(
        ScoreSheet.round_id == rnd.id)).all())
    recused = set(db.session.execute(select(Recusal.judge_id, Recusal.entry_id).where(
        Recusal.judge_id.in_(judges), Recusal.entry_id.in_(entries or [0]))).all())
    missing = [{"entry_id": e, "round_id": rnd.id, "judge_id": j, "status": SheetStatus.DRAFT.value, "version": 1,
                "source": "tablet", "updated_at": utcnow()}
               for j in judges for e in entries if (j, e) not in have and (j, e) not in recused]
    if missing:
        insert_ignore(db.session, ScoreSheet.__table__, missing, ["entry_id", "round_id", "judge_id"])


def declare_conflict(judge: User, entry: Entry, reason, actor, approved: bool = False) -> Recusal:
    """A declared conflict (回避): the judge's sheets for the entry are voided (kept, never counted). A submitted
    sheet is voided only with the chief judge's approval (`requests.decide`); until then its marks count."""
    reason = clean_text(reason, N_("回避理由"), 500, required=True)
    rec = db.session.scalar(select(Recusal).where(Recusal.judge_id == judge.id, Recusal.entry_id == entry.id))
    if rec is not None:
        return rec
    ensure_open(entry.event)
    sheets = list(db.session.scalars(select(ScoreSheet).where(ScoreSheet.judge_id == judge.id,
                                                              ScoreSheet.entry_id == entry.id)))
    if not approved and any(s.status == SheetStatus.SUBMITTED for s in sheets):
        raise JudgingError("needs_approval", N_("该评分表已提交，回避须经裁判长批准"), 409)
    rec = Recusal(contest_id=entry.event.contest_id, judge_id=judge.id, entry_id=entry.id, source="declared",
                  reason=reason[:500])
    db.session.add(rec)
    for sheet in sheets:
        if not sheet.marks:
            db.session.delete(sheet)
        else:
            sheet.status, sheet.version = VOID_STATUS, sheet.version + 1
    db.session.flush()
    record(actor, "recusal.declare", rec, contest_id=rec.contest_id,
           summary=f"{judge.display_name} 申请回避 {judge_code(entry)}：{reason}",
           data={"judge_id": judge.id, "entry_id": entry.id, "reason": reason})
    return rec


def is_recused(judge_id: int, entry_id: int) -> bool:
    return db.session.scalar(select(Recusal.id).where(Recusal.judge_id == judge_id,
                                                      Recusal.entry_id == entry_id)) is not None


def assign_round(contest: Contest, rnd: Round, picks: dict[int, list[str] | None], actor) -> None:
    """The judges of one round from the organiser's picker: judge id -> criterion codes (None = all of the round);
    a judge left out is taken off the round. Each judge goes through `assign` (the same checks as any other way of
    assigning); a scored criterion no judge marks is refused (the round could never be scored: `score_round`)."""
    if rnd.event.contest_id != contest.id:
        raise JudgingError("not_found", N_("轮次不属于该竞赛"), 404)
    if picks:
        covered = {c.code for c in rnd.criteria} if any(v is None for v in picks.values()) else \
            {code for v in picks.values() for code in v}
        missing = [c.name for c in rnd.criteria if c.kind in SCORED_KINDS and c.code not in covered]
        if missing:
            raise JudgingError("uncovered", Message(N_("评分项「%(names)s」没有裁判评分：每个评分项至少要有一名裁判"),
                                                    names="」「".join(missing)))
    judges = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(list(picks) or [0])))}
    current = {a.judge_id: a for a in db.session.scalars(select(Assignment).where(Assignment.round_id == rnd.id))}
    for judge_id, codes in picks.items():
        if judge_id not in judges:
            raise JudgingError("not_found", N_("找不到该裁判"), 404)
        had = current.get(judge_id)
        if had is None or sorted(had.criteria or []) != sorted(codes or []):  # unchanged judges are left alone
            assign(contest, judges[judge_id], [rnd], codes, actor)
    for judge_id, a in current.items():
        if judge_id not in picks:
            unassign(a, actor)
    db.session.flush()
