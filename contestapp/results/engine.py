"""Rankings from the raw marks in the database, cached per event and refreshed incrementally.

How an event is ranked:
1. the database does the panel rule and the weighted sum. Marks carry their sheet's entry and round, and the index
   (round_id, entry_id, criterion_id, value) covers them: one GROUP BY per (round, entry, criterion) -> count and
   kept = sum [- lowest] [- highest], times the criterion's weight as an integer, summed per (round, entry) with the
   fewest and most marks per criterion -- one row per entry and round, exact integers (`Fixed`: value x 10^4), for
   the round's *plain* criteria (`domain.fast.plan_event`: mean, or trimmed by at most one high and one low);
   criteria with other rules (median, drop two or more as in diving, deductions, bonus, time, veto, their own
   rounding, tie-break criteria) get per (entry, criterion) aggregates, and single marks where the rule needs them;
2. Python divides once per entry and round (`domain.fast.plain_part`: exact, as a rational) and rounds half-up
   exactly, combines the rounds and ranks (`domain.rank`) with the tie-break chain and the chief judge's decisions;
3. only submitted sheets count. Marks do not know their sheet's status, so the entries with any sheet not submitted
   in a round of the event (drafts, returned, void: few once judging ends; one indexed query finds them), and those
   whose panels are uneven (a recusal, a missing mark: `plain_part` says so), are read again through the join with
   the sheets, per criterion, restricted to those entries;
4. one entry's explanation (成绩明细) is recomputed on demand by the full engine (`domain.score_entry`) from that
   entry's single marks -- the "second engine" the tests compare with.

Nothing is stored in the database. The cache (per process) keeps, per event, the aggregates, the results and a
data key: the versions of the event's score sheets (a sheet's `version` is bumped on every change of its marks --
the judging area's contract, kept by paper imports and appeals here too), the entries' statuses, the round facts
(multiplier, time) and the tie decisions. A request compares the key (three small indexed queries) and recomputes
only the entries whose sheets changed, so one changed mark re-ranks a 1,000-entry event in a few milliseconds.
`invalidate(event_id)` drops an event; nothing else is needed for correctness across processes.
"""
from __future__ import annotations

import gc
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from datetime import timedelta
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable, Iterator, Optional

from sqlalchemy import BigInteger, case, func, select, type_coerce

from contestapp.common.db import plain, sqlite_file
from contestapp.contests.models import Contest, Criterion, Event, Round
from contestapp.domain import (
    EntryResult,
    EntryRoundInput,
    EventSpec,
    Mark as DMark,
    Ranked,
    ScoringError,
    TieDecision as DTieDecision,
    needs_values,
    pending_ties,
    rank,
    score_entry,
    team_result,
)
from contestapp.domain.fast import RoundPlan, plain_part, plan_event, score_event_rows
from contestapp.domain.ranking import rank_outcome
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
    kind: str = "person"              # the entrant's kind: person / team / unit
    team_of: Optional[int] = None     # a person's team (entrant id), for teams scored as the sum of members
    code2: Optional[str] = None       # the second-level code of a two-level draw (二次加密号)

    @property
    def is_team(self) -> bool:
        return self.kind == "team"

    @property
    def key(self) -> str:
        """The entry as the domain knows it: its 参赛编号 (unique in the event)."""
        return self.number

    @property
    def label(self) -> str:
        """What anonymous listings show: the code judges know the entry by once drawn (the second-level code of a
        two-level draw, as on the tablets and the chief judge's console), else the number."""
        return self.code2 or self.code or self.number


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
    # the chief judge's decisions that match no tie now (the tied set changed since): not applied, to decide again
    stale_decisions: list[DTieDecision] = field(default_factory=list)

    def entry_of(self, r: Ranked) -> EntryInfo:
        return self.entries[self.by_key[r.entry]]

    def label_of(self, key: str) -> str:
        """What listings show for a domain entry key (the secret code once drawn, else the number)."""
        i = self.by_key.get(key)
        return key if i is None else self.entries[i].label

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
    plans: dict[str, RoundPlan] = field(default_factory=dict)   # round code -> what the database sums
    plain_sql: str = ""                          # the plain sums, "{entries}" for an entry condition
    classes: dict[int, tuple] = field(default_factory=dict)    # round id -> (round code, plan)
    others: list[int] = field(default_factory=list)            # criterion ids read per criterion
    sheet_key: tuple = ()                        # (count, sum of versions, latest updated_at, not submitted)
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


