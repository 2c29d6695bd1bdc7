"""Criteria as the tablet and the domain see them, running totals, and the reasons merit contests require."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from contestapp.contests.models import Contest, Criterion, Round
from contestapp.domain.types import Choice, CriterionSpec
from contestapp.extensions import db
from contestapp.judging.common import NOTE_KINDS, as_text

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
    return {"id": c.id, "code": c.code, "name": c.name, "kind": c.kind, "max": as_text(c.max), "min": as_text(c.min),
            "step": as_text(c.step), "deduction_per": as_text(Decimal(str(rules["deduction_per"])))
            if rules.get("deduction_per") is not None else None,
            "choices": [{"label": x["label"], "value": as_text(Decimal(str(x["value"])))}
                        for x in rules.get("choices", ())],
            "note_required": need_note, "document_required": need_doc}


# --- reasons of deductions in merit contests (merit_mark_notes) --------------------------------------------------


def contest_kind(contest_id: int) -> str | None:
    return db.session.scalar(select(Contest.kind).where(Contest.id == contest_id))


def reason_rules(rnd: Round) -> dict[str, tuple[bool, bool]]:
    """criterion code -> (a non-zero mark needs a reason, it needs a document number) for a merit/points round, from
    the merit rule `merit.sheets.note_required` (asked with a non-zero value); {} for other contests."""
    contest = rnd.event.contest
    if contest.kind not in NOTE_KINDS:
        return {}
    from contestapp.merit.sheets import criterion_specs, note_required

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
