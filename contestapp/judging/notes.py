"""Reasons for marks: which marks must say why (a reason, a document number), and which reasons are missing.

The rule belongs to the area that owns the kind of contest; it registers it here for its kinds and the judging
area imports none of those areas (as certificates learn their recipients through `common.recipients`)::

    @register("merit", "points")
    def note_required(spec, value, kind):
        return value > 0, False    # (a reason is required, a document number is required)

Rules are registered when their modules are imported (`contestapp.app.NOTE_RULES`). A contest whose kind has no
rule needs no reasons: the tablet neither asks for nor stores them. The reasons are MarkNote rows.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

from sqlalchemy import select

from contestapp.contests.definition import round_spec_of
from contestapp.contests.models import Criterion, Round
from contestapp.domain.types import CriterionSpec
from contestapp.extensions import db
from contestapp.judging.models import MarkNote, ScoreSheet

# rule(criterion spec, value, contest kind) -> (a reason is required, a document number is required)
NoteRule = Callable[[CriterionSpec, Decimal, str], "tuple[bool, bool]"]

_RULES: dict[str, NoteRule] = {}


def register(*kinds: str) -> Callable[[NoteRule], NoteRule]:
    """Register `rule` for these contest kinds."""
    def add(rule: NoteRule) -> NoteRule:
        for kind in kinds:
            _RULES[kind] = rule
        return rule

    return add


def needs_notes(kind: str | None) -> bool:
    """Whether contests of this kind ask a reason for some marks (on the tablet too)."""
    return kind in _RULES


def reason_rules(rnd: Round) -> dict[str, tuple[bool, bool]]:
    """criterion code -> (a non-zero mark needs a reason, it needs a document number), from the rule of the round's
    contest kind (asked with a non-zero value); {} for a kind without a rule."""
    kind = rnd.event.contest.kind
    rule = _RULES.get(kind)
    if rule is None:
        return {}
    return {spec.code: rule(spec, Decimal(1), kind) for spec in round_spec_of(rnd).criteria}


def notes_by_sheet(sheet_ids: list[int]) -> dict[int, dict[str, dict[str, str | None]]]:
    """sheet id -> {criterion id (text): {"note", "document_no"}}."""
    out: dict[int, dict[str, dict[str, str | None]]] = defaultdict(dict)
    if sheet_ids:
        for sid, cid, note, doc in db.session.execute(select(
                MarkNote.sheet_id, MarkNote.criterion_id, MarkNote.note, MarkNote.document_no).where(
                MarkNote.sheet_id.in_(sheet_ids))):
            out[sid][str(cid)] = {"note": note, "document_no": doc}
    return out


@dataclass
class MissingNote:
    """A mark that needs a reason (or a document number) and has none: listed where a merit period is ranked, and
    refused when a tablet signs its sheet."""
    sheet: ScoreSheet
    criterion: Criterion
    value: Decimal
    need_doc: bool          # the note is there but the 通报 document number is missing

    @property
    def entrant(self) -> str:
        return self.sheet.entry.entrant.name

    @property
    def judge(self) -> str:
        return self.sheet.judge.display_name if self.sheet.judge else str(self.sheet.judge_id)


def missing_notes(rnd: Round, sheets: list[ScoreSheet]) -> list[MissingNote]:
    """These sheets' (of one round) marks that need a reason (or 文号) and have none, in sheet and criterion order."""
    kind = rnd.event.contest.kind
    rule = _RULES.get(kind)
    if rule is None or not sheets:
        return []
    rspec = round_spec_of(rnd)
    notes = {(n.sheet_id, n.criterion_id): n for n in db.session.scalars(
        select(MarkNote).where(MarkNote.sheet_id.in_([s.id for s in sheets])))}
    crits = {c.id: c for c in rnd.criteria}
    out = []
    for sheet in sheets:
        for m in sorted(sheet.marks, key=lambda m: crits[m.criterion_id].order if m.criterion_id in crits else 0):
            crit = crits.get(m.criterion_id)
            spec = rspec.criterion(crit.code) if crit else None
            if spec is None:
                continue
            need_note, need_doc = rule(spec, m.value, kind)
            note = notes.get((sheet.id, crit.id))
            if need_note and (note is None or not note.note.strip()):
                out.append(MissingNote(sheet, crit, m.value, False))
            elif need_doc and (note is None or not note.document_no):
                out.append(MissingNote(sheet, crit, m.value, True))
    return out


def sheet_missing_notes(sheet: ScoreSheet) -> list[MissingNote]:
    """One sheet's marks that need a reason (or 文号) and have none, whatever its status: what a tablet submit checks
    before it signs the sheet."""
    return missing_notes(sheet.round, [sheet])
