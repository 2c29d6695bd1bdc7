"""Single marks as the domain's inputs: for explanations (成绩明细), snapshots, and every area that scores sheets of
the judging flow -- merit periods, 1+X points and craftsman reviews go through `entry_inputs` and `score` too.

Only submitted sheets count. A sheet's marks become one `domain.EntryRoundInput` per (entry, round) with the round's
facts (multiplier, time); options say how an area reads its sheets: who the judges are called (username, or an
expert's pseudonym where explanations are published), which kinds of criterion a submitted sheet may leave blank
to mean 0 (a merit sheet's deductions), and which marks do not count (a 1+X bonus without confirmed evidence).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Literal, Optional, Sequence

from sqlalchemy import select

from contestapp.auth.models import User
from contestapp.contests.models import Event
from contestapp.domain import (EntryResult, EntryRoundInput, EventSpec, Mark as DMark, Ranked, RoundSpec, ScoringError,
                               TieDecision as DTieDecision, rank, score_entry)
from contestapp.domain.types import ZERO
from contestapp.entrants.models import Entry, EntryStatus
from contestapp.extensions import db
from contestapp.i18n import said
from contestapp.judging.models import EntryRound, Mark, ScoreSheet
from contestapp.results.aggregate import NO_MEMBERS, SUBMITTED, dec, decisions, entries, event_spec, raw, team_results

Judges = Literal["username", "expert"]


@dataclass(frozen=True)
class SheetMark:
    """One mark of a submitted sheet, as read."""

    sheet_id: int
    entry_id: int
    round_id: int
    judge_id: int
    judge: str            # username
    criterion_id: int
    value: object         # Decimal


def submitted_marks(round_ids: Iterable[int], entry_ids: Optional[Iterable[int]] = None) -> list[SheetMark]:
    """Every mark of the submitted sheets of the given rounds (and entries), ordered by entry, round, criterion and
    judge."""
    where = [ScoreSheet.status == SUBMITTED, ScoreSheet.round_id.in_(list(round_ids))]
    if entry_ids is not None:
        where.append(ScoreSheet.entry_id.in_(list(entry_ids)))
    rows = db.session.execute(
        select(ScoreSheet.id, ScoreSheet.entry_id, ScoreSheet.round_id, ScoreSheet.judge_id, User.username,
               Mark.criterion_id, raw(Mark.value))
        .select_from(Mark).join(ScoreSheet, ScoreSheet.id == Mark.sheet_id).join(User, User.id == ScoreSheet.judge_id)
        .where(*where).order_by(ScoreSheet.entry_id, ScoreSheet.round_id, Mark.criterion_id, User.username))
    return [SheetMark(s, e, r, j, name, c, dec(v)) for s, e, r, j, name, c, v in rows]


def _submitted_sheets(round_ids: Sequence[int], entry_ids: Optional[Iterable[int]]) -> list[tuple]:
    where = [ScoreSheet.status == SUBMITTED, ScoreSheet.round_id.in_(list(round_ids))]
    if entry_ids is not None:
        where.append(ScoreSheet.entry_id.in_(list(entry_ids)))
    return db.session.execute(select(ScoreSheet.id, ScoreSheet.entry_id, ScoreSheet.round_id, ScoreSheet.judge_id,
                                     User.username).join(User, User.id == ScoreSheet.judge_id).where(*where)).all()


def judge_label(judges: Judges, judge_id: int, username: str) -> str:
    """How explanations name a judge: the username, or a pseudonym for experts whose names are not published."""
    return username if judges == "username" else f"E{judge_id}"


def sheet_input(key: str, spec: RoundSpec, judge: str, values: dict[str, object], blank_as_zero: Sequence[str] = (),
                multiplier=None, time=None) -> EntryRoundInput:
    """One sheet's marks (criterion code -> value) as the domain's input for its round (a self-assessment)."""
    marks = [DMark(judge, code, value) for code, value in values.items()]
    marks += [DMark(judge, cs.code, ZERO) for cs in spec.criteria if cs.kind in blank_as_zero and cs.code not in values]
    return EntryRoundInput(key, spec.code, tuple(marks), multiplier, time)


def entry_inputs(event: Event, spec: EventSpec, entry_ids: Optional[Iterable[int]] = None,
                 round_codes: Optional[Iterable[str]] = None, *, key: Optional[Callable[[int], str]] = None,
                 judges: Judges = "username", blank_as_zero: Sequence[str] = (),
                 counts: Optional[Callable[[SheetMark], bool]] = None) -> dict[int, list[EntryRoundInput]]:
    """The domain's inputs per entry id from the submitted sheets: every mark with its judge, plus the round facts.
    `key` names the entry for the domain (default: its number); `counts` says whether a mark counts (default all)."""
    codes = set(round_codes) if round_codes is not None else None
    rounds = {r.id: r for r in event.rounds if codes is None or r.code in codes}
    crits = {c.id: c.code for r in rounds.values() for c in r.criteria}
    if entry_ids is not None:
        entry_ids = list(entry_ids)
    if key is None:
        where = [Entry.event_id == event.id] + ([Entry.id.in_(entry_ids)] if entry_ids is not None else [])
        numbers = dict(db.session.execute(select(Entry.id, Entry.number).where(*where)).all())
        key = numbers.__getitem__
    ids = {(r.code, c.code): c.id for r in rounds.values() for c in r.criteria}
    marks: dict[tuple[int, int], list[tuple[int, str, DMark]]] = {}  # (entry, round) -> (criterion id, judge, mark)
    for m in submitted_marks(rounds, entry_ids):
        if counts is None or counts(m):
            label = judge_label(judges, m.judge_id, m.judge)
            marks.setdefault((m.entry_id, m.round_id), []).append(
                (m.criterion_id, label, DMark(label, crits[m.criterion_id], m.value)))
    if blank_as_zero:  # a submitted sheet that left such a criterion blank gives it 0
        for _, entry_id, round_id, judge_id, username in _submitted_sheets(list(rounds), entry_ids):
            label = judge_label(judges, judge_id, username)
            given = marks.setdefault((entry_id, round_id), [])
            have = {m.criterion for _, j, m in given if j == label}
            code = rounds[round_id].code
            given += [(ids[code, cs.code], label, DMark(label, cs.code, ZERO)) for cs in spec.round(code).criteria
                      if cs.kind in blank_as_zero and cs.code not in have]
    fact_where = [EntryRound.round_id.in_(list(rounds))] + (
        [EntryRound.entry_id.in_(entry_ids)] if entry_ids is not None else [])
    facts = {(e, r): (m, t) for e, r, m, t in db.session.execute(
        select(EntryRound.entry_id, EntryRound.round_id, raw(EntryRound.multiplier), raw(EntryRound.time))
        .where(*fact_where))}
    out: dict[int, list[EntryRoundInput]] = {}
    for (entry_id, round_id), found in marks.items():
        if not found:
            continue
        ms = [m for _, _, m in sorted(found, key=lambda x: (x[0], x[1]))]  # by criterion, then judge
        code = rounds[round_id].code
        mult, time = facts.get((entry_id, round_id), (None, None))
        out.setdefault(entry_id, []).append(EntryRoundInput(
            key(entry_id), code, tuple(ms), dec(mult) if spec.round(code).multiplier else None, dec(time)))
    for inputs in out.values():
        inputs.sort(key=lambda d: [r.code for r in event.rounds].index(d.round))
    return out


def score(spec: EventSpec, inputs: dict[int, list[EntryRoundInput]]) -> dict[int, EntryResult | str]:
    """Every entry's explained result (entry id -> result, or why it cannot be scored)."""
    out: dict[int, EntryResult | str] = {}
    for entry_id, data in inputs.items():
        try:
            out[entry_id] = score_entry(spec, data[0].entry, data)
        except ScoringError as exc:
            out[entry_id] = said(exc)
    return out


