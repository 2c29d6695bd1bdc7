"""A judge's sheets by code only, and writing marks: idempotent, versioned, the database arbitrates; sign-off.

Anonymity: nothing here reads an entrant's name, unit, ID number or phone; judges know an entry by its code only
(the second-level code when the draw had two levels).
"""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import and_, bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from contestapp.audit.service import record
from contestapp.auth.models import User
from contestapp.common.db import utcnow
from contestapp.contests.finality import ensure_rounds_open
from contestapp.contests.models import Criterion, Event, Round
from contestapp.domain.types import CriterionSpec, SpecError
from contestapp.entrants.models import Entry
from contestapp.extensions import db
from contestapp.domain.numbers import INT_LIMIT, NumberError, parse_mark
from contestapp.i18n import N_, Message, said, verbatim
from contestapp.judging.assignments import ensure_sheets
from contestapp.judging.common import EDITABLE, OPTIONAL_KINDS, JudgingError, as_text, clean_text
from contestapp.judging.criteria import assigned_criteria, contest_kind, criterion_json, criterion_spec, sheet_total
from contestapp.judging.models import (
    VOID_STATUS, Assignment, Mark, MarkNote, MarkWrite, Recusal, RoundConfirmation, ScoreSheet, SheetStatus)
from contestapp.judging.notes import needs_notes, notes_by_sheet, reason_rules, sheet_missing_notes

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
            "version": sheet.version, "returned_reason": sheet.returned_message if sheet.status == "returned" else None,
            "filled": filled, "required": len(required), "total": as_text(sheet_total(criteria, values)),
            "submitted_at": sheet.submitted_at.isoformat() if sheet.submitted_at else None}
    if include_marks:
        data["marks"] = {str(c.id): as_text(values[c.id]) for c in criteria if c.id in values}
    return data


_SHEET_ROW = (
    select(ScoreSheet.id, ScoreSheet.judge_id, ScoreSheet.round_id, ScoreSheet.entry_id, ScoreSheet.status,
           ScoreSheet.version, Assignment.id.label("assignment_id"), Assignment.criteria.label("assigned"),
           Entry.code, Entry.code2, RoundConfirmation.id.label("confirmed"), Recusal.id.label("recused"),
           Event.contest_id, Round.criteria_version)
    .join(Entry, ScoreSheet.entry_id == Entry.id).join(Event, Entry.event_id == Event.id)
    .join(Round, Round.id == ScoreSheet.round_id)
    .outerjoin(Assignment, and_(Assignment.judge_id == ScoreSheet.judge_id, Assignment.round_id == ScoreSheet.round_id))
    .outerjoin(RoundConfirmation, RoundConfirmation.round_id == ScoreSheet.round_id)
    .outerjoin(Recusal, and_(Recusal.judge_id == ScoreSheet.judge_id, Recusal.entry_id == ScoreSheet.entry_id))
    .where(ScoreSheet.id == bindparam("sheet_id"))
)
_CT = Criterion.__table__
_CRITERIA = (select(_CT.c.id, _CT.c.code, _CT.c.name, _CT.c.kind, _CT.c.max, _CT.c.min, _CT.c.step, _CT.c.rules)
             .where(_CT.c.round_id == bindparam("round_id")).order_by(_CT.c.order, _CT.c.id))


class CriterionRow(NamedTuple):
    """A criterion as the tablet API needs it (a row of `criteria`, without the ORM)."""

    id: int
    code: str
    name: str
    kind: str
    max: Decimal
    min: Decimal
    step: Decimal | None
    rules: dict


_CRITERIA_CACHE: dict[int, tuple[int, list[CriterionRow], dict[int, CriterionSpec]]] = {}


