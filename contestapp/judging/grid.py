"""The chief judge's marks grid: a round's entries (by the codes judges see) x its judges, per criterion or as each
judge's round total, with the panel value per entry, the marks the panel rule drops, spread alerts, and progress.

Nothing here scores or reads marks itself: `console.round_grid` hands in the results area's inputs (the submitted
sheets' marks, `results.inputs.entry_inputs`), and the values and dropped marks come from the one engine in
`contestapp.domain` (`score_criterion`, `score_round`), so the grid shows what the results will. Entries are named
by `judge_code` only: no name or unit before decryption.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Optional

from flask_babel import gettext as _
from sqlalchemy import select

from contestapp.auth.models import User
from contestapp.common.formatting import number
from contestapp.contests.models import Criterion, Round
from contestapp.domain import (CriterionResult, EntryRoundInput, RoundSpec, ScoringError, score_criterion,
                               score_round)
from contestapp.domain.panel import fmt
from contestapp.entrants.models import Entry, EntryStatus
from contestapp.extensions import db
from contestapp.i18n import tr
from contestapp.judging.common import judge_code
from contestapp.judging.criteria import sheet_total
from contestapp.judging.models import VOID_STATUS, Assignment, Mark, Recusal, ScoreSheet, SheetStatus

@dataclass
class Matrix:
    round: Round
    judges: list[User]
    entries: list[Entry]
    cells: dict[tuple[int, int], dict[str, Any]]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def all_signed(self) -> bool:
        return self.counts.get("total", 0) > 0 and self.counts.get("submitted", 0) == self.counts["total"]


def progress_matrix(rnd: Round) -> Matrix:
    judges = list(db.session.scalars(select(User).join(Assignment, Assignment.judge_id == User.id)
                                     .where(Assignment.round_id == rnd.id).order_by(User.display_name)))
    entries = list(db.session.scalars(select(Entry).where(
        Entry.event_id == rnd.event_id, Entry.status == EntryStatus.ACTIVE, Entry.code.is_not(None))))
    entries.sort(key=lambda e: judge_code(e) or "")
    filled = dict(db.session.execute(select(Mark.sheet_id, db.func.count(Mark.id)).join(ScoreSheet).where(
        ScoreSheet.round_id == rnd.id).group_by(Mark.sheet_id)).all())
    cells: dict[tuple[int, int], dict[str, Any]] = {}
    counts: dict[str, int] = defaultdict(int)
    for s in db.session.scalars(select(ScoreSheet).where(ScoreSheet.round_id == rnd.id)):
        state = s.status if s.status != SheetStatus.DRAFT else ("draft" if filled.get(s.id) else "not_started")
        cells[(s.entry_id, s.judge_id)] = {"sheet": s, "state": state, "filled": filled.get(s.id, 0)}
        if state != VOID_STATUS:
            counts[state] += 1
            counts["total"] += 1
    for r in db.session.scalars(select(Recusal).where(Recusal.entry_id.in_([e.id for e in entries] or [0]))):
        if (r.entry_id, r.judge_id) not in cells or cells[(r.entry_id, r.judge_id)]["state"] == VOID_STATUS:
            cells[(r.entry_id, r.judge_id)] = {"sheet": None, "state": "recused", "reason": r.reason}
    return Matrix(rnd, judges, entries, cells, dict(counts))


ROUND_VIEW = ""  # the view of each judge's round total (a criterion's code selects that criterion)


@dataclass
class Cell:
    """One judge's part in one entry: the sheet's state, and (submitted sheets) the mark or the round total."""

    judge_id: int
    state: str                        # not_started, draft, submitted, returned, void, recused, none, unassigned
    sheet_id: Optional[int] = None
    value: Optional[Decimal] = None   # the mark (criterion view) or the sheet's total (round view)
    dropped: int = 0                  # marks of this cell the panel rule drops (criterion view: 0 or 1)
    alert: Optional[str] = None       # the spread alert this cell's mark is an extreme of


@dataclass
class Row:
    entry: Entry
    code: str
    cells: list[Cell]
    panel: Optional[Decimal] = None   # the criterion's panel value, or the round score
    why: Optional[str] = None         # why there is no panel value yet

    @property
    def panel_text(self) -> str:
        """The value as explanations show it (an unrounded mean shortened to 4 places: `domain.panel.fmt`)."""
        return "" if self.panel is None else fmt(self.panel)


@dataclass
class Alert:
    entry_id: int
    code: str
    criterion: str         # criterion code
    name: str              # criterion name
    text: str              # the domain's alert (评分差 10 超过 3)
    judge_id: int          # the judge with the highest mark: the cell the list links to


@dataclass
class JudgeProgress:
    judge: User
    submitted: int
    assigned: int


@dataclass
class Grid:
    round: Round
    view: str                              # ROUND_VIEW or a criterion code
    criteria: list[Criterion]
    judges: list[User]
    rows: list[Row]
    progress: list[JudgeProgress]
    alerts: list[Alert]
    matrix: Matrix
    note: Optional[str] = None             # why nothing can be scored (the definition is broken)
    criterion: Optional[Criterion] = None  # the selected criterion

    @property
    def counts(self) -> dict[str, int]:
        return self.matrix.counts


def _alert_extremes(result: CriterionResult) -> tuple[set[str], Optional[str]]:
    """The judges (labels) whose marks are the lowest or highest of an alerted criterion, and the highest's."""
    marks = list(result.used) + list(result.dropped)
    if not result.alert or not marks:
        return set(), None
    low, high = min(m.value for m in marks), max(m.value for m in marks)
    top = max(marks, key=lambda m: (m.value, m.judge)).judge
    return {m.judge for m in marks if m.value in (low, high)}, top