# --- explanations -----------------------------------------------------------------------------------------------------

def explain(event: Event, entry: Entry) -> EntryResult:
    """One entry's result with its explanation (成绩明细), from its single marks; raises ScoringError. A team scored as
    the sum of its members' results lists its members' explanations (`domain.team_result`)."""
    spec = event_spec(event)
    if spec.ranks_members and entry.entrant.kind == "team":
        infos = {i: info for i, info in entries(event.id)[0].items()
                 if i == entry.id or info.team_of == entry.entrant_id}
        members = score(spec, entry_inputs(event, spec, [i for i in infos if i != entry.id]))
        teams, unscored = team_results(spec, infos, members)
        if entry.id not in teams:
            raise ScoringError(unscored.get(entry.id, NO_MEMBERS))
        return teams[entry.id]
    return score_entry(spec, entry.number, entry_inputs(event, spec, [entry.id]).get(entry.id, []))


def explain_all(event: Event, spec: Optional[EventSpec] = None) -> dict[int, EntryResult | str]:
    """Every active entry with marks, explained: entry id -> result, or the reason it cannot be scored (in a
    `sum_members` team event also every team, from its members' results)."""
    spec = spec or event_spec(event)
    active = set(db.session.scalars(select(Entry.id).where(Entry.event_id == event.id,
                                                           Entry.status == EntryStatus.ACTIVE)))
    out = {i: r for i, r in score(spec, entry_inputs(event, spec)).items() if i in active}
    if spec.ranks_members:  # and every team from its members' results (the team's explanation lists them)
        infos = entries(event.id)[0]
        teams, unscored = team_results(spec, infos, out)
        out.update(teams)
        out.update({i: why for i, why in unscored.items() if infos[i].is_team})
    return out


def recompute_from_scratch(event: Event) -> list[Ranked]:
    """The whole event from single marks, explained (the tests compare it with `engine.ranking`)."""
    spec = event_spec(event)
    every = explain_all(event, spec)
    if spec.ranks_members:  # teams are ranked, not their members
        teams = {i for i, info in entries(event.id)[0].items() if info.is_team}
        every = {i: r for i, r in every.items() if i in teams}
    results = [r for r in every.values() if not isinstance(r, str)]
    by_id = dict(db.session.execute(select(Entry.id, Entry.number).where(Entry.event_id == event.id)).all())
    tie_decisions = [DTieDecision(tuple(by_id[i] for i in ids if i in by_id), reason)
                     for ids, reason in decisions(event.id)]
    return rank(results, spec.chain, spec.unshared_places, tie_decisions)
