"""Results workflow: draft -> publicity (公示) -> appeals (申诉/仲裁) -> final snapshot -> reopening and corrections.

Services take the acting user and objects, write the audit log, and never commit (views, CLI and jobs commit).
`end_publicity_if_due(now)` is the scheduled job's entry point; it is idempotent.

When results may become final is a domain rule (contestapp.domain.publicity); once final, nothing of the event
changes (contestapp.contests.finality) until the organiser reopens it with a reason (`reopen`); the changes made then
become official only as a correction version approved by two people, and the final snapshot stays as history.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Optional

from blinker import Namespace
from sqlalchemy import func, select

from contestapp.audit.service import record
from contestapp.auth.models import User
from contestapp.common.db import plain, utcnow
from contestapp.contests.finality import ensure_open
from contestapp.contests.models import Contest, Criterion, Event, Round
from contestapp.domain import publicity as rules
from contestapp.domain.numbers import NumberError, parse_mark
from contestapp.domain.publicity import add_working_days  # noqa: F401  (re-exported: the results area's name)
from contestapp.entrants.models import Entry
from contestapp.extensions import db
from contestapp.common.formatting import local_time
from contestapp.i18n import N_, Message, joined, said, verbatim
from contestapp.judging.models import Decryption, Mark, ScoreSheet
from contestapp.judging.common import round_confirmed
from contestapp.judging.signoff import judged_rounds
from contestapp.results import engine
from contestapp.results.models import Appeal, AppealStatus, EventResultState, ResultSnapshot, SnapshotKind, Stage


_signals = Namespace()

final_snapshot = _signals.signal("final-snapshot")
"""Sent when a final snapshot becomes effective (定稿, or a correction approved by the second person); sender: the
snapshot. The areas above results (awards and titles: `awards.services`) subscribe to it, so that results never
imports them. Receivers run inside the caller's transaction and never commit."""


class ResultsError(ValueError):
    """A workflow step is not possible now. `str()` is the Chinese message; a page shows it in the reader's language
    with `tr(exc)` (the message is a `Message`: `template` and `params`)."""

    def __init__(self, template: str, **params: Any):
        self.template, self.params = template, params
        super().__init__(Message(template, **params))


# --- state ------------------------------------------------------------------------------------------------------

def state_of(event: Event, create: bool = True) -> EventResultState:
    state = db.session.get(EventResultState, event.id)
    if state is None:
        state = EventResultState(event_id=event.id, stage=Stage.DRAFT, appeal_hours=2, publicity_days=5,
                                 board_enabled=False, public_names=False)
        if create:
            db.session.add(state)
    return state


def appeal_deadline(state: EventResultState) -> Optional[datetime]:
    return rules.appeal_deadline(state.ended_at, state.appeal_hours)


def appeals_close_at(state: EventResultState) -> Optional[datetime]:
    """When appeals stop being accepted (the deadline after the recorded end; without one, the publicity end)."""
    return rules.appeals_close_at(state.ended_at, state.appeal_hours, state.publicity_ends_at)


def appeals_open(state: EventResultState, now: Optional[datetime] = None) -> bool:
    return rules.appeals_open(now or utcnow(), state.stage, appeals_close_at(state))


HOLD_MESSAGES = {
    "draft": N_("尚未发布公示成绩：须先发布，公示期满后才能定稿"),
    "final": N_("成绩已定稿"),
    "reopened": N_("成绩已重新开放：修改须以更正版本提交，经两人批准后生效"),
    "publicity": N_("公示期至 %(until)s 结束，期满后才能定稿"),
    "appeal_window": N_("申诉期至 %(until)s 截止，截止后才能定稿"),
    "appeals_pending": N_("还有 %(n)s 件申诉待仲裁，裁决后才能定稿"),
    "unconfirmed": N_("以下轮次尚未经裁判长确认：%(rounds)s"),
}