def _alert_text(result: CriterionResult, limit) -> str:
    """The domain's spread alert (`panel.score_criterion`: 评分差 … 超过 …) in the reader's language."""
    values = [m.value for m in list(result.used) + list(result.dropped)]
    return _("评分差 %(spread)s 超过 %(limit)s，请裁判长核查", spread=number(max(values) - min(values)),
             limit=number(limit))


def marks_grid(rnd: Round, view: str = ROUND_VIEW, spec: Optional[RoundSpec] = None,
               inputs: Optional[dict[int, list[EntryRoundInput]]] = None, note: Optional[str] = None) -> Grid:
    """The grid of a round in a view (ROUND_VIEW, or a criterion code of the round; an unknown code is the round).
    `spec` is the round's rule and `inputs` the results area's inputs of its submitted sheets (entry id -> the
    domain's inputs, judges named by username: `console.round_grid` reads them); without them only states show."""
    criteria = list(rnd.criteria)
    chosen = next((c for c in criteria if c.code == view), None)
    view = chosen.code if chosen else ROUND_VIEW
    m = progress_matrix(rnd)
    judges = m.judges
    by_name = {j.username: j.id for j in judges}
    crit_ids = {c.code: c.id for c in criteria}
    scope = dict(db.session.execute(select(Assignment.judge_id, Assignment.criteria).where(
        Assignment.round_id == rnd.id)).all())
    inputs = inputs or {}
    rspec = spec
    values: dict[tuple[int, int], dict[int, Decimal]] = defaultdict(dict)  # (entry, judge) -> criterion id -> mark
    for entry_id, data in inputs.items():
        for x in (mark for d in data if d.round == rnd.code for mark in d.marks):
            if x.judge in by_name and x.criterion in crit_ids:
                values[(entry_id, by_name[x.judge])][crit_ids[x.criterion]] = x.value

    rows, alerts = [], []
    for e in m.entries:
        code = judge_code(e) or ""
        results: dict[str, CriterionResult] = {}
        why = None
        data = next((d for d in inputs.get(e.id, []) if d.round == rnd.code), None)
        if rspec is not None and data is not None:
            for cs in rspec.criteria:
                marks = [x for x in data.marks if x.criterion == cs.code]
                if marks:
                    try:
                        results[cs.code] = score_criterion(cs, cs.panel_for(rspec.panel), marks)
                    except ScoringError as exc:
                        why = tr(exc)
        extremes: dict[str, set[str]] = {}
        texts: dict[str, str] = {}  # the domain's alert in the reader's language
        for cr in results.values():
            judges_at, top = _alert_extremes(cr)
            if top is not None:
                texts[cr.code] = _alert_text(cr, rspec.criterion(cr.code).panel_for(rspec.panel).spread_alert)
                alerts.append(Alert(e.id, code, cr.code, cr.name, texts[cr.code], by_name.get(top, 0)))
                for label in judges_at:
                    extremes.setdefault(label, set()).add(cr.code)
        dropped = defaultdict(set)  # judge label -> criterion codes dropped
        for cr in results.values():
            for d in cr.dropped:
                dropped[d.judge].add(cr.code)

        cells = []
        for j in judges:
            found = m.cells.get((e.id, j.id))
            state = found["state"] if found else "none"
            sheet = found.get("sheet") if found else None
            cell = Cell(j.id, state, sheet.id if sheet is not None else None)
            mine = scope.get(j.id)
            if chosen is not None and mine and chosen.code not in mine:
                cell.state = "unassigned" if state not in ("recused", VOID_STATUS) else state
            elif state == "submitted":
                given = values.get((e.id, j.id), {})
                if chosen is not None:
                    cell.value = given.get(chosen.id)
                    cell.dropped = int(chosen.code in dropped.get(j.username, ()))
                    if chosen.code in extremes.get(j.username, ()):
                        cell.alert = texts[chosen.code]
                else:
                    own = [c for c in criteria if not mine or c.code in mine]
                    cell.value = sheet_total(own, given)
                    cell.dropped = len(dropped.get(j.username, ()))
                    if extremes.get(j.username):
                        cell.alert = "；".join(f"{results[c].name}：{texts[c]}" for c in
                                              [x.code for x in criteria] if c in extremes[j.username])
            cells.append(cell)

        panel = None
        if chosen is not None:
            if chosen.code in results:
                panel = results[chosen.code].value
            elif rspec is not None:
                why = why or _("尚无已提交的评分")
        elif rspec is not None and data is not None:
            try:
                panel = score_round(rspec, data).score
            except ScoringError as exc:
                why = tr(exc)
        elif rspec is not None:
            why = _("尚无已提交的评分")
        rows.append(Row(e, code, cells, panel, why))

    alerts.sort(key=lambda a: (a.code, [c.code for c in criteria].index(a.criterion)
                               if a.criterion in [c.code for c in criteria] else 0))
    progress = []
    for j in judges:
        states = [c["state"] for (eid, jid), c in m.cells.items() if jid == j.id]
        counted = [s for s in states if s not in (VOID_STATUS, "recused")]
        progress.append(JudgeProgress(j, counted.count("submitted"), len(counted)))
    return Grid(rnd, view, criteria, judges, rows, progress, alerts, m, note, chosen)


