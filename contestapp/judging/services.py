"""Judging rules: lot drawing, login cards, assignments and recusal, marks, sign-off, return, confirmation,
decryption and tie decisions. Services take the acting user and objects, raise JudgingError, and never commit.

Anonymity: nothing in `judge_*` functions reads an entrant's name, unit, ID number or phone; judges know an entry by
its code only (the second-level code when the draw had two levels).
"""
from __future__ import annotations

import csv
import fcntl
import hashlib
import io
import json
import os
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, NamedTuple
from zoneinfo import ZoneInfo

from flask import has_request_context, request
from sqlalchemy import (
    Text, and_, bindparam, cast, delete, event, exists, func, literal_column, or_, select, update)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contestapp.audit.models import AuditEntry
from contestapp.audit.service import record
from contestapp.auth import throttle
from contestapp.auth.models import Organisation, User
from contestapp.auth.services import LoginError
from contestapp.common.db import Fixed, plain, sqlite_file, utcnow
from contestapp.contests.finality import ensure_open, ensure_rounds_open, is_final
from contestapp.contests.models import Contest, ContestMember, Criterion, Event, Round
from contestapp.contests.signals import member_added
from contestapp.domain import draw_lots, new_seed
from contestapp.domain.recusal import Affiliation, unit_key
from contestapp.domain.types import Choice, CriterionSpec, SpecError
from contestapp.entrants.models import Entrant, Entry, EntryStatus, Unit
from contestapp.extensions import db
from contestapp.i18n import N_
from contestapp.judging.models import (
    VOID_STATUS, Assignment, Decryption, JudgeCard, LotDraw, Mark, MarkWrite, Recusal, RoundConfirmation,
    ScoreSheet, SheetStatus, TieDecision)

EDITABLE = (SheetStatus.DRAFT.value, SheetStatus.RETURNED.value)
OPTIONAL_KINDS = ("bonus", "veto")  # exception-only: no mark means no bonus / no veto
CARD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0, 1


class JudgingError(Exception):
    """A refused action: `code` for the API, `message` in Chinese, `status` the HTTP status."""

    def __init__(self, code: str, message: str, status: int = 422, detail: Any = None):
        super().__init__(message)
        self.code, self.message, self.status, self.detail = code, message, status, detail


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(plain(value), "f")


def local_today() -> date:
    from flask import current_app

    return datetime.now(ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))).date()


# --- lot drawing --------------------------------------------------------------------------------------------------

def _marks_exist(event: Event) -> bool:
    return bool(db.session.scalar(select(exists().where(
        Mark.sheet_id == ScoreSheet.id, ScoreSheet.round_id == Round.id, Round.event_id == event.id))))


def _active_entries(event: Event) -> list[Entry]:
    return list(db.session.scalars(select(Entry).where(
        Entry.event_id == event.id, Entry.status == EntryStatus.ACTIVE).order_by(Entry.id)))


def _clear_codes(event: Event) -> None:
    db.session.execute(update(Entry).where(Entry.event_id == event.id).values(workstation=None, code=None, code2=None))
    db.session.flush()


def draw_event(event: Event, actor, levels: int = 1, workstations: int | None = None,
               seed: int | None = None, witnesses: str = "") -> LotDraw:
    """Draw workstation numbers and codes for every active entry with a recorded seed (same seed, same draw)."""
    ensure_open(event)
    if _marks_exist(event):
        raise JudgingError("marks_exist", N_("该赛项已有评分，不能重新抽签"), 409)
    entries = _active_entries(event)
    if not entries:
        raise JudgingError("no_entries", N_("该赛项没有参赛者，无法抽签"))
    seed = new_seed() if seed is None else seed
    try:
        drawn = draw_lots([str(e.id) for e in entries], seed, levels, workstations)
    except ValueError as exc:
        raise JudgingError("bad_draw", str(exc)) from None
    _clear_codes(event)
    by_id = {str(e.id): e for e in entries}
    lots = []
    for lot in drawn.lots:
        entry = by_id[lot.entry]
        entry.workstation, entry.code, entry.code2 = lot.workstation, lot.code, lot.code2
        lots.append({"entry_id": entry.id, "workstation": lot.workstation, "code": lot.code, "code2": lot.code2})
    draw = LotDraw(event_id=event.id, method="seeded", seed=str(seed), levels=levels, workstations=workstations,
                   lots=lots, drawn_by_id=getattr(actor, "id", None), witnesses=witnesses or None)
    db.session.add(draw)
    db.session.flush()
    record(actor, "draw.seeded", draw, contest_id=event.contest_id,
           summary=f"{event.name} 抽签：{len(lots)} 人，{levels} 级加密，种子 {seed}",
           data={"event_id": event.id, "seed": str(seed), "levels": levels, "workstations": workstations})
    _sheets_after_draw(event)
    return draw


def verify_draw(draw: LotDraw, event: Event) -> bool:
    """Redo a seeded draw from its seed and the same entries: it must give the recorded lots."""
    if draw.method != "seeded":
        return False
    again = draw_lots([str(lot["entry_id"]) for lot in draw.lots], int(draw.seed), draw.levels, draw.workstations)
    return [(int(x.entry), x.workstation, x.code, x.code2) for x in again.lots] == [
        (lot["entry_id"], lot["workstation"], lot["code"], lot["code2"]) for lot in draw.lots]


MANUAL_COLUMNS = ("参赛编号", "工位号", "加密号", "二次加密号")


