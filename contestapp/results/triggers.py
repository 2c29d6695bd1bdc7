"""Database triggers that keep the ranking's inputs current whenever a sheet changes, whoever writes.

- `panel_stats`: per (round, entry, criterion) the count, sum, lowest and highest mark of the submitted sheets --
  what the ranking reads instead of the marks. A mark written to a submitted sheet (an appeal's ruling, a paper
  import, a merit sheet saved as submitted), a sheet submitted, returned, voided or deleted: the triggers recompute
  the few groups it touches from the marks (a handful of rows through the covering index). Marks saved to a draft
  cost one lookup of their sheet's status and nothing else.
- `round_stats`: per (round, entry) the round's panel statistics summed over its criteria, recomputed with them.
- `entry_versions` / `event_versions`: a version per entry and per event, set to a new random 63-bit number on
  every change of what the entry's result or listing (or the event's ranking) depends on: its statistics, its round
  facts (multiplier, time), the entry itself, its entrant's name, team and unit, tie decisions, the event's
  definition. Cached
  rankings are keyed by them (`results.engine`), so every worker and host sees a change at once; random rather than
  counted, a version is never reused -- not after a backup is restored, nor when a test database starts over.

On PostgreSQL each change first takes the event's version row, so two transactions recomputing the same entry
take turns and the second reads the first's committed marks. Created with the tables (`create_all`) and by the
migration that added them (which keeps its own copy of this DDL).
"""
from __future__ import annotations

from sqlalchemy import DDL, Table, event

SUBMITTED = "'submitted'"

# --- SQLite -----------------------------------------------------------------------------------------------------------


def _sqlite_random() -> str:
    return "random()"


def _stats_sql(entry: str, rnd: str, criterion: str | None, rand=_sqlite_random) -> list[str]:
    """Recompute the statistics of one (round, entry[, criterion]) from the marks of its submitted sheets."""
    crit = "" if criterion is None else f" AND criterion_id = {criterion}"
    mcrit = "" if criterion is None else f" AND m.criterion_id = {criterion}"
    return [
        f"DELETE FROM panel_stats WHERE round_id = {rnd} AND entry_id = {entry}{crit}",
        "INSERT INTO panel_stats (round_id, entry_id, criterion_id, n, total, low, high) "
        "SELECT m.round_id, m.entry_id, m.criterion_id, COUNT(*), SUM(m.value), MIN(m.value), MAX(m.value) "
        f"FROM marks m JOIN score_sheets s ON s.id = m.sheet_id WHERE m.round_id = {rnd} AND m.entry_id = {entry}"
        f"{mcrit} AND s.status = {SUBMITTED} GROUP BY m.round_id, m.entry_id, m.criterion_id",
        *_round_sql(entry, rnd),
    ]


def _round_sql(entry: str, rnd: str) -> list[str]:
    """Recompute the round's sums (`round_stats`) of one (round, entry) from its panel statistics."""
    return [
        f"DELETE FROM round_stats WHERE round_id = {rnd} AND entry_id = {entry}",
        "INSERT INTO round_stats (round_id, entry_id, criteria, fewest, most, total, low, high) "
        "SELECT round_id, entry_id, COUNT(*), MIN(n), MAX(n), SUM(total), SUM(low), SUM(high) FROM panel_stats "
        f"WHERE round_id = {rnd} AND entry_id = {entry} GROUP BY round_id, entry_id",
    ]


def _bump_event_sql(event_id: str, rand=_sqlite_random) -> str:
    return (f"INSERT INTO event_versions (event_id, version) SELECT e.id, {rand()} FROM events e WHERE e.id = "
            f"{event_id} ON CONFLICT (event_id) DO UPDATE SET version = excluded.version")


def _bump_entry_sql(entry: str, rand=_sqlite_random) -> list[str]:
    """A new version for the entry and its event (nothing for an entry being deleted)."""
    return [
        f"INSERT INTO event_versions (event_id, version) SELECT e.event_id, {rand()} FROM entries e WHERE e.id = "
        f"{entry} ON CONFLICT (event_id) DO UPDATE SET version = excluded.version",
        f"INSERT INTO entry_versions (entry_id, version) SELECT e.id, {rand()} FROM entries e WHERE e.id = {entry} "
        "ON CONFLICT (entry_id) DO UPDATE SET version = excluded.version",
    ]