def _sql(sql: str) -> list[tuple]:
    """A raw query on the session's connection (ids inlined as integers): plain tuples from the DBAPI cursor, with no
    ORM, no type processing and no result metadata (SQLAlchemy builds a key map per driver-SQL result: ~1 ms each,
    half of a re-rank's budget)."""
    cursor = db.session.connection().connection.cursor()
    try:
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()


def _ids(values: Iterable[int]) -> str:
    return ",".join(str(int(v)) for v in values) or "NULL"


# --- the definition -------------------------------------------------------------------------------------------------

def _definition_rows(event: Event) -> tuple:
    rows = _sql(
        "SELECT r.id, r.code, r.weight, r.rules, c.id, c.code, c.kind, c.max, c.min, c.step, c.rules "
        f"FROM rounds r JOIN criteria c ON c.round_id = r.id WHERE r.event_id = {int(event.id)} "
        'ORDER BY r."order", r.id, c."order", c.id')
    return (event.code, repr(event.rules), repr(rows))


def event_spec(event: Event) -> EventSpec:
    from contestapp.contests.definition import spec_of

    spec = spec_of(event.contest).event(event.code)
    assert spec is not None
    return spec


NARROW = Decimal(200_000)  # marks below this in size fit a 32-bit integer as stored (x 10^4): see _plain_sql
_specs: dict[Any, tuple] = {}  # definition fingerprint -> the parsed definition and its SQL; kept by invalidate()


def _new_cache(event: Event, fingerprint) -> _Cache:
    known = _specs.get((_cache_key(event.id), fingerprint))
    if known is not None:
        return _Cache(fingerprint, *known)
    spec = event_spec(event)
    rounds = {r.id: r.code for r in event.rounds}
    criteria: dict[int, tuple[str, str]] = {}
    needy: set[int] = set()
    plans = plan_event(spec)
    ids: dict[tuple[str, str], int] = {}
    for r in event.rounds:
        rs = spec.round(r.code)
        for c in r.criteria:
            criteria[c.id] = (r.code, c.code)
            ids[r.code, c.code] = c.id
            cs = rs.criterion(c.code)
            if needs_values(cs, cs.panel_for(rs.panel)):
                needy.add(c.id)
    classes = {r.id: (r.code, plans[r.code]) for r in event.rounds if plans[r.code].classes}
    others = [ids[r.code, code] for r in event.rounds for code in plans[r.code].others]
    narrow = all(abs(cs.max) < NARROW and abs(cs.min) < NARROW for rs in spec.rounds for cs in rs.criteria
                 if cs.code in plans[rs.code].codes)
    sql = _plain_sql(plans, ids, classes, db.engine.dialect.name == "sqlite", narrow)
    known = (spec, rounds, criteria, needy, plans, sql, classes, others)
    with _lock:
        if len(_specs) > 500:
            _specs.clear()
        _specs[_cache_key(event.id), fingerprint] = known
    return _Cache(fingerprint, *known)


def _case(ids_values: list[tuple[int, int]], column: str = "m.criterion_id") -> str:
    """A per-criterion integer: a constant when all are equal, else a CASE on the criterion."""
    values = {v for _, v in ids_values}
    if len(values) == 1:
        return str(values.pop())
    return f"CASE {column} " + " ".join(f"WHEN {i} THEN {v}" for i, v in ids_values) + " ELSE 0 END"


