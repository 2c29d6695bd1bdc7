"""The ranking's reads, for SQLite and PostgreSQL alike (SQLAlchemy Core): one aggregate query over the panel
statistics the database keeps current (`panel_stats`, see `triggers`), and the small reads around it.

The aggregate query gives one row per (round, entry): for each class of the round's plain criteria
(`domain.batch.plan_event`) the integer sum of weight x (sum - lowest - highest) and the fewest and most marks of a
criterion and the number of criteria marked -- `domain.batch.plain_part` turns them into the round's exact plain
part. Every other criterion (median, drop two or more, deductions, bonus, time, veto, its own rounding, a tie-break
criterion), and every criterion of an entry whose panel is uneven (a recusal, a missing mark), is read per
criterion; single marks only where a rule needs them.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from collections.abc import Iterator, Mapping
from typing import Iterable, Optional

from sqlalchemy import BigInteger, case, cast, func, or_, select, type_coerce

from contestapp.common.db import plain
from contestapp.contests.definition import spec_of
from contestapp.contests.models import Criterion, Event, Round
from contestapp.domain import EntryResult, EventSpec, RoundPlan, needs_values, plan_event, team_result
from contestapp.entrants.models import Entrant, Entry, EntryStatus, Unit
from contestapp.extensions import db
from contestapp.i18n import N_, Message, said
from contestapp.judging.models import EntryRound, Mark, ScoreSheet, SheetStatus, TieDecision
from contestapp.results.models import EntryVersion, EventVersion, PanelStat, RoundStat

SUBMITTED = SheetStatus.SUBMITTED.value
STATUS_REASONS = {"withdrawn": N_("已退赛"), "disqualified": N_("取消资格")}
NO_MARKS, NO_MEMBERS = N_("尚无已提交的评分"), N_("没有队员成绩")
PANEL = PanelStat.__table__.c
ROUNDS = RoundStat.__table__.c
ENTRIES = Entry.__table__.c


def dec(raw: Optional[int]) -> Optional[Decimal]:
    """A stored Fixed integer as the Decimal the model would give (8.5, not 8.5000)."""
    return None if raw is None else plain(Decimal(int(raw)).scaleb(-4))


def raw(column):
    """A Fixed column read as its stored integer (no per-row Decimal conversion)."""
    return type_coerce(column, BigInteger)


# --- entries ----------------------------------------------------------------------------------------------------------

@dataclass(slots=True)
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

    def __reduce__(self):  # pickled as (class, field values): a ranking in the cache holds thousands
        return EntryInfo, (self.id, self.number, self.code, self.status, self.entrant_id, self.name, self.unit,
                           self.kind, self.team_of, self.code2)

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


ID, NUMBER, STATUS = 0, 1, 3  # where EntryInfo's fields are in a listing's rows
ACTIVE = EntryStatus.ACTIVE.value


class Listing(Mapping[int, EntryInfo]):
    """An event's entries, {entry id: EntryInfo}, kept as rows of plain values (EntryInfo's fields in order); an
    EntryInfo is made when one is read. A ranking keeps its listing for as long as it is the event's latest, and a
    tuple of plain values is what Python's garbage collector stops tracking: 10,000 EntryInfo objects kept per ranking
    were a quarter of what brings the collector's full collections (see `_rows`). Loops over every entry read
    `rows`."""

    __slots__ = ("rows",)

    def __init__(self, rows: dict[int, tuple]):
        self.rows = rows

    def __getitem__(self, entry_id: int) -> EntryInfo:
        return EntryInfo(*self.rows[entry_id])

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self.rows

    def __iter__(self) -> Iterator[int]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __reduce__(self):
        return Listing, (self.rows,)


def entries(event_id: int, only: Optional[Iterable[int]] = None) -> tuple[Listing, dict[int, Optional[int]]]:
    """The event's entries ({id: EntryInfo}, by id) and their versions ({id: version}), in one query; `only`: just
    those entries."""
    e, p, u, v = ENTRIES, Entrant.__table__.c, Unit.__table__.c, EntryVersion.__table__.c
    stmt = (select(e.id, e.number, e.code, e.status, e.entrant_id, p.name, u.name, p.kind, p.team_id, e.code2, v.version)
            .join_from(Entry.__table__, Entrant.__table__, p.id == e.entrant_id)
            .outerjoin(Unit.__table__, u.id == p.unit_id).outerjoin(EntryVersion.__table__, v.entry_id == e.id)
            .where(e.event_id == event_id).order_by(e.id))
    rows, versions = {}, {}
    for r in _rows(stmt if only is None else stmt.where(e.id.in_(list(only)))):
        rows[r[0]] = (r[0], r[1], r[2], r[3], r[4], r[5] or "", r[6] or "", r[7] or "person", r[8], r[9])
        versions[r[0]] = r[10]
    return Listing(rows), versions


def entry_versions(event_id: int) -> dict[int, Optional[int]]:
    """The event's entries' versions ({id: version}, by id): what a re-rank reads of every entry. A version moves
    with everything `entries` gives of the entry (`triggers`), so the other entries' listings are reused."""
    e, v = ENTRIES, EntryVersion.__table__.c
    return dict(db.session.execute(select(e.id, v.version).outerjoin_from(Entry.__table__, EntryVersion.__table__,
                                                                            v.entry_id == e.id)
                                   .where(e.event_id == event_id).order_by(e.id)).all())


