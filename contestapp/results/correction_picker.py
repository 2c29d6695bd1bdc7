"""The mark-correction picker (更正评分): the organiser chooses the entry, the criterion and the judge from lists, sees
the old value, and types the new one, several rows before one submit. The rows become the same structure the text
format gives (`services.mark_change`), and `services.correct_marks` checks and applies them: one validation path."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Optional

from sqlalchemy import String, cast, select

from contestapp.audit.models import AuditEntry
from contestapp.auth.models import User
from contestapp.common.db import plain
from contestapp.contests.models import Criterion, Event, Round
from contestapp.entrants.models import Entry
from contestapp.extensions import db
from contestapp.i18n import N_
from contestapp.judging.models import Mark, ScoreSheet
from contestapp.results import aggregate, engine, services
from contestapp.results.services import ResultsError

MAX_ROWS = 200


@dataclass
class Row:
    """One correction as chosen (kept as typed when refused)."""
    entry: str = ""       # the entry's id
    target: str = ""      # round.criterion
    judge: str = ""       # the judge's account
    value: str = ""       # the new value as typed
    error: Optional[str] = None


def choices(event: Event, decrypted: bool) -> dict:
    """The lists the picker chooses from: entries (by code; the name only after decryption), criteria of every
    round with their range, and the judges who have marks in this event."""
    infos, _versions = aggregate.entries(event.id)
    entries = [(str(i.id), f"{i.label} {i.name}" if decrypted and i.name else i.label) for i in infos.values()]
    criteria = []
    for rs in engine.event_spec(event).rounds:
        for cs in rs.criteria:
            criteria.append((f"{rs.code}.{cs.code}", f"{rs.name} · {cs.name}"))
    judges = db.session.execute(
        select(User.username, User.display_name).join(ScoreSheet, ScoreSheet.judge_id == User.id)
        .join(Round, Round.id == ScoreSheet.round_id).where(Round.event_id == event.id).distinct()
        .order_by(User.username)).all()
    return {"entries": entries, "criteria": criteria,
            "judges": [(u, f"{u}（{d}）" if d and d != u else u) for u, d in judges]}


def entry_marks(event: Event, entry: Entry) -> list[dict]:
    """The submitted marks of one entry: criterion (round.criterion), judge account and value; the picker shows the
    old value from these and offers only the judges who marked the chosen criterion."""
    rows = db.session.execute(
        select(Round.code, Criterion.code, User.username, Mark.value)
        .join(ScoreSheet, ScoreSheet.id == Mark.sheet_id).join(Round, Round.id == ScoreSheet.round_id)
        .join(Criterion, Criterion.id == Mark.criterion_id).join(User, User.id == ScoreSheet.judge_id)
        .where(Round.event_id == event.id, ScoreSheet.entry_id == entry.id, Mark.value.is_not(None))
        .order_by(Round.code, Criterion.code, User.username)).all()
    return [{"criterion": f"{r}.{c}", "judge": u, "value": str(plain(v))} for r, c, u, v in rows]


def rows_from(form) -> list[Row]:
    """The picker's rows from a submitted form (lists named entry, target, judge, value); unused rows are dropped."""
    lists = [form.getlist(k)[:MAX_ROWS] for k in ("entry", "target", "judge", "value")]
    width = max((len(x) for x in lists), default=0)
    rows = [Row(*(((x[i] if i < len(x) else "") or "").strip()[:64] for x in lists)) for i in range(width)]
    return [r for r in rows if r.target or r.judge or r.value]  # an entry chosen alone is an unused row


def changes_from(event: Event, rows: list[Row], translate, *, entry: Optional[Entry] = None,
                 required: bool = True) -> list[tuple[Mark, Decimal]]:
    """The changes of the rows, through the text format's own `services.mark_change`; a refused row gets its
    message (`translate(exc)`) and the whole list is refused (raises ResultsError, nothing changed). The value's
    range is checked by `services.correct_marks` / `decide_appeal`, which name the refused row (`exc.row`). `entry`:
    only this entry's marks (an appeal's); `required`: at least one row."""
    if not rows and required:
        raise ResultsError(N_("请至少添加一行要更正的评分"))
    changes, failed = [], None
    for row in rows:
        who = db.session.get(Entry, int(row.entry)) if row.entry.isdigit() else None
        if who is None or who.event_id != event.id:
            row.error = translate(ResultsError(N_("请选择参赛者")))
        elif entry is not None and who.id != entry.id:
            row.error = translate(ResultsError(N_("只能修改本申诉所涉参赛者 %(entry)s 的评分"), entry=entry.number))
        elif not row.target or not row.judge:
            row.error = translate(ResultsError(N_("请选择评分项和裁判")))
        else:
            try:
                mark, value = services.mark_change(event, who, row.target, row.judge, row.value)
            except ResultsError as exc:
                row.error = translate(exc)
            else:
                changes.append((mark, value))
        failed = failed or row.error
    if failed:
        raise ResultsError(N_("有 %(n)s 行更正不能保存，请按各行提示修改"), n=sum(1 for r in rows if r.error))
    return changes


def audit_notes(event: Event, limit: int = 50) -> list[AuditEntry]:
    """The mark changes of this event kept in the audit log (old and new value, reason), newest first."""
    marks = (select(cast(Mark.id, String)).join(ScoreSheet, ScoreSheet.id == Mark.sheet_id)
             .join(Round, Round.id == ScoreSheet.round_id).where(Round.event_id == event.id))
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.contest_id == event.contest_id, AuditEntry.action == "mark.change",
                                 AuditEntry.object_id.in_(marks)).order_by(AuditEntry.id.desc()).limit(limit)))