def _bump_events_of(where: str, rand=_sqlite_random) -> str:
    """A new version for the events of the entries matching `where` (an entrant or unit renamed or moved)."""
    return (f"UPDATE event_versions SET version = {rand()} WHERE event_id IN "
            f"(SELECT e.event_id FROM entries e JOIN entrants p ON p.id = e.entrant_id WHERE {where})")


def _bump_entries_of(where: str, rand=_sqlite_random) -> str:
    """A new version for the entries matching `where` (their entrant or unit renamed or moved: what the ranking shows
    of them changed, so a re-rank reads them again)."""
    return (f"UPDATE entry_versions SET version = {rand()} WHERE entry_id IN "
            f"(SELECT e.id FROM entries e JOIN entrants p ON p.id = e.entrant_id WHERE {where})")


def _sqlite_trigger(name: str, when: str, table: str, body: list[str], condition: str = "") -> str:
    cond = f" WHEN {condition}" if condition else ""
    return f"CREATE TRIGGER {name} {when} ON {table}{cond} BEGIN " + "; ".join(body) + "; END"


def _sheet_submitted(sheet: str) -> str:
    return f"(SELECT status FROM score_sheets WHERE id = {sheet}) = {SUBMITTED}"


SQLITE: dict[str, list[str]] = {
    "marks": [
        _sqlite_trigger("results_marks_insert", "AFTER INSERT", "marks",
                        _bump_entry_sql("NEW.entry_id") + _stats_sql("NEW.entry_id", "NEW.round_id", "NEW.criterion_id"),
                        _sheet_submitted("NEW.sheet_id")),
        _sqlite_trigger("results_marks_update", "AFTER UPDATE OF value, criterion_id, sheet_id, entry_id, round_id",
                        "marks",
                        _bump_entry_sql("OLD.entry_id") + _bump_entry_sql("NEW.entry_id")
                        + _stats_sql("OLD.entry_id", "OLD.round_id", "OLD.criterion_id")
                        + _stats_sql("NEW.entry_id", "NEW.round_id", "NEW.criterion_id"),
                        f"{_sheet_submitted('NEW.sheet_id')} OR {_sheet_submitted('OLD.sheet_id')}"),
        _sqlite_trigger("results_marks_delete", "AFTER DELETE", "marks",
                        _bump_entry_sql("OLD.entry_id") + _stats_sql("OLD.entry_id", "OLD.round_id", "OLD.criterion_id"),
                        _sheet_submitted("OLD.sheet_id")),
    ],
    "score_sheets": [
        _sqlite_trigger("results_sheets_status", "AFTER UPDATE OF status", "score_sheets",
                        _bump_entry_sql("NEW.entry_id") + _stats_sql("NEW.entry_id", "NEW.round_id", None),
                        f"(OLD.status = {SUBMITTED}) <> (NEW.status = {SUBMITTED})"),
        _sqlite_trigger("results_sheets_delete", "AFTER DELETE", "score_sheets",
                        _bump_entry_sql("OLD.entry_id") + _stats_sql("OLD.entry_id", "OLD.round_id", None),
                        f"OLD.status = {SUBMITTED}"),
    ],
    "entry_rounds": [
        _sqlite_trigger("results_entry_rounds_insert", "AFTER INSERT", "entry_rounds", _bump_entry_sql("NEW.entry_id")),
        _sqlite_trigger("results_entry_rounds_update", "AFTER UPDATE", "entry_rounds",
                        _bump_entry_sql("OLD.entry_id") + _bump_entry_sql("NEW.entry_id")),
        _sqlite_trigger("results_entry_rounds_delete", "AFTER DELETE", "entry_rounds", _bump_entry_sql("OLD.entry_id")),
    ],
    "entries": [
        _sqlite_trigger("results_entries_insert", "AFTER INSERT", "entries", _bump_entry_sql("NEW.id")),
        _sqlite_trigger("results_entries_update", "AFTER UPDATE", "entries",
                        _bump_entry_sql("NEW.id") + [_bump_event_sql("OLD.event_id")]),
        _sqlite_trigger("results_entries_delete", "AFTER DELETE", "entries", [
            "DELETE FROM entry_versions WHERE entry_id = OLD.id", "DELETE FROM panel_stats WHERE entry_id = OLD.id",
            "DELETE FROM round_stats WHERE entry_id = OLD.id",
            _bump_event_sql("OLD.event_id")]),
    ],
    "entrants": [
        _sqlite_trigger("results_entrants_update", "AFTER UPDATE", "entrants",
                        [_bump_events_of("p.id IN (OLD.id, NEW.id)"), _bump_entries_of("p.id IN (OLD.id, NEW.id)")]),
    ],
    "units": [
        _sqlite_trigger("results_units_update", "AFTER UPDATE OF name", "units",
                        [_bump_events_of("p.unit_id = NEW.id"), _bump_entries_of("p.unit_id = NEW.id")]),
    ],
    "tie_decisions": [
        _sqlite_trigger(f"results_tie_decisions_{op.lower()}", f"AFTER {op}", "tie_decisions",
                        [_bump_event_sql(f"{row}.event_id")])
        for op, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD"))
    ],
    "events": [
        _sqlite_trigger("results_events_insert", "AFTER INSERT", "events", [_bump_event_sql("NEW.id")]),
        _sqlite_trigger("results_events_update", "AFTER UPDATE", "events", [_bump_event_sql("NEW.id")]),
        _sqlite_trigger("results_events_delete", "AFTER DELETE", "events",
                        ["DELETE FROM event_versions WHERE event_id = OLD.id"]),
    ],
    # criteria changes move rounds.criteria_version (contests.triggers), and so reach the event here
    "rounds": [
        _sqlite_trigger(f"results_rounds_{op.lower()}", f"AFTER {op}", "rounds", [_bump_event_sql(f"{row}.event_id")])
        for op, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD"))
    ],
}