def _rows(stmt) -> Iterable:
    """The statement's rows, fetched a hundred at a time: each batch is dropped before the next is read, so a
    ranking's 30,000 rows never outlive the garbage collector's young generations. Whatever is alive when the middle
    generation is collected (every ~7,000 objects made) moves to the old one, and a full collection -- a traversal
    of the whole heap, 70-110 ms -- comes once the old generation has grown by a quarter: batches of a thousand
    left 8,000 rows there per cold ranking, a hundred leave 600 (a fetch per hundred rows costs nothing measurable)."""
    for batch in db.session.execute(stmt).partitions(100):
        yield from batch


def event_version(event_id: int) -> Optional[int]:
    v = EventVersion.__table__.c
    return db.session.execute(select(v.version).where(v.event_id == event_id)).scalar()


def wrote() -> bool:
    """Whether this transaction has written anything (then what it reads is its own, not every worker's)."""
    conn = db.session.connection()
    name = conn.dialect.name
    if name == "sqlite":  # (sqlite3 opens a transaction before the first write only)
        return bool(conn.connection.dbapi_connection.in_transaction)
    if name == "postgresql":  # a transaction gets an id when it first writes or locks a row
        return conn.execute(select(func.txid_current_if_assigned())).scalar() is not None
    return True


def decisions(event_id: int) -> tuple:
    t = TieDecision.__table__.c
    rows = db.session.execute(select(t.entry_ids, t.reason).where(t.event_id == event_id)
                              .order_by(t.decided_at, t.id))
    return tuple((tuple(ids), reason) for ids, reason in rows)


def team_results(spec: EventSpec, infos: Mapping[int, EntryInfo], results: dict[int, EntryResult | str]
                 ) -> tuple[dict[int, EntryResult], dict[int, str]]:
    """A `sum_members` team event: the team entries' results from their members' entry results (`domain.team_result`:
    total = sum of the members' totals, time = their total time) -> ({team entry id: result}, {entry id: why not}).
    Members are the event's person entries whose entrant belongs to the team (Entrant.team_id); withdrawn or
    disqualified members do not count; a team is unscored while an active member has no result. Member entries are
    not ranked themselves; one whose team has no entry in the event is reported unscored."""
    teams = {info.entrant_id: i for i, info in infos.items() if info.is_team}
    members: dict[int, list[EntryInfo]] = {i: [] for i in teams.values()}
    unscored: dict[int, str] = {}
    for i, info in infos.items():
        if info.is_team:
            continue
        team = teams.get(info.team_of) if info.team_of is not None else None
        if team is None:
            unscored[i] = N_("不属于本赛项的参赛队")
        elif info.status == EntryStatus.ACTIVE:
            members[team].append(info)
    out: dict[int, EntryResult] = {}
    for team, group in members.items():
        info = infos[team]
        if info.status != EntryStatus.ACTIVE:
            unscored[team] = STATUS_REASONS.get(info.status, info.status)
            continue
        if not group:
            unscored[team] = NO_MEMBERS
            continue
        got: list[EntryResult] = []
        for m in sorted(group, key=lambda m: m.number):
            r = results.get(m.id)
            if not isinstance(r, EntryResult):
                unscored[team] = Message(N_("队员 %(number)s（%(name)s）：%(reason)s"), number=m.number, name=m.name,
                                         reason=said(r or NO_MARKS))
                break
            got.append(r)
        else:
            out[team] = team_result(spec, info.key, got)
    return out, unscored


