"""Rankings from the raw marks in the database, cached per event and refreshed incrementally.

How an event is ranked:
1. one GROUP BY over the event's submitted marks gives, per entry and criterion, the count, sum, lowest and highest
   mark as scaled integers (`Fixed`: value x 10^4, so SQL sums exactly); criteria whose panel rule needs the single
   marks (median, dropping two or more: diving) get them in a second, narrower query;
2. the domain's fast engine (`domain.fast`) turns those into entry results with the very arithmetic of the full
   engine, and `domain.rank` ranks them with the tie-break chain and the chief judge's tie decisions;
3. one entry's explanation (成绩明细) is recomputed on demand by the full engine (`domain.score_entry`) from that
   entry's single marks -- the "second engine" the tests compare with.

Nothing is stored in the database. The cache (per process) keeps, per event, the aggregates, the results and a
data key: the versions of the event's score sheets (a sheet's `version` is bumped on every change of its marks --
the judging area's contract, kept by paper imports and appeals here too), the entries' statuses, the round facts
(multiplier, time) and the tie decisions. A request compares the key (three small indexed queries) and recomputes
only the entries whose sheets changed, so one changed mark re-ranks a 1,000-entry event in a few milliseconds.
`invalidate(event_id)` drops an event; nothing else is needed for correctness across processes.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable, Optional

from sqlalchemy import BigInteger, Integer, and_, cast, func, select, type_coerce

from contestapp.common.db import plain
from contestapp.contests.models import Contest, Criterion, Event, Round
from contestapp.domain import (
    EntryResult,
    EntryRoundInput,
    EventSpec,
    Mark as DMark,
    PanelStats,
    Ranked,
    RoundStats,
    ScoringError,
    TieDecision as DTieDecision,
    chain_criteria,
    fast_entry,
    needs_values,
    pending_ties,
    rank,
    score_entry,
)
from contestapp.entrants.models import Entrant, Entry, EntryStatus, Unit
from contestapp.extensions import db
from contestapp.judging.models import EntryRound, Mark, ScoreSheet, SheetStatus, TieDecision

SUBMITTED = SheetStatus.SUBMITTED.value


def dec(raw: Optional[int]) -> Optional[Decimal]:
    """A stored Fixed integer as the Decimal the model would give (8.5, not 8.5000)."""
    return None if raw is None else plain(Decimal(int(raw)).scaleb(-4))


def _raw(column):
    """A Fixed column read as its stored integer (no per-row Decimal conversion)."""
    return type_coerce(column, BigInteger)


@dataclass
class EntryInfo:
    id: int
    number: str
    code: Optional[str]
    status: str
    entrant_id: int
    name: str = ""
    unit: str = ""

    @property
    def key(self) -> str:
        """The entry as the domain knows it: its 参赛编号 (unique in the event)."""
        return self.number

    @property
    def label(self) -> str:
        """What anonymous listings show: the secret code once drawn, else the number."""
        return self.code or self.number


@dataclass
class Ranking:
    """An event's ranking as computed now: ranked entries, entries that cannot be ranked yet, pending ties."""

    event_id: int
    spec: EventSpec
    ranked: list[Ranked]
    unscored: dict[int, str]          # entry id -> why (Chinese)
    entries: dict[int, EntryInfo]
    by_key: dict[str, int]            # domain entry key -> entry id
    pending: list[tuple[str, ...]]
    version: int                      # bumped on each recomputation (for ETags / the big screen)

    def entry_of(self, r: Ranked) -> EntryInfo:
        return self.entries[self.by_key[r.entry]]

    def rows(self) -> Iterable[tuple[Ranked, EntryInfo]]:
        for r in self.ranked:
            yield r, self.entries[self.by_key[r.entry]]


@dataclass
class _Cache:
    fingerprint: Any
    spec: EventSpec
    rounds: dict[int, str]                       # round id -> code
    criteria: dict[int, tuple[int, str]]         # criterion id -> (round id, code)
    needy: set[int]                              # criterion ids whose rule needs single marks
    sheets: dict[int, tuple[int, int, str]] = field(default_factory=dict)   # sheet -> (entry, version, status)
    entries: dict[int, EntryInfo] = field(default_factory=dict)
    facts: dict[tuple[int, int], tuple] = field(default_factory=dict)      # (entry, round) -> (mult, time)
    decisions: tuple = ()
    stats: dict[int, dict[int, dict[str, PanelStats]]] = field(default_factory=dict)  # entry->round->crit->stats
    results: dict[int, EntryResult] = field(default_factory=dict)
    unscored: dict[int, str] = field(default_factory=dict)
    ranking: Optional[Ranking] = None
    version: int = 0


_lock = threading.Lock()
_caches: dict[tuple[str, int], _Cache] = {}


