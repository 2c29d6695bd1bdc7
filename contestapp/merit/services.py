"""Merit contests and points assessments: periods, sheets, ranking, red flags, bulletins, the year. Never commit.

Every function that depends on the time takes `now` (aware UTC datetime), so jobs and tests can freeze the clock.
Scoring goes through the pure domain: a period of an event is a RoundSpec (`spec_of(contest)`), marks come from
the assessors' submitted ScoreSheets, and `domain.ranking.rank` orders the results (vetoed entries last).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Iterable

from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import selectinload

from contestapp.audit.service import record
from contestapp.contests.definition import round_spec_of, spec_of
from contestapp.contests.models import Contest, Criterion, Event, Round
from contestapp.domain.merit import (
    HonourRule as HonourSpec, PeriodScore, RankBand, allocate_honours, flag_top, rank_rewards, red_flags, year_result)
from contestapp.domain.ranking import Ranked, rank
from contestapp.domain.scoring import EntryResult, ScoringError, score_round
from contestapp.domain.types import ZERO, CriterionSpec, EventSpec, RoundSpec
from contestapp.entrants.models import Entrant, Entry, Unit
from contestapp.extensions import db
from contestapp.i18n import N_
from contestapp.judging.models import Mark, ScoreSheet, SheetStatus
from contestapp.merit.models import (
    AnnualReview, Bulletin, Evidence, Honour, HonourRule, MarkNote, Period, PeriodStanding, PeriodStatus,
    RankReward, SelfMark, SelfSheet, UnitProfile)
from contestapp.results.inputs import SheetMark, entry_inputs, sheet_input, submitted_marks
from contestapp.merit.periods import MeritError, active_entries, periods_of, project_of, rounds_of
from contestapp.merit.periods import (  # noqa: F401  (moved to merit.periods; still reachable from here)
    MERIT_KINDS, close_period, generate_periods, open_period, save_project)

DEFAULT_HONOURS = {  # event mode -> [(code, label, quota)]; labels and quotas are edited per contest
    "unit": [("advanced_unit", "先进集体", 3), ("may_day_banner", "推荐五一劳动奖状", 1)],
    "team": [("pioneer_team", "工人先锋号", 2)],
    "individual": [("advanced_person", "先进个人", 10), ("may_day_medal", "推荐五一劳动奖章", 1),
                   ("builder", "建设功臣", 5), ("merit_person", "记功个人", 10)],
}


BLANK_AS_ZERO = ("deduction",)  # a deduction an assessor's submitted sheet leaves blank is 0


# --- sheets --------------------------------------------------------------------------------------------------------

def criterion_specs(contest: Contest, rnd: Round) -> RoundSpec:
    """The round's spec, to check a sheet's marks and reasons against (read alone: see `round_spec_of`)."""
    return round_spec_of(rnd)


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
            value = Decimal(raw)
        except InvalidOperation:
            raise MeritError(f"{c.name}：请输入数字") from None
        out[c.code] = SheetInput(value, (form.get(f"n_{c.code}") or "").strip(), (form.get(f"d_{c.code}") or "").strip())
    return out


def check_inputs(rspec: RoundSpec, values: dict[str, SheetInput], complete: bool, kind: str = "merit") -> list[str]:
    """Every problem (Chinese). `complete`: every measurement/judgement item needs a value (deductions default 0)."""
    problems = []
    for code, item in values.items():
        spec = rspec.criterion(code)
        if spec is None:
            problems.append(f"未定义的指标 {code}")
            continue
        why = spec.check_mark(item.value)
        if why:
            problems.append(f"{spec.name}：{why}")
            continue
        need_note, need_doc = note_required(spec, item.value, kind)
        if need_note and not item.note:
            problems.append(f"{spec.name}：请填写扣分/加分/否决的原因")
        if need_doc and not item.document_no:
            problems.append(f"{spec.name}：请填写通报文号")
        if len(item.note) > 500 or len(item.document_no) > 100:
            problems.append(f"{spec.name}：说明过长")
    if complete:
        for spec in rspec.criteria:
            if spec.kind in ("measurement", "judgement") and spec.code not in values:
                problems.append(f"{spec.name}：请填写")
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
        raise MeritError("；".join(problems))
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


@dataclass
class MissingNote:
    """A submitted assessor's mark that needs a reason (or a document number) and has none: marks entered through
    the judging tablet API carry no notes, so the merit rule is checked here, where the period is ranked."""
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
        out += _gaps(rnd, sheets)
    return out


def sheet_missing_notes(sheet: ScoreSheet) -> list[MissingNote]:
    """One sheet's marks that need a reason (or 文号) and have none, whatever its status: what a tablet submit in a
    merit contest would check before it signs the sheet (see the judging area)."""
    return _gaps(sheet.round, [sheet])


def _gaps(rnd: Round, sheets: list[ScoreSheet]) -> list[MissingNote]:
    if not sheets:
        return []
    contest = rnd.event.contest
    rspec = criterion_specs(contest, rnd)
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
            need_note, need_doc = note_required(spec, m.value, contest.kind)
            note = notes.get((sheet.id, crit.id))
            if need_note and (note is None or not note.note.strip()):
                out.append(MissingNote(sheet, crit, m.value, False))
            elif need_doc and (note is None or not note.document_no):
                out.append(MissingNote(sheet, crit, m.value, True))
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
        raise MeritError("；".join(problems))
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
        raise MeritError("；".join(problems))
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


# --- ranking a period ----------------------------------------------------------------------------------------------

@dataclass
class Standing:
    entry: Entry
    result: Any = None                # domain RoundResult, or None (not assessed / incomplete)
    rank: int | None = None
    self_score: Decimal | None = None
    red_flag: bool = False
    rewards: list[RankBand] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)   # deductions, bonuses, adjustments, vetoes
    problem: str | None = None

    @property
    def name(self) -> str:
        return self.entry.entrant.name


def _counts(rnd: Round, rspec: RoundSpec, contest: Contest) -> Callable[[SheetMark], bool]:
    """Which submitted marks count: all, except (1+X points) a special item's bonus without confirmed evidence."""
    if contest.kind != "points":
        return lambda m: True
    evidence_ok = set(db.session.execute(select(Evidence.entry_id, Evidence.criterion_id).where(
        Evidence.contest_id == contest.id, Evidence.status == "confirmed")).all())
    bonus = {c.id for c in rnd.criteria if rspec.criterion(c.code).kind == "bonus"}
    return lambda m: not (m.criterion_id in bonus and m.value and (m.entry_id, m.criterion_id) not in evidence_ok)