def _plain_sql(plans: dict[str, RoundPlan], ids: dict[tuple[str, str], int], classes: dict[int, tuple],
               sqlite: bool, narrow: bool = False) -> str:
    """One row per (round, entry): per class of plain criteria, S = sum of weight x kept (0 without marks) and
    packed = (fewest marks of a criterion x 1024 + most) x 1024 + criteria marked (0 without marks, -1 when a figure
    does not fit 10 bits: not plain either way; `_figures`). Weights are scaled to one power of ten per round (the plan's), so the
    weight CASE is per criterion; a round's classes are numbered 0.. within the round. "{entries}" takes a
    condition on the entry id ("IS NOT NULL" for all: `_plain_rows`).

    Two forms of the same sums. PostgreSQL: GROUP BY (round, entry, criterion) inside GROUP BY (round, entry) (hash
    aggregates, parallel workers). SQLite cannot stream the outer GROUP BY over the inner one (it sorts the 200,000
    inner rows of a 10,000-entry event in a temporary B-tree: 40% of the query), so there each (round, entry) pair
    of the event gets a correlated subquery: one seek into the covering index, the entry's criteria grouped in index
    order, no sort -- half the time. A scalar subquery gives one value, so the class figures come back as text,
    "round entry S packed ...", all of them as one row, joined by commas (`_plain_rows` reads it as integers in
    one call): the sqlite3 module takes the GIL back for every row it
    returns, and a statement that returns one row runs start to end without it, beside Python work in the request's
    thread.

    narrow: every plain criterion's marks fit in 32 bits (|value| x 10^4 < 2^31, marks are refused outside the
    criterion's range). PostgreSQL's SUM of a BIGINT is a NUMERIC, and NUMERIC arithmetic on 200,000 groups is a
    fifth of the query; SUM of an INTEGER is a BIGINT."""
    if not classes:
        return ""
    crits = [(ids[code, c], plan, k, cls, w) for rid, (code, plan) in classes.items()
             for k, cls in enumerate(plan.classes) for c, w in zip(cls.codes, cls.weights)]
    weight = _case([(i, w) for i, _, _, _, w in crits])
    low = _case([(i, cls.drop_low) for i, _, _, cls, _ in crits])
    high = _case([(i, cls.drop_high) for i, _, _, cls, _ in crits])
    kept = "SUM(CAST(m.value AS INTEGER))" if narrow and not sqlite else "SUM(m.value)"
    if low != "0":
        kept += " - MIN(m.value)" + ("" if low == "1" else f" * {low}")
    if high != "0":
        kept += " - MAX(m.value)" + ("" if high == "1" else f" * {high}")
    kw = f"({kept})" + ("" if weight == "1" else f" * {weight}")
    width = max(len(plan.classes) for _, plan in classes.values())
    covered = [i for i, *_ in crits]
    every = not any(plan.others for plan in plans.values())  # no criterion outside the classes: no filter
    in_classes = "" if every else f" AND m.criterion_id IN ({_ids(covered)})"
    cls_col = "" if width == 1 else ", " + _case([(i, k) for i, _, k, _, _ in crits]) + " AS cls"

    def agg(fn: str, column: str, k: int) -> str:  # an aggregate over one class's criteria
        return f"{fn}(t.{column})" if width == 1 else f"{fn}(CASE WHEN t.cls = {k} THEN t.{column} END)"

    def count(k: int) -> str:
        return "COUNT(*)" if width == 1 else f"COUNT(CASE WHEN t.cls = {k} THEN 1 END)"

    def packed(k: int) -> str:  # fewest and most marks of a criterion, criteria marked: 10 bits each, else -1
        return (f"COALESCE(CASE WHEN {agg('MAX', 'n', k)} < 1024 AND {count(k)} < 1024 THEN "
                f"({agg('MIN', 'n', k)} * 1024 + {agg('MAX', 'n', k)}) * 1024 + {count(k)} ELSE -1 END, 0)")

    if not sqlite:
        outer = ", ".join(f"COALESCE(CAST({agg('SUM', 'kw', k)} AS BIGINT), 0), {packed(k)}" for k in range(width))
        return (f"SELECT t.round_id, t.entry_id, {outer} FROM ("
                f"SELECT m.round_id, m.entry_id, COUNT(*) AS n, {kw} AS kw{cls_col} FROM marks m "
                f"WHERE m.round_id IN ({_ids(classes)}){in_classes} AND m.entry_id {{entries}} "
                "GROUP BY m.round_id, m.entry_id, m.criterion_id) t GROUP BY t.round_id, t.entry_id")
    text = " || ' ' || ".join(f"COALESCE({agg('SUM', 'kw', k)}, 0) || ' ' || {packed(k)}" for k in range(width))
    return (f"SELECT group_concat(r.id || ' ' || e.id || ' ' || (SELECT {text} FROM ("
            f"SELECT COUNT(*) AS n, {kw} AS kw{cls_col} FROM marks m "
            f"WHERE m.round_id = r.id AND m.entry_id = e.id{in_classes} GROUP BY m.criterion_id) t "
            "HAVING COUNT(*) > 0), ',') "
            f"FROM rounds r JOIN entries e ON e.event_id = r.event_id WHERE r.id IN ({_ids(classes)}) AND e.id {{entries}}")