def read_manual_draw(content: bytes) -> list[dict[str, str]]:
    """Rows of a hand-drawn lots file (CSV, UTF-8): 参赛编号, 工位号, 加密号[, 二次加密号]."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise JudgingError("bad_file", N_("文件须为 UTF-8 编码的 CSV")) from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or [h.strip() for h in rows[0][:3]] != list(MANUAL_COLUMNS[:3]):
        raise JudgingError("bad_file", N_("第一行须为表头：参赛编号,工位号,加密号[,二次加密号]"))
    header = [h.strip() for h in rows[0]]
    return [dict(zip(header, (c.strip() for c in r))) for r in rows[1:] if any(c.strip() for c in r)]


def import_manual_draw(event: Event, rows: list[dict[str, str]], actor) -> LotDraw:
    """Numbers drawn by hand: all rows must be right, or nothing is imported (problems listed by row)."""
    ensure_open(event)
    if _marks_exist(event):
        raise JudgingError("marks_exist", N_("该赛项已有评分，不能重新抽签"), 409)
    entries = {e.number: e for e in _active_entries(event)}
    problems: list[str] = []
    seen: dict[str, set] = defaultdict(set)
    plan = []
    levels = 2 if any(r.get("二次加密号") for r in rows) else 1
    for i, row in enumerate(rows, start=2):
        number = row.get("参赛编号", "")
        entry = entries.get(number)
        if entry is None:
            problems.append(f"第 {i} 行：参赛编号 {number} 不在该赛项")
            continue
        try:
            station = int(row.get("工位号", ""))
            assert station > 0
        except (ValueError, AssertionError):
            problems.append(f"第 {i} 行：工位号须为正整数")
            continue
        code, code2 = row.get("加密号", ""), row.get("二次加密号") or None
        if not code:
            problems.append(f"第 {i} 行：加密号必填")
        if levels == 2 and not code2:
            problems.append(f"第 {i} 行：二次加密号必填（其他行已填写）")
        if code and code in (number, str(station)):
            problems.append(f"第 {i} 行：加密号不能与参赛编号或工位号相同")
        for field, value in (("参赛编号", number), ("工位号", station), ("加密号", code), ("二次加密号", code2)):
            if value and value in seen[field]:
                problems.append(f"第 {i} 行：{field} {value} 重复")
            seen[field].add(value)
        if code and code2 and code == code2:
            problems.append(f"第 {i} 行：两级加密号不能相同")
        plan.append((entry, station, code, code2))
    missing = set(entries) - seen["参赛编号"]
    if missing:
        problems.append(f"以下参赛编号未抽签：{'、'.join(sorted(missing))}")
    if problems:
        raise JudgingError("bad_rows", f"{len(problems)} 个问题，未导入任何内容", detail=problems)
    _clear_codes(event)
    lots = []
    for entry, station, code, code2 in plan:
        entry.workstation, entry.code, entry.code2 = station, code, code2
        lots.append({"entry_id": entry.id, "workstation": station, "code": code, "code2": code2})
    lots.sort(key=lambda lot: lot["workstation"])
    draw = LotDraw(event_id=event.id, method="manual", seed=None, levels=levels, lots=lots,
                   drawn_by_id=getattr(actor, "id", None))
    db.session.add(draw)
    db.session.flush()
    record(actor, "draw.manual", draw, contest_id=event.contest_id,
           summary=f"{event.name} 导入人工抽签结果：{len(lots)} 人", data={"event_id": event.id})
    _sheets_after_draw(event)
    return draw


def _sheets_after_draw(event: Event) -> None:
    """Judges assigned before the draw get their sheets as soon as the entries have codes (not only when they
    next open the tablet): the chief judge's matrix and the paper sheets show them at once."""
    for rnd in event.rounds:
        ensure_sheets(rnd)


def latest_draw(event: Event) -> LotDraw | None:
    return db.session.scalar(select(LotDraw).where(LotDraw.event_id == event.id).order_by(LotDraw.id.desc()).limit(1))


def judge_code(entry: Entry) -> str | None:
    """The code judges see: the second-level code when there is one."""
    return entry.code2 or entry.code


# --- login cards --------------------------------------------------------------------------------------------------

class CardLoginError(LoginError):
    """A refused card login (same shape as a refused password login)."""


def _new_card_code() -> str:
    while True:
        code = "".join(secrets.choice(CARD_ALPHABET) for _ in range(8))
        if db.session.scalar(select(JudgeCard.id).where(JudgeCard.code == code)) is None:
            return code


def issue_card(contest: Contest, judge: User, actor, valid_from: date | None = None,
               valid_until: date | None = None) -> JudgeCard:
    """A new card for `judge`, valid on the contest days; the judge's earlier cards for the contest are revoked."""
    if judge.role != "judge":
        raise JudgingError("not_judge", N_("只能为裁判制作登录卡"))
    start = valid_from or contest.starts_on or local_today()
    until = valid_until or contest.ends_on or start
    if until < start:
        raise JudgingError("bad_dates", N_("有效期结束日期不能早于开始日期"))
    for old in db.session.scalars(select(JudgeCard).where(
            JudgeCard.contest_id == contest.id, JudgeCard.judge_id == judge.id, JudgeCard.revoked_at.is_(None))):
        old.revoked_at = utcnow()
        record(actor, "card.revoke", old, contest_id=contest.id, summary=f"补发时作废 {judge.display_name} 的登录卡")
    # no PIN is stored: card.pin derives it from SECRET_KEY and the code (models.card_pin)
    card = JudgeCard(contest_id=contest.id, judge_id=judge.id, code=_new_card_code(), valid_from=start,
                     valid_until=until, issued_by_id=getattr(actor, "id", None))
    db.session.add(card)
    db.session.flush()
    record(actor, "card.issue", card, contest_id=contest.id,
           summary=f"为 {judge.display_name} 制作登录卡（{start} 至 {until} 有效）")
    return card


def revoke_card(card: JudgeCard, actor) -> None:
    if card.revoked_at is None:
        card.revoked_at = utcnow()
        record(actor, "card.revoke", card, contest_id=card.contest_id, summary=f"作废 {card.judge.display_name} 的登录卡")


def card_valid(card: JudgeCard | None, today: date | None = None) -> bool:
    today = today or local_today()
    return bool(card and card.revoked_at is None and card.valid_from <= today <= card.valid_until
                and card.judge.active)


