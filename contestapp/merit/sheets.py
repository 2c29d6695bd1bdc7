"""The sheets of a merit contest or points assessment: assessors' marks with their reasons (notes, document
numbers), the units' self-assessment, and the evidence for special bonuses. Never commit."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path, PurePath
from typing import Iterable

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from contestapp.audit.service import record
from contestapp.contests.definition import round_spec_of
from contestapp.contests.models import Contest, Criterion, Round
from contestapp.domain.numbers import NumberError, parse_mark
from contestapp.domain.types import CriterionSpec, RoundSpec, ZERO
from contestapp.entrants.models import Entrant, Entry, Unit
from contestapp.extensions import db
from contestapp.i18n import N_, Message, joined, said
from contestapp.judging.models import Mark, MarkNote, ScoreSheet, SheetStatus
from contestapp.judging.notes import MissingNote, register
from contestapp.judging.notes import missing_notes as gaps_of
from contestapp.merit.models import Evidence, Period, PeriodStatus, SelfMark, SelfSheet, UnitProfile
from contestapp.merit.periods import MeritError, rounds_of

BLANK_AS_ZERO = ("deduction",)  # a deduction an assessor's submitted sheet leaves blank is 0


# --- sheets --------------------------------------------------------------------------------------------------------

def criterion_specs(contest: Contest, rnd: Round) -> RoundSpec:
    """The round's spec, to check a sheet's marks and reasons against (read alone: see `round_spec_of`)."""
    return round_spec_of(rnd)


@register("merit", "points")  # the judging area asks the tablet for reasons by this rule (`judging.notes`)
def note_required(spec: CriterionSpec, value: Decimal, kind: str = "merit") -> tuple[bool, bool]:
    """(a note is required, a document number is required) for this value.

    Every deduction, bonus, adjustment and veto must say why; in a merit contest an adjustment from an external
    notice (a bonus item outside any bonus group: 通报表扬 / 通报批评) also needs the notice's document number (文号).
    (A points assessment's special items are backed by evidence files instead.)"""
    if spec.kind == "deduction":
        return value > 0, False
    if spec.kind == "veto":
        return value == 1, False
    if spec.kind == "bonus":
        return value != 0, value != 0 and spec.bonus_group is None and kind == "merit"
    return False, False


@dataclass
class SheetInput:
    value: Decimal
    note: str = ""
    document_no: str = ""


def parse_values(form: dict[str, str], criteria: Iterable[Criterion]) -> dict[str, SheetInput]:
    """Form fields v_<code>, n_<code>, d_<code> -> inputs (empty values are left out)."""
    out: dict[str, SheetInput] = {}
    for c in criteria:
        raw = (form.get(f"v_{c.code}") or "").strip()
        if raw == "":
            continue
        try:
            value = parse_mark(raw)
        except NumberError as exc:
            raise MeritError(Message(N_("%(criterion)s：%(reason)s"), criterion=c.name, reason=said(exc))) from None
        out[c.code] = SheetInput(value, (form.get(f"n_{c.code}") or "").strip(), (form.get(f"d_{c.code}") or "").strip())
    return out


def check_inputs(rspec: RoundSpec, values: dict[str, SheetInput], complete: bool, kind: str = "merit") -> list[str]:
    """Every problem (Chinese; a Message where the text is ours, for `tr`). `complete`: every measurement/judgement
    item needs a value (deductions default 0)."""
    problems = []
    for code, item in values.items():
        spec = rspec.criterion(code)
        if spec is None:
            problems.append(Message(N_("未定义的指标 %(code)s"), code=code))
            continue
        why = spec.check_mark(item.value)
        if why:
            problems.append(Message(N_("%(criterion)s：%(reason)s"), criterion=spec.name, reason=said(why)))
            continue
        need_note, need_doc = note_required(spec, item.value, kind)
        if need_note and not item.note:
            problems.append(Message(N_("%(name)s：请填写扣分/加分/否决的原因"), name=spec.name))
        if need_doc and not item.document_no:
            problems.append(Message(N_("%(name)s：请填写通报文号"), name=spec.name))
        if len(item.note) > 500 or len(item.document_no) > 100:
            problems.append(Message(N_("%(name)s：说明过长"), name=spec.name))
    if complete:
        for spec in rspec.criteria:
            if spec.kind in ("measurement", "judgement") and spec.code not in values:
                problems.append(Message(N_("%(name)s：请填写"), name=spec.name))
    return problems


def _period_for_round(rnd: Round) -> Period | None:
    return db.session.scalar(select(Period).where(Period.contest_id == rnd.event.contest_id, Period.code == rnd.code))


def save_assessment(sheet: ScoreSheet, actor, values: dict[str, SheetInput], submit: bool) -> ScoreSheet:
    """The assessors' column (考评): marks on the judging area's ScoreSheet, a note for every deduction.

    A submitted sheet is locked (changes go through the judging area's return with a reason). Deductions left
    empty count 0 (no deduction)."""
    rnd = sheet.round
    contest = rnd.event.contest
    period = _period_for_round(rnd)
    if period is not None and period.status != PeriodStatus.OPEN:
        raise MeritError(N_("该考评期未开放或已截止"))
    if sheet.status == SheetStatus.SUBMITTED:
        raise MeritError(N_("考评表已提交；如需修改请由组织者退回"))
    rspec = criterion_specs(contest, rnd)
    problems = check_inputs(rspec, values, complete=submit, kind=contest.kind)
    if problems:
        raise MeritError(joined(problems))
    by_code = {c.code: c for c in rnd.criteria}
    marks = {m.criterion_id: m for m in sheet.marks}
    notes = {n.criterion_id: n for n in db.session.scalars(select(MarkNote).where(MarkNote.sheet_id == sheet.id))} \
        if sheet.id else {}
    changes = []
    for code, item in values.items():
        crit = by_code[code]
        mark = marks.get(crit.id)
        if mark is None:
            sheet.marks.append(Mark(criterion_id=crit.id, value=item.value))
            changes.append((code, None, item.value))
        elif mark.value != item.value:
            changes.append((code, mark.value, item.value))
            mark.value = item.value
        db.session.flush()
        note = notes.get(crit.id)
        if item.note or item.document_no:
            if note is None:
                note = MarkNote(sheet_id=sheet.id, criterion_id=crit.id, note=item.note)
                db.session.add(note)
            note.note, note.document_no = item.note, item.document_no or None
        elif note is not None:
            db.session.delete(note)
    if submit:
        for spec in rspec.criteria:  # an untouched deduction is no deduction: write the 0 explicitly
            if spec.kind == "deduction" and spec.code not in values and by_code[spec.code].id not in marks:
                sheet.marks.append(Mark(criterion_id=by_code[spec.code].id, value=ZERO))
        sheet.status = SheetStatus.SUBMITTED
        sheet.submitted_at = datetime.now(timezone.utc)
    sheet.version = (sheet.version or 1) + 1
    db.session.flush()
    record(actor, "marks.save", sheet, contest_id=contest.id,
           summary=f"考评 {rnd.name} 条目 {sheet.entry_id}" + ("（提交）" if submit else ""),
           data={"changes": [(c, str(a) if a is not None else None, str(b)) for c, a, b in changes]})
    return sheet


def missing_notes(period: Period, judge_id: int | None = None) -> list[MissingNote]:
    """Every submitted assessor sheet's deduction, bonus, adjustment or veto without its required note (or 文号) in
    this period (optionally one assessor's)."""
    out = []
    for rnd in rounds_of(period).values():
        query = select(ScoreSheet).where(ScoreSheet.round_id == rnd.id, ScoreSheet.status == SheetStatus.SUBMITTED)
        if judge_id is not None:
            query = query.where(ScoreSheet.judge_id == judge_id)
        sheets = db.session.scalars(query.options(selectinload(ScoreSheet.marks), selectinload(ScoreSheet.judge))
                                    .order_by(ScoreSheet.entry_id, ScoreSheet.judge_id)).all()
        out += gaps_of(rnd, sheets)
    return out


def save_mark_notes(sheet: ScoreSheet, actor, notes: dict[str, SheetInput]) -> list[str]:
    """Add or correct the reasons (and document numbers) of a submitted sheet's marks without touching the marks:
    the way to give a tablet-entered deduction its required note. Only while the period is open or closed (not yet
    published). `notes`: criterion code -> SheetInput (its value is ignored; the sheet's mark counts). Audited."""
    rnd = sheet.round
    contest = rnd.event.contest
    period = _period_for_round(rnd)
    if period is None or period.status not in (PeriodStatus.OPEN, PeriodStatus.CLOSED):
        raise MeritError(N_("该考评期已通报或未开放，不能再补填原因"))
    if sheet.status != SheetStatus.SUBMITTED:
        raise MeritError(N_("考评表尚未提交，请在考评表中填写原因"))
    rspec = criterion_specs(contest, rnd)
    by_code = {c.code: c for c in rnd.criteria}
    marks = {m.criterion_id: m.value for m in sheet.marks}
    existing = {n.criterion_id: n for n in db.session.scalars(select(MarkNote).where(MarkNote.sheet_id == sheet.id))}
    values = {code: SheetInput(marks[by_code[code].id], item.note.strip(), item.document_no.strip())
              for code, item in notes.items() if code in by_code and by_code[code].id in marks
              and (item.note.strip() or item.document_no.strip())}  # blanks stay missing (and listed), not refused
    problems = [p for p in check_inputs(rspec, values, complete=False, kind=contest.kind)]
    if problems:
        raise MeritError(joined(problems))
    changed = []
    for code, item in values.items():
        crit = by_code[code]
        note = existing.get(crit.id)
        if note is None:
            note = MarkNote(sheet_id=sheet.id, criterion_id=crit.id, note=item.note)
            db.session.add(note)
        elif note.note == item.note and (note.document_no or "") == item.document_no:
            continue
        note.note, note.document_no = item.note, item.document_no or None
        changed.append((code, item.note, item.document_no or None))
    if changed:
        db.session.flush()
        record(actor, "marks.note", sheet, contest_id=contest.id,
               summary=f"补填扣分原因 {rnd.name} 条目 {sheet.entry_id}：{len(changed)} 项",
               data={"notes": changed, "judge_id": sheet.judge_id})
    return [c for c, _, _ in changed]


def unit_of_user(contest: Contest, user) -> Unit | None:
    return db.session.scalar(select(Unit).join(UnitProfile, UnitProfile.unit_id == Unit.id).where(
        Unit.contest_id == contest.id, UnitProfile.user_id == user.id))


def self_sheets_for(contest: Contest, user) -> list[SelfSheet]:
    unit = unit_of_user(contest, user)
    if unit is None:
        return []
    return list(db.session.scalars(
        select(SelfSheet).join(Entry, SelfSheet.entry_id == Entry.id).join(Entrant, Entry.entrant_id == Entrant.id)
        .join(Period, SelfSheet.period_id == Period.id)
        .where(Entrant.unit_id == unit.id, Period.contest_id == contest.id).order_by(Period.seq)))


def save_self_assessment(sheet: SelfSheet, actor, values: dict[str, SheetInput], submit: bool) -> SelfSheet:
    """The unit's own column (自评)."""
    period = sheet.period
    if period.status != PeriodStatus.OPEN:
        raise MeritError(N_("该考评期未开放或已截止"))
    if sheet.status == "submitted":
        raise MeritError(N_("自评已提交"))
    contest = period.contest
    rnd = rounds_of(period)[sheet.entry.event_id]
    rspec = criterion_specs(contest, rnd)
    problems = check_inputs(rspec, values, complete=submit, kind=contest.kind)
    if problems:
        raise MeritError(joined(problems))
    by_code = {c.code: c for c in rnd.criteria}
    marks = {m.criterion_id: m for m in sheet.marks}
    for code, item in values.items():
        crit = by_code[code]
        mark = marks.get(crit.id)
        if mark is None:
            sheet.marks.append(SelfMark(criterion_id=crit.id, value=item.value, note=item.note or None))
        else:
            mark.value, mark.note = item.value, item.note or None
    if submit:
        sheet.status, sheet.submitted_at, sheet.submitted_by = "submitted", datetime.now(timezone.utc), actor.id
    db.session.flush()
    record(actor, "merit.self_assessment", sheet, contest_id=contest.id,
           summary=f"自评 {period.name}" + ("（提交）" if submit else ""))
    return sheet


# --- evidence (points assessments) ---------------------------------------------------------------------------------

EVIDENCE_TYPES = {".pdf": ("application/pdf", b"%PDF-"), ".jpg": ("image/jpeg", b"\xff\xd8\xff"),
                  ".jpeg": ("image/jpeg", b"\xff\xd8\xff"), ".png": ("image/png", b"\x89PNG\r\n\x1a\n")}
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


def evidence_dir(contest_id: int):
    path = Path(current_app.config["UPLOAD_DIR"]) / "evidence" / str(contest_id)
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_evidence(contest: Contest, entry: Entry, criterion: Criterion, filename: str, content: bytes, note: str,
                   actor) -> Evidence:
    """Check type (by extension AND content) and size, store outside the web root under a random name."""
    ext = PurePath(filename or "").suffix.lower()
    if ext not in EVIDENCE_TYPES:
        raise MeritError(N_("佐证材料只接受 PDF、JPG、PNG 文件"))
    ctype, magic = EVIDENCE_TYPES[ext]
    if not content.startswith(magic):
        raise MeritError(N_("文件内容与扩展名不符"))
    if len(content) > EVIDENCE_MAX_BYTES:
        raise MeritError(Message(N_("文件不能超过 %(mb)s MB"), mb=EVIDENCE_MAX_BYTES // 1024 // 1024))
    if criterion.kind != "bonus":
        raise MeritError(N_("只有“X”专项加分需要佐证材料"))
    stored = secrets.token_hex(16) + ext
    (evidence_dir(contest.id) / stored).write_bytes(content)
    ev = Evidence(contest_id=contest.id, entry_id=entry.id, criterion_id=criterion.id,
                  filename=PurePath(filename).name[:200], stored_name=stored, content_type=ctype, size=len(content),
                  sha256=hashlib.sha256(content).hexdigest(), note=note or None, uploaded_by=getattr(actor, "id", None))
    db.session.add(ev)
    db.session.flush()
    record(actor, "merit.evidence_upload", ev, contest_id=contest.id, summary=f"上传佐证材料 {ev.filename}")
    return ev


def review_evidence(ev: Evidence, confirm: bool, note: str, actor, now: datetime | None = None) -> Evidence:
    ev.status = "confirmed" if confirm else "rejected"
    ev.reviewed_by, ev.reviewed_at, ev.review_note = getattr(actor, "id", None), now or datetime.now(timezone.utc), note or None
    db.session.flush()
    record(actor, "merit.evidence_review", ev, contest_id=ev.contest_id,
           summary=f"佐证材料 {ev.filename}：{ev.status_label}")
    return ev


def entries_of_unit(contest: Contest, unit: Unit) -> list[Entry]:
    return list(db.session.scalars(select(Entry).join(Entrant).where(Entrant.contest_id == contest.id,
                                                                     Entrant.unit_id == unit.id)))