# --- PostgreSQL -------------------------------------------------------------------------------------------------------


def _pg_random() -> str:
    return "floor(random() * 9007199254740991)::bigint"


def _pg_event_lock(event_of_entry: str) -> str:
    """Take the event's version row first (created if missing): changes to one event take turns."""
    return (f"INSERT INTO event_versions (event_id, version) SELECT e.event_id, {_pg_random()} FROM entries e "
            f"WHERE e.id = {event_of_entry} ON CONFLICT (event_id) DO UPDATE SET version = excluded.version")


def _pg_entry(entry: str) -> list[str]:
    return [_pg_event_lock(entry), _bump_entry_sql(entry, _pg_random)[1]]


def _pg_function(name: str, body: str) -> str:
    return (f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$ BEGIN {body} RETURN NULL; END $$ "
            "LANGUAGE plpgsql")


def _pg(*statements: str) -> str:
    return " ".join(s + ";" for s in statements)


def _pg_submitted(sheet: str) -> str:
    return f"EXISTS (SELECT 1 FROM score_sheets WHERE id = {sheet} AND status = {SUBMITTED})"


_MARKS_PG = (
    f"IF TG_OP <> 'DELETE' AND {_pg_submitted('NEW.sheet_id')} THEN "
    + _pg(*_pg_entry("NEW.entry_id"), *_stats_sql("NEW.entry_id", "NEW.round_id", "NEW.criterion_id", _pg_random))
    + " END IF; "
    f"IF TG_OP <> 'INSERT' AND {_pg_submitted('OLD.sheet_id')} THEN "
    + _pg(*_pg_entry("OLD.entry_id"), *_stats_sql("OLD.entry_id", "OLD.round_id", "OLD.criterion_id", _pg_random))
    + " END IF;"
)
_SHEETS_PG = (
    f"IF TG_OP = 'DELETE' THEN IF OLD.status = {SUBMITTED} THEN "
    + _pg(*_pg_entry("OLD.entry_id"), *_stats_sql("OLD.entry_id", "OLD.round_id", None, _pg_random))
    + f" END IF; ELSIF (OLD.status = {SUBMITTED}) <> (NEW.status = {SUBMITTED}) THEN "
    + _pg(*_pg_entry("NEW.entry_id"), *_stats_sql("NEW.entry_id", "NEW.round_id", None, _pg_random))
    + " END IF;"
)
_ENTRY_ROUNDS_PG = (
    "IF TG_OP <> 'INSERT' THEN " + _pg(*_pg_entry("OLD.entry_id")) + " END IF; "
    "IF TG_OP <> 'DELETE' THEN " + _pg(*_pg_entry("NEW.entry_id")) + " END IF;"
)
_ENTRIES_PG = (
    "IF TG_OP = 'DELETE' THEN "
    + _pg("DELETE FROM entry_versions WHERE entry_id = OLD.id", "DELETE FROM panel_stats WHERE entry_id = OLD.id",
          "DELETE FROM round_stats WHERE entry_id = OLD.id", _bump_event_sql("OLD.event_id", _pg_random))
    + " ELSE " + _pg(*_pg_entry("NEW.id")) + " IF OLD.event_id <> NEW.event_id THEN "
    + _pg(_bump_event_sql("OLD.event_id", _pg_random)) + " END IF; END IF;"
)
# A roster import inserts thousands of entries in one statement: their versions are set once per statement, from the
# statement's new rows (a transition table), and the event's row once -- not once per entry.
_ENTRIES_INSERTED_PG = _pg(
    f"INSERT INTO event_versions (event_id, version) SELECT event_id, {_pg_random()} FROM "
    "(SELECT DISTINCT event_id FROM new_entries ORDER BY event_id) AS d "
    "ON CONFLICT (event_id) DO UPDATE SET version = excluded.version",
    f"INSERT INTO entry_versions (entry_id, version) SELECT id, {_pg_random()} FROM new_entries "
    "ON CONFLICT (entry_id) DO UPDATE SET version = excluded.version",
)
_EVENT_OF_ROW_PG = (  # tie decisions and rounds: the row's event
    "IF TG_OP <> 'DELETE' THEN " + _pg(_bump_event_sql("NEW.event_id", _pg_random)) + " END IF; "
    "IF TG_OP <> 'INSERT' THEN " + _pg(_bump_event_sql("OLD.event_id", _pg_random)) + " END IF;"
)
_EVENTS_PG = (
    "IF TG_OP = 'DELETE' THEN DELETE FROM event_versions WHERE event_id = OLD.id; ELSE "
    + _pg(_bump_event_sql("NEW.id", _pg_random)) + " END IF;"
)