def card_login(code: str, pin: str, address: str) -> JudgeCard:
    """The card for this code and PIN if it may log in now; failures are throttled per card and per address, as
    password logins are (contestapp.auth.throttle)."""
    code = code.strip().upper().replace("-", "").replace(" ", "")
    key = f"card:{code}"[:80]
    try:
        throttle.check(key, address)
    except throttle.Throttled as exc:
        raise CardLoginError(exc.template, **exc.params) from None
    card = db.session.scalar(select(JudgeCard).where(JudgeCard.code == code))
    # bytes, not str: compare_digest refuses non-ASCII text (a full-width digit typed on a tablet) with a TypeError
    if card is None or not secrets.compare_digest(card.pin.encode(), pin.strip().encode()):
        throttle.failed(key, address)
        raise CardLoginError(N_("登录卡号或 PIN 码错误"))
    if card.revoked_at is not None:
        raise CardLoginError(N_("该登录卡已作废，请向组织者领取新卡"))
    if not card_valid(card):
        raise CardLoginError(N_("该登录卡仅在 %(start)s 至 %(end)s 有效"), start=card.valid_from, end=card.valid_until)
    card.last_used_at = utcnow()
    throttle.succeeded(key)
    record(card.judge, "card.login", card, contest_id=card.contest_id, summary="使用登录卡登录")
    return card


# --- assignments and recusal --------------------------------------------------------------------------------------


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
        raise JudgingError("not_judge", f"{judge.display_name} 不是裁判账号")
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
            raise JudgingError("bad_criteria", f"{rnd.name} 中没有所选评分项")
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
    return out


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
    from contestapp.contests.definition import DefinitionFileError, spec_of

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
        _insert_ignore(ScoreSheet.__table__, missing, ["entry_id", "round_id", "judge_id"])


def _insert_ignore(table, rows: list[dict], keys: list[str]) -> None:
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(insert(table).on_conflict_do_nothing(index_elements=keys), rows)


def declare_conflict(judge: User, entry: Entry, reason: str, actor) -> Recusal:
    """A declared conflict (回避): the judge's sheets for the entry are voided (kept, never counted)."""
    reason = (reason or "").strip()
    if not reason:
        raise JudgingError("reason_required", N_("请填写回避理由"))
    rec = db.session.scalar(select(Recusal).where(Recusal.judge_id == judge.id, Recusal.entry_id == entry.id))
    if rec is not None:
        return rec
    ensure_open(entry.event)
    rec = Recusal(contest_id=entry.event.contest_id, judge_id=judge.id, entry_id=entry.id, source="declared",
                  reason=reason[:500])
    db.session.add(rec)
    for sheet in db.session.scalars(select(ScoreSheet).where(ScoreSheet.judge_id == judge.id,
                                                             ScoreSheet.entry_id == entry.id)):
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


# --- criteria as the domain sees them -------------------------------------------------------------------------------

def criterion_spec(c: Criterion) -> CriterionSpec:
    rules = c.rules or {}
    choices = tuple(Choice(str(x["label"]), Decimal(str(x["value"]))) for x in rules.get("choices", ()))
    per = rules.get("deduction_per")
    return CriterionSpec(code=c.code, name=c.name, kind=c.kind, max=c.max, min=c.min, step=c.step,
                         deduction_per=Decimal(str(per)) if per is not None else None, choices=choices)


def criterion_json(c: Criterion, reasons: dict[str, tuple[bool, bool]] | None = None) -> dict[str, Any]:
    """`reasons`: criterion code -> (a non-zero mark needs a reason, it needs a document number) in a merit contest
    (see `reason_rules`); other contests need neither."""
    rules = c.rules or {}
    need_note, need_doc = (reasons or {}).get(c.code, (False, False))
    return {"id": c.id, "code": c.code, "name": c.name, "kind": c.kind, "max": _text(c.max), "min": _text(c.min),
            "step": _text(c.step), "deduction_per": _text(Decimal(str(rules["deduction_per"])))
            if rules.get("deduction_per") is not None else None,
            "choices": [{"label": x["label"], "value": _text(Decimal(str(x["value"])))}
                        for x in rules.get("choices", ())],
            "note_required": need_note, "document_required": need_doc}


# --- reasons of deductions in merit contests (merit_mark_notes) --------------------------------------------------

NOTE_KINDS = ("merit", "points")  # contests whose every deduction, bonus and veto must say why, on the tablet too


def contest_kind(contest_id: int) -> str | None:
    return db.session.scalar(select(Contest.kind).where(Contest.id == contest_id))


def reason_rules(rnd: Round) -> dict[str, tuple[bool, bool]]:
    """criterion code -> (a non-zero mark needs a reason, it needs a document number) for a merit/points round, from
    the merit rule `merit.services.note_required` (asked with a non-zero value); {} for other contests."""
    contest = rnd.event.contest
    if contest.kind not in NOTE_KINDS:
        return {}
    from contestapp.merit.services import criterion_specs, note_required

    rspec = criterion_specs(contest, rnd)
    return {spec.code: note_required(spec, Decimal(1), contest.kind) for spec in rspec.criteria}


def notes_by_sheet(sheet_ids: list[int]) -> dict[int, dict[str, dict[str, str | None]]]:
    """sheet id -> {criterion id (text): {"note", "document_no"}}."""
    from contestapp.merit.models import MarkNote

    out: dict[int, dict[str, dict[str, str | None]]] = defaultdict(dict)
    if sheet_ids:
        for sid, cid, note, doc in db.session.execute(select(
                MarkNote.sheet_id, MarkNote.criterion_id, MarkNote.note, MarkNote.document_no).where(
                MarkNote.sheet_id.in_(sheet_ids))):
            out[sid][str(cid)] = {"note": note, "document_no": doc}
    return out


def parse_notes(ctx: SheetContext, payload: dict) -> dict[int, tuple[str | None, str | None]]:
    """criterion id -> (note, document_no) sent with the marks (None: not sent, keep what is stored). Checked:
    text, note at most 500 characters, document number at most 100. Only asked of merit/points contests."""
    out: dict[int, tuple[str | None, str | None]] = {}
    problems = []
    names = {c.id: c.name for c in ctx.criteria}
    for item in payload["marks"]:
        if not isinstance(item, dict) or ("note" not in item and "document_no" not in item):
            continue
        cid = item.get("criterion_id")
        note, doc = item.get("note"), item.get("document_no")
        if (note is not None and not isinstance(note, str)) or (doc is not None and not isinstance(doc, str)):
            problems.append({"criterion_id": cid, "message": f"{names.get(cid, cid)}：原因和文号须为文字"})
            continue
        note = note.strip() if note is not None else None
        doc = doc.strip() if doc is not None else None
        if (note and len(note) > 500) or (doc and len(doc) > 100):
            problems.append({"criterion_id": cid,
                             "message": f"{names.get(cid, cid)}：说明过长（原因最多 500 字，文号最多 100 字）"})
            continue
        out[cid] = (note, doc)
    if problems:
        raise JudgingError("invalid_note", problems[0]["message"], 422, detail=problems)
    return out


