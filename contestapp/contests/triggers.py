"""Database triggers that keep `rounds.criteria_version` moving whenever a round's criteria change.

The tablet API parses a round's criteria once per process and keeps them while the version it reads with the sheet
(one join, no extra statement per mark save) is the one it parsed. The triggers see every writer: the ORM, Core
statements, imports, a console edit and hand-written SQL alike, so a changed maximum is never checked against the
old one. Created with the criteria table (`create_all`) and by the migration that added the column.
"""
from __future__ import annotations

from sqlalchemy import DDL, Table, event

SQLITE = [
    "CREATE TRIGGER criteria_version_insert AFTER INSERT ON criteria BEGIN "
    "UPDATE rounds SET criteria_version = criteria_version + 1 WHERE id = NEW.round_id; END",
    "CREATE TRIGGER criteria_version_update AFTER UPDATE ON criteria BEGIN "
    "UPDATE rounds SET criteria_version = criteria_version + 1 WHERE id IN (OLD.round_id, NEW.round_id); END",
    "CREATE TRIGGER criteria_version_delete AFTER DELETE ON criteria BEGIN "
    "UPDATE rounds SET criteria_version = criteria_version + 1 WHERE id = OLD.round_id; END",
]
POSTGRESQL = [
    "CREATE OR REPLACE FUNCTION criteria_version_bump() RETURNS trigger AS $$ BEGIN "
    "IF TG_OP <> 'INSERT' THEN "
    "UPDATE rounds SET criteria_version = criteria_version + 1 WHERE id = OLD.round_id; END IF; "
    "IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.round_id <> OLD.round_id) THEN "
    "UPDATE rounds SET criteria_version = criteria_version + 1 WHERE id = NEW.round_id; END IF; "
    "RETURN NULL; END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER criteria_version AFTER INSERT OR UPDATE OR DELETE ON criteria "
    "FOR EACH ROW EXECUTE FUNCTION criteria_version_bump()",
]


def install(criteria: Table) -> None:
    """Create the triggers whenever the criteria table is created (tests and new databases use create_all)."""
    for sql in SQLITE:
        event.listen(criteria, "after_create", DDL(sql).execute_if(dialect="sqlite"))
    for sql in POSTGRESQL:
        event.listen(criteria, "after_create", DDL(sql).execute_if(dialect="postgresql"))