# --- the definition ---------------------------------------------------------------------------------------------------

@dataclass
class Shape:
    """What the queries need of an event's definition, keyed by the definition's content (`key`)."""

    key: str
    spec: EventSpec
    rounds: dict[int, str]                     # round id -> code
    criteria: dict[int, tuple[str, str]]       # criterion id -> (round code, criterion code)
    needy: set[int]                            # criteria whose rule needs the single marks
    plans: dict[str, RoundPlan]
    classes: dict[int, RoundPlan] = field(default_factory=dict)  # round id -> plan, rounds with plain criteria
    plain_ids: dict[int, tuple[int, int, int, int]] = field(default_factory=dict)  # criterion -> class, w, dl, dh
    others: list[int] = field(default_factory=list)              # criteria read one by one
    # round id -> (weight, drop low, drop high) when every round with plain criteria is one class of all its
    # criteria with one weight: the aggregate query then reads `round_stats` (kept per round) instead of grouping
    whole: dict[int, tuple[int, int, int]] = field(default_factory=dict)


def definition_key(event: Event) -> str:
    """A digest of the event's definition as stored (the event's rules, its rounds and criteria)."""
    r, c = Round.__table__.c, Criterion.__table__.c
    rows = db.session.execute(
        select(r.id, r.code, r.weight, r.rules, c.id, c.code, c.kind, c.max, c.min, c.step, c.rules)
        .join_from(Round.__table__, Criterion.__table__, c.round_id == r.id).where(r.event_id == event.id)
        .order_by(r.order, r.id, c.order, c.id)).all()
    text = repr((event.code, event.rules, [tuple(row) for row in rows]))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def event_spec(event: Event) -> EventSpec:
    spec = spec_of(event.contest).event(event.code)
    assert spec is not None
    return spec


def shape_of(event: Event, key: str) -> Shape:
    spec = event_spec(event)
    plans = plan_event(spec)
    shape = Shape(key, spec, {r.id: r.code for r in event.rounds}, {}, set(), plans)
    for r in event.rounds:
        rs = spec.round(r.code)
        plan = plans[r.code]
        classes = {code: (k, cls) for k, cls in enumerate(plan.classes) for code in cls.codes}
        weights = {code: w for cls in plan.classes for code, w in zip(cls.codes, cls.weights)}
        if plan.classes:
            shape.classes[r.id] = plan
        for c in r.criteria:
            shape.criteria[c.id] = (r.code, c.code)
            cs = rs.criterion(c.code)
            if needs_values(cs, cs.panel_for(rs.panel)):
                shape.needy.add(c.id)
            if c.code in classes:
                k, cls = classes[c.code]
                shape.plain_ids[c.id] = (k, weights[c.code], cls.drop_low, cls.drop_high)
            else:
                shape.others.append(c.id)
    whole = {}
    for rid, plan in shape.classes.items():
        cls = plan.classes[0]
        if len(plan.classes) > 1 or plan.others or len(set(cls.weights)) > 1:
            break
        whole[rid] = (cls.weights[0], cls.drop_low, cls.drop_high)
    else:
        shape.whole = whole
    return shape


# --- the aggregate query ----------------------------------------------------------------------------------------------

def _per_criterion(values: dict[int, int]):
    """A per-criterion integer: the number itself when all are equal, else a CASE on the criterion."""
    distinct = set(values.values())
    return distinct.pop() if len(distinct) == 1 else case(values, value=PANEL.criterion_id, else_=0)


def _per_round(values: dict[int, int]):
    distinct = set(values.values())
    return distinct.pop() if len(distinct) == 1 else case(values, value=ROUNDS.round_id, else_=0)


