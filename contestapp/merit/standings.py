"""Ranking a merit period and publishing it: standings, red flags, rewards by rank, the bulletin PDF (written by
`merit.bulletin`), who still owes a sheet (the reminders), and the chart data over the published periods.

Every function that depends on the time takes `now` (aware UTC datetime), so jobs and tests can freeze the clock.
Scoring goes through the pure domain: a period of an event is a RoundSpec (`spec_of(contest)`), marks come from
the assessors' submitted ScoreSheets, and `domain.ranking.rank` orders the results (vetoed entries last)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Callable

from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload

from contestapp.audit.service import record
from contestapp.contests.definition import spec_of
from contestapp.contests.models import Contest, Event, Round
from contestapp.domain.merit import RankBand, flag_top, rank_rewards, red_flags
from contestapp.domain.ranking import rank
from contestapp.domain.scoring import EntryResult, ScoringError, score_round
from contestapp.domain.types import EventSpec, RoundSpec, ZERO
from contestapp.entrants.models import Entrant, Entry
from contestapp.extensions import db
from contestapp.i18n import N_, said
from contestapp.judging.models import VOID_STATUS, MarkNote, ScoreSheet, SheetStatus
from contestapp.merit.bulletin import write_bulletin
from contestapp.merit.models import (
    Bulletin, Evidence, Period, PeriodStanding, PeriodStatus, RankReward, SelfSheet, UnitProfile)
from contestapp.merit.periods import active_entries, periods_of, project_of, rounds_of
from contestapp.merit.sheets import BLANK_AS_ZERO
from contestapp.results.inputs import SheetMark, entry_inputs, sheet_input, submitted_marks


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
                st.problem = said(exc)  # shown with `tr`; stored and printed as its Chinese text
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
        ScoreSheet.round_id.in_(rounds), ScoreSheet.status.notin_([SheetStatus.SUBMITTED, VOID_STATUS]))
        .group_by(ScoreSheet.judge_id)).all())
    units: dict[int, list[str]] = defaultdict(list)
    for name, user_id in db.session.execute(
            select(Entrant.name, UnitProfile.user_id).select_from(SelfSheet)
            .join(Entry, SelfSheet.entry_id == Entry.id).join(Entrant, Entry.entrant_id == Entrant.id)
            .join(UnitProfile, UnitProfile.unit_id == Entrant.unit_id)
            .where(SelfSheet.period_id == period.id, SelfSheet.status != "submitted",
                   UnitProfile.user_id.is_not(None))):
        units[user_id].append(name)
    return {"assessors": list(judges.items()), "units": list(units.items())}


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