def _notes(rnd: Round, rspec: RoundSpec, counts: Callable[[SheetMark], bool]) -> dict[int, list[dict]]:
    """The notes behind each entry's deductions, bonuses and vetoes, and the marks that do not count."""
    marks = submitted_marks([rnd.id])
    notes = {(n.sheet_id, n.criterion_id): n for n in db.session.scalars(
        select(MarkNote).where(MarkNote.sheet_id.in_({m.sheet_id for m in marks})))}
    codes = {c.id: c.code for c in rnd.criteria}
    why: dict[int, list[dict]] = defaultdict(list)
    for m in marks:
        spec = rspec.criterion(codes[m.criterion_id])
        if not counts(m):
            why[m.entry_id].append({"criterion": spec.name, "kind": "evidence", "value": str(m.value),
                                    "note": "佐证材料未确认，不计分", "document_no": None, "judge": m.judge})
        elif spec.kind == "deduction" and m.value > 0 or spec.kind in ("bonus", "veto") and m.value != 0:
            note = notes.get((m.sheet_id, m.criterion_id))
            points = m.value * spec.deduction_per if spec.deduction_per else m.value
            why[m.entry_id].append({"criterion": spec.name, "kind": spec.kind, "value": str(points),
                                    "count": str(m.value) if spec.deduction_per else None,
                                    "note": note.note if note and note.note.strip() else "（未填写原因）",
                                    "missing": not (note and note.note.strip()),
                                    "document_no": note.document_no if note else None, "judge": m.judge})
    return why