def _cache_key(event_id: int) -> tuple[str, int]:
    return (str(db.engine.url), event_id)


def invalidate(event_id: Optional[int] = None) -> None:
    with _lock:
        if event_id is None:
            _caches.clear()
        else:
            _caches.pop(_cache_key(event_id), None)


# --- the definition -------------------------------------------------------------------------------------------------

def _definition_rows(event: Event) -> tuple:
    rows = db.session.execute(
        select(Round.id, Round.code, _raw(Round.weight), Round.rules, Criterion.id, Criterion.code, Criterion.kind,
               _raw(Criterion.max), _raw(Criterion.min), _raw(Criterion.step), Criterion.rules)
        .join(Criterion, Criterion.round_id == Round.id).where(Round.event_id == event.id)
        .order_by(Round.order, Round.id, Criterion.order, Criterion.id)).all()
    return (event.code, repr(event.rules), repr([tuple(r) for r in rows]))


def event_spec(event: Event) -> EventSpec:
    from contestapp.contests.definition import spec_of

    spec = spec_of(event.contest).event(event.code)
    assert spec is not None
    return spec


def _new_cache(event: Event, fingerprint) -> _Cache:
    spec = event_spec(event)
    rounds = {r.id: r.code for r in event.rounds}
    criteria: dict[int, tuple[int, str]] = {}
    needy: set[int] = set()
    for r in event.rounds:
        rs = spec.round(r.code)
        for c in r.criteria:
            criteria[c.id] = (r.id, c.code)
            cs = rs.criterion(c.code)
            if needs_values(cs, cs.panel_for(rs.panel)):
                needy.add(c.id)
    return _Cache(fingerprint, spec, rounds, criteria, needy)


# --- loading marks --------------------------------------------------------------------------------------------------

def _aggregate(cache: _Cache, entry_ids: Optional[set[int]]) -> dict[int, dict[int, dict[str, PanelStats]]]:
    """Per entry, round and criterion: count, sum, min, max of the submitted marks (one GROUP BY)."""
    round_ids = list(cache.rounds)
    value = _raw(Mark.value)
    where = [ScoreSheet.round_id.in_(round_ids), ScoreSheet.status == SUBMITTED]
    if entry_ids is not None:
        where.append(ScoreSheet.entry_id.in_(entry_ids))
    query = (select(ScoreSheet.entry_id, Mark.criterion_id, cast(func.count(), Integer),
                    cast(func.sum(value), BigInteger), cast(func.min(value), BigInteger),
                    cast(func.max(value), BigInteger))
             .select_from(Mark).join(ScoreSheet, ScoreSheet.id == Mark.sheet_id).where(and_(*where))
             .group_by(ScoreSheet.entry_id, Mark.criterion_id))
    criteria = cache.criteria
    rounds = cache.rounds
    out: dict[int, dict[int, dict[str, PanelStats]]] = {}
    scaleb = Decimal.scaleb
    for entry_id, crit_id, n, total, low, high in db.session.execute(query):
        where_ = criteria.get(crit_id)
        if where_ is None:
            continue
        round_id, code = where_
        by_round = out.get(entry_id)
        if by_round is None:
            by_round = out[entry_id] = {}
        stats = by_round.get(round_id)
        if stats is None:
            stats = by_round[round_id] = {}
        stats[code] = PanelStats(n, scaleb(Decimal(total), -4), scaleb(Decimal(low), -4),
                                 scaleb(Decimal(high), -4))
    if cache.needy:
        wanted = [ScoreSheet.status == SUBMITTED, Mark.criterion_id.in_(cache.needy)]
        if entry_ids is not None:
            wanted.append(ScoreSheet.entry_id.in_(entry_ids))
        values: dict[tuple[int, int], list[Decimal]] = {}
        for entry_id, crit_id, v in db.session.execute(
                select(ScoreSheet.entry_id, Mark.criterion_id, value).select_from(Mark)
                .join(ScoreSheet, ScoreSheet.id == Mark.sheet_id).where(and_(*wanted))):
            values.setdefault((entry_id, crit_id), []).append(dec(v))
        for (entry_id, crit_id), vs in values.items():
            round_id, code = criteria[crit_id]
            st = out[entry_id][round_id][code]
            out[entry_id][round_id][code] = st._replace(values=tuple(sorted(vs)))
    return out


def _sheets(cache: _Cache) -> dict[int, tuple[int, int, str]]:
    rows = db.session.execute(select(ScoreSheet.id, ScoreSheet.entry_id, ScoreSheet.version, ScoreSheet.status)
                              .where(ScoreSheet.round_id.in_(list(cache.rounds))))
    return {sid: (entry_id, version, status) for sid, entry_id, version, status in rows}