def _write_notes(ctx: SheetContext, sent: dict[int, tuple[str | None, str | None]]) -> list[dict[str, Any]]:
    """Upsert / delete the sheet's notes (an empty note deletes it); the changes (old -> new) for the audit row."""
    from contestapp.merit.models import MarkNote

    table = MarkNote.__table__
    conn = db.session.connection()
    old = {cid: (note, doc) for cid, note, doc in conn.execute(select(
        table.c.criterion_id, table.c.note, table.c.document_no).where(table.c.sheet_id == ctx.id))}
    code = {c.id: c.code for c in ctx.criteria}
    changes = []
    for cid, (note, doc) in sent.items():
        before = old.get(cid)
        if note is None:  # only the document number sent: keep the stored note
            note = before[0] if before else ""
        if doc is None:
            doc = before[1] if before else None
        doc = doc or None
        after = (note, doc) if note else None
        if after == before:
            continue
        if after is None:
            conn.execute(delete(table).where(table.c.sheet_id == ctx.id, table.c.criterion_id == cid))
        elif before is None:
            conn.execute(table.insert().values(sheet_id=ctx.id, criterion_id=cid, note=note, document_no=doc))
        else:
            conn.execute(update(table).where(table.c.sheet_id == ctx.id, table.c.criterion_id == cid)
                         .values(note=note, document_no=doc))
        changes.append({"criterion": code[cid], "old_note": before[0] if before else None,
                        "new_note": after[0] if after else None,
                        "old_document_no": before[1] if before else None,
                        "new_document_no": after[1] if after else None})
    return changes


def assigned_criteria(rnd_criteria: list[Criterion], assignment_criteria: list | None) -> list[Criterion]:
    return [c for c in rnd_criteria if not assignment_criteria or c.code in assignment_criteria]


def sheet_total(criteria: list[Criterion], values: dict[int, Decimal]) -> Decimal:
    """The running total the tablet shows: points of scored criteria (deductions off their maximum) and bonuses."""
    total = Decimal(0)
    for c in criteria:
        v = values.get(c.id)
        if v is None:
            continue
        if c.kind in ("measurement", "judgement", "bonus"):
            total += v
        elif c.kind == "deduction":
            per = (c.rules or {}).get("deduction_per")
            deducted = v * Decimal(str(per)) if per is not None else v
            total += max(c.min, c.max - deducted)
    return total


# --- the judge's view (codes only) ---------------------------------------------------------------------------------

def sheet_state(sheet: ScoreSheet, marks: dict[int, Decimal], required: list[Criterion]) -> str:
    if sheet.status == SheetStatus.SUBMITTED:
        return "submitted"
    if sheet.status == SheetStatus.RETURNED:
        return "returned"
    if sheet.status == VOID_STATUS:
        return VOID_STATUS
    return "draft" if marks else "not_started"


def judge_assignments(judge: User) -> list[dict[str, Any]]:
    """Everything a judge's tablet needs, by code only: rounds, their criteria, and the judge's sheets."""
    assignments = list(db.session.scalars(select(Assignment).where(Assignment.judge_id == judge.id)
                                          .order_by(Assignment.round_id)))
    out = []
    for a in assignments:
        rnd = a.round
        ensure_sheets(rnd)
        criteria = assigned_criteria(list(rnd.criteria), a.criteria)
        confirmed = db.session.scalar(select(RoundConfirmation.id).where(RoundConfirmation.round_id == rnd.id))
        sheets = db.session.execute(select(ScoreSheet, Entry.code, Entry.code2).join(
            Entry, ScoreSheet.entry_id == Entry.id).where(
            ScoreSheet.judge_id == judge.id, ScoreSheet.round_id == rnd.id,
            ScoreSheet.status != VOID_STATUS).order_by(func.coalesce(Entry.code2, Entry.code))).all()
        marks = _marks_by_sheet([s.id for s, _, _ in sheets])
        reasons = reason_rules(rnd)
        notes = notes_by_sheet([s.id for s, _, _ in sheets]) if reasons else {}
        entries = []
        for sheet, code, code2 in sheets:
            values = marks.get(sheet.id, {})
            entries.append(_sheet_json(sheet, code2 or code, criteria, values, include_marks=True))
            if reasons:
                entries[-1]["notes"] = notes.get(sheet.id, {})
        out.append({"round_id": rnd.id, "round": rnd.name, "event": rnd.event.name,
                    "contest": rnd.event.contest.name, "confirmed": confirmed is not None,
                    "criteria": [criterion_json(c, reasons) for c in criteria], "sheets": entries})
    return out


def _marks_by_sheet(sheet_ids: list[int]) -> dict[int, dict[int, Decimal]]:
    out: dict[int, dict[int, Decimal]] = defaultdict(dict)
    if sheet_ids:
        for sid, cid, value in db.session.execute(select(Mark.sheet_id, Mark.criterion_id, Mark.value).where(
                Mark.sheet_id.in_(sheet_ids))):
            out[sid][cid] = value
    return out


def _sheet_json(sheet: ScoreSheet, code: str, criteria: list[Criterion], values: dict[int, Decimal],
                include_marks: bool = True) -> dict[str, Any]:
    filled = sum(1 for c in criteria if c.id in values)
    required = [c for c in criteria if c.kind not in OPTIONAL_KINDS]
    data = {"id": sheet.id, "code": code, "round_id": sheet.round_id, "status": sheet_state(sheet, values, required),
            "version": sheet.version, "returned_reason": sheet.returned_reason if sheet.status == "returned" else None,
            "filled": filled, "required": len(required), "total": _text(sheet_total(criteria, values)),
            "submitted_at": sheet.submitted_at.isoformat() if sheet.submitted_at else None}
    if include_marks:
        data["marks"] = {str(c.id): _text(values[c.id]) for c in criteria if c.id in values}
    return data