# --- loading marks --------------------------------------------------------------------------------------------------

def _figures(packed: int) -> tuple:
    """A class's packed figures (`_plain_sql`) -> (fewest marks of a criterion, most, criteria marked); a count of
    -1 when the class has no marks or figures too big to pack (not plain)."""
    if packed <= 0:
        return None, None, -1
    return packed >> 20, (packed >> 10) & 1023, packed & 1023


def _start_plain(cache: _Cache, event: Event) -> Optional[list[Future]]:
    """A whole event's plain query, started in slices of entry ids on as many connections as there are cores, in
    threads (the drivers let go of the GIL while a statement runs), when the event is big and this request has not
    written anything (other connections would not see it); None otherwise. Each database runs a statement on one
    core (PostgreSQL's own parallel plan for this query leaves the final aggregation to one process). Started after
    the sheet key was read, so the sums are at least as new as the key; and before the entries are read, so that
    reading them and scoring the first slices overlap the query."""
    from flask import current_app

    if not cache.plain_sql or _workers() < 2 or not _unwritten():
        return None
    low, high, count = _sql(f"SELECT MIN(id), MAX(id), COUNT(*) FROM entries WHERE event_id = {int(event.id)}")[0]
    if count < current_app.config.get("RESULTS_PARALLEL_ENTRIES", 2000):
        return None
    workers = _workers()
    engine, size = db.engine, -(-(high - low + 1) // (2 * workers))  # slices: score some while others are summed

    def run(sql: str) -> list[tuple]:
        conn = engine.raw_connection()
        try:
            cursor = conn.cursor()
            cursor.execute(sql)
            return cursor.fetchall()
        finally:
            conn.close()

    pool = _pool(workers)
    return [pool.submit(run, cache.plain_sql.format(entries=f"BETWEEN {a} AND {min(a + size - 1, high)}"))
            for a in range(low, high + 1, size)]


def _unwritten() -> bool:
    """Whether this request's transaction has written nothing, so that other connections see what it would see."""
    name = db.engine.dialect.name
    if name == "sqlite":  # (sqlite3 opens a transaction before the first write only)
        return (sqlite_file(db.engine.url) is not None
                and not db.session.connection().connection.dbapi_connection.in_transaction)
    if name == "postgresql":  # a transaction gets an id when it first writes or locks a row
        return _sql("SELECT txid_current_if_assigned()")[0][0] is None
    return False


def _workers() -> int:
    return min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 4)


_pools: dict[int, ThreadPoolExecutor] = {}


def _pool(workers: int) -> ThreadPoolExecutor:
    with _lock:  # one per process, made on first use (after a forking server has forked)
        if workers not in _pools:
            _pools[workers] = ThreadPoolExecutor(workers, thread_name_prefix="ranking")
        return _pools[workers]


def _plain_rows(cache: _Cache, entry_ids: Optional[set[int]], started: Optional[list[Future]] = None
                ) -> Iterator[Iterable[tuple]]:
    """The plain query's rows (`_plain_sql`) for the given entries (None: all), as (round id, entry id, then per
    class S, packed): one iterable per slice that `_start_plain` started, as they complete, else one."""
    if started:
        parts: Iterable[list[tuple]] = (f.result() for f in as_completed(started))
    elif entry_ids is not None:
        parts = [_sql(cache.plain_sql.format(entries=f"IN ({_ids(entry_ids)})"))]
    else:
        parts = [_sql(cache.plain_sql.format(entries="IS NOT NULL"))]
    if db.engine.dialect.name != "sqlite":
        yield from parts
        return
    # SQLite's form: one text of integers, "round entry S packed ...,..." -- read in one call, cut into rows by zip
    stride = 2 + 2 * max(len(plan.classes) for _, plan in cache.classes.values())
    for rows in parts:
        numbers = iter(map(int, (rows[0][0] or "").replace(",", " ").split()))
        yield zip(*[numbers] * stride)


