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
from datetime import timedelta
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable, Optional

from sqlalchemy import BigInteger, func, select, type_coerce

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
    score_event_rows,
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
    criteria: dict[int, tuple[str, str]]         # criterion id -> (round code, criterion code)
    needy: set[int]                              # criterion ids whose rule needs single marks
    sheet_key: tuple = ()                        # (count, sum of versions, latest updated_at)
    entries: dict[int, EntryInfo] = field(default_factory=dict)
    entry_key: tuple = ()
    facts: dict[tuple[int, int], tuple] = field(default_factory=dict)      # (entry, round) -> (mult, time) raw
    decisions: tuple = ()
    results: dict[int, EntryResult] = field(default_factory=dict)
    unscored: dict[int, str] = field(default_factory=dict)
    ranking: Optional[Ranking] = None
    version: int = 0


_lock = threading.Lock()
_caches: dict[tuple[str, int], _Cache] = {}
SKEW = timedelta(seconds=10)  # sheets stamped this long before the latest seen are re-read (clock skew, commits)


def _cache_key(event_id: int) -> tuple[str, int]:
    return (str(db.engine.url), event_id)


def invalidate(event_id: Optional[int] = None) -> None:
    with _lock:
        if event_id is None:
            _caches.clear()
        else:
            _caches.pop(_cache_key(event_id), None)


def _sql(sql: str):
    """A raw query on the session's connection (ids inlined as integers): rows without ORM or type processing."""
    return db.session.connection().exec_driver_sql(sql)


def _ids(values: Iterable[int]) -> str:
    return ",".join(str(int(v)) for v in values) or "NULL"


# --- the definition -------------------------------------------------------------------------------------------------

def _definition_rows(event: Event) -> tuple:
    rows = _sql(
        "SELECT r.id, r.code, r.weight, r.rules, c.id, c.code, c.kind, c.max, c.min, c.step, c.rules "
        f"FROM rounds r JOIN criteria c ON c.round_id = r.id WHERE r.event_id = {int(event.id)} "
        'ORDER BY r."order", r.id, c."order", c.id').all()
    return (event.code, repr(event.rules), repr([tuple(r) for r in rows]))


def event_spec(event: Event) -> EventSpec:
    from contestapp.contests.definition import spec_of

    spec = spec_of(event.contest).event(event.code)
    assert spec is not None
    return spec


_specs: dict[Any, tuple] = {}  # definition fingerprint -> (spec, rounds, criteria, needy); kept by invalidate()


def _new_cache(event: Event, fingerprint) -> _Cache:
    known = _specs.get((_cache_key(event.id), fingerprint))
    if known is not None:
        return _Cache(fingerprint, *known)
    spec = event_spec(event)
    rounds = {r.id: r.code for r in event.rounds}
    criteria: dict[int, tuple[str, str]] = {}
    needy: set[int] = set()
    for r in event.rounds:
        rs = spec.round(r.code)
        for c in r.criteria:
            criteria[c.id] = (r.code, c.code)
            cs = rs.criterion(c.code)
            if needs_values(cs, cs.panel_for(rs.panel)):
                needy.add(c.id)
    with _lock:
        if len(_specs) > 500:
            _specs.clear()
        _specs[_cache_key(event.id), fingerprint] = (spec, rounds, criteria, needy)
    return _Cache(fingerprint, spec, rounds, criteria, needy)


# --- loading marks --------------------------------------------------------------------------------------------------

def _rows(cache: _Cache, entry_ids: Optional[set[int]]) -> Iterable[tuple]:
    """Per entry and criterion: count, sum, min, max of the submitted marks as stored integers (one GROUP BY over
    the event's sheets and their marks)."""
    number = {i: info.number for i, info in cache.entries.items()}
    crit = cache.criteria
    only = f" AND s.entry_id IN ({_ids(entry_ids)})" if entry_ids is not None else ""
    sql = ("SELECT s.entry_id, m.criterion_id, COUNT(*), SUM(m.value), MIN(m.value), MAX(m.value) "
           "FROM marks m JOIN score_sheets s ON s.id = m.sheet_id "
           f"WHERE s.round_id IN ({_ids(cache.rounds)}) AND s.status = '{SUBMITTED}'{only} "
           "GROUP BY s.entry_id, m.criterion_id")
    values: dict[tuple[int, int], list[Decimal]] = {}
    if cache.needy:
        for entry_id, crit_id, v in _sql(
                "SELECT s.entry_id, m.criterion_id, m.value FROM marks m JOIN score_sheets s ON s.id = m.sheet_id "
                f"WHERE m.criterion_id IN ({_ids(cache.needy)}) AND s.status = '{SUBMITTED}'{only}"):
            values.setdefault((entry_id, crit_id), []).append(dec(v))
    for entry_id, crit_id, n, total, low, high in _sql(sql):
        e = number.get(entry_id)
        if e is None:
            continue
        if values and (entry_id, crit_id) in values:
            yield (e, *crit[crit_id], n, int(total), int(low), int(high), tuple(sorted(values[entry_id, crit_id])))
        else:
            yield (e, *crit[crit_id], n, int(total), int(low), int(high))


