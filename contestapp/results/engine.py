"""Rankings: the panel statistics the database keeps current -> the domain's one engine -> ranks, shared by every
worker and host through the cache (Flask-Caching), keyed by versions kept in the database.

How an event is ranked:
1. the database keeps, per (round, entry, criterion), the count, sum, lowest and highest mark of the submitted
   sheets, the same summed per (round, entry), and a version per entry and per event (a new random number on every
   change): `results.triggers`;
2. one aggregate query over those statistics (for rounds of one rule and one weight, a read of the round sums) gives
   per (entry, round) the exact plain part of the round and per
   criterion what the plain part does not cover (`results.aggregate`); the domain scores the entries from them
   (`domain.score_event_stats`: the same round and entry arithmetic as for single marks) and ranks them with the
   tie-break chain and the chief judge's decisions (`domain.rank_outcome`);
3. the cache holds one ranking per event, the latest computed, with the version it was computed at. A request reads
   the event's version (one indexed row) and serves the cached ranking when its version is that one; after a change
   it takes the cached ranking, scores again only the entries whose version moved -- one changed mark re-scores one
   entry, not the event -- and puts the new ranking in its place (one write, however often marks change);
4. one entry's explanation (成绩明细) is computed on demand from that entry's single marks (`results.inputs`).

A transaction that has written something reads its own changes, which nobody else sees yet: it neither reads nor
fills the cache.

Each process also keeps the last ranking it used per event (`_recent`), so that a hit or a re-rank does not
unpickle the shared copy again; it is used only while the event's version in the database is the one it was
computed at -- the same key as the shared cache's, so it can never answer differently from another worker.
"""
from __future__ import annotations

import pickle
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import repeat, starmap
from operator import attrgetter, itemgetter
from typing import Iterable, Optional

from flask import current_app

from contestapp.contests.models import Event
from contestapp.domain import EntryResult, EventSpec, Ranked, TieDecision as DTieDecision, pending_ties
from contestapp.domain import score_event_stats
from contestapp.domain.ranking import rank_outcome
from contestapp.entrants.models import Entry  # noqa: F401  (Entry: callers name it through here)
from contestapp.extensions import cache, db
from contestapp.results import aggregate
from contestapp.results.aggregate import (ACTIVE, ID, NO_MARKS, NUMBER, STATUS, STATUS_REASONS, EntryInfo, Listing,
                                          Shape, event_spec, team_results)
from contestapp.results.inputs import explain, explain_all, recompute_from_scratch

__all__ = ["EntryInfo", "Ranking", "ranking", "invalidate", "event_spec", "explain", "explain_all",
           "recompute_from_scratch", "team_results"]


_RESULT = tuple(map(attrgetter, EntryResult.__slots__))
_PLACE = tuple(map(itemgetter, range(len(Ranked._fields))))
_TOTAL = EntryResult.__slots__.index("total")
_OWN = Ranked._fields.index("result")
_new_ranked = tuple.__new__


def _columns(items: list, fields: tuple) -> list:
    """Objects as columns, one pass per field (in C). Not zip(*rows): that makes an iterator per row, 20,000 objects
    that live as long as the transposition and so reach the collector's old generation (see `aggregate._rows`)."""
    return [tuple(map(field, items)) for field in fields]


