"""Changes to a submitted sheet go through the chief judge (裁判长): a judge's recusal (回避) or withdrawal (撤回) of
a submitted sheet is a request; its marks stay, and count, until the chief judge approves it. A refusal says why.
Sheets taken back from a judge removed from the contest (`membership`) are listed the same way until the chief
judge has given them to another judge. Every step is audited; services never commit."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from contestapp.audit.service import record
from contestapp.common.db import utcnow
from contestapp.contests.finality import ensure_rounds_open
from contestapp.contests.models import Contest, Round
from contestapp.extensions import db
from contestapp.i18n import N_, Message, stored
from contestapp.judging.assignments import declare_conflict
from contestapp.judging.common import JudgingError, clean_text, judge_code, round_confirmed
from contestapp.judging.models import ScoreSheet, SheetRequest, SheetStatus

KIND_LABELS = {"recusal": N_("回避申请"), "withdrawal": N_("撤回申请"), "reassign": N_("待重新分配")}
STATUS_LABELS = {"pending": N_("待处理"), "approved": N_("已批准"), "refused": N_("已驳回")}
REASON_LIMIT = 500


def request_change(sheet: ScoreSheet, judge, kind: str, reason) -> SheetRequest:
    """A judge asks to recuse from, or to withdraw, a submitted sheet; the same pending request again is the same."""
    reason = clean_text(reason, N_("理由"), REASON_LIMIT, required=True)
    if sheet.status != SheetStatus.SUBMITTED:
        raise JudgingError("not_submitted", N_("只能对已提交的评分表提出申请"), 409)
    ensure_rounds_open([sheet.round_id])
    if round_confirmed(sheet.round_id):
        raise JudgingError("confirmed", N_("本轮已由裁判长确认，不能再修改"), 409)
    pending = db.session.scalar(select(SheetRequest).where(
        SheetRequest.sheet_id == sheet.id, SheetRequest.kind == kind, SheetRequest.status == "pending"))
    if pending is not None:
        return pending
    contest_id = sheet.round.event.contest_id
    req = SheetRequest(contest_id=contest_id, sheet_id=sheet.id, judge_id=judge.id, kind=kind, reason=reason)
    db.session.add(req)
    db.session.flush()
    record(judge, f"sheet.{kind}_request", req, contest_id=contest_id,
           summary=f"{judge.display_name} 对已提交的 {judge_code(sheet.entry)} 评分表提出{KIND_LABELS[kind]}：{reason}",
           data={"sheet_id": sheet.id, "kind": kind, "reason": reason})
    return req


# what the requests page shows of each request (judge, entry's code, event and round), loaded with the requests
_SHOWN = (selectinload(SheetRequest.judge),
          selectinload(SheetRequest.sheet).options(selectinload(ScoreSheet.entry),
                                                   selectinload(ScoreSheet.round).selectinload(Round.event)))


def pending_requests(contest: Contest) -> list[SheetRequest]:
    return list(db.session.scalars(select(SheetRequest).options(*_SHOWN).where(
        SheetRequest.contest_id == contest.id, SheetRequest.status == "pending").order_by(SheetRequest.id)))


def decided_requests(contest: Contest, limit: int = 50) -> list[SheetRequest]:
    return list(db.session.scalars(select(SheetRequest).options(*_SHOWN).where(
        SheetRequest.contest_id == contest.id, SheetRequest.status != "pending")
        .order_by(SheetRequest.decided_at.desc()).limit(limit)))


def decide(req: SheetRequest, actor, approve: bool, decision) -> None:
    """Approve (a recusal voids the sheet, a withdrawal returns it to the judge, a reassignment is noted as done) or
    refuse with a reason (the marks stay as submitted)."""
    if req.status != "pending":
        raise JudgingError("decided", N_("该申请已处理"), 409)
    decision = clean_text(decision, N_("处理意见"), REASON_LIMIT, required=not approve)
    sheet = req.sheet
    if approve and req.kind != "reassign":
        ensure_rounds_open([sheet.round_id])
        if round_confirmed(sheet.round_id):
            raise JudgingError("confirmed", N_("本轮已确认，不能再修改评分表"), 409)
        if req.kind == "recusal":
            declare_conflict(req.judge, sheet.entry, req.reason, actor, approved=True)
        elif sheet.status == SheetStatus.SUBMITTED:  # withdrawal: back to the judge, marks kept, to be signed again
            sheet.status, sheet.version, sheet.signature = SheetStatus.RETURNED.value, sheet.version + 1, None
            approved = Message(N_("撤回申请已批准：%(reason)s"), reason=req.reason)  # the judge's words as written
            sheet.returned_reason, sheet.returned_detail = str(approved)[:500], stored(approved)
    req.status, req.decided_by_id, req.decided_at, req.decision = (
        "approved" if approve else "refused", actor.id, utcnow(), decision or None)
    record(actor, f"sheet.request_{req.status}", req, contest_id=req.contest_id,
           summary=f"{'批准' if approve else '驳回'} {req.judge.display_name} 对 {judge_code(sheet.entry)} 的"
                   f"{KIND_LABELS[req.kind]}" + (f"：{decision}" if decision else ""),
           data={"sheet_id": sheet.id, "kind": req.kind, "reason": req.reason, "decision": decision})
    db.session.flush()