def _sheet_key(cache: _Cache) -> tuple:
    row = db.session.execute(select(func.count(), func.sum(ScoreSheet.version), func.max(ScoreSheet.updated_at))
                             .where(ScoreSheet.round_id.in_(list(cache.rounds)))).one()
    return (row[0], int(row[1] or 0), row[2])


def _changed_entries(cache: _Cache, since) -> set[int]:
    return set(db.session.scalars(select(ScoreSheet.entry_id).where(
        ScoreSheet.round_id.in_(list(cache.rounds)), ScoreSheet.updated_at >= since - SKEW)))


def _entry_key(event: Event) -> tuple:
    return tuple(_sql(f"SELECT id, status, code, number FROM entries WHERE event_id = {int(event.id)} ORDER BY id"))


def _entries(event: Event) -> dict[int, EntryInfo]:
    rows = _sql(
        "SELECT e.id, e.number, e.code, e.status, e.entrant_id, p.name, u.name FROM entries e "
        "JOIN entrants p ON p.id = e.entrant_id LEFT JOIN units u ON u.id = p.unit_id "
        f"WHERE e.event_id = {int(event.id)}")
    return {i: EntryInfo(i, number, code, status, eid, name or "", unit or "")
            for i, number, code, status, eid, name, unit in rows}


def _facts(cache: _Cache) -> dict[tuple[int, int], tuple]:
    rows = _sql(f"SELECT entry_id, round_id, multiplier, time FROM entry_rounds WHERE round_id IN ({_ids(cache.rounds)})")
    return {(e, r): (m, t) for e, r, m, t in rows}


def _decisions(event: Event) -> tuple:
    rows = db.session.execute(select(TieDecision.entry_ids, TieDecision.reason)
                              .where(TieDecision.event_id == event.id).order_by(TieDecision.decided_at,
                                                                               TieDecision.id))
    return tuple((tuple(ids), reason) for ids, reason in rows)


# --- scoring --------------------------------------------------------------------------------------------------------

def _score(cache: _Cache, entry_ids: Optional[set[int]]) -> None:
    """(Re)score the given entries (None: all) with the domain's batch engine."""
    targets = set(cache.entries) if entry_ids is None else entry_ids
    for i in targets:
        cache.results.pop(i, None)
        cache.unscored.pop(i, None)
    active = {i for i in targets if i in cache.entries and cache.entries[i].status == EntryStatus.ACTIVE}
    if entry_ids is not None and not active:
        rows: Iterable[tuple] = ()
    else:
        rows = _rows(cache, None if entry_ids is None else active)
    number = {i: cache.entries[i].number for i in targets if i in cache.entries}
    facts = {(number[e], cache.rounds[r]): (dec(m), dec(t)) for (e, r), (m, t) in cache.facts.items() if e in number}
    results, errors = score_event_rows(cache.spec, rows, facts)
    for i in targets:
        info = cache.entries.get(i)
        if info is None:
            continue
        if info.status != EntryStatus.ACTIVE:
            cache.unscored[i] = {"withdrawn": "已退赛", "disqualified": "取消资格"}.get(info.status, info.status)
        elif info.number in results:
            cache.results[i] = results[info.number]
        else:
            cache.unscored[i] = errors.get(info.number, "尚无已提交的评分")


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
    sheet_key = _sheet_key(cache)
    entry_key = _entry_key(event)
    facts = _facts(cache)
    decisions = _decisions(event)
    if cache.ranking is None:
        cache.entries, cache.entry_key = _entries(event), entry_key
        cache.sheet_key, cache.facts, cache.decisions = sheet_key, facts, decisions
        _score(cache, None)
    else:
        if (sheet_key, entry_key, facts, decisions) == (cache.sheet_key, cache.entry_key, cache.facts,
                                                        cache.decisions):
            return cache.ranking
        changed: set[int] = set()
        full = False
        if entry_key != cache.entry_key:
            old = {row[0]: row for row in cache.entry_key}
            new = {row[0]: row for row in entry_key}
            changed |= {i for i in old.keys() | new.keys() if old.get(i) != new.get(i)}
            cache.entries, cache.entry_key = _entries(event), entry_key
        if sheet_key != cache.sheet_key:
            if cache.sheet_key[2] is None or sheet_key[0] < cache.sheet_key[0]:
                full = True  # sheets were deleted, or there were none: read everything again
            else:
                found = _changed_entries(cache, cache.sheet_key[2])
                if not found:
                    full = True
                changed |= found
        for k in facts.keys() | cache.facts.keys():
            if facts.get(k) != cache.facts.get(k):
                changed.add(k[0])
        cache.sheet_key, cache.facts, cache.decisions = sheet_key, facts, decisions
        if full or len(changed) * 4 > max(len(cache.entries), 1):
            _score(cache, None)
        elif changed:
            _score(cache, changed)
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