def round_criteria(round_id: int, version: int) -> tuple[list[CriterionRow], dict[int, CriterionSpec]]:
    """A round's criteria in order and their specs by id, parsed once per process while the round's
    `criteria_version` (read by the caller from the database; triggers move it on every change to the criteria) stays
    the one they were read at: the database stays the truth, the process only skips re-parsing."""
    hit = _CRITERIA_CACHE.get(round_id)
    if hit is not None and hit[0] == version:
        return hit[1], hit[2]
    rows = [CriterionRow(*row[:7], row[7] or {})
            for row in db.session.execute(_CRITERIA, {"round_id": round_id})]
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
    judge is not assigned to. One Core statement; the criteria are parsed again only when the round's
    criteria_version has moved (`round_criteria`)."""
    if not 0 < sheet_id <= INT_LIMIT:  # beyond any id (and beyond what SQLite can bind)
        raise JudgingError("not_found", N_("评分表不存在"), 404)
    row = db.session.execute(_SHEET_ROW, {"sheet_id": sheet_id}).first()
    if row is None:
        raise JudgingError("not_found", N_("评分表不存在"), 404)
    (sid, judge_id, round_id, entry_id, status, version, assignment_id, assigned, code, code2, confirmed, recused,
     contest_id, criteria_version) = row
    if judge_id != judge.id:
        raise JudgingError("not_found", N_("评分表不存在"), 404)
    if assignment_id is None:  # (also a judge removed from the contest: `membership`)
        raise JudgingError("not_assigned", N_("您未被分配评此轮次"), 403)
    if recused is not None or status == VOID_STATUS:
        raise JudgingError("recused", N_("您已回避该参赛者，不能查看或评分"), 403)
    criteria, specs = round_criteria(round_id, criteria_version)
    return SheetContext(sid, round_id, entry_id, status, version,
                        assigned_criteria(criteria, assigned), code2 or code,
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


MARKS_LIMIT = 500  # marks in one request (a round has far fewer criteria)


def _version(payload: dict) -> int:
    """The sheet version a request is based on: a JSON integer within the column's range."""
    version = payload.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise JudgingError("bad_request", N_("请求须包含评分表版本号 version（整数）"), 400)
    if not 1 <= version <= INT_LIMIT:
        raise JudgingError("bad_version", N_("评分表版本号 version 超出范围"), 422)
    return version


def _about(criterion: str, reason) -> Message:
    """A criterion's problem (the domain's reason, e.g. a mark out of range): `tr` shows it in the reader's language."""
    return Message(N_("%(criterion)s：%(reason)s"), criterion=criterion, reason=said(reason))


def parse_marks(ctx: SheetContext, payload: Any) -> tuple[int, list[tuple[Criterion, Decimal]]]:
    """(version, [(criterion, value)]) from a request body, each value checked by CriterionSpec.check_mark."""
    if not isinstance(payload, dict) or not isinstance(payload.get("marks"), list):
        raise JudgingError("bad_request", N_("请求格式错误：须包含 version 和 marks"), 400)
    version = _version(payload)
    if len(payload["marks"]) > MARKS_LIMIT:
        raise JudgingError("too_many", N_("一次提交的评分过多"), 422)
    by_id = {c.id: c for c in ctx.criteria}
    specs = ctx.specs or {}
    out: list[tuple[Criterion, Decimal]] = []
    problems = []
    for item in payload["marks"]:
        cid = item.get("criterion_id") if isinstance(item, dict) else None
        if not isinstance(cid, int) or isinstance(cid, bool):
            problems.append({"criterion_id": None, "message": N_("评分项编号 criterion_id 须为整数")})
            continue
        crit = by_id.get(cid)
        if crit is None:
            problems.append({"criterion_id": cid, "message": N_("评分项不存在或未分配给您")})
            continue
        try:
            value = parse_mark(item.get("value"))
        except NumberError as exc:
            problems.append({"criterion_id": crit.id, "message": _about(crit.name, exc)})
            continue
        try:
            spec = specs.get(crit.id) or criterion_spec(crit)
            why = spec.check_mark(value)
        except SpecError as exc:  # pragma: no cover - definitions are validated on load
            why = str(exc)
        if why:
            problems.append({"criterion_id": crit.id, "message": _about(crit.name, why)})
        out.append((crit, value))
    if problems:
        raise JudgingError("invalid_mark", problems[0]["message"], 422, detail=problems)
    if not out:
        raise JudgingError("bad_request", N_("没有要保存的评分"), 400)
    return version, out


class DuplicateKey(Exception):
    """The Idempotency-Key was stored by another request of this judge first: roll back, then `replay_or_refuse`."""


def _replay(judge_id: int, key: str, digest: str) -> dict | None:
    row = db.session.execute(_REPLAY, {"judge_id": judge_id, "key": key}).first()
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
        message = Message(N_("该评分表已被裁判长退回（%(reason)s），请刷新后核对再录入"),
                          reason=sheet.returned_message or "")
    else:
        message = N_("该评分表已在其他设备上修改，请刷新后核对再录入；本机未发送的评分已保留")
    return JudgingError("stale", message, 409, detail={"sheet": sheet_for_judge(ctx), "sent_version": sent})


def _insert(table):
    """The database's own INSERT (for ON CONFLICT), SQLite or PostgreSQL."""
    if db.session.get_bind().dialect.name == "postgresql":
        return pg_insert(table)
    return sqlite_insert(table)