class Prepared:
    """A Core statement compiled once per dialect and executed straight on the session's DBAPI connection, inside
    the session's transaction: the SQL and the bind processing (Fixed, UTCDateTime, JSON) are SQLAlchemy's own, but
    its per-execution bookkeeping, which cost more than the database work on the mark save, is skipped (and so are
    engine events: these statements do not appear in SQLAlchemy's echo). Results come back as the driver's rows."""

    def __init__(self, build):
        self.build, self.compiled = build, {}

    def _for(self, dialect):
        hit = self.compiled.get(dialect.name)
        if hit is None:
            compiled = self.build(dialect.name).compile(dialect=dialect)
            processors = compiled._bind_processors
            order = [(k, processors.get(k)) for k in compiled.positiontup] if compiled.positiontup else None
            hit = self.compiled[dialect.name] = (str(compiled), order, processors)
        return hit

    def params(self, dialect, values: dict):
        sql, order, processors = self._for(dialect)
        if order:  # positional (SQLite): the values in order, each through its type's processor if it has one
            return sql, tuple(values[k] if p is None else p(values[k]) for k, p in order)
        return sql, {k: (processors[k](v) if k in processors else v) for k, v in values.items()}

    @staticmethod
    def runner():
        """run(statement, params or [params, ...]) -> DBAPI cursor, on the session's connection and transaction
        (kept in the session until the transaction ends: see `_end_of_transaction`)."""
        session = db.session()
        run = session.info.get("prepared_runner")
        if run is not None:
            return run
        conn = session.connection()
        dialect, dbapi = conn.dialect, conn.connection.dbapi_connection

        def run(stmt: Prepared, values):
            cursor = dbapi.cursor()
            if isinstance(values, list):
                sql = stmt._for(dialect)[0]
                cursor.executemany(sql, [stmt.params(dialect, v)[1] for v in values])
            else:
                sql, params = stmt.params(dialect, values)
                cursor.execute(sql, params)
            return cursor

        session.info["prepared_runner"] = run
        return run


_SHEET_ROW = Prepared(lambda _: (
    select(ScoreSheet.id, ScoreSheet.judge_id, ScoreSheet.round_id, ScoreSheet.entry_id, ScoreSheet.status,
           ScoreSheet.version, Assignment.id.label("assignment_id"), cast(Assignment.criteria, Text).label("assigned"),
           Entry.code, Entry.code2, RoundConfirmation.id.label("confirmed"), Recusal.id.label("recused"),
           Event.contest_id, Round.criteria_version)
    .join(Entry, ScoreSheet.entry_id == Entry.id).join(Event, Entry.event_id == Event.id)
    .join(Round, Round.id == ScoreSheet.round_id)
    .outerjoin(Assignment, and_(Assignment.judge_id == ScoreSheet.judge_id, Assignment.round_id == ScoreSheet.round_id))
    .outerjoin(RoundConfirmation, RoundConfirmation.round_id == ScoreSheet.round_id)
    .outerjoin(Recusal, and_(Recusal.judge_id == ScoreSheet.judge_id, Recusal.entry_id == ScoreSheet.entry_id))
    .where(ScoreSheet.id == bindparam("sheet_id"))
))
# A round's criteria as the database stores them (Fixed columns as their integers, rules as JSON text).
_CT = Criterion.__table__
_CRITERIA_RAW = Prepared(lambda _: (
    select(_CT.c.id, _CT.c.code, _CT.c.name, _CT.c.kind, _CT.c.max, _CT.c.min, _CT.c.step, cast(_CT.c.rules, Text))
    .where(_CT.c.round_id == bindparam("round_id")).order_by(_CT.c.order, _CT.c.id)
))


class CriterionRow(NamedTuple):
    """A criterion as the tablet API needs it (what `select(Criterion.__table__)` gave, without the ORM)."""

    id: int
    code: str
    name: str
    kind: str
    max: Decimal
    min: Decimal
    step: Decimal | None
    rules: dict


_FIXED = Fixed()
_CRITERIA_CACHE: dict[int, tuple[int, list[CriterionRow], dict[int, CriterionSpec]]] = {}


def round_criteria(round_id: int, version: int) -> tuple[list[CriterionRow], dict[int, CriterionSpec]]:
    """A round's criteria in order and their specs by id, parsed (Decimals, rules, CriterionSpec) once per process
    while the round's `criteria_version` (read by the caller; database triggers move it on every change to the
    criteria) stays the one they were read at. The rows are read after the version, so they are at least as new."""
    hit = _CRITERIA_CACHE.get(round_id)
    if hit is not None and hit[0] == version:
        return hit[1], hit[2]
    raw = Prepared.runner()(_CRITERIA_RAW, {"round_id": round_id}).fetchall()
    fixed = _FIXED.process_result_value
    rows = [CriterionRow(cid, code, name, kind, fixed(high, None), fixed(low, None), fixed(step, None),
                         json.loads(rules) if rules else {})
            for cid, code, name, kind, high, low, step, rules in raw]
    specs = {c.id: criterion_spec(c) for c in rows}
    if len(_CRITERIA_CACHE) > 1000:
        _CRITERIA_CACHE.clear()
    _CRITERIA_CACHE[round_id] = (version, rows, specs)
    return rows, specs


@dataclass
class SheetContext:
    """A judge's sheet as the API needs it: plain columns (no ORM object on the hot path)."""

    id: int
    round_id: int
    entry_id: int
    status: str
    version: int
    criteria: list
    code: str
    confirmed: bool
    contest_id: int
    specs: dict | None = None  # CriterionSpec by criterion id

    @property
    def sheet(self) -> ScoreSheet:
        return db.session.get(ScoreSheet, self.id)


def load_sheet_for_judge(sheet_id: int, judge: User) -> SheetContext:
    """The judge's own sheet, or JudgingError: 404 for anyone else's sheet, 403 for a recused entry or a round the
    judge is not assigned to. One Core statement, built once; the criteria are read and parsed again only when the
    round's criteria_version has moved (`round_criteria`)."""
    row = Prepared.runner()(_SHEET_ROW, {"sheet_id": sheet_id}).fetchone()
    if row is None:
        raise JudgingError("not_found", N_("评分表不存在"), 404)
    (sid, judge_id, round_id, entry_id, status, version, assignment_id, assigned, code, code2, confirmed, recused,
     contest_id, criteria_version) = row
    if judge_id != judge.id:
        raise JudgingError("not_found", N_("评分表不存在"), 404)
    if recused is not None or status == VOID_STATUS:
        raise JudgingError("recused", N_("您已回避该参赛者，不能查看或评分"), 403)
    if assignment_id is None:
        raise JudgingError("not_assigned", N_("您未被分配评此轮次"), 403)
    criteria, specs = round_criteria(round_id, criteria_version)
    return SheetContext(sid, round_id, entry_id, status, version,
                        assigned_criteria(criteria, json.loads(assigned) if assigned else None), code2 or code,
                        confirmed is not None, contest_id, specs)