def _load(cache: _Cache, entry_ids: Optional[set[int]], started: Optional[list[Future]] = None
          ) -> Iterator[tuple[list[tuple], dict[tuple[str, str], tuple]]]:
    """The domain's input for the given entries (None: all): per (entry, round) the exact plain part, and per
    (entry, criterion) aggregates for the other criteria -- and for every criterion of the entries that have a sheet
    not submitted or an uneven panel, read through the join with the sheets (submitted sheets only).

    In parts, (rows, plain), each entry in one part only: when every criterion is plain, each slice of the plain
    query as it arrives (a slice holds all rounds of its entries), so the caller scores it while the database is
    still summing the next; then the rest."""
    number = {i: info.number for i, info in cache.entries.items()}
    only = f" AND m.entry_id IN ({_ids(entry_ids)})" if entry_ids is not None else ""
    rounds = _ids(cache.rounds)
    # (the sheet key, read in this transaction just before, counts the sheets not submitted: none once judging ends)
    odd = set() if cache.sheet_key[3:] == (0,) else {
        e for (e,) in _sql(f"SELECT DISTINCT entry_id FROM score_sheets WHERE round_id IN ({rounds}) "
                           f"AND status <> '{SUBMITTED}'" + (f" AND entry_id IN ({_ids(entry_ids)})"
                                                             if entry_ids is not None else ""))}
    plain: dict[tuple[str, str], tuple] = {}
    if cache.plain_sql:
        classes = cache.classes
        # rounds of one class: plain_part inlined (one row per entry and round: 20,000 for a big event); whether a
        # row is plain, and its denominator, depend on the round and the packed figures only: decided once for each
        single = {rid: (code, plan) for rid, (code, plan) in classes.items() if len(plan.classes) == 1}
        dens: dict[tuple[int, int], Optional[int]] = {}
        early = not cache.others
        for rows_ in _plain_rows(cache, entry_ids, started):
            uneven = []
            for row in rows_:
                entry_id = row[1]
                e = number.get(entry_id)
                if e is None or entry_id in odd:
                    continue
                one = single.get(row[0])
                if one is not None:
                    try:
                        den = dens[row[0], row[3]]
                    except KeyError:
                        part = plain_part(one[1], [(1, *_figures(row[3]))])
                        den = dens[row[0], row[3]] = None if part is None else part[1]
                    if den is not None:
                        plain[e, one[0]] = (row[2], den)
                        continue
                    part = None
                else:
                    code, plan = classes[row[0]]
                    part = plain_part(plan, [(row[2 + 2 * c], *_figures(row[3 + 2 * c]))
                                             for c in range(len(plan.classes))])
                if part is None:
                    odd.add(entry_id)
                    uneven.append(e)
                else:
                    plain[e, code] = part
            if early:
                for e in uneven:  # read again with the odd entries below
                    for code in cache.rounds.values():
                        plain.pop((e, code), None)
                yield [], plain
                plain = {}
    rows: list[tuple] = []
    crit = cache.criteria
    if cache.others:
        values = _values(cache, cache.needy & set(cache.others), f"m.round_id IN ({rounds}){only}", join=False)
        for entry_id, crit_id, n, total, low, high in _sql(
                "SELECT m.entry_id, m.criterion_id, COUNT(*), SUM(m.value), MIN(m.value), MAX(m.value) FROM marks m "
                f"WHERE m.round_id IN ({rounds}) AND m.criterion_id IN ({_ids(cache.others)}){only} "
                "GROUP BY m.round_id, m.entry_id, m.criterion_id"):
            e = number.get(entry_id)
            if e is not None and entry_id not in odd:
                rows.append((e, *crit[crit_id], n, int(total), int(low), int(high), values.get((entry_id, crit_id))))
    if odd:
        # odd entries: a sheet not submitted, or an uneven panel -- every criterion, submitted sheets only
        odd_numbers = {number[i] for i in odd if i in number}
        plain = {k: v for k, v in plain.items() if k[0] not in odd_numbers}
        rows = [r for r in rows if r[0] not in odd_numbers]
        where = f"s.entry_id IN ({_ids(odd)}) AND s.round_id IN ({rounds}) AND s.status = '{SUBMITTED}'"
        values = _values(cache, cache.needy, where, join=True)
        for entry_id, crit_id, n, total, low, high in _sql(
                "SELECT s.entry_id, m.criterion_id, COUNT(*), SUM(m.value), MIN(m.value), MAX(m.value) "
                f"FROM marks m JOIN score_sheets s ON s.id = m.sheet_id WHERE {where} "
                "GROUP BY s.entry_id, m.criterion_id"):
            e = number.get(entry_id)
            if e is not None:
                rows.append((e, *crit[crit_id], n, int(total), int(low), int(high), values.get((entry_id, crit_id))))
    yield rows, plain