def finalise_holds(event: Event, now: Optional[datetime] = None) -> list[tuple[str, dict[str, Any]]]:
    """Why the event's results cannot be finalised now, as (message template, values) pairs; empty when they can."""
    state = state_of(event, create=False)
    unconfirmed = [r.name for r in judged_rounds(event) if not round_confirmed(r.id)]
    holds = rules.finalise_holds(state.stage or Stage.DRAFT, now or utcnow(), state.publicity_ends_at,
                                 appeals_close_at(state), pending_appeals(event), unconfirmed)
    return [(HOLD_MESSAGES[h.code], {k: local_time(v) if isinstance(v, datetime) else v
                                     for k, v in h.params.items()}) for h in holds]


def update_settings(event: Event, actor, *, appeal_hours: int, publicity_days: int, board_enabled: bool,
                    public_names: bool) -> EventResultState:
    if not 0 <= appeal_hours <= 720 or not 1 <= publicity_days <= 60:
        raise ResultsError(N_("申诉时限须在 0–720 小时之间，公示期须在 1–60 个工作日之间"))
    state = state_of(event)
    if (appeal_hours, publicity_days) != (state.appeal_hours, state.publicity_days):
        ensure_open(event)  # the big screen may still be switched on and off; the windows are history
    before = {"appeal_hours": state.appeal_hours, "publicity_days": state.publicity_days,
              "board_enabled": state.board_enabled, "public_names": state.public_names}
    state.appeal_hours, state.publicity_days = appeal_hours, publicity_days
    state.board_enabled, state.public_names = board_enabled, public_names
    record(actor, "results.settings", event, contest_id=event.contest_id, summary=f"{event.name}：成绩设置",
           data={"before": before, "after": {"appeal_hours": appeal_hours, "publicity_days": publicity_days,
                                             "board_enabled": board_enabled, "public_names": public_names}})
    return state


def record_end(event: Event, actor, when: datetime) -> EventResultState:
    """Record the event's end (赛项结束): appeals close `appeal_hours` later."""
    ensure_open(event)
    state = state_of(event)
    state.ended_at = when
    record(actor, "results.event_end", event, contest_id=event.contest_id,
           summary=f"{event.name}：记录赛项结束时间", data={"ended_at": when})
    return state


def is_decrypted(event: Event) -> bool:
    return db.session.scalar(select(Decryption.id).where(Decryption.event_id == event.id)) is not None


def shows_names(event: Event, state: EventResultState) -> bool:
    """Public pages show names only after decryption (解密) and only if the organiser allows it."""
    return bool(state.public_names) and is_decrypted(event)


# --- snapshots --------------------------------------------------------------------------------------------------

def _num(d: Optional[Decimal]) -> Optional[str]:
    return None if d is None else str(d)