@dataclass
class Ranking:
    """An event's ranking as computed now: ranked entries, entries that cannot be ranked yet, pending ties; and
    what the next computation reuses (each entry's result and the version it was computed at)."""

    event_id: int
    spec: EventSpec
    ranked: list[Ranked]
    unscored: dict[int, str]          # entry id -> why (Chinese: N_ or a Message, for `tr`)
    entries: Listing                  # entry id -> EntryInfo
    by_key: dict[str, int]            # domain entry key -> entry id
    pending: list[tuple[str, ...]]
    version: int                      # the event's data version it was computed at (for ETags / the big screen)
    # the chief judge's decisions that match no tie now (the tied set changed since): not applied, to decide again
    stale_decisions: list[DTieDecision] = field(default_factory=list)
    shape: str = ""                                                   # the definition it was computed with
    results: dict[int, EntryResult | str] = field(default_factory=dict)  # every active entry's result, or why not
    versions: dict[int, Optional[int]] = field(default_factory=dict)     # entry id -> version computed at

    def __getstate__(self) -> dict:
        """Columns of plain values rather than objects, built and pickled in C (no Python call per entry): what every
        worker writes and reads in the shared cache. Entries are rows of values; scored results and ranked places are
        columns, the totals as text (a Decimal pickles through one reduce call each: ten times slower than text). A
        ranked place names its result by entry key, except in a team event, whose team results are kept with it."""
        results = self.results
        failed = {i: r for i, r in results.items() if isinstance(r, str)}
        ids = [i for i in results if i not in failed] if failed else list(results)
        columns = _columns(list(map(results.__getitem__, ids)), _RESULT)
        columns[_TOTAL] = tuple(map(str, columns[_TOTAL]))
        places = _columns(self.ranked, _PLACE)
        if not self.spec.ranks_members:
            places[_OWN] = ()
        return {**self.__dict__, "entries": list(self.entries.rows.values()),
                "results": (list(results) if failed else None, ids, columns, failed), "ranked": places}

    def __setstate__(self, state: dict) -> None:
        order, ids, columns, failed = state["results"]
        columns[_TOTAL] = map(Decimal, columns[_TOTAL])
        scored = dict(zip(ids, starmap(EntryResult, zip(*columns))))
        results = scored if order is None else {i: failed[i] if i in failed else scored[i] for i in order}
        places, by_key = state["ranked"], state["by_key"]
        if not places[_OWN]:
            places[_OWN] = map(results.__getitem__, map(by_key.__getitem__, places[0]))
        ranked = list(map(_new_ranked, repeat(Ranked), zip(*places)))
        self.__dict__.update(state, entries=Listing({row[ID]: row for row in state["entries"]}),
                             results=results, ranked=ranked)

    def entry_of(self, r: Ranked) -> EntryInfo:
        return self.entries[self.by_key[r.entry]]

    def label_of(self, key: str) -> str:
        """What listings show for a domain entry key (the secret code once drawn, else the number)."""
        i = self.by_key.get(key)
        return key if i is None else self.entries[i].label

    def rows(self) -> Iterable[tuple[Ranked, EntryInfo]]:
        for r in self.ranked:
            yield r, self.entries[self.by_key[r.entry]]


FORMAT = 5  # of what is cached: a release that changes the pickled classes or the keys moves it on


def _key(*parts) -> str:
    return f"results{FORMAT}:" + ":".join(str(p) for p in parts)


def _get(key: str, read=None, value=None):
    """A cached value -- the cache's entry under key, or `read(value)` of what it held -- or None; an entry another
    release wrote that this one cannot read counts as absent."""
    try:
        return cache.get(key) if read is None else read(value)
    except Exception:  # noqa: BLE001  (unpickling: AttributeError, ImportError, EOFError, ...): recompute instead
        current_app.logger.warning("results cache: unreadable entry %s, recomputed", key)
        return None


def _unpack(stored: tuple[int, bytes], key: str) -> Optional[Ranking]:
    """A cached ranking from its (version, pickled ranking): the version is read without unpickling the ranking, so
    a worker that re-ranks from its own last ranking never unpickles the one it replaces."""
    return _get(key, pickle.loads, stored[1])


_recent: dict[tuple[str, int], Ranking] = {}  # (database, event id) -> the last ranking this process used
_recent_lock = threading.Lock()


def _remember(event_id: int, computed: Ranking) -> None:
    with _recent_lock:
        if len(_recent) > 200:
            _recent.clear()
        _recent[str(db.engine.url), event_id] = computed


def invalidate(event_id: Optional[int] = None) -> None:
    """Forget cached rankings (never needed for correctness: versions key them); the next ranking starts cold. The
    process keeps the definitions' shapes: each is a pure function of its definition's digest, never stale."""
    with _recent_lock:
        _recent.clear()
    if event_id is None:
        cache.clear()
    else:
        cache.delete(_key("ranking", event_id))


_shapes: dict[str, Shape] = {}  # definition digest -> its shape: a pure function of the digest, safe to keep


def _shape(event: Event, key: Optional[str] = None) -> Shape:
    """What the queries need of the event's definition, keyed by a digest of the definition as stored."""
    key = aggregate.definition_key(event) if key is None else key
    shape = _shapes.get(key)
    if shape is None:
        shape = _get(_key("shape", event.id))  # one per event, replaced when the definition changes
        if shape is None or shape.key != key:
            shape = aggregate.shape_of(event, key)
            cache.set(_key("shape", event.id), shape)
        if len(_shapes) > 200:
            _shapes.clear()
        _shapes[key] = shape
    return shape