def sheet_for_judge(ctx: SheetContext) -> dict[str, Any]:
    values = _marks_by_sheet([ctx.id]).get(ctx.id, {})
    sheet = ctx.sheet
    data = _sheet_json(sheet, ctx.code, ctx.criteria, values)
    reasons = reason_rules(sheet.round)
    data["criteria"] = [criterion_json(c, reasons) for c in ctx.criteria]
    data["confirmed"] = ctx.confirmed
    if reasons:  # merit / points: each criterion's reason and document number
        data["notes"] = notes_by_sheet([ctx.id]).get(ctx.id, {})
    return data


# --- writing marks (idempotent, the database arbitrates) --------------------------------------------------------

def _digest(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


_QUANTUM = Decimal("0.0001")


def _parse_value(raw: Any) -> Decimal:
    if isinstance(raw, bool) or raw is None:
        raise ValueError
    value = Decimal(str(raw))
    if not value.is_finite() or value != value.quantize(_QUANTUM):
        raise ValueError
    return value


def parse_marks(ctx: SheetContext, payload: Any) -> tuple[int, list[tuple[Criterion, Decimal]]]:
    """(version, [(criterion, value)]) from a request body, each value checked by CriterionSpec.check_mark."""
    if not isinstance(payload, dict) or not isinstance(payload.get("marks"), list):
        raise JudgingError("bad_request", N_("请求格式错误：须包含 version 和 marks"), 400)
    version = payload.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise JudgingError("bad_request", N_("请求须包含评分表版本号 version（整数）"), 400)
    by_id = {c.id: c for c in ctx.criteria}
    specs = ctx.specs or {}
    out: list[tuple[Criterion, Decimal]] = []
    problems = []
    for item in payload["marks"]:
        crit = by_id.get(item.get("criterion_id")) if isinstance(item, dict) else None
        if crit is None:
            problems.append({"criterion_id": item.get("criterion_id") if isinstance(item, dict) else None,
                             "message": N_("评分项不存在或未分配给您")})
            continue
        try:
            value = _parse_value(item.get("value"))
        except (ValueError, InvalidOperation, TypeError):
            problems.append({"criterion_id": crit.id, "message": f"{crit.name}：须为数字（最多 4 位小数）"})
            continue
        try:
            spec = specs.get(crit.id) or criterion_spec(crit)
            why = spec.check_mark(value)
        except SpecError as exc:  # pragma: no cover - definitions are validated on load
            why = str(exc)
        if why:
            problems.append({"criterion_id": crit.id, "message": f"{crit.name}：{why}"})
        out.append((crit, value))
    if problems:
        raise JudgingError("invalid_mark", problems[0]["message"], 422, detail=problems)
    if not out:
        raise JudgingError("bad_request", N_("没有要保存的评分"), 400)
    return version, out


class DuplicateKey(Exception):
    """The Idempotency-Key was stored by another request of this judge first: roll back, then `replay_or_refuse`."""


def _replay(judge_id: int, key: str, digest: str) -> dict | None:
    row = db.session.connection().execute(_REPLAY, {"judge_id": judge_id, "key": key}).first()
    if row is None:
        return None
    if row[0] != digest:
        raise JudgingError("key_reused", N_("同一 Idempotency-Key 已用于另一请求"), 422)
    return row[1]


def _stale(ctx: SheetContext, sent: int) -> JudgingError:
    sheet = ctx.sheet
    db.session.refresh(sheet)
    if sheet.status == SheetStatus.SUBMITTED:
        message = N_("该评分表已提交并锁定，不能再修改")
    elif sheet.status == SheetStatus.RETURNED:
        message = f"该评分表已被裁判长退回（{sheet.returned_reason or ''}），请刷新后核对再录入"
    else:
        message = N_("该评分表已在其他设备上修改，请刷新后核对再录入；本机未发送的评分已保留")
    return JudgingError("stale", message, 409, detail={"sheet": sheet_for_judge(ctx), "sent_version": sent})


def _origin() -> tuple[str | None, str | None]:
    """Address and device of the request, as `audit.service.record` takes them."""
    if not has_request_context():
        return None, None
    return ((request.remote_addr or "")[:64],  # the proxy's X-Forwarded-For only via ProxyFix
            (request.headers.get("X-Device-Id") or request.user_agent.string or "")[:200])


def put_marks(ctx: SheetContext, judge: User, payload: Any, key: str) -> dict[str, Any]:
    """Write marks to the judge's sheet in one transaction of four prepared statements: the version bump (which
    returns the old marks), one upsert of the changed marks, one audit row (old -> new, who, when, device, address)
    and the stored answer. The same Idempotency-Key always gets the first answer back; a request based on an older version (or on a
    locked sheet) changes nothing and gets 409 `stale`. The caller commits; on DuplicateKey (the key was stored by
    another request first) it rolls back and calls `replay_or_refuse`."""
    if not key or len(key) > 80:
        raise JudgingError("key_required", N_("缺少 Idempotency-Key 请求头（最长 80 字符）"), 400)
    digest = _digest({"sheet": ctx.id, "body": payload})
    version, marks = parse_marks(ctx, payload)
    if ctx.confirmed:
        raise JudgingError("confirmed", N_("本轮已由裁判长确认，不能再修改"), 409)
    sent = {c.id: v for c, v in marks}  # a criterion sent twice: the last value counts
    # Reasons (merit / points contests only; other contests ignore them): looked up only when some were sent.
    with_notes = any(isinstance(i, dict) and ("note" in i or "document_no" in i) for i in payload["marks"])
    note_contest = with_notes and contest_kind(ctx.contest_id) in NOTE_KINDS
    notes_sent = parse_notes(ctx, payload) if note_contest else {}
    run = Prepared.runner()
    _SQLITE_WRITERS.acquire(db.session())
    now = utcnow()
    # The database arbitrates: only a request based on the current version of an editable sheet moves it on (and
    # from here on holds the sheet's row, on SQLite the write lock, until the commit). A retry of a request that was
    # applied finds the version moved and is answered from the stored response.
    moved = run(_MOVE, {"b_id": ctx.id, "old": version, "new": version + 1, "now": now}).fetchone()
    if moved is None:
        replay = _replay(judge.id, key, digest)
        if replay is not None:
            return replay
        raise _stale(ctx, version)
    status, stored_marks = moved
    to_decimal = _FIXED.process_result_value
    figures = [int(x) for x in stored_marks.split()] if stored_marks else []  # "criterion value ..." (_MOVE)
    old = {figures[i]: to_decimal(figures[i + 1], None) for i in range(0, len(figures), 2)}
    changed = [(cid, v) for cid, v in sent.items() if old.get(cid) != v]
    if changed:
        run(_UPSERT, [{"sheet_id": ctx.id, "criterion_id": cid, "entry_id": ctx.entry_id, "round_id": ctx.round_id,
                       "value": v, "updated_at": now} for cid, v in changed])
    values = {**old, **sent}
    note_changes = _write_notes(ctx, notes_sent) if notes_sent else []
    result = {"id": ctx.id, "version": version + 1, "status": status,  # draft or returned: both editable
              "marks": {str(c.id): _text(values[c.id]) for c in ctx.criteria if c.id in values},
              "total": _text(sheet_total(ctx.criteria, values)), "replayed": False}
    if note_contest:
        result["notes"] = notes_by_sheet([ctx.id]).get(ctx.id, {})
    if changed or note_changes:
        code = {c.id: c.code for c, _ in marks}
        changes = [{"criterion": code[cid], "old": _text(old.get(cid)), "new": _text(v)} for cid, v in changed]
        summary = [f"{x['criterion']} {x['old'] or '空'}→{x['new']}" for x in changes] + [
            f"{x['criterion']} 原因 {x['old_note'] or '空'}→{x['new_note'] or '空'}"
            + (f"，文号 {x['old_document_no'] or '空'}→{x['new_document_no'] or '空'}"
               if x["old_document_no"] != x["new_document_no"] else "") for x in note_changes]
        data = {"sheet_id": ctx.id, "version": version + 1, "key": key, "changes": changes, "status": status}
        if note_changes:
            data["notes"] = note_changes
        address, device = _origin()
        run(_AUDIT, {
            "at": now, "actor_id": judge.id, "actor_name": judge.display_name, "action": "mark.write",
            "object_type": "ScoreSheet", "object_id": str(ctx.id), "contest_id": ctx.contest_id,
            "summary": (f"{ctx.code} " + "；".join(summary))[:500],
            "data": data, "address": address, "device": device})
    stored = run(_STORE, {"judge_id": judge.id, "key": key, "sheet_id": ctx.id, "digest": digest,
                          "response": {**result, "replayed": True}, "at": now}).rowcount
    if stored != 1:
        raise DuplicateKey(key)
    return result


def replay_or_refuse(ctx: SheetContext, judge: User, payload: Any, key: str) -> dict[str, Any]:
    """After a unique-key conflict on the stored answer: the first request's answer, or why this one is refused."""
    replay = _replay(judge.id, key, _digest({"sheet": ctx.id, "body": payload}))
    if replay is None:
        raise JudgingError("conflict", N_("评分保存冲突，请重试"), 409)
    return replay


class _SqliteWriters:
    """On a SQLite file, mark saves from every worker process and thread take turns on an OS file lock (flock)
    before their first write, held until their transaction ends. SQLite itself lets one writer in at a time, but a
    writer that finds the database locked sleeps in steps of 1, 2, 5, 10... ms; with two or more workers that sleep,
    not the work, set the throughput and the p99. A flock waiter wakes as soon as the lock is released. Nothing else
    changes: the version check, the upsert and the unique keys still decide. No-op on PostgreSQL (row locks)."""

    def __init__(self):
        self.paths: dict[Any, str | None] = {}  # engine -> its lock file (None: not a SQLite file)

    def acquire(self, session) -> None:
        if "sqlite_writer_lock" in session.info:
            return
        engine = session.get_bind()
        path = self.paths.get(engine, "")
        if path == "":
            database = sqlite_file(engine.url)
            path = self.paths[engine] = f"{database}-writers.lock" if database else None
        if path is None:
            return
        # A descriptor of its own for each transaction: a flock belongs to an open file, so threads and forked
        # workers must not share one (and a descriptor kept per thread would leak with servers that start a thread
        # per request).
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
        session.info["sqlite_writer_lock"] = fd

    @staticmethod
    def release(session) -> None:
        fd = session.info.pop("sqlite_writer_lock", None)
        if fd is not None:
            os.close(fd)  # closing the descriptor releases the flock


_SQLITE_WRITERS = _SqliteWriters()


@event.listens_for(Session, "after_transaction_end")
def _end_of_transaction(session, transaction) -> None:
    """Commit, rollback or close: the writers' lock is released and the prepared-statement runner forgotten (the
    next transaction may run on another connection)."""
    if transaction.parent is None:
        session.info.pop("prepared_runner", None)
        _SqliteWriters.release(session)


def _dialect_insert(name: str):
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def _binds(*names: str) -> dict:
    return {n: bindparam(n) for n in names}


_SHEETS = ScoreSheet.__table__
# The version bump returns the sheet's status and its marks before this save, as one text "criterion value ...".
_MOVE = Prepared(lambda dialect: update(_SHEETS).where(
    _SHEETS.c.id == bindparam("b_id"), _SHEETS.c.version == bindparam("old"),
    or_(*(_SHEETS.c.status == literal_column(f"'{s}'") for s in EDITABLE)))
    .values(version=bindparam("new"), updated_at=bindparam("now")).returning(
        _SHEETS.c.status, literal_column(
            f"(SELECT {'string_agg' if dialect == 'postgresql' else 'group_concat'}(m.criterion_id || ' ' || m.value, "
            "' ') FROM marks m WHERE m.sheet_id = score_sheets.id)")))


def _upsert(name: str):
    """INSERT ... ON CONFLICT (sheet_id, criterion_id) DO UPDATE: the unique key decides, never a read-then-write.
    Rows carry the sheet's entry_id and round_id (copies kept on marks for ranking)."""
    stmt = _dialect_insert(name)(Mark.__table__).inline().values(
        _binds("sheet_id", "criterion_id", "entry_id", "round_id", "value", "updated_at"))
    return stmt.on_conflict_do_update(index_elements=["sheet_id", "criterion_id"],
                                      set_={"value": stmt.excluded.value, "updated_at": stmt.excluded.updated_at})


_UPSERT = Prepared(_upsert)
_AUDIT = Prepared(lambda _: AuditEntry.__table__.insert().inline().values(_binds(
    "at", "actor_id", "actor_name", "action", "object_type", "object_id", "contest_id", "summary", "data", "address",
    "device")))
# The stored answer: ON CONFLICT (judge_id, key) DO NOTHING, so no row means the key was taken first.
_STORE = Prepared(lambda name: _dialect_insert(name)(MarkWrite.__table__).inline().values(
    _binds("judge_id", "key", "sheet_id", "digest", "response", "at")).on_conflict_do_nothing(
    index_elements=["judge_id", "key"]))
_REPLAY = select(MarkWrite.digest, MarkWrite.response).where(
    MarkWrite.judge_id == bindparam("judge_id"), MarkWrite.key == bindparam("key"))


def signature_of(sheet: ScoreSheet, judge: User, values: dict[int, Decimal]) -> str:
    text = json.dumps({"sheet": sheet.id, "judge": judge.id, "entry": sheet.entry_id, "round": sheet.round_id,
                       "marks": {str(k): _text(v) for k, v in sorted(values.items())},
                       "at": sheet.submitted_at.isoformat()}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def submit_sheet(ctx: SheetContext, judge: User, payload: Any, device: str = "") -> dict[str, Any]:
    """Sign and lock the sheet: every required criterion must be marked and the version must be current."""
    if not isinstance(payload, dict) or not isinstance(payload.get("version"), int):
        raise JudgingError("bad_request", N_("请求须包含评分表版本号 version（整数）"), 400)
    if payload.get("confirm") is not True:
        raise JudgingError("confirm_required", N_("请确认评分无误后再签名提交"), 400)
    sheet, version = ctx.sheet, payload["version"]
    if sheet.status == SheetStatus.SUBMITTED and sheet.version == version + 1 and sheet.signature:
        return sheet_for_judge(ctx)  # the same submission again (a retry): already done
    ensure_rounds_open([ctx.round_id])
    if ctx.confirmed:
        raise JudgingError("confirmed", N_("本轮已由裁判长确认，不能再修改"), 409)
    values = _marks_by_sheet([sheet.id]).get(sheet.id, {})
    missing = [c.name for c in ctx.criteria if c.kind not in OPTIONAL_KINDS and c.id not in values]
    if missing:
        raise JudgingError("incomplete", "以下评分项尚未评分：" + "、".join(missing), 422, detail=missing)
    if sheet.round.event.contest.kind in NOTE_KINDS:  # every deduction, bonus and veto says why before signing
        from contestapp.merit.services import sheet_missing_notes

        gaps = sheet_missing_notes(sheet)
        if gaps:
            raise JudgingError(
                "notes_required", "以下扣分（加分）须填写原因：" + "、".join(
                    g.criterion.name + ("（通报文号）" if g.need_doc else "") for g in gaps), 422,
                detail=[{"criterion_id": g.criterion.id, "code": g.criterion.code, "document_no": g.need_doc}
                        for g in gaps])
    now = utcnow()
    moved = db.session.execute(update(ScoreSheet.__table__).where(
        ScoreSheet.id == sheet.id, ScoreSheet.version == version, ScoreSheet.status.in_(EDITABLE)).values(
        version=version + 1, status=SheetStatus.SUBMITTED.value, submitted_at=now, updated_at=now,
        device=(device or "")[:200])).rowcount
    if moved != 1:
        db.session.refresh(sheet)  # a duplicate of a submission that just won: answer as it did
        if sheet.status == SheetStatus.SUBMITTED and sheet.version == version + 1 and sheet.signature:
            return sheet_for_judge(ctx)
        raise _stale(ctx, version)
    db.session.refresh(sheet)
    sheet.signature = signature_of(sheet, judge, values)
    record(judge, "sheet.submit", sheet, contest_id=ctx.contest_id,
           summary=f"{ctx.code} 签名提交，合计 {_text(sheet_total(ctx.criteria, values))}",
           data={"sheet_id": sheet.id, "version": sheet.version, "signature": sheet.signature,
                 "marks": {c.code: _text(values.get(c.id)) for c in ctx.criteria}})
    db.session.flush()
    return sheet_for_judge(ctx)


# --- the chief judge ---------------------------------------------------------------------------------------------

def return_sheet(sheet: ScoreSheet, actor, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise JudgingError("reason_required", N_("请填写退回理由"))
    if sheet.status != SheetStatus.SUBMITTED:
        raise JudgingError("not_submitted", N_("只能退回已提交的评分表"), 409)
    ensure_rounds_open([sheet.round_id])
    if round_confirmed(sheet.round_id):
        raise JudgingError("confirmed", N_("本轮已确认，不能退回"), 409)
    sheet.status, sheet.version, sheet.returned_reason, sheet.signature = (
        SheetStatus.RETURNED.value, sheet.version + 1, reason[:500], None)
    record(actor, "sheet.return", sheet, contest_id=sheet.round.event.contest_id,
           summary=f"退回 {sheet.judge.display_name} 的 {judge_code(sheet.entry)} 评分表：{reason}",
           data={"sheet_id": sheet.id, "reason": reason})


def round_confirmed(round_id: int) -> RoundConfirmation | None:
    return db.session.scalar(select(RoundConfirmation).where(RoundConfirmation.round_id == round_id))


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
        raise JudgingError("not_all_signed", f"还有 {len(open_)} 张评分表未签名提交，不能确认", 409)
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
        raise JudgingError("not_confirmed", "以下轮次尚未确认，不能解密：" + "、".join(pending), 409)
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