def snapshot_data(event: Event, now: datetime) -> dict[str, Any]:
    """The ranking now with every explanation, as JSON; refuses while entries cannot be scored or ties are open.

    Ranks come from the fast engine, explanations from the full engine: their totals must agree (they always
    should; a disagreement stops publication rather than publishing an unexplainable figure)."""
    ranking = engine.ranking(event)
    problems = [Message(N_("%(number)s：%(reason)s"), number=ranking.entries[i].number, reason=said(why))
                for i, why in ranking.unscored.items() if ranking.entries[i].status == "active"]
    if len(problems) > 10:
        raise ResultsError(N_("以下参赛者尚不能计算成绩（缺考请先办理退赛）：%(problems)s 等 %(n)s 人"), sep="；",
                           problems=tuple(problems[:10]), n=len(problems))
    if problems:
        raise ResultsError(N_("以下参赛者尚不能计算成绩（缺考请先办理退赛）：%(problems)s"), sep="；",
                           problems=tuple(problems))
    if ranking.pending:
        raise ResultsError(N_("存在待裁判长裁定的并列名次：%(ties)s"), sep="；",
                           ties=tuple(joined(map(verbatim, tie), sep="、") for tie in ranking.pending))
    if not ranking.ranked:
        raise ResultsError(N_("没有可发布的成绩"))
    full = engine.explain_all(event, ranking.spec)
    rows = []
    for r, info in ranking.rows():
        detail = full.get(info.id)
        if isinstance(detail, str) or detail is None or detail.total != r.total:
            raise ResultsError(N_("%(number)s：成绩明细与排名计算不一致，请联系管理员"), number=info.number)
        rows.append({
            "rank": r.rank, "entry_id": info.id, "number": info.number, "code": info.code, "name": info.name,
            "unit": info.unit, "total": _num(r.total), "time": _num(r.result.time), "vetoed": r.vetoed,
            "passed": r.result.passed, "tied_with": list(r.tied_with), "decision": r.decision,
            "rounds": {code: _num(score) for code, score in r.result.round_scores().items()},
            "explanation": detail.explanation.text(),
        })
    return {
        "contest": {"id": event.contest_id, "code": event.contest.code, "name": event.contest.name},
        "event": {"id": event.id, "code": event.code, "name": event.name},
        "rounds": [{"code": rs.code, "name": rs.name} for rs in ranking.spec.rounds],
        "chain": [k.describe() for k in ranking.spec.chain],
        "computed_at": now.isoformat(),
        "ranking": rows,
        "withdrawn": [{"entry_id": i, "number": ranking.entries[i].number, "reason": str(why)}
                      for i, why in ranking.unscored.items()],
    }


def _new_snapshot(event: Event, kind: str, actor, now: datetime, reason: Optional[str],
                  status: str = "effective") -> ResultSnapshot:
    version = (db.session.scalar(select(func.max(ResultSnapshot.version))
                                 .where(ResultSnapshot.event_id == event.id, ResultSnapshot.kind == kind)) or 0) + 1
    letter = "P" if kind == SnapshotKind.PRELIMINARY else "F"
    snap = ResultSnapshot(event_id=event.id, kind=kind, version=version, status=status,
                          number=f"{event.contest.code}/{event.code}/{letter}{version}",
                          data=snapshot_data(event, now), reason=reason, created_by_id=getattr(actor, "id", None),
                          created_at=now)
    db.session.add(snap)
    db.session.flush()  # the unique (event, kind, version) arbitrates two concurrent publications
    return snap


def snapshots_of(event: Event) -> list[ResultSnapshot]:
    return list(db.session.scalars(select(ResultSnapshot).where(ResultSnapshot.event_id == event.id)
                                   .order_by(ResultSnapshot.kind.desc(), ResultSnapshot.version)))


def _official(event: Event, *columns):
    return (select(*columns).where(ResultSnapshot.event_id == event.id, ResultSnapshot.kind == SnapshotKind.FINAL,
                                   ResultSnapshot.status == "effective")
            .order_by(ResultSnapshot.version.desc()).limit(1))


def official_snapshot(event: Event) -> Optional[ResultSnapshot]:
    """The latest effective final snapshot (the official result), if any."""
    return db.session.scalar(_official(event, ResultSnapshot))


def official_snapshot_id(event: Event) -> Optional[int]:
    """Its id alone (without reading the published ranking, which holds every explanation)."""
    return db.session.scalar(_official(event, ResultSnapshot.id))


def _locked(event: Event) -> Event:
    """The event's row, locked until the transaction ends (PostgreSQL): finalising, reopening and every change
    guarded by contests.finality (which reads the row FOR SHARE) take turns."""
    return db.session.scalar(select(Event).where(Event.id == event.id).with_for_update()) or event