def plain_select(shape: Shape, entry_ids: Optional[Iterable[int]] = None):
    """One row per (round, entry): round id, entry id, then per class S, fewest, most, criteria marked."""
    if shape.whole:  # one class per round: the round's sums, kept by the triggers -- S = w x (sum - dl x low - dh x high)
        w, dl, dh = (_per_round({rid: spec[k] for rid, spec in shape.whole.items()}) for k in range(3))
        stmt = select(ROUNDS.round_id, ROUNDS.entry_id,
                      cast(w * (ROUNDS.total - dl * ROUNDS.low - dh * ROUNDS.high), BigInteger),
                      ROUNDS.fewest, ROUNDS.most, ROUNDS.criteria).where(ROUNDS.round_id.in_(list(shape.whole)))
        if entry_ids is not None:
            stmt = stmt.where(ROUNDS.entry_id.in_(list(entry_ids)))
        return stmt
    ids = shape.plain_ids
    kept = PANEL.total
    for position, column in ((2, PANEL.low), (3, PANEL.high)):
        drops = _per_criterion({i: spec[position] for i, spec in ids.items()})
        if not isinstance(drops, int):
            kept = kept - column * drops
        elif drops:
            kept = kept - (column if drops == 1 else column * drops)
    weight = _per_criterion({i: w for i, (_, w, _, _) in ids.items()})
    term = kept if isinstance(weight, int) and weight == 1 else kept * weight
    width = max(len(plan.classes) for plan in shape.classes.values())
    columns = []
    if width == 1:
        columns += [func.sum(term), func.min(PANEL.n), func.max(PANEL.n), func.count()]
    else:
        cls = case({i: k for i, (k, _, _, _) in ids.items()}, value=PANEL.criterion_id)
        for k in range(width):
            inside = cls == k
            columns += [func.sum(case((inside, term))), func.min(case((inside, PANEL.n))),
                        func.max(case((inside, PANEL.n))), func.count(case((inside, 1)))]
    columns[0::4] = [cast(c, BigInteger) for c in columns[0::4]]  # PostgreSQL sums BIGINTs as NUMERIC
    stmt = select(PANEL.round_id, PANEL.entry_id, *columns).where(PANEL.round_id.in_(list(shape.classes)))
    if shape.others:
        stmt = stmt.where(PANEL.criterion_id.in_(list(ids)))
    if entry_ids is not None:
        stmt = stmt.where(PANEL.entry_id.in_(list(entry_ids)))
    return stmt.group_by(PANEL.round_id, PANEL.entry_id)


def _singles(shape: Shape, entry_ids: Optional[Iterable[int]]) -> dict[tuple[int, int], tuple]:
    """Single marks (ascending) of the criteria whose rule needs them, submitted sheets only."""
    if not shape.needy:
        return {}
    stmt = (select(Mark.entry_id, Mark.criterion_id, raw(Mark.value)).join(ScoreSheet, ScoreSheet.id == Mark.sheet_id)
            .where(Mark.criterion_id.in_(list(shape.needy)), ScoreSheet.status == SUBMITTED))
    if entry_ids is not None:
        stmt = stmt.where(Mark.entry_id.in_(list(entry_ids)))
    out: dict[tuple[int, int], list] = {}
    for entry_id, crit_id, value in _rows(stmt):
        out.setdefault((entry_id, crit_id), []).append(dec(value))
    return {k: tuple(sorted(v)) for k, v in out.items()}