def _values(cache: _Cache, needy: set[int], where: str, join: bool) -> dict[tuple[int, int], tuple]:
    """Single marks (ascending) of the criteria whose rule needs them."""
    if not needy:
        return {}
    if join:
        sql = ("SELECT s.entry_id, m.criterion_id, m.value FROM marks m JOIN score_sheets s ON s.id = m.sheet_id "
               f"WHERE m.criterion_id IN ({_ids(needy)}) AND {where}")
    else:
        sql = f"SELECT m.entry_id, m.criterion_id, m.value FROM marks m WHERE m.criterion_id IN ({_ids(needy)}) AND {where}"
    out: dict[tuple[int, int], list] = {}
    for entry_id, crit_id, v in _sql(sql):
        out.setdefault((entry_id, crit_id), []).append(dec(v))
    return {k: tuple(sorted(v)) for k, v in out.items()}


def _sheet_key(cache: _Cache) -> tuple:
    """(count, sum of versions, latest updated_at, number of sheets not submitted) of the event's sheets."""
    row = db.session.execute(select(func.count(), func.sum(ScoreSheet.version), func.max(ScoreSheet.updated_at),
                                    func.count(case((ScoreSheet.status != SUBMITTED, 1))))
                             .where(ScoreSheet.round_id.in_(list(cache.rounds)))).one()
    return (row[0], int(row[1] or 0), row[2], row[3])


def _changed_entries(cache: _Cache, since) -> set[int]:
    return set(db.session.scalars(select(ScoreSheet.entry_id).where(
        ScoreSheet.round_id.in_(list(cache.rounds)), ScoreSheet.updated_at >= since - SKEW)))


def _entry_key(event: Event, members: bool = False) -> tuple:
    if members:  # a team's result depends on who its members are
        return tuple(_sql("SELECT e.id, e.status, e.code, e.number, e.code2, p.kind, p.team_id FROM entries e "
                          f"JOIN entrants p ON p.id = e.entrant_id WHERE e.event_id = {int(event.id)} ORDER BY e.id"))
    return tuple(_sql(f"SELECT id, status, code, number, code2 FROM entries WHERE event_id = {int(event.id)} "
                      "ORDER BY id"))


def _entries(event: Event, members: Optional[bool] = None) -> Any:
    """The event's entries: {entry id: EntryInfo}; with `members` given, also their `_entry_key` (one query for
    both, for a cold ranking)."""
    rows = _sql(
        "SELECT e.id, e.number, e.code, e.status, e.entrant_id, p.name, u.name, p.kind, p.team_id, e.code2 "
        "FROM entries e JOIN entrants p ON p.id = e.entrant_id LEFT JOIN units u ON u.id = p.unit_id "
        f"WHERE e.event_id = {int(event.id)} ORDER BY e.id")
    infos = {i: EntryInfo(i, number, code, status, eid, name or "", unit or "", kind or "person", team, code2)
             for i, number, code, status, eid, name, unit, kind, team, code2 in rows}
    if members is None:
        return infos
    key = tuple((r[0], r[3], r[2], r[1], r[9], r[7], r[8]) if members else (r[0], r[3], r[2], r[1], r[9])
                for r in rows)
    return infos, key


