"""Criteria as the tablet and the domain see them, and running totals."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select

from contestapp.contests.models import Contest, Criterion
from contestapp.domain.types import Choice, CriterionSpec
from contestapp.extensions import db
from contestapp.judging.common import as_text


def criterion_spec(c: Criterion) -> CriterionSpec:
    rules = c.rules or {}
    choices = tuple(Choice(str(x["label"]), Decimal(str(x["value"]))) for x in rules.get("choices", ()))
    per = rules.get("deduction_per")
    return CriterionSpec(code=c.code, name=c.name, kind=c.kind, max=c.max, min=c.min, step=c.step,
                         deduction_per=Decimal(str(per)) if per is not None else None, choices=choices)


def criterion_json(c: Criterion, reasons: dict[str, tuple[bool, bool]] | None = None) -> dict[str, Any]:
    """`reasons`: criterion code -> (a non-zero mark needs a reason, it needs a document number) in a contest
    whose kind asks for reasons (`judging.notes.reason_rules`); other contests need neither."""
    rules = c.rules or {}
    need_note, need_doc = (reasons or {}).get(c.code, (False, False))
    return {"id": c.id, "code": c.code, "name": c.name, "kind": c.kind, "max": as_text(c.max), "min": as_text(c.min),
            "step": as_text(c.step), "deduction_per": as_text(Decimal(str(rules["deduction_per"])))
            if rules.get("deduction_per") is not None else None,
            "choices": [{"label": x["label"], "value": as_text(Decimal(str(x["value"])))}
                        for x in rules.get("choices", ())],
            "note_required": need_note, "document_required": need_doc}


def contest_kind(contest_id: int) -> str | None:
    return db.session.scalar(select(Contest.kind).where(Contest.id == contest_id))


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