def _entries(event: Event) -> dict[int, EntryInfo]:
    rows = db.session.execute(
        select(Entry.id, Entry.number, Entry.code, Entry.status, Entry.entrant_id, Entrant.name, Unit.name)
        .join(Entrant, Entrant.id == Entry.entrant_id).outerjoin(Unit, Unit.id == Entrant.unit_id)
        .where(Entry.event_id == event.id))
    return {i: EntryInfo(i, number, code, status, eid, name or "", unit or "")
            for i, number, code, status, eid, name, unit in rows}


def _facts(cache: _Cache) -> dict[tuple[int, int], tuple]:
    rows = db.session.execute(select(EntryRound.entry_id, EntryRound.round_id, _raw(EntryRound.multiplier),
                                     _raw(EntryRound.time)).where(EntryRound.round_id.in_(list(cache.rounds))))
    return {(e, r): (m, t) for e, r, m, t in rows}


def _decisions(event: Event) -> tuple:
    rows = db.session.execute(select(TieDecision.entry_ids, TieDecision.reason)
                              .where(TieDecision.event_id == event.id).order_by(TieDecision.decided_at,
                                                                               TieDecision.id))
    return tuple((tuple(ids), reason) for ids, reason in rows)


# --- scoring --------------------------------------------------------------------------------------------------------

def _round_stats(cache: _Cache, entry_id: int) -> dict[str, RoundStats]:
    out: dict[str, RoundStats] = {}
    by_round = cache.stats.get(entry_id, {})
    for round_id, stats in by_round.items():
        code = cache.rounds[round_id]
        mult, time = cache.facts.get((entry_id, round_id), (None, None))
        uses = cache.spec.round(code).multiplier
        out[code] = RoundStats(stats, dec(mult) if uses else None, dec(time))
    return out


def _score(cache: _Cache, entry_ids: Iterable[int], keep) -> None:
    for entry_id in entry_ids:
        cache.results.pop(entry_id, None)
        cache.unscored.pop(entry_id, None)
        info = cache.entries.get(entry_id)
        if info is None:
            continue
        if info.status != EntryStatus.ACTIVE:
            cache.unscored[entry_id] = {"withdrawn": "已退赛", "disqualified": "取消资格"}.get(info.status, info.status)
            continue
        if entry_id not in cache.stats:
            cache.unscored[entry_id] = "尚无已提交的评分"
            continue
        try:
            cache.results[entry_id] = fast_entry(cache.spec, info.key, _round_stats(cache, entry_id), keep)
        except ScoringError as exc:
            cache.unscored[entry_id] = str(exc)


def _rank(cache: _Cache, event: Event) -> Ranking:
    by_key = {info.key: i for i, info in cache.entries.items()}
    key_of = {i: info.key for i, info in cache.entries.items()}
    decisions = [DTieDecision(tuple(key_of[i] for i in ids if i in key_of), reason) for ids, reason in cache.decisions]
    ranked = rank(cache.results.values(), cache.spec.chain, cache.spec.unshared_places, decisions)
    cache.version += 1
    return Ranking(event.id, cache.spec, ranked, dict(cache.unscored), cache.entries, by_key, pending_ties(ranked),
                   cache.version)


def ranking(event: Event) -> Ranking:
    """The event's ranking from the raw marks now (cached; recomputes what changed)."""
    with _compute_lock:
        return _ranking(event)


_compute_lock = threading.RLock()


def _ranking(event: Event) -> Ranking:
    fingerprint = _definition_rows(event)
    key = _cache_key(event.id)
    with _lock:
        cache = _caches.get(key)
    if cache is None or cache.fingerprint != fingerprint:
        cache = _new_cache(event, fingerprint)
    sheets = _sheets(cache)
    entries = _entries(event)
    facts = _facts(cache)
    decisions = _decisions(event)
    keep = chain_criteria(cache.spec)
    if cache.ranking is None:
        cache.sheets, cache.entries, cache.facts, cache.decisions = sheets, entries, facts, decisions
        cache.stats = _aggregate(cache, None)
        _score(cache, entries, keep)
    else:
        changed: set[int] = set()
        for sid in sheets.keys() | cache.sheets.keys():
            old, new = cache.sheets.get(sid), sheets.get(sid)
            if old != new:
                changed.update(x[0] for x in (old, new) if x is not None)
        for i in entries.keys() | cache.entries.keys():
            old_e, new_e = cache.entries.get(i), entries.get(i)
            if old_e is None or new_e is None or (old_e.status, old_e.number, old_e.code, old_e.name) != (
                    new_e.status, new_e.number, new_e.code, new_e.name):
                changed.add(i)
        for k in facts.keys() | cache.facts.keys():
            if facts.get(k) != cache.facts.get(k):
                changed.add(k[0])
        if not changed and decisions == cache.decisions:
            return cache.ranking
        cache.sheets, cache.entries, cache.facts, cache.decisions = sheets, entries, facts, decisions
        if changed:
            fresh = _aggregate(cache, changed) if len(changed) * 4 < max(len(entries), 1) else _aggregate(cache, None)
            for entry_id in changed:
                cache.stats.pop(entry_id, None)
            if len(changed) * 4 >= max(len(entries), 1):
                cache.stats = fresh
            else:
                cache.stats.update(fresh)
            _score(cache, changed, keep)
    cache.ranking = _rank(cache, event)
    with _lock:
        _caches[key] = cache
    return cache.ranking