def _pg_trigger(table: str, function: str, body: str, on: str = "INSERT OR UPDATE OR DELETE",
                condition: str = "") -> list[str]:
    cond = f" WHEN ({condition})" if condition else ""
    return [_pg_function(function, body),
            f"CREATE TRIGGER {function} AFTER {on} ON {table} FOR EACH ROW{cond} EXECUTE FUNCTION {function}()"]


def _pg_inserted(table: str, function: str, body: str, rows: str) -> list[str]:
    """A trigger run once per INSERT statement, with the statement's new rows as the table `rows`."""
    return [_pg_function(function, body),
            f"CREATE TRIGGER {function} AFTER INSERT ON {table} REFERENCING NEW TABLE AS {rows} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"]


POSTGRESQL: dict[str, list[str]] = {
    "marks": _pg_trigger("marks", "results_marks", _MARKS_PG),
    "score_sheets": _pg_trigger("score_sheets", "results_sheets", _SHEETS_PG, "UPDATE OF status OR DELETE"),
    "entry_rounds": _pg_trigger("entry_rounds", "results_entry_rounds", _ENTRY_ROUNDS_PG),
    "entries": _pg_trigger("entries", "results_entries", _ENTRIES_PG, "UPDATE OR DELETE")
    + _pg_inserted("entries", "results_entries_inserted", _ENTRIES_INSERTED_PG, "new_entries"),
    "entrants": _pg_trigger("entrants", "results_entrants",
                            _pg(_bump_events_of("p.id IN (OLD.id, NEW.id)", _pg_random),
                                _bump_entries_of("p.id IN (OLD.id, NEW.id)", _pg_random)), "UPDATE"),
    "units": _pg_trigger("units", "results_units", _pg(_bump_events_of("p.unit_id = NEW.id", _pg_random),
                                                       _bump_entries_of("p.unit_id = NEW.id", _pg_random)),
                         "UPDATE OF name"),
    "tie_decisions": _pg_trigger("tie_decisions", "results_tie_decisions", _EVENT_OF_ROW_PG),
    "events": _pg_trigger("events", "results_events", _EVENTS_PG),
    "rounds": _pg_trigger("rounds", "results_rounds", _EVENT_OF_ROW_PG),
}


def install(tables: dict[str, Table]) -> None:
    """Create each table's triggers whenever it is created (tests and new databases use create_all)."""
    for name, table in tables.items():
        for sql in SQLITE[name]:
            event.listen(table, "after_create", DDL(sql).execute_if(dialect="sqlite"))
        for sql in POSTGRESQL[name]:
            event.listen(table, "after_create", DDL(sql).execute_if(dialect="postgresql"))