_SHEETS = ScoreSheet.__table__
# The version check: only a request based on the current version of an editable sheet moves it on.
_MOVE = (update(_SHEETS).where(_SHEETS.c.id == bindparam("b_id"), _SHEETS.c.version == bindparam("old"),
                               _SHEETS.c.status.in_(EDITABLE))
         .values(version=bindparam("new"), updated_at=bindparam("now")).returning(_SHEETS.c.status))
_OLD_MARKS = select(Mark.criterion_id, Mark.value).where(Mark.sheet_id == bindparam("sheet_id"))
_REPLAY = select(MarkWrite.digest, MarkWrite.response).where(
    MarkWrite.judge_id == bindparam("judge_id"), MarkWrite.key == bindparam("key"))


def _upsert_marks(rows: list[dict]) -> None:
    """INSERT ... ON CONFLICT (sheet_id, criterion_id) DO UPDATE: the unique key decides, never a read-then-write.
    Rows carry the sheet's entry_id and round_id (copies kept on marks for ranking)."""
    stmt = _insert(Mark.__table__)
    db.session.execute(stmt.on_conflict_do_update(
        index_elements=["sheet_id", "criterion_id"],
        set_={"value": stmt.excluded.value, "updated_at": stmt.excluded.updated_at}), rows)


def _store_answer(values: dict) -> bool:
    """The stored answer of an Idempotency-Key: ON CONFLICT (judge_id, key) DO NOTHING; False if the key was taken."""
    table = MarkWrite.__table__
    stmt = _insert(table).values(**values).on_conflict_do_nothing(index_elements=["judge_id", "key"])
    return db.session.execute(stmt.returning(table.c.id)).first() is not None  # (no row: the key was taken)


def parse_notes(ctx: SheetContext, payload: dict) -> dict[int, tuple[str | None, str | None]]:
    """criterion id -> (note, document_no) sent with the marks (None: not sent, keep what is stored). Checked:
    text, note at most 500 characters, document number at most 100. Only asked where the contest's kind needs
    reasons (`judging.notes`)."""
    out: dict[int, tuple[str | None, str | None]] = {}
    problems = []
    names = {c.id: c.name for c in ctx.criteria}
    for item in payload["marks"]:
        if not isinstance(item, dict) or ("note" not in item and "document_no" not in item):
            continue
        cid = item.get("criterion_id")
        if cid not in names:  # (parse_marks refuses it)
            continue
        note, doc = item.get("note"), item.get("document_no")
        try:
            note = clean_text(note, N_("原因"), 500) if note is not None else None
            doc = clean_text(doc, N_("文号"), 100) if doc is not None else None
        except JudgingError as exc:
            problems.append({"criterion_id": cid, "message": _about(names[cid], exc.message)})
            continue
        out[cid] = (note, doc)
    if problems:
        raise JudgingError("invalid_note", problems[0]["message"], 422, detail=problems)
    return out


def _write_notes(ctx: SheetContext, sent: dict[int, tuple[str | None, str | None]]) -> list[dict[str, Any]]:
    """Upsert / delete the sheet's notes (an empty note deletes it); the changes (old -> new) for the audit row."""
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