def _self_scores(period: Period, rspec: RoundSpec, rnd: Round) -> dict[int, Decimal]:
    codes = {c.id: c.code for c in rnd.criteria}
    out = {}
    for sheet in db.session.scalars(select(SelfSheet).join(Entry, SelfSheet.entry_id == Entry.id)
                                    .where(SelfSheet.period_id == period.id, SelfSheet.status == "submitted",
                                           Entry.event_id == rnd.event_id)
                                    .options(selectinload(SelfSheet.marks))):
        values = {codes[m.criterion_id]: m.value for m in sheet.marks if m.criterion_id in codes}
        try:
            out[sheet.entry_id] = score_round(rspec, sheet_input(str(sheet.entry_id), rspec, "self", values,
                                                                 BLANK_AS_ZERO)).score
        except ScoringError:
            continue
    return out


def _bands(contest_id: int) -> list[RankBand]:
    return [RankBand(r.from_rank, r.to_rank, r.label, r.amount, r.from_bottom) for r in db.session.scalars(
        select(RankReward).where(RankReward.contest_id == contest_id).order_by(RankReward.from_bottom,
                                                                              RankReward.from_rank))]


def compute_period(period: Period) -> dict[int, tuple[Event, list[Standing]]]:
    """Every event's standings for a period (nothing is stored): event id -> (event, standings best first)."""
    contest = period.contest
    spec = spec_of(contest)
    project = project_of(contest)
    top = (project.top_flag if contest.kind == "points" else project.red_flags) if project else 3
    bands = _bands(contest.id)
    out = {}
    for event in contest.events:
        rnd = next((r for r in event.rounds if r.code == period.code), None)
        if rnd is None:
            continue
        espec: EventSpec = spec.event(event.code)  # type: ignore[assignment]
        rspec = espec.round(rnd.code)
        counts = _counts(rnd, rspec, contest)
        inputs = entry_inputs(event, espec, round_codes=[rnd.code], key=str, blank_as_zero=BLANK_AS_ZERO,
                              counts=counts)
        why = _notes(rnd, rspec, counts)
        selfs = _self_scores(period, rspec, rnd)
        standings: dict[int, Standing] = {}
        results = []
        for entry in active_entries(event.id):
            st = Standing(entry, self_score=selfs.get(entry.id), notes=why.get(entry.id, []))
            standings[entry.id] = st
            if entry.id not in inputs:
                st.problem = N_("未考评")
                continue
            try:
                st.result = r = score_round(rspec, inputs[entry.id][0])
            except ScoringError as exc:
                st.problem = str(exc)
                continue
            results.append(EntryResult(str(entry.id), r.score, r.time, r.vetoed, r.veto_reasons, r.passed, (r,),
                                       r.explanation))
        ranked = rank(results, espec.chain if espec.tie_break is not None else ())
        flagged = set(flag_top(ranked, top) if contest.kind == "points" else red_flags(ranked, top))
        rewards = rank_rewards(ranked, bands)
        ordered = []
        for r in ranked:
            st = standings[int(r.entry)]
            st.rank, st.red_flag, st.rewards = r.rank, r.entry in flagged, rewards.get(r.entry, [])
            ordered.append(st)
        ordered += [st for st in standings.values() if st.rank is None]
        out[event.id] = (event, ordered)
    return out


def lost_points(rspec: RoundSpec, result) -> dict[str, str]:
    """Where an entry's points were lost: criterion code -> points short of the item's maximum (scored kinds)."""
    lost = {}
    for cs in rspec.criteria:
        if cs.kind not in ("measurement", "judgement", "deduction"):
            continue
        cr = result.criterion(cs.code)
        short = (cs.max - cr.value) * cs.weight
        if short:
            lost[cs.code] = str(short)
    return lost