def load(shape: Shape, number: dict[int, str], entry_ids: Optional[set[int]] = None
         ) -> tuple[list[tuple], dict[tuple[str, str], tuple[int, int]]]:
    """The domain's input (`domain.batch.score_event_stats`) for the given entries (None: all of `number`): per
    (entry, round) the exact plain part, and per-criterion rows for the other criteria and the uneven entries."""
    parts: dict[tuple[str, str], tuple[int, int]] = {}
    uneven: set[int] = set()
    if shape.classes:
        scale = {rid: 10 ** (4 + plan.weight_places) for rid, plan in shape.classes.items()}
        for row in _rows(plain_select(shape, entry_ids)):
            rid, entry_id = row[0], row[1]
            e = number.get(entry_id)
            if e is None:
                continue
            plan = shape.classes[rid]
            num, den = 0, 1
            for k, cls in enumerate(plan.classes):  # `domain.batch.plain_part`, inlined: 20,000 rows for 10,000
                total, low_n, high_n, count = row[2 + 4 * k: 6 + 4 * k]
                if count != len(cls.codes) or low_n != high_n or low_n < cls.min_judges:
                    uneven.add(entry_id)
                    break
                kept = 1 if cls.as_sum else low_n - cls.drop_low - cls.drop_high
                num, den = (num + total * den, den) if kept == 1 else (num * kept + total * den, den * kept)
            else:
                parts[e, plan.round] = (num, den * scale[rid])
    for e in {number[i] for i in uneven}:
        for code in shape.rounds.values():
            parts.pop((e, code), None)
    rows: list[tuple] = []
    if shape.others or uneven:
        wanted = []
        if shape.others:
            wanted.append(PANEL.criterion_id.in_(shape.others))
        if uneven:
            wanted.append(PANEL.entry_id.in_(list(uneven)))
        stmt = select(PANEL.entry_id, PANEL.criterion_id, PANEL.n, PANEL.total, PANEL.low, PANEL.high).where(
            PANEL.round_id.in_(list(shape.rounds)), or_(*wanted))
        if entry_ids is not None:
            stmt = stmt.where(PANEL.entry_id.in_(list(entry_ids)))
        singles = _singles(shape, entry_ids)
        for entry_id, crit_id, n, total, low, high in _rows(stmt):
            e = number.get(entry_id)
            if e is not None and crit_id in shape.criteria:
                rows.append((e, *shape.criteria[crit_id], n, total, low, high, singles.get((entry_id, crit_id))))
    return rows, parts


def facts(shape: Shape, number: dict[int, str], entry_ids: Optional[set[int]] = None) -> dict[tuple, tuple]:
    """(entry number, round code) -> (multiplier, time) of the given entries (None: all)."""
    f = EntryRound.__table__.c
    stmt = select(f.entry_id, f.round_id, raw(f.multiplier), raw(f.time)).where(f.round_id.in_(list(shape.rounds)))
    if entry_ids is not None:
        stmt = stmt.where(f.entry_id.in_(list(entry_ids)))
    return {(number[e], shape.rounds[r]): (dec(m), dec(t)) for e, r, m, t in db.session.execute(stmt) if e in number}


def rebuild(round_ids: Iterable[int]) -> int:
    """Recompute the panel statistics of the given rounds from their marks in one statement (for maintenance: the
    triggers keep them current). Returns the number of (round, entry, criterion) rows."""
    ids = list(round_ids)
    table = PanelStat.__table__
    db.session.execute(table.delete().where(table.c.round_id.in_(ids)))
    source = (select(Mark.round_id, Mark.entry_id, Mark.criterion_id, func.count(), func.sum(raw(Mark.value)),
                     func.min(raw(Mark.value)), func.max(raw(Mark.value)))
              .join(ScoreSheet, ScoreSheet.id == Mark.sheet_id)
              .where(Mark.round_id.in_(ids), ScoreSheet.status == SUBMITTED)
              .group_by(Mark.round_id, Mark.entry_id, Mark.criterion_id))
    result = db.session.execute(table.insert().from_select(
        ["round_id", "entry_id", "criterion_id", "n", "total", "low", "high"], source),
        execution_options={"preserve_rowcount": True})  # (an INSERT's count is kept only when asked for)
    rounds = RoundStat.__table__
    db.session.execute(rounds.delete().where(rounds.c.round_id.in_(ids)))
    db.session.execute(rounds.insert().from_select(
        ["round_id", "entry_id", "criteria", "fewest", "most", "total", "low", "high"],
        select(PANEL.round_id, PANEL.entry_id, func.count(), func.min(PANEL.n), func.max(PANEL.n), func.sum(PANEL.total),
               func.sum(PANEL.low), func.sum(PANEL.high)).where(PANEL.round_id.in_(ids))
        .group_by(PANEL.round_id, PANEL.entry_id)))
    return result.rowcount