def put_marks(ctx: SheetContext, judge: User, payload: Any, key: str) -> dict[str, Any]:
    """Write marks to the judge's sheet in one transaction: the version bump, one upsert of the changed marks, one
    audit row (old -> new, who, when, device, address; `audit.service.record`) and the stored answer. The same
    Idempotency-Key always gets the first answer back; a request based on an older version (or on a locked sheet)
    changes nothing and gets 409 `stale`. The caller commits; on DuplicateKey (the key was stored by another request
    first) it rolls back and calls `replay_or_refuse`."""
    if not key or len(key) > 80:
        raise JudgingError("key_required", N_("缺少 Idempotency-Key 请求头（最长 80 字符）"), 400)
    digest = _digest({"sheet": ctx.id, "body": payload})
    version, marks = parse_marks(ctx, payload)
    if ctx.confirmed:
        raise JudgingError("confirmed", N_("本轮已由裁判长确认，不能再修改"), 409)
    sent = {c.id: v for c, v in marks}  # a criterion sent twice: the last value counts
    # Reasons (merit / points contests only; other contests ignore them): looked up only when some were sent.
    with_notes = any(isinstance(i, dict) and ("note" in i or "document_no" in i) for i in payload["marks"])
    note_contest = with_notes and needs_notes(contest_kind(ctx.contest_id))
    notes_sent = parse_notes(ctx, payload) if note_contest else {}
    now = utcnow()
    # The database arbitrates: only a request based on the current version of an editable sheet moves it on (and
    # from here on holds the sheet's row, on SQLite the write lock, until the commit). A retry of a request that was
    # applied finds the version moved and is answered from the stored response.
    moved = db.session.execute(_MOVE, {"b_id": ctx.id, "old": version, "new": version + 1, "now": now}).first()
    if moved is None:
        replay = _replay(judge.id, key, digest)
        if replay is not None:
            return replay
        raise _stale(ctx, version)
    status = moved[0]
    old = dict(db.session.execute(_OLD_MARKS, {"sheet_id": ctx.id}).all())
    changed = [(cid, v) for cid, v in sent.items() if old.get(cid) != v]
    if changed:
        _upsert_marks([{"sheet_id": ctx.id, "criterion_id": cid, "entry_id": ctx.entry_id, "round_id": ctx.round_id,
                        "value": v, "updated_at": now} for cid, v in changed])
    values = {**old, **sent}
    note_changes = _write_notes(ctx, notes_sent) if notes_sent else []
    result = {"id": ctx.id, "version": version + 1, "status": status,  # draft or returned: both editable
              "marks": {str(c.id): as_text(values[c.id]) for c in ctx.criteria if c.id in values},
              "total": as_text(sheet_total(ctx.criteria, values)), "replayed": False}
    if note_contest:
        result["notes"] = notes_by_sheet([ctx.id]).get(ctx.id, {})
    if changed or note_changes:
        code = {c.id: c.code for c, _ in marks}
        changes = [{"criterion": code[cid], "old": as_text(old.get(cid)), "new": as_text(v)} for cid, v in changed]
        summary = [f"{x['criterion']} {x['old'] or '空'}→{x['new']}" for x in changes] + [
            f"{x['criterion']} 原因 {x['old_note'] or '空'}→{x['new_note'] or '空'}"
            + (f"，文号 {x['old_document_no'] or '空'}→{x['new_document_no'] or '空'}"
               if x["old_document_no"] != x["new_document_no"] else "") for x in note_changes]
        data = {"sheet_id": ctx.id, "version": version + 1, "key": key, "changes": changes, "status": status}
        if note_changes:
            data["notes"] = note_changes
        entry = record(judge, "mark.write", object_type="ScoreSheet", object_id=ctx.id, contest_id=ctx.contest_id,
                       summary=f"{ctx.code} " + "；".join(summary), data=data)
        entry.at = now
    if not _store_answer({"judge_id": judge.id, "key": key, "sheet_id": ctx.id, "digest": digest,
                          "response": {**result, "replayed": True}, "at": now}):
        raise DuplicateKey(key)
    return result


def replay_or_refuse(ctx: SheetContext, judge: User, payload: Any, key: str) -> dict[str, Any]:
    """After a unique-key conflict on the stored answer: the first request's answer, or why this one is refused."""
    replay = _replay(judge.id, key, _digest({"sheet": ctx.id, "body": payload}))
    if replay is None:
        raise JudgingError("conflict", N_("评分保存冲突，请重试"), 409)
    return replay


def signature_of(sheet: ScoreSheet, judge: User, values: dict[int, Decimal]) -> str:
    text = json.dumps({"sheet": sheet.id, "judge": judge.id, "entry": sheet.entry_id, "round": sheet.round_id,
                       "marks": {str(k): as_text(v) for k, v in sorted(values.items())},
                       "at": sheet.submitted_at.isoformat()}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def submit_sheet(ctx: SheetContext, judge: User, payload: Any, device: str = "") -> dict[str, Any]:
    """Sign and lock the sheet: every required criterion must be marked and the version must be current."""
    if not isinstance(payload, dict):
        raise JudgingError("bad_request", N_("请求须包含评分表版本号 version（整数）"), 400)
    _version(payload)
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
        raise JudgingError("incomplete", Message(N_("以下评分项尚未评分：%(names)s"), names=tuple(map(verbatim, missing))),
                           422, detail=missing)
    if needs_notes(sheet.round.event.contest.kind):  # every deduction, bonus and veto says why before signing
        gaps = sheet_missing_notes(sheet)
        if gaps:
            names = tuple(Message(N_("%(criterion)s（通报文号）"), criterion=g.criterion.name) if g.need_doc
                          else verbatim(g.criterion.name) for g in gaps)
            raise JudgingError(
                "notes_required", Message(N_("以下扣分（加分）须填写原因：%(names)s"), names=names), 422,
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
           summary=f"{ctx.code} 签名提交，合计 {as_text(sheet_total(ctx.criteria, values))}",
           data={"sheet_id": sheet.id, "version": sheet.version, "signature": sheet.signature,
                 "marks": {c.code: as_text(values.get(c.id)) for c in ctx.criteria}})
    db.session.flush()
    return sheet_for_judge(ctx)