def publish_period(period: Period, now: datetime, by: str = "") -> Bulletin | None:
    """Rank a closed period, store its standings and red flags, and produce its bulletin (once).

    Returns the new Bulletin, or None if the period is not closed (already published, or still open)."""
    if period.status != PeriodStatus.CLOSED:
        return None
    contest = period.contest
    spec = spec_of(contest)
    computed = compute_period(period)
    db.session.execute(delete(PeriodStanding).where(PeriodStanding.period_id == period.id))
    for event_id, (event, standings) in computed.items():
        rspec = spec.event(event.code).round(period.code)  # type: ignore[union-attr]
        for st in standings:
            r = st.result
            db.session.add(PeriodStanding(
                period_id=period.id, event_id=event_id, entry_id=st.entry.id, rank=st.rank,
                score=r.score if r else None, self_score=st.self_score, vetoed=bool(r and r.vetoed),
                red_flag=st.red_flag, rewards="、".join(b.label for b in st.rewards) or None,
                reward_amount=sum((b.amount for b in st.rewards), ZERO) if st.rewards else None,
                lost=lost_points(rspec, r) if r else {},
                detail={"veto": list(r.veto_reasons) if r else [], "notes": st.notes, "problem": st.problem,
                        "explanation": r.explanation.text() if r else ""}))
    bulletin = Bulletin(period_id=period.id, path="", sha256="", size=0, created_by=by[:100])
    db.session.add(bulletin)
    db.session.flush()  # the unique period_id refuses a second bulletin before any file is written
    from contestapp.merit.bulletin import write_bulletin

    path, digest, size = write_bulletin(period, computed, previous_flags(period))
    bulletin.path, bulletin.sha256, bulletin.size = path, digest, size
    period.status, period.published_at = PeriodStatus.PUBLISHED, now
    record(None, "merit.bulletin", period, contest_id=contest.id, summary=f"{period.name}排名与通报已生成",
           data={"bulletin": path, "sha256": digest, "by": by})
    db.session.flush()
    return bulletin


def previous_flags(period: Period) -> dict[int, list[str]]:
    """Red-flag holders of the previous published period, by event (to show the flag moving)."""
    prev = db.session.scalar(select(Period).where(Period.contest_id == period.contest_id, Period.seq < period.seq,
                                                  Period.status == PeriodStatus.PUBLISHED).order_by(Period.seq.desc()))
    if prev is None:
        return {}
    out: dict[int, list[str]] = defaultdict(list)
    for st in db.session.scalars(select(PeriodStanding).where(PeriodStanding.period_id == prev.id,
                                                              PeriodStanding.red_flag.is_(True))
                                 .options(selectinload(PeriodStanding.entry).selectinload(Entry.entrant))
                                 .order_by(PeriodStanding.rank)):
        out[st.event_id].append(st.entry.entrant.name)
    return out


def red_flag_holders(period: Period) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    for st in db.session.scalars(select(PeriodStanding).where(PeriodStanding.period_id == period.id,
                                                              PeriodStanding.red_flag.is_(True))
                                 .options(selectinload(PeriodStanding.entry).selectinload(Entry.entrant))
                                 .order_by(PeriodStanding.rank)):
        out[st.event_id].append(st.entry.entrant.name)
    return out


def standings_of(period: Period) -> list[PeriodStanding]:
    return list(db.session.scalars(
        select(PeriodStanding).where(PeriodStanding.period_id == period.id)
        .options(selectinload(PeriodStanding.entry).selectinload(Entry.entrant).selectinload(Entrant.unit))
        .order_by(PeriodStanding.event_id, PeriodStanding.rank.is_(None), PeriodStanding.rank, PeriodStanding.id)))


def missing_sheets(period: Period) -> dict[str, list]:
    """Who still owes a sheet: assessors (user id -> count) and units (user id -> entrant names)."""
    rounds = [r.id for r in rounds_of(period).values()]
    judges = dict(db.session.execute(select(ScoreSheet.judge_id, func.count(ScoreSheet.id)).where(
        ScoreSheet.round_id.in_(rounds), ScoreSheet.status != SheetStatus.SUBMITTED).group_by(ScoreSheet.judge_id)).all())
    units: dict[int, list[str]] = defaultdict(list)
    for name, user_id in db.session.execute(
            select(Entrant.name, UnitProfile.user_id).select_from(SelfSheet)
            .join(Entry, SelfSheet.entry_id == Entry.id).join(Entrant, Entry.entrant_id == Entrant.id)
            .join(UnitProfile, UnitProfile.unit_id == Entrant.unit_id)
            .where(SelfSheet.period_id == period.id, SelfSheet.status != "submitted",
                   UnitProfile.user_id.is_not(None))):
        units[user_id].append(name)
    return {"assessors": list(judges.items()), "units": list(units.items())}


# --- the year ------------------------------------------------------------------------------------------------------

