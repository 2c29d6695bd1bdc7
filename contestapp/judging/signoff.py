"""The chief judge: returning sheets, confirming rounds, decryption (解密) and tie decisions."""
from __future__ import annotations


from sqlalchemy import select

from contestapp.audit.service import record
from contestapp.contests.finality import ensure_open, ensure_rounds_open
from contestapp.contests.models import Event, Round
from contestapp.entrants.models import Entry
from contestapp.extensions import db
from contestapp.i18n import N_, Message, verbatim
from contestapp.judging.common import JudgingError, judge_code, round_confirmed
from contestapp.judging.models import (
    VOID_STATUS, Assignment, Decryption, RoundConfirmation, ScoreSheet, SheetStatus, TieDecision)

def return_sheet(sheet: ScoreSheet, actor, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise JudgingError("reason_required", N_("请填写退回理由"))
    if sheet.status != SheetStatus.SUBMITTED:
        raise JudgingError("not_submitted", N_("只能退回已提交的评分表"), 409)
    ensure_rounds_open([sheet.round_id])
    if round_confirmed(sheet.round_id):
        raise JudgingError("confirmed", N_("本轮已确认，不能退回"), 409)
    sheet.status, sheet.version, sheet.returned_reason, sheet.returned_detail, sheet.signature = (
        SheetStatus.RETURNED.value, sheet.version + 1, reason[:500], None, None)  # the chief judge's own words
    record(actor, "sheet.return", sheet, contest_id=sheet.round.event.contest_id,
           summary=f"退回 {sheet.judge.display_name} 的 {judge_code(sheet.entry)} 评分表：{reason}",
           data={"sheet_id": sheet.id, "reason": reason})


def round_sheets(rnd: Round) -> list[ScoreSheet]:
    return list(db.session.scalars(select(ScoreSheet).where(
        ScoreSheet.round_id == rnd.id, ScoreSheet.status != VOID_STATUS)))


def confirm_round(rnd: Round, actor) -> RoundConfirmation:
    ensure_open(rnd.event)
    if round_confirmed(rnd.id):
        raise JudgingError("confirmed", N_("本轮已确认"), 409)
    sheets = round_sheets(rnd)
    if not sheets:
        raise JudgingError("no_sheets", N_("本轮没有评分表"), 409)
    open_ = [s for s in sheets if s.status != SheetStatus.SUBMITTED]
    if open_:
        raise JudgingError("not_all_signed", Message(N_("还有 %(n)s 张评分表未签名提交，不能确认"), n=len(open_)), 409)
    conf = RoundConfirmation(round_id=rnd.id, confirmed_by_id=actor.id)
    db.session.add(conf)
    db.session.flush()
    record(actor, "round.confirm", conf, contest_id=rnd.event.contest_id,
           summary=f"裁判长确认 {rnd.event.name}·{rnd.name}（{len(sheets)} 张评分表）", data={"round_id": rnd.id})
    return conf


def judged_rounds(event: Event) -> list[Round]:
    ids = set(db.session.scalars(select(Assignment.round_id).join(Round).where(Round.event_id == event.id)))
    return [r for r in event.rounds if r.id in ids]


def decryption_of(event: Event) -> Decryption | None:
    return db.session.scalar(select(Decryption).where(Decryption.event_id == event.id))


def decrypt_event(event: Event, actor) -> Decryption:
    """Reveal names behind codes (解密), only once every judged round of the event is confirmed; logged."""
    ensure_open(event)
    if decryption_of(event):
        raise JudgingError("decrypted", N_("该赛项已解密"), 409)
    rounds = judged_rounds(event)
    if not rounds:
        raise JudgingError("no_rounds", N_("该赛项没有裁判评分的轮次"), 409)
    pending = [r.name for r in rounds if not round_confirmed(r.id)]
    if pending:
        raise JudgingError("not_confirmed", Message(N_("以下轮次尚未确认，不能解密：%(rounds)s"),
                                                    rounds=tuple(map(verbatim, pending))), 409)
    dec = Decryption(event_id=event.id, decrypted_by_id=actor.id)
    db.session.add(dec)
    db.session.flush()
    record(actor, "event.decrypt", dec, contest_id=event.contest_id, summary=f"{event.name} 解密",
           data={"event_id": event.id})
    return dec


def record_tie(event: Event, entry_ids: list[int], reason: str, actor) -> TieDecision:
    reason = (reason or "").strip()
    if not reason:
        raise JudgingError("reason_required", N_("请填写裁定理由"))
    ensure_open(event)
    if len(entry_ids) < 2 or len(set(entry_ids)) != len(entry_ids):
        raise JudgingError("bad_tie", N_("请按名次先后列出至少两个不同的参赛者"))
    known = set(db.session.scalars(select(Entry.id).where(Entry.event_id == event.id, Entry.id.in_(entry_ids))))
    if known != set(entry_ids):
        raise JudgingError("bad_tie", N_("所列参赛者不属于该赛项"))
    tie = TieDecision(event_id=event.id, entry_ids=list(entry_ids), reason=reason[:500], decided_by=actor.id)
    db.session.add(tie)
    db.session.flush()
    record(actor, "tie.decide", tie, contest_id=event.contest_id, summary=f"{event.name} 并列裁定：{reason}",
           data={"event_id": event.id, "entry_ids": entry_ids})
    return tie