# --- teams scored as the sum of their members' results ---------------------------------------------------------------

def team_results(spec: EventSpec, entries: dict[int, EntryInfo], results: dict[int, EntryResult | str]
                 ) -> tuple[dict[int, EntryResult], dict[int, str]]:
    """A `sum_members` team event: the team entries' results from their members' entry results (`domain.team_result`:
    total = sum of the members' totals, time = their total time) -> ({team entry id: result}, {entry id: why not}).
    Members are the event's person entries whose entrant belongs to the team (Entrant.team_id); withdrawn or
    disqualified members do not count; a team is unscored while an active member has no result. Member entries are
    not ranked themselves; one whose team has no entry in the event is reported unscored."""
    teams = {info.entrant_id: i for i, info in entries.items() if info.is_team}
    members: dict[int, list[EntryInfo]] = {i: [] for i in teams.values()}
    unscored: dict[int, str] = {}
    for i, info in entries.items():
        if info.is_team:
            continue
        team = teams.get(info.team_of) if info.team_of is not None else None
        if team is None:
            unscored[i] = "不属于本赛项的参赛队"
        elif info.status == EntryStatus.ACTIVE:
            members[team].append(info)
    out: dict[int, EntryResult] = {}
    for team, infos in members.items():
        info = entries[team]
        if info.status != EntryStatus.ACTIVE:
            unscored[team] = {"withdrawn": "已退赛", "disqualified": "取消资格"}.get(info.status, info.status)
            continue
        if not infos:
            unscored[team] = "没有队员成绩"
            continue
        got: list[EntryResult] = []
        for m in sorted(infos, key=lambda m: m.number):
            r = results.get(m.id)
            if not isinstance(r, EntryResult):
                unscored[team] = f"队员 {m.number}（{m.name}）：{r or '尚无已提交的评分'}"
                break
            got.append(r)
        else:
            out[team] = team_result(spec, info.key, got)
    return out, unscored


def _facts(cache: _Cache) -> dict[tuple[int, int], tuple]:
    rows = _sql(f"SELECT entry_id, round_id, multiplier, time FROM entry_rounds WHERE round_id IN ({_ids(cache.rounds)})")
    return {(e, r): (m, t) for e, r, m, t in rows}


def _decisions(event: Event) -> tuple:
    rows = db.session.execute(select(TieDecision.entry_ids, TieDecision.reason)
                              .where(TieDecision.event_id == event.id).order_by(TieDecision.decided_at,
                                                                               TieDecision.id))
    return tuple((tuple(ids), reason) for ids, reason in rows)


# --- scoring --------------------------------------------------------------------------------------------------------

def _score(cache: _Cache, entry_ids: Optional[set[int]], started: Optional[list[Future]] = None) -> None:
    """(Re)score the given entries (None: all) with the domain's batch engine."""
    targets = set(cache.entries) if entry_ids is None else entry_ids
    if entry_ids is None:  # everything again: forget entries that are gone (deleted entrants)
        cache.results.clear()
        cache.unscored.clear()
    for i in targets:
        cache.results.pop(i, None)
        cache.unscored.pop(i, None)
    active = {i for i in targets if i in cache.entries and cache.entries[i].status == EntryStatus.ACTIVE}
    number = {i: cache.entries[i].number for i in targets if i in cache.entries}
    facts = {(number[e], cache.rounds[r]): (dec(m), dec(t)) for (e, r), (m, t) in cache.facts.items() if e in number}
    results: dict = {}
    errors: dict = {}
    if entry_ids is None or active:
        for rows, plain in _load(cache, None if entry_ids is None else active, started):
            done, failed = score_event_rows(cache.spec, rows, facts, plain=plain, plans=cache.plans)
            results.update(done)
            errors.update(failed)
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
    results: Iterable[EntryResult] = cache.results.values()
    unscored = dict(cache.unscored)
    if cache.spec.ranks_members:
        members: dict[int, EntryResult | str] = {**cache.unscored, **cache.results}
        teams, unscored = team_results(cache.spec, cache.entries, members)
        results = teams.values()
    ranked, stale = rank_outcome(results, cache.spec.chain, cache.spec.unshared_places, decisions)
    cache.version += 1
    return Ranking(event.id, cache.spec, ranked, unscored, cache.entries, by_key, pending_ties(ranked),
                   cache.version, stale)