def year_ranking(contest: Contest, event: Event) -> list[Ranked]:
    """Cumulative ranking of the year: weighted mean of the published periods plus the annual review."""
    project = project_of(contest)
    review_weight = project.review_weight if project else ZERO
    periods = {p.id: p for p in periods_of(contest) if p.status == PeriodStatus.PUBLISHED}
    by_entry: dict[int, list[PeriodScore]] = defaultdict(list)
    for st in db.session.scalars(select(PeriodStanding).where(PeriodStanding.event_id == event.id,
                                                              PeriodStanding.period_id.in_(list(periods)),
                                                              PeriodStanding.score.is_not(None))):
        p = periods[st.period_id]
        by_entry[st.entry_id].append(PeriodScore(p.code, p.name, p.weight, st.score, st.vetoed,
                                                 tuple(st.detail.get("veto") or ())))
    reviews = dict(db.session.execute(select(AnnualReview.entry_id, AnnualReview.score).join(Entry).where(
        Entry.event_id == event.id)).all())
    results = []
    for entry in active_entries(event.id):
        scores = sorted(by_entry.get(entry.id, []), key=lambda s: s.period)
        if not scores and entry.id not in reviews:
            continue
        results.append(year_result(str(entry.id), scores, reviews.get(entry.id), review_weight))
    return rank(results, ())


def ensure_honour_rules(contest: Contest) -> list[HonourRule]:
    rules = list(db.session.scalars(select(HonourRule).where(HonourRule.contest_id == contest.id)
                                    .order_by(HonourRule.order, HonourRule.id)))
    if rules:
        return rules
    order = 0
    for event in contest.events:
        for code, label, quota in _honours_of(event):
            order += 1
            rule = HonourRule(contest_id=contest.id, event_id=event.id, code=f"{event.code}.{code}", label=label,
                              quota=quota, order=order)
            db.session.add(rule)
            rules.append(rule)
    db.session.flush()
    return rules


def _honours_of(event: Event) -> list[tuple[str, str, int]]:
    """The honours the definition names for the event (a title up to a place: 先进集体 to_place 3 = a quota of 3), or
    the defaults for its kind of entrant."""
    titles = [t for t in (event.rules or {}).get("titles") or [] if t.get("to_place") and t.get("name")]
    if titles:
        return [(f"t{i}", t["name"], int(t["to_place"]) - int(t.get("from_place") or 1) + 1)
                for i, t in enumerate(titles, start=1)]
    return DEFAULT_HONOURS.get(event.mode, [])


def assign_honours(contest: Contest, actor) -> list[Honour]:
    """Recompute the year's honour list from the cumulative ranking (vetoed entries excluded)."""
    rules = ensure_honour_rules(contest)
    db.session.execute(delete(Honour).where(Honour.contest_id == contest.id))
    entries = {}
    out = []
    for event in contest.events:
        ranked = year_ranking(contest, event)
        for e in active_entries(event.id):
            entries[e.id] = e
        for rule in [r for r in rules if r.event_id == event.id]:
            grants = allocate_honours(HonourSpec(rule.code, rule.label, rule.quota), ranked)
            settled = _settled_tie(rule, grants)
            for g in grants:
                if settled is not None and g.pending and int(g.entry) not in settled:
                    continue  # the organiser gave this tied place to another
                entry = entries[int(g.entry)]
                total = next(r.total for r in ranked if r.entry == g.entry)
                honour = Honour(contest_id=contest.id, rule_id=rule.id, entry_id=entry.id, year=contest.year,
                                label=rule.label, entrant_name=entry.entrant.name,
                                unit_name=entry.entrant.unit_name or None, rank=g.rank, score=total,
                                pending=g.pending and settled is None)
                db.session.add(honour)
                out.append(honour)
    db.session.flush()
    record(actor, "merit.honours", contest, contest_id=contest.id, summary=f"评定年度荣誉 {len(out)} 项",
           data={"honours": [(h.label, h.entrant_name, h.rank) for h in out]})
    return out


def _settled_tie(rule: HonourRule, grants) -> set[int] | None:
    """The entries the organiser chose for this rule's tie, if the stored decision still fits: the same entries are
    tied at the quota and the same number of places is free. Otherwise None (the tie stays pending)."""
    decision = rule.tie_decision
    if not decision:
        return None
    pending = {int(g.entry) for g in grants if g.pending}
    free = rule.quota - sum(1 for g in grants if not g.pending)
    chosen = {int(i) for i in decision.get("chosen", [])}
    if pending and pending == {int(i) for i in decision.get("among", [])} and len(chosen) == free:
        return chosen
    return None