def publish_preliminary(event: Event, actor, now: Optional[datetime] = None) -> ResultSnapshot:
    """Publish preliminary results (成绩公示) for the publicity period (default 5 working days)."""
    now = now or utcnow()
    state = state_of(event)
    if state.stage in (Stage.FINAL, Stage.REOPENED):
        raise ResultsError(N_("成绩已定稿；如需更正请重新开放成绩并提交更正版本"))
    ensure_open(event)
    snap = _new_snapshot(event, SnapshotKind.PRELIMINARY, actor, now, None)
    state.stage = Stage.PUBLICITY
    state.publicity_starts_at = now
    state.publicity_ends_at = add_working_days(now, state.publicity_days)
    record(actor, "results.publish", snap, contest_id=event.contest_id,
           summary=f"{event.name}：发布公示成绩 {snap.number}，公示至 {state.publicity_ends_at:%Y-%m-%d %H:%M} UTC")
    return snap


def finalise(event: Event, actor, now: Optional[datetime] = None) -> ResultSnapshot:
    """Final results (定稿): an immutable, numbered snapshot; awards and titles are applied to it, and nothing of
    the event changes any more (contests.finality) unless it is reopened. Only once publicity is over, no appeal is
    possible or waiting, and every judged round is confirmed (`finalise_holds`)."""
    now = now or utcnow()
    event = _locked(event)
    holds = finalise_holds(event, now)
    if holds:
        template, params = holds[0]
        raise ResultsError(template, **params)
    state = state_of(event)
    snap = _new_snapshot(event, SnapshotKind.FINAL, actor, now, None)
    state.stage = Stage.FINAL
    event.final_at = now
    final_snapshot.send(snap)
    record(actor, "results.finalise", snap, contest_id=event.contest_id, summary=f"{event.name}：成绩定稿 {snap.number}")
    return snap


def end_publicity_if_due(now: Optional[datetime] = None) -> dict[str, list[int]]:
    """For the scheduler: finalise every event whose publicity period has ended, once nothing holds it.

    Idempotent (a finalised event is skipped). Returns {"finalised": [event ids], "waiting": [event ids held by
    appeals (open window or pending), unconfirmed rounds or problems]}; the caller commits."""
    now = now or utcnow()
    out: dict[str, list[int]] = {"finalised": [], "waiting": []}
    states = db.session.scalars(select(EventResultState).where(EventResultState.stage == Stage.PUBLICITY,
                                                              EventResultState.publicity_ends_at <= now))
    for state in list(states):
        event = db.session.get(Event, state.event_id)
        try:
            with db.session.begin_nested():
                finalise(event, None, now)
        except ResultsError:
            out["waiting"].append(event.id)
        else:
            out["finalised"].append(event.id)
    return out


# --- reopening and corrections after final --------------------------------------------------------------------------