# --- the organiser's assignment picker: judges x criteria of a round ----------------------------------------------

@dataclass
class PickerRow:
    judge: User
    all: bool = False                               # 本轮全部评分项 (criteria None)
    ticked: set[str] = field(default_factory=set)   # criterion codes

    @property
    def assigned(self) -> bool:
        return self.all or bool(self.ticked)


@dataclass
class PickerRound:
    round: Round
    criteria: list[Criterion]
    rows: list[PickerRow]
    error: Optional[str] = None

    @property
    def judge_count(self) -> int:
        return sum(r.assigned for r in self.rows)


def read_picks(form, judges: list[User]) -> dict[int, Optional[list[str]]]:
    """A submitted picker (fields `j<judge id>`: "*" for all criteria, else criterion codes): judge id -> codes or
    None (all); judges with nothing ticked are left out (not on the round)."""
    out: dict[int, Optional[list[str]]] = {}
    for j in judges:
        values = [v[:50] for v in form.getlist(f"j{j.id}")[:200]]
        if "*" in values:
            out[j.id] = None
        elif values:
            out[j.id] = list(dict.fromkeys(values))
    return out


def assignment_picker(contest, judges: list[User], posted: Optional[tuple[int, dict, str]] = None
                      ) -> list[PickerRound]:
    """Every round of the contest with its criteria and, per judge, what the judge scores there now; `posted`
    (round id, picks, error) shows a refused submission as it was sent, with its message."""
    current: dict[int, dict[int, Optional[list[str]]]] = defaultdict(dict)
    for a in db.session.scalars(select(Assignment).where(Assignment.contest_id == contest.id)):
        current[a.round_id][a.judge_id] = a.criteria or None
    out = []
    for event in contest.events:
        for rnd in event.rounds:
            picks, error = current.get(rnd.id, {}), None
            if posted is not None and posted[0] == rnd.id:
                picks, error = posted[1], posted[2]
            rows = [PickerRow(j, j.id in picks and picks[j.id] is None, set(picks.get(j.id) or ())) for j in judges]
            out.append(PickerRound(rnd, list(rnd.criteria), rows, error))
    return out