def ranking(event: Event) -> Ranking:
    """The event's ranking from the raw marks now (cached; recomputes what changed).

    The cyclic garbage collector is paused meanwhile: a cold ranking allocates some 100,000 objects and no cycles,
    and the collections those allocations would trigger (each scanning every live object, the cache included) cost
    more than the ranking's own arithmetic (10,000 entries on PostgreSQL: ~550 ms with them, ~340 ms without; the
    one collection that follows re-enabling costs the next few allocations ~20 ms)."""
    with _compute_lock:
        paused = gc.isenabled()
        if paused:
            gc.disable()
        try:
            return _ranking(event)
        finally:
            if paused:
                gc.enable()


_compute_lock = threading.RLock()


def _ranking(event: Event) -> Ranking:
    fingerprint = _definition_rows(event)
    key = _cache_key(event.id)
    with _lock:
        cache = _caches.get(key)
    if cache is None or cache.fingerprint != fingerprint:
        cache = _new_cache(event, fingerprint)
    sheet_key = _sheet_key(cache)
    facts = _facts(cache)
    decisions = _decisions(event)
    if cache.ranking is None:
        started = _start_plain(cache, event)  # (after the sheet key: the sums are at least as new as the key)
        cache.entries, cache.entry_key = _entries(event, cache.spec.ranks_members)
        cache.sheet_key, cache.facts, cache.decisions = sheet_key, facts, decisions
        _score(cache, None, started)
    else:
        entry_key = _entry_key(event, cache.spec.ranks_members)
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
    """One entry's result with its explanation (成绩明细), by the full engine; raises ScoringError. A team scored as
    the sum of its members' results lists its members' explanations (`domain.team_result`)."""
    spec = event_spec(event)
    if spec.ranks_members and entry.entrant.kind == "team":
        entries = {i: info for i, info in _entries(event).items()
                   if i == entry.id or info.team_of == entry.entrant_id}
        inputs = inputs_by_entry(event, spec, [i for i in entries if i != entry.id])
        members: dict[int, EntryResult | str] = {}
        for i in entries:
            if i != entry.id and i in inputs:
                try:
                    members[i] = score_entry(spec, entries[i].number, inputs[i])
                except ScoringError as exc:
                    members[i] = str(exc)
        teams, unscored = team_results(spec, entries, members)
        if entry.id not in teams:
            raise ScoringError(unscored.get(entry.id, "没有队员成绩"))
        return teams[entry.id]
    return score_entry(spec, entry.number, inputs_by_entry(event, spec, [entry.id]).get(entry.id, []))


def explain_all(event: Event, spec: Optional[EventSpec] = None) -> dict[int, EntryResult | str]:
    """Every active entry with marks, by the full engine: entry id -> result, or the reason it cannot be scored (in a
    `sum_members` team event also every team, from its members' results)."""
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
    if spec.ranks_members:  # and every team from its members' results (the team's explanation lists them)
        entries = _entries(event)
        teams, unscored = team_results(spec, entries, out)
        out.update(teams)
        out.update({i: why for i, why in unscored.items() if entries[i].is_team})
    return out


def recompute_from_scratch(event: Event) -> list[Ranked]:
    """The whole event by the full engine from single marks (the tests compare it with `ranking`)."""
    spec = event_spec(event)
    every = explain_all(event, spec)
    if spec.ranks_members:  # teams are ranked, not their members
        teams = {i for i, info in _entries(event).items() if info.is_team}
        every = {i: r for i, r in every.items() if i in teams}
    results = [r for r in every.values() if not isinstance(r, str)]
    by_id = dict(db.session.execute(select(Entry.id, Entry.number).where(Entry.event_id == event.id)).all())
    decisions = [DTieDecision(tuple(by_id[i] for i in ids if i in by_id), reason)
                 for ids, reason in _decisions(event)]
    return rank(results, spec.chain, spec.unshared_places, decisions)


def contest_of(event: Event) -> Contest:
    return event.contest