def _reason(reason: Optional[str], message: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ResultsError(message)
    return reason[:500]


def _pending_correction(event: Event) -> Optional[ResultSnapshot]:
    return db.session.scalar(select(ResultSnapshot).where(ResultSnapshot.event_id == event.id,
                                                          ResultSnapshot.status == "pending"))


def reopen(event: Event, reason: str, actor, now: Optional[datetime] = None) -> EventResultState:
    """Reopen final results for a correction (重新开放): the organiser gives a reason, the audit log keeps it, and the
    official snapshot stays the official result (and history) until a correction version is approved."""
    now = now or utcnow()
    reason = _reason(reason, N_("请填写重新开放的原因（至少 4 个字）"))
    event = _locked(event)
    state = state_of(event)
    if state.stage != Stage.FINAL:
        raise ResultsError(N_("只有已定稿的成绩才需要重新开放"))
    official = official_snapshot(event)
    state.stage = Stage.REOPENED
    event.final_at = None
    record(actor, "results.reopen", event, contest_id=event.contest_id,
           summary=f"{event.name}：重新开放已定稿成绩（现行 {official.number if official else '无'}）：{reason}",
           data={"reason": reason, "official": official.number if official else None, "at": now})
    return state


def correct_marks(event: Event, changes: list[tuple[Mark, Decimal]], reason: str, actor) -> list[dict]:
    """Change submitted marks while the results are reopened (each change with the reason, old values kept in the
    audit log); they count once a correction version is approved."""
    reason = _reason(reason, N_("请填写更正原因（至少 4 个字）"))
    if state_of(event).stage != Stage.REOPENED:
        raise ResultsError(N_("须先重新开放成绩，才能更正评分"))
    if not changes:
        raise ResultsError(N_("请填写要更正的评分"))
    done = []
    for row, (mark, value) in enumerate(changes):
        try:
            done.append(change_mark(mark, value, f"更正：{reason}", actor))
        except ResultsError as exc:
            exc.row = row  # the picker shows the message on the refused row
            raise
    return done


def propose_correction(event: Event, reason: str, actor, now: Optional[datetime] = None) -> ResultSnapshot:
    """A new final version computed from the raw marks now, pending the approval of two people."""
    now = now or utcnow()
    reason = _reason(reason, N_("请填写更正原因（至少 4 个字）"))
    stage = state_of(event).stage
    if stage not in (Stage.FINAL, Stage.REOPENED):
        raise ResultsError(N_("成绩尚未定稿；定稿前的修改通过申诉仲裁完成"))
    if stage == Stage.FINAL:
        raise ResultsError(N_("已定稿的成绩不能修改：请先填写理由重新开放成绩，修改后再提出更正版本"))
    if _pending_correction(event):
        raise ResultsError(N_("已有一个待审批的更正版本"))
    snap = _new_snapshot(event, SnapshotKind.FINAL, actor, now, reason, status="pending")
    record(actor, "results.correction", snap, contest_id=event.contest_id,
           summary=f"{event.name}：提出成绩更正 {snap.number}：{reason}")
    return snap


def approve_correction(snap: ResultSnapshot, approver, now: Optional[datetime] = None) -> ResultSnapshot:
    """Record one approval; the second approval by a different person (neither the proposer) makes it effective,
    and the results are final again."""
    now = now or utcnow()
    if snap.status != "pending":
        raise ResultsError(N_("该版本不是待审批状态"))
    if approver.id == snap.created_by_id:
        raise ResultsError(N_("提出更正的人不能批准自己的更正"))
    if approver.id == snap.approved_by_1_id:
        raise ResultsError(N_("您已批准过；须另一人批准"))
    event = snap.event
    if snap.approved_by_1_id is None:
        snap.approved_by_1_id = approver.id
        record(approver, "results.correction_approve", snap, contest_id=event.contest_id,
               summary=f"{event.name}：第一人批准更正 {snap.number}")
        return snap
    event = _locked(event)
    snap.approved_by_2_id = approver.id
    snap.approved_at = now
    snap.status = "effective"
    state_of(event).stage = Stage.FINAL
    event.final_at = now
    db.session.flush()
    final_snapshot.send(snap)
    record(approver, "results.correction_approve", snap, contest_id=event.contest_id,
           summary=f"{event.name}：第二人批准，更正 {snap.number} 生效，成绩重新定稿")
    return snap


def reject_correction(snap: ResultSnapshot, actor) -> ResultSnapshot:
    """Refuse a pending correction; the results stay reopened (a new correction may be proposed)."""
    if snap.status != "pending":
        raise ResultsError(N_("该版本不是待审批状态"))
    snap.status = "rejected"
    record(actor, "results.correction_reject", snap, contest_id=snap.event.contest_id,
           summary=f"否决更正 {snap.number}")
    return snap


# --- appeals ----------------------------------------------------------------------------------------------------

def pending_appeals(event: Event) -> int:
    return db.session.scalar(select(func.count(Appeal.id)).where(Appeal.event_id == event.id,
                                                                 Appeal.status == AppealStatus.PENDING)) or 0


def lodge_appeal(event: Event, entry: Optional[Entry], appellant: str, text: str, actor,
                 lodged_at: Optional[datetime] = None) -> Appeal:
    """Record a written appeal; refused once the window has closed (default 2 hours after the event's recorded end;
    without a recorded end, the end of publicity) and once the results are final."""
    lodged_at = lodged_at or utcnow()
    appellant, text = (appellant or "").strip(), (text or "").strip()
    if not appellant or not text:
        raise ResultsError(N_("请填写申诉人和申诉内容"))
    if entry is not None and entry.event_id != event.id:
        raise ResultsError(N_("该参赛者不在本赛项"))
    state = state_of(event)
    if state.stage in (Stage.FINAL, Stage.REOPENED):
        raise ResultsError(N_("成绩已定稿，不再受理申诉"))
    ensure_open(event)
    if not appeals_open(state, lodged_at):
        if appeal_deadline(state) is not None:
            raise ResultsError(N_("申诉已超过时限（赛项结束后 %(hours)s 小时内提出），不予受理"), hours=state.appeal_hours)
        raise ResultsError(N_("公示期已结束，不再受理申诉"))
    appeal = Appeal(event_id=event.id, entry_id=entry.id if entry else None, appellant=appellant[:200], text=text,
                    lodged_at=lodged_at, recorded_by_id=getattr(actor, "id", None), status=AppealStatus.PENDING)
    db.session.add(appeal)
    db.session.flush()
    record(actor, "appeal.lodge", appeal, contest_id=event.contest_id,
           summary=f"{event.name}：收到 {appellant} 的申诉")
    return appeal


def change_mark(mark: Mark, new_value: Decimal, reason: str, actor, *, appeal: Optional[Appeal] = None) -> dict:
    """Change one submitted mark (an arbitration ruling, or a correction while reopened); the old value stays in the
    audit log."""
    sheet = mark.sheet
    criterion: Criterion = mark.criterion
    rnd: Round = sheet.round
    ensure_open(rnd.event)
    spec = engine.event_spec(rnd.event).round(rnd.code).criterion(criterion.code)
    why = spec.check_mark(new_value)
    if why:
        raise ResultsError(N_("%(criterion)s：%(reason)s"), criterion=criterion.name, reason=said(why))
    old = mark.value
    change = {"mark_id": mark.id, "entry": sheet.entry.number, "round": rnd.code, "criterion": criterion.code,
              "judge": sheet.judge.username, "old": str(plain(old)), "new": str(plain(new_value)), "reason": reason}
    mark.value = new_value
    sheet.version += 1
    record(actor, "mark.change", mark, contest_id=rnd.event.contest_id,
           summary=f"{sheet.entry.number} {criterion.name} {change['judge']}：{change['old']} → {change['new']}（{reason}）",
           data={**change, "appeal_id": appeal.id if appeal else None})
    return change


def decide_appeal(appeal: Appeal, upheld: bool, decision: str, arbitrator,
                  changes: list[tuple[Mark, Decimal]] = (), now: Optional[datetime] = None) -> Appeal:
    """The arbitration group's ruling, final; an upheld appeal may change marks (old values kept in the audit)."""
    now = now or utcnow()
    decision = (decision or "").strip()
    if appeal.status != AppealStatus.PENDING:
        raise ResultsError(N_("该申诉已裁决"))
    if not decision:
        raise ResultsError(N_("请填写仲裁决定及理由"))
    if changes and not upheld:
        raise ResultsError(N_("驳回的申诉不能修改评分"))
    ensure_open(appeal.event)
    done = []
    for row, (mark, value) in enumerate(changes):
        if mark.sheet.round.event_id != appeal.event_id:
            raise ResultsError(N_("只能修改本赛项的评分"))
        try:
            done.append(change_mark(mark, value, f"仲裁：{decision}", arbitrator, appeal=appeal))
        except ResultsError as exc:
            exc.row = row  # the picker shows the message on the refused row
            raise
    appeal.status = AppealStatus.UPHELD if upheld else AppealStatus.REJECTED
    appeal.decision = decision
    appeal.decided_by_id = arbitrator.id
    appeal.decided_at = now
    appeal.changes = done or None
    record(arbitrator, "appeal.decide", appeal, contest_id=appeal.event.contest_id,
           summary=f"仲裁：{appeal.status_label}（{decision}）", data={"changes": done})
    return appeal


def find_mark(event: Event, entry: Entry, round_code: str, criterion_code: str, judge_username: str) -> Mark:
    mark = db.session.scalar(
        select(Mark).join(ScoreSheet, ScoreSheet.id == Mark.sheet_id).join(Round, Round.id == ScoreSheet.round_id)
        .join(Criterion, Criterion.id == Mark.criterion_id).join(User, User.id == ScoreSheet.judge_id)
        .where(Round.event_id == event.id, ScoreSheet.entry_id == entry.id, Round.code == round_code,
               Criterion.code == criterion_code, User.username == judge_username))
    if mark is None:
        raise ResultsError(N_("找不到评分：%(entry)s 的 %(target)s 没有裁判 %(judge)s 提交的分数"), entry=entry.number,
                           target=f"{round_code}.{criterion_code}", judge=judge_username)
    return mark


CHANGE_FORMATS = {  # with the entry given (an appeal's) / without
    True: N_("评分修改格式：每行 轮次.评分项 裁判账号 新分数，例如 practical.m1 judge3 27.5"),
    False: N_("评分修改格式：每行 参赛编号 轮次.评分项 裁判账号 新分数，例如 electrician-0001 practical.m1 judge3 27.5"),
}


def mark_change(event: Event, entry: Entry | str, target: str, judge: str, raw: Any) -> tuple[Mark, Decimal]:
    """One mark change as the text format and the correction picker both give it: the entry (an Entry of the event,
    or its number or code), `round.criterion`, the judge's account and the new value as typed (read by
    `domain.numbers.parse_mark`). The value's range is checked by `change_mark` (the criterion's own rule)."""
    who = entry
    if not isinstance(who, Entry):
        ref = (entry or "").strip()
        who = db.session.scalar(select(Entry).where(Entry.event_id == event.id,
                                                    (Entry.number == ref) | (Entry.code == ref))) if ref else None
        if who is None:
            raise ResultsError(N_("找不到参赛编号或加密号 %(entry)s"), entry=ref or "—")
    elif who.event_id != event.id:
        raise ResultsError(N_("只能修改本赛项的评分"))
    try:
        value = parse_mark(raw)
    except NumberError:
        raise ResultsError(N_("%(entry)s %(target)s 裁判 %(judge)s：新分数须为数字，例如 27.5"),
                           entry=who.number, target=target, judge=judge) from None
    round_code, _dot, criterion_code = (target or "").partition(".")
    return find_mark(event, who, round_code, criterion_code, judge), value


def parse_mark_changes(event: Event, text: str, entry: Optional[Entry] = None) -> list[tuple[Mark, Decimal]]:
    """Mark changes typed one per line: `round.criterion judge value` for the given entry (an appeal's), or
    `entry round.criterion judge value` (the entry by number or code) when none is given."""
    bad_format = ResultsError(CHANGE_FORMATS[entry is not None])
    changes = []
    for line in (text or "").splitlines():
        parts = line.split()
        if not parts:
            continue
        if len(parts) != (3 if entry is not None else 4):
            raise bad_format
        who = entry if entry is not None else parts.pop(0)
        target, judge, raw = parts
        changes.append(mark_change(event, who, target, judge, raw))
    return changes


def event_of(contest: Contest, ref: str | int) -> Event:
    for e in contest.events:
        if e.code == str(ref) or str(e.id) == str(ref) or e.name == str(ref):
            return e
    raise ResultsError(N_("找不到赛项 %(event)s"), event=ref)