def pending_ties(contest: Contest) -> dict[int, list[Honour]]:
    """Pending honours (a tie across the quota) by rule id."""
    out: dict[int, list[Honour]] = defaultdict(list)
    for h in db.session.scalars(select(Honour).where(Honour.contest_id == contest.id, Honour.pending.is_(True))
                                .order_by(Honour.rule_id, Honour.rank, Honour.id)):
        out[h.rule_id].append(h)
    return out


def settle_honour_tie(rule: HonourRule, chosen: Iterable[int], reason: str, actor,
                      now: datetime | None = None) -> list[Honour]:
    """Settle a tie across an honour's quota: exactly as many of the tied entries as there are places left get the
    honour, the others are taken off the list. A reason is required; the decision is audited and kept on the rule
    (re-applied when the honours are recomputed with the same tie). Returns the honours granted."""
    reason = (reason or "").strip()
    pending = list(db.session.scalars(select(Honour).where(Honour.rule_id == rule.id, Honour.pending.is_(True))
                                      .order_by(Honour.rank, Honour.id)))
    if not pending:
        raise MeritError(N_("该荣誉没有待确定的并列"))
    granted = db.session.scalar(select(func.count(Honour.id)).where(Honour.rule_id == rule.id,
                                                                     Honour.pending.is_(False))) or 0
    free = rule.quota - granted
    chosen = {int(i) for i in chosen}
    by_entry = {h.entry_id: h for h in pending}
    if not chosen <= set(by_entry):
        raise MeritError(N_("只能在并列的名单中选择"))
    if len(chosen) != free:
        raise MeritError(f"剩余名额 {free} 个，请选择 {free} 个（已选 {len(chosen)} 个）")
    if not reason:
        raise MeritError(N_("请填写确定理由"))
    if len(reason) > 500:
        raise MeritError(N_("理由过长（至多 500 字）"))
    out = []
    for entry_id, h in by_entry.items():
        if entry_id in chosen:
            h.pending = False
            out.append(h)
        else:
            db.session.delete(h)
    at = now or datetime.now(timezone.utc)
    rule.tie_decision = {"among": sorted(by_entry), "chosen": sorted(chosen), "reason": reason,
                         "by": getattr(actor, "username", str(actor)), "at": at.isoformat()}
    db.session.flush()
    record(actor, "merit.honour_tie", rule, contest_id=rule.contest_id,
           summary=f"{rule.label}并列确定：{'、'.join(h.entrant_name for h in out)}（理由：{reason}）",
           data={"among": [(h.entry_id, h.entrant_name) for h in pending], "chosen": sorted(chosen),
                 "reason": reason})
    return out


WEIGHT_MAX = Decimal(100)


def save_period_weights(contest: Contest, raw: dict[int, str], actor) -> list[tuple[str, str, str]]:
    """Each period's weight in the year's weighted mean, from the organiser's form (period id -> text). All or
    nothing: every weight a number from 0 to 100 with at most 4 decimals, and not all 0. Audited.
    Returns the changes [(period name, old, new)]."""
    periods = {p.id: p for p in periods_of(contest)}
    problems, new = [], {}
    for pid, text in raw.items():
        period = periods.get(pid)
        if period is None:
            problems.append(f"未知的考评期 {pid}")
            continue
        try:
            value = Decimal((text or "").strip())
        except InvalidOperation:
            problems.append(f"{period.name}：权重须为数字")
            continue
        if not value.is_finite() or not ZERO <= value <= WEIGHT_MAX:
            problems.append(f"{period.name}：权重须在 0 到 {WEIGHT_MAX} 之间")
        elif value != value.quantize(Decimal("0.0001")):
            problems.append(f"{period.name}：权重至多 4 位小数")
        else:
            new[pid] = value
    if not problems and periods and all(new.get(pid, p.weight) == ZERO for pid, p in periods.items()):
        problems.append("各考评期权重不能全为 0")
    if problems:
        raise MeritError("；".join(problems))
    changes = []
    for pid, value in new.items():
        period = periods[pid]
        if period.weight != value:
            changes.append((period.name, str(period.weight), str(value)))
            period.weight = value
    if changes:
        db.session.flush()
        record(actor, "merit.period_weights", contest, contest_id=contest.id,
               summary="考评期权重：" + "；".join(f"{n} {a} → {b}" for n, a, b in changes), data={"changes": changes})
    return changes


