"""Access follows membership: a judge removed from a contest's staff (`contests.signals.member_removed`) loses the
contest's sheets at once -- assignments ended, login cards revoked, so the API and the tablet refuse every sheet of
the contest. Submitted sheets keep their marks (they count, and the audit log names who removed the judge); open
sheets (draft or returned) are taken back and listed for the chief judge to give to another judge (`SheetRequest`
of kind "reassign", console: 待处理申请)."""
from __future__ import annotations

from sqlalchemy import delete, select

from contestapp.audit.service import record
from contestapp.common.db import utcnow
from contestapp.contests.models import Contest, Event, Round
from contestapp.contests.signals import member_removed
from contestapp.extensions import db
from contestapp.i18n import N_, Message, stored
from contestapp.judging.common import EDITABLE, judge_code
from contestapp.judging.models import VOID_STATUS, Assignment, JudgeCard, ScoreSheet, SheetRequest, SheetStatus


# Contests whose area takes back its own sheets (merit, craftsman receive the same signal); their assignments and
# cards still end here.
OWN_RECEIVERS = ("merit", "points", "craftsman")


@member_removed.connect
def judge_removed(contest: Contest, user=None, role: str = "", actor=None, **_kw) -> Message | None:
    """Receiver of `member_removed` (runs in the caller's transaction, never commits): returns the organiser's note."""
    if role != "judge" or user is None:
        return None
    _end_access(contest, user)
    if contest.kind in OWN_RECEIVERS:  # their area takes its sheets back and says so
        return None
    rounds = select(Round.id).join(Event, Event.id == Round.event_id).where(Event.contest_id == contest.id)
    sheets = list(db.session.scalars(select(ScoreSheet).where(
        ScoreSheet.judge_id == user.id, ScoreSheet.round_id.in_(rounds)).order_by(ScoreSheet.id)))
    taken = [s for s in sheets if s.status in EDITABLE]
    submitted = [s for s in sheets if s.status == SheetStatus.SUBMITTED]
    left = Message(N_("%(name)s 已不再担任本竞赛裁判"), name=user.display_name)  # the name as it is now
    for sheet in taken:  # kept, never counted; the request tells the chief judge which entries need a judge
        sheet.status, sheet.version = VOID_STATUS, sheet.version + 1
        db.session.add(SheetRequest(contest_id=contest.id, sheet_id=sheet.id, judge_id=user.id, kind="reassign",
                                    reason=str(left)[:500], reason_detail=stored(left)))
    db.session.flush()
    record(actor, "judge.removed", user, contest_id=contest.id, object_type="User",
           summary=f"{user.display_name} 不再担任裁判：已提交评分表 {len(submitted)} 张保留，"
                   f"未提交评分表 {len(taken)} 张收回待重新分配",
           data={"judge_id": user.id, "kept": [s.id for s in submitted], "taken_back": [s.id for s in taken],
                 "codes": [judge_code(s.entry) for s in taken]})
    if not taken:
        return Message(N_("该裁判已提交的 %(n)s 张评分表保留"), n=len(submitted)) if submitted else None
    return Message(N_("%(n)s 张未提交的评分表已收回，待裁判长重新分配（评分控制台 · 待处理申请）"), n=len(taken))


def _end_access(contest: Contest, user) -> None:
    """Every kind of contest: the person's assignments end and their login cards stop working at once."""
    db.session.execute(delete(Assignment).where(Assignment.contest_id == contest.id, Assignment.judge_id == user.id))
    for card in db.session.scalars(select(JudgeCard).where(
            JudgeCard.contest_id == contest.id, JudgeCard.judge_id == user.id, JudgeCard.revoked_at.is_(None))):
        card.revoked_at = utcnow()
    db.session.flush()