# --- the second engine: one entry, from its single marks, with the explanation -------------------------------------

def inputs_by_entry(event: Event, spec: EventSpec, entry_ids: Optional[Iterable[int]] = None
                    ) -> dict[int, list[EntryRoundInput]]:
    """The domain inputs per entry: every submitted mark with its judge (username), plus the round facts."""
    from contestapp.auth.models import User

    rounds = {r.id: r for r in event.rounds}
    crits = {c.id: c.code for r in event.rounds for c in r.criteria}
    numbers = dict(db.session.execute(select(Entry.id, Entry.number).where(Entry.event_id == event.id)).all())
    where = [ScoreSheet.status == SUBMITTED, ScoreSheet.round_id.in_(list(rounds))]
    fact_where = [EntryRound.round_id.in_(list(rounds))]
    if entry_ids is not None:
        entry_ids = list(entry_ids)
        where.append(ScoreSheet.entry_id.in_(entry_ids))
        fact_where.append(EntryRound.entry_id.in_(entry_ids))
    marks: dict[tuple[int, int], list[DMark]] = {}
    for entry_id, round_id, crit_id, judge, value in db.session.execute(
            select(ScoreSheet.entry_id, ScoreSheet.round_id, Mark.criterion_id, User.username, _raw(Mark.value))
            .select_from(Mark).join(ScoreSheet, ScoreSheet.id == Mark.sheet_id)
            .join(User, User.id == ScoreSheet.judge_id).where(*where)
            .order_by(ScoreSheet.entry_id, ScoreSheet.round_id, Mark.criterion_id, User.username)):
        marks.setdefault((entry_id, round_id), []).append(DMark(judge, crits[crit_id], dec(value)))
    facts = {(e, r): (m, t) for e, r, m, t in db.session.execute(
        select(EntryRound.entry_id, EntryRound.round_id, _raw(EntryRound.multiplier), _raw(EntryRound.time))
        .where(*fact_where))}
    out: dict[int, list[EntryRoundInput]] = {}
    for (entry_id, round_id), ms in marks.items():
        code = rounds[round_id].code
        mult, time = facts.get((entry_id, round_id), (None, None))
        out.setdefault(entry_id, []).append(EntryRoundInput(
            numbers[entry_id], code, tuple(ms), dec(mult) if spec.round(code).multiplier else None, dec(time)))
    return out


def explain(event: Event, entry: Entry) -> EntryResult:
    """One entry's result with its explanation (成绩明细), by the full engine; raises ScoringError."""
    spec = event_spec(event)
    return score_entry(spec, entry.number, inputs_by_entry(event, spec, [entry.id]).get(entry.id, []))


def explain_all(event: Event, spec: Optional[EventSpec] = None) -> dict[int, EntryResult | str]:
    """Every active entry with marks, by the full engine: entry id -> result, or the reason it cannot be scored."""
    spec = spec or event_spec(event)
    active = set(db.session.scalars(select(Entry.id).where(Entry.event_id == event.id,
                                                           Entry.status == EntryStatus.ACTIVE)))
    out: dict[int, EntryResult | str] = {}
    for entry_id, inputs in inputs_by_entry(event, spec).items():
        if entry_id not in active:
            continue
        try:
            out[entry_id] = score_entry(spec, inputs[0].entry, inputs)
        except ScoringError as exc:
            out[entry_id] = str(exc)
    return out


def recompute_from_scratch(event: Event) -> list[Ranked]:
    """The whole event by the full engine from single marks (the tests compare it with `ranking`)."""
    spec = event_spec(event)
    results = [r for r in explain_all(event, spec).values() if not isinstance(r, str)]
    by_id = dict(db.session.execute(select(Entry.id, Entry.number).where(Entry.event_id == event.id)).all())
    decisions = [DTieDecision(tuple(by_id[i] for i in ids if i in by_id), reason)
                 for ids, reason in _decisions(event)]
    return rank(results, spec.chain, spec.unshared_places, decisions)


def contest_of(event: Event) -> Contest:
    return event.contest