def save_review(entry: Entry, score: Decimal, note: str, actor) -> AnnualReview:
    if not ZERO <= score <= Decimal(100):
        raise MeritError(N_("年度考评得分须在 0 到 100 之间"))
    review = db.session.scalar(select(AnnualReview).where(AnnualReview.entry_id == entry.id)) or \
        AnnualReview(entry_id=entry.id, score=score)
    old = review.score if review.id else None
    review.score, review.note = score, note or None
    db.session.add(review)
    db.session.flush()
    record(actor, "merit.annual_review", review, contest_id=entry.entrant.contest_id,
           summary=f"年度考评 {entry.entrant.name}：{old} → {score}")
    return review


def save_rewards(contest: Contest, rows: list[tuple[int, int, str, Decimal, bool]], actor) -> None:
    bands = [RankBand(*row) for row in rows]  # validates
    db.session.execute(delete(RankReward).where(RankReward.contest_id == contest.id))
    for b in bands:
        db.session.add(RankReward(contest_id=contest.id, from_rank=b.from_rank, to_rank=b.to_rank, label=b.label,
                                  amount=b.amount, from_bottom=b.from_bottom))
    db.session.flush()
    record(actor, "merit.rewards", contest, contest_id=contest.id, summary=f"奖惩表 {len(bands)} 行")


# --- charts --------------------------------------------------------------------------------------------------------

def chart_data(contest: Contest, event: Event) -> dict[str, Any]:
    """Scores over the published periods per entry, and points lost per indicator (summed over periods)."""
    periods = [p for p in periods_of(contest) if p.status == PeriodStatus.PUBLISHED]
    index = {p.id: i for i, p in enumerate(periods)}
    series: dict[int, list] = {}
    names: dict[int, str] = {}
    lost: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for st in db.session.scalars(select(PeriodStanding).where(PeriodStanding.event_id == event.id,
                                                              PeriodStanding.period_id.in_(list(index)))
                                 .options(selectinload(PeriodStanding.entry).selectinload(Entry.entrant))):
        series.setdefault(st.entry_id, [None] * len(periods))[index[st.period_id]] = st.score
        names[st.entry_id] = st.entry.entrant.name
        for code, value in (st.lost or {}).items():
            lost[st.entry_id][code] += Decimal(value)
    labels = {c.code: c.name for r in event.rounds[:1] for c in r.criteria}
    return {"periods": [p.name.replace("考评", "") for p in periods],
            "series": {names[k]: v for k, v in series.items()},
            "lost": {names[k]: [(labels.get(c, c), v) for c, v in sorted(d.items(), key=lambda kv: -kv[1])]
                     for k, d in lost.items()}}


# --- evidence (points assessments) ---------------------------------------------------------------------------------

EVIDENCE_TYPES = {".pdf": ("application/pdf", b"%PDF-"), ".jpg": ("image/jpeg", b"\xff\xd8\xff"),
                  ".jpeg": ("image/jpeg", b"\xff\xd8\xff"), ".png": ("image/png", b"\x89PNG\r\n\x1a\n")}
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


def evidence_dir(contest_id: int):
    from pathlib import Path

    path = Path(current_app.config["UPLOAD_DIR"]) / "evidence" / str(contest_id)
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_evidence(contest: Contest, entry: Entry, criterion: Criterion, filename: str, content: bytes, note: str,
                   actor) -> Evidence:
    """Check type (by extension AND content) and size, store outside the web root under a random name."""
    import hashlib
    import secrets
    from pathlib import PurePath

    ext = PurePath(filename or "").suffix.lower()
    if ext not in EVIDENCE_TYPES:
        raise MeritError(N_("佐证材料只接受 PDF、JPG、PNG 文件"))
    ctype, magic = EVIDENCE_TYPES[ext]
    if not content.startswith(magic):
        raise MeritError(N_("文件内容与扩展名不符"))
    if len(content) > EVIDENCE_MAX_BYTES:
        raise MeritError(f"文件不能超过 {EVIDENCE_MAX_BYTES // 1024 // 1024} MB")
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


__all__ = ["MeritError", "update"]