def _score(shape: Shape, infos: Listing, targets: Optional[set[int]]) -> dict[int, EntryResult | str]:
    """The given active entries' results (None: every active entry), from one aggregate query."""
    number = {i: row[NUMBER] for i, row in infos.rows.items()
              if row[STATUS] == ACTIVE and (targets is None or i in targets)}
    if not number:
        return {}
    only = None if targets is None else set(number)
    rows, parts = aggregate.load(shape, number, only)
    results, errors = score_event_stats(shape.spec, rows, aggregate.facts(shape, number, only), plain=parts,
                                        plans=shape.plans)
    return {i: results.get(e) or errors.get(e, NO_MARKS) for i, e in number.items()}


def _entries(event_id: int, previous: Optional[Ranking]) -> tuple[Listing, dict[int, Optional[int]]]:
    """The event's entries and their versions: after a change, the entries whose version did not move are the
    previous ranking's (their listing cannot have changed: `triggers`), and only the others are read."""
    if previous is None:
        return aggregate.entries(event_id)
    versions = aggregate.entry_versions(event_id)
    kept = previous.entries.rows
    moved = {i for i, v in versions.items() if v is None or i not in kept or previous.versions.get(i) != v}
    if len(moved) * 4 > len(versions):  # most of them (a roster re-imported): one read of all
        return aggregate.entries(event_id)
    fresh, fresh_versions = aggregate.entries(event_id, moved) if moved else (Listing({}), {})
    versions.update(fresh_versions)
    # (an entry deleted between the two reads is in neither: left out, as the next read would)
    rows = {i: fresh.rows[i] if i in fresh else kept[i] for i in versions if i in fresh or i not in moved}
    return Listing(rows), {i: versions[i] for i in rows}


def _compute(event: Event, version: Optional[int], previous: Optional[Ranking]) -> Ranking:
    definition = aggregate.definition_key(event)
    infos, versions = _entries(event.id, previous if previous is not None and previous.shape == definition else None)
    shape = _shape(event, definition) if previous is None or previous.shape != definition else None
    if shape is None:  # the definition is the one the previous ranking used: reuse what did not move
        spec = previous.spec
        rows = infos.rows
        results = {i: r for i, r in previous.results.items()
                   if i in rows and versions.get(i) is not None and previous.versions.get(i) == versions[i]
                   and rows[i][STATUS] == ACTIVE}
        todo = {i for i, row in rows.items() if row[STATUS] == ACTIVE and i not in results}
        if todo:
            results.update(_score(_shape(event, definition), infos, todo))
        key = previous.shape
    else:
        spec, key = shape.spec, shape.key
        results = _score(shape, infos, None)
    unscored = {i: STATUS_REASONS.get(row[STATUS], row[STATUS]) for i, row in infos.rows.items()
                if row[STATUS] != ACTIVE}
    unscored.update({i: r for i, r in results.items() if isinstance(r, str)})
    scored: Iterable[EntryResult] = [r for r in results.values() if not isinstance(r, str)]
    if spec.ranks_members:
        teams, unscored = team_results(spec, infos, {**unscored, **results})
        scored = teams.values()
    tie_decisions = []
    decided = aggregate.decisions(event.id)
    if decided:
        key_of = {i: row[NUMBER] for i, row in infos.rows.items()}
        tie_decisions = [DTieDecision(tuple(key_of[i] for i in ids if i in key_of), reason) for ids, reason in decided]
    ranked, stale = rank_outcome(scored, spec.chain, spec.unshared_places, tie_decisions)
    return Ranking(event.id, spec, ranked, unscored, infos, {row[NUMBER]: i for i, row in infos.rows.items()},
                   pending_ties(ranked), version or 0, stale, key, results, versions)


def ranking(event: Event) -> Ranking:
    """The event's ranking now: from the shared cache when the event has not changed since it was computed, else
    computed again for the entries that changed (all of them the first time)."""
    version = aggregate.event_version(event.id)
    if version is None or aggregate.wrote():
        return _compute(event, version, None)
    recent = _recent.get((str(db.engine.url), event.id))
    if recent is not None and recent.version == version:
        return recent
    key = _key("ranking", event.id)
    stored = _get(key)
    found = _unpack(stored, key) if stored is not None and (stored[0] == version or recent is None) else None
    if found is not None and found.version == version:
        _remember(event.id, found)
        return found
    computed = _compute(event, version, recent if recent is not None else found)
    # (two workers computing two versions at once: the one written last stays; a reader at the other version takes
    # it as its start and re-scores what moved)
    cache.set(key, (version, pickle.dumps(computed, pickle.HIGHEST_PROTOCOL)))
    _remember(event.id, computed)
    return computed


def shared(event_id: int) -> Optional[Ranking]:
    """The event's ranking as the shared cache holds it (whatever its version), or None."""
    key = _key("ranking", event_id)
    stored = _get(key)
    return None if stored is None else _unpack(stored, key)
