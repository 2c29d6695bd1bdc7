"""results: round_stats, the panel statistics of each (round, entry) summed over the round's criteria

For a round whose criteria share one rule and one weight (most rounds), the ranking's aggregate query reads one row
per (round, entry) from `round_stats` instead of grouping the round's `panel_stats` rows (10,000 entries: 20,000
rows read rather than 200,000 grouped). The triggers that recompute `panel_stats` recompute the round's row with
them. The DDL is copied from contestapp/results/triggers.py as it was when this was written; existing data are
filled in by one statement.

Revision ID: c82239be4afd
Revises: b6f12bd4eb75
Create Date: 2026-12-04 22:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'c82239be4afd'
down_revision = 'b6f12bd4eb75'
branch_labels = None
depends_on = None

# SQLite: the triggers that recompute panel_stats, now with round_stats (dropped and created again)
SQLITE = {'entries': ['CREATE TRIGGER results_entries_delete AFTER DELETE ON entries BEGIN DELETE FROM entry_versions WHERE '
             'entry_id = OLD.id; DELETE FROM panel_stats WHERE entry_id = OLD.id; DELETE FROM round_stats WHERE '
             'entry_id = OLD.id; INSERT INTO event_versions (event_id, version) SELECT e.id, random() FROM events '
             'e WHERE e.id = OLD.event_id ON CONFLICT (event_id) DO UPDATE SET version = excluded.version; END'],
 'marks': ['CREATE TRIGGER results_marks_insert AFTER INSERT ON marks WHEN (SELECT status FROM score_sheets WHERE '
           "id = NEW.sheet_id) = 'submitted' BEGIN INSERT INTO event_versions (event_id, version) SELECT "
           'e.event_id, random() FROM entries e WHERE e.id = NEW.entry_id ON CONFLICT (event_id) DO UPDATE SET '
           'version = excluded.version; INSERT INTO entry_versions (entry_id, version) SELECT e.id, random() FROM '
           'entries e WHERE e.id = NEW.entry_id ON CONFLICT (entry_id) DO UPDATE SET version = excluded.version; '
           'DELETE FROM panel_stats WHERE round_id = NEW.round_id AND entry_id = NEW.entry_id AND criterion_id = '
           'NEW.criterion_id; INSERT INTO panel_stats (round_id, entry_id, criterion_id, n, total, low, high) '
           'SELECT m.round_id, m.entry_id, m.criterion_id, COUNT(*), SUM(m.value), MIN(m.value), MAX(m.value) FROM '
           'marks m JOIN score_sheets s ON s.id = m.sheet_id WHERE m.round_id = NEW.round_id AND m.entry_id = '
           "NEW.entry_id AND m.criterion_id = NEW.criterion_id AND s.status = 'submitted' GROUP BY m.round_id, "
           'm.entry_id, m.criterion_id; DELETE FROM round_stats WHERE round_id = NEW.round_id AND entry_id = '
           'NEW.entry_id; INSERT INTO round_stats (round_id, entry_id, criteria, fewest, most, total, low, high) '
           'SELECT round_id, entry_id, COUNT(*), MIN(n), MAX(n), SUM(total), SUM(low), SUM(high) FROM panel_stats '
           'WHERE round_id = NEW.round_id AND entry_id = NEW.entry_id GROUP BY round_id, entry_id; END',
           'CREATE TRIGGER results_marks_update AFTER UPDATE OF value, criterion_id, sheet_id, entry_id, round_id '
           "ON marks WHEN (SELECT status FROM score_sheets WHERE id = NEW.sheet_id) = 'submitted' OR (SELECT "
           "status FROM score_sheets WHERE id = OLD.sheet_id) = 'submitted' BEGIN INSERT INTO event_versions "
           '(event_id, version) SELECT e.event_id, random() FROM entries e WHERE e.id = OLD.entry_id ON CONFLICT '
           '(event_id) DO UPDATE SET version = excluded.version; INSERT INTO entry_versions (entry_id, version) '
           'SELECT e.id, random() FROM entries e WHERE e.id = OLD.entry_id ON CONFLICT (entry_id) DO UPDATE SET '
           'version = excluded.version; INSERT INTO event_versions (event_id, version) SELECT e.event_id, random() '
           'FROM entries e WHERE e.id = NEW.entry_id ON CONFLICT (event_id) DO UPDATE SET version = '
           'excluded.version; INSERT INTO entry_versions (entry_id, version) SELECT e.id, random() FROM entries e '
           'WHERE e.id = NEW.entry_id ON CONFLICT (entry_id) DO UPDATE SET version = excluded.version; DELETE FROM '
           'panel_stats WHERE round_id = OLD.round_id AND entry_id = OLD.entry_id AND criterion_id = '
           'OLD.criterion_id; INSERT INTO panel_stats (round_id, entry_id, criterion_id, n, total, low, high) '
           'SELECT m.round_id, m.entry_id, m.criterion_id, COUNT(*), SUM(m.value), MIN(m.value), MAX(m.value) FROM '
           'marks m JOIN score_sheets s ON s.id = m.sheet_id WHERE m.round_id = OLD.round_id AND m.entry_id = '
           "OLD.entry_id AND m.criterion_id = OLD.criterion_id AND s.status = 'submitted' GROUP BY m.round_id, "
           'm.entry_id, m.criterion_id; DELETE FROM round_stats WHERE round_id = OLD.round_id AND entry_id = '
           'OLD.entry_id; INSERT INTO round_stats (round_id, entry_id, criteria, fewest, most, total, low, high) '
           'SELECT round_id, entry_id, COUNT(*), MIN(n), MAX(n), SUM(total), SUM(low), SUM(high) FROM panel_stats '
           'WHERE round_id = OLD.round_id AND entry_id = OLD.entry_id GROUP BY round_id, entry_id; DELETE FROM '
           'panel_stats WHERE round_id = NEW.round_id AND entry_id = NEW.entry_id AND criterion_id = '
           'NEW.criterion_id; INSERT INTO panel_stats (round_id, entry_id, criterion_id, n, total, low, high) '
           'SELECT m.round_id, m.entry_id, m.criterion_id, COUNT(*), SUM(m.value), MIN(m.value), MAX(m.value) FROM '
           'marks m JOIN score_sheets s ON s.id = m.sheet_id WHERE m.round_id = NEW.round_id AND m.entry_id = '
           "NEW.entry_id AND m.criterion_id = NEW.criterion_id AND s.status = 'submitted' GROUP BY m.round_id, "
           'm.entry_id, m.criterion_id; DELETE FROM round_stats WHERE round_id = NEW.round_id AND entry_id = '
           'NEW.entry_id; INSERT INTO round_stats (round_id, entry_id, criteria, fewest, most, total, low, high) '
           'SELECT round_id, entry_id, COUNT(*), MIN(n), MAX(n), SUM(total), SUM(low), SUM(high) FROM panel_stats '
           'WHERE round_id = NEW.round_id AND entry_id = NEW.entry_id GROUP BY round_id, entry_id; END',
           'CREATE TRIGGER results_marks_delete AFTER DELETE ON marks WHEN (SELECT status FROM score_sheets WHERE '
           "id = OLD.sheet_id) = 'submitted' BEGIN INSERT INTO event_versions (event_id, version) SELECT "
           'e.event_id, random() FROM entries e WHERE e.id = OLD.entry_id ON CONFLICT (event_id) DO UPDATE SET '
           'version = excluded.version; INSERT INTO entry_versions (entry_id, version) SELECT e.id, random() FROM '
           'entries e WHERE e.id = OLD.entry_id ON CONFLICT (entry_id) DO UPDATE SET version = excluded.version; '
           'DELETE FROM panel_stats WHERE round_id = OLD.round_id AND entry_id = OLD.entry_id AND criterion_id = '
           'OLD.criterion_id; INSERT INTO panel_stats (round_id, entry_id, criterion_id, n, total, low, high) '
           'SELECT m.round_id, m.entry_id, m.criterion_id, COUNT(*), SUM(m.value), MIN(m.value), MAX(m.value) FROM '
           'marks m JOIN score_sheets s ON s.id = m.sheet_id WHERE m.round_id = OLD.round_id AND m.entry_id = '
           "OLD.entry_id AND m.criterion_id = OLD.criterion_id AND s.status = 'submitted' GROUP BY m.round_id, "
           'm.entry_id, m.criterion_id; DELETE FROM round_stats WHERE round_id = OLD.round_id AND entry_id = '
           'OLD.entry_id; INSERT INTO round_stats (round_id, entry_id, criteria, fewest, most, total, low, high) '
           'SELECT round_id, entry_id, COUNT(*), MIN(n), MAX(n), SUM(total), SUM(low), SUM(high) FROM panel_stats '
           'WHERE round_id = OLD.round_id AND entry_id = OLD.entry_id GROUP BY round_id, entry_id; END'],
 'score_sheets': ['CREATE TRIGGER results_sheets_status AFTER UPDATE OF status ON score_sheets WHEN (OLD.status = '
                  "'submitted') <> (NEW.status = 'submitted') BEGIN INSERT INTO event_versions (event_id, version) "
                  'SELECT e.event_id, random() FROM entries e WHERE e.id = NEW.entry_id ON CONFLICT (event_id) DO '
                  'UPDATE SET version = excluded.version; INSERT INTO entry_versions (entry_id, version) SELECT '
                  'e.id, random() FROM entries e WHERE e.id = NEW.entry_id ON CONFLICT (entry_id) DO UPDATE SET '
                  'version = excluded.version; DELETE FROM panel_stats WHERE round_id = NEW.round_id AND entry_id '
                  '= NEW.entry_id; INSERT INTO panel_stats (round_id, entry_id, criterion_id, n, total, low, high) '
                  'SELECT m.round_id, m.entry_id, m.criterion_id, COUNT(*), SUM(m.value), MIN(m.value), '
                  'MAX(m.value) FROM marks m JOIN score_sheets s ON s.id = m.sheet_id WHERE m.round_id = '
                  "NEW.round_id AND m.entry_id = NEW.entry_id AND s.status = 'submitted' GROUP BY m.round_id, "
                  'm.entry_id, m.criterion_id; DELETE FROM round_stats WHERE round_id = NEW.round_id AND entry_id '
                  '= NEW.entry_id; INSERT INTO round_stats (round_id, entry_id, criteria, fewest, most, total, '
                  'low, high) SELECT round_id, entry_id, COUNT(*), MIN(n), MAX(n), SUM(total), SUM(low), SUM(high) '
                  'FROM panel_stats WHERE round_id = NEW.round_id AND entry_id = NEW.entry_id GROUP BY round_id, '
                  'entry_id; END',
                  "CREATE TRIGGER results_sheets_delete AFTER DELETE ON score_sheets WHEN OLD.status = 'submitted' "
                  'BEGIN INSERT INTO event_versions (event_id, version) SELECT e.event_id, random() FROM entries e '
                  'WHERE e.id = OLD.entry_id ON CONFLICT (event_id) DO UPDATE SET version = excluded.version; '
                  'INSERT INTO entry_versions (entry_id, version) SELECT e.id, random() FROM entries e WHERE e.id '
                  '= OLD.entry_id ON CONFLICT (entry_id) DO UPDATE SET version = excluded.version; DELETE FROM '
                  'panel_stats WHERE round_id = OLD.round_id AND entry_id = OLD.entry_id; INSERT INTO panel_stats '
                  '(round_id, entry_id, criterion_id, n, total, low, high) SELECT m.round_id, m.entry_id, '
                  'm.criterion_id, COUNT(*), SUM(m.value), MIN(m.value), MAX(m.value) FROM marks m JOIN '
                  'score_sheets s ON s.id = m.sheet_id WHERE m.round_id = OLD.round_id AND m.entry_id = '
                  "OLD.entry_id AND s.status = 'submitted' GROUP BY m.round_id, m.entry_id, m.criterion_id; DELETE "
                  'FROM round_stats WHERE round_id = OLD.round_id AND entry_id = OLD.entry_id; INSERT INTO '
                  'round_stats (round_id, entry_id, criteria, fewest, most, total, low, high) SELECT round_id, '
                  'entry_id, COUNT(*), MIN(n), MAX(n), SUM(total), SUM(low), SUM(high) FROM panel_stats WHERE '
                  'round_id = OLD.round_id AND entry_id = OLD.entry_id GROUP BY round_id, entry_id; END']}

# PostgreSQL: the trigger functions, now with round_stats (the triggers are unchanged)
POSTGRESQL = {'entries': ["CREATE OR REPLACE FUNCTION results_entries() RETURNS trigger AS $$ BEGIN IF TG_OP = 'DELETE' THEN "
             'DELETE FROM entry_versions WHERE entry_id = OLD.id; DELETE FROM panel_stats WHERE entry_id = OLD.id; '
             'DELETE FROM round_stats WHERE entry_id = OLD.id; INSERT INTO event_versions (event_id, version) '
             'SELECT e.id, floor(random() * 9007199254740991)::bigint FROM events e WHERE e.id = OLD.event_id ON '
             'CONFLICT (event_id) DO UPDATE SET version = excluded.version; ELSE INSERT INTO event_versions '
             '(event_id, version) SELECT e.event_id, floor(random() * 9007199254740991)::bigint FROM entries e '
             'WHERE e.id = NEW.id ON CONFLICT (event_id) DO UPDATE SET version = excluded.version; INSERT INTO '
             'entry_versions (entry_id, version) SELECT e.id, floor(random() * 9007199254740991)::bigint FROM '
             'entries e WHERE e.id = NEW.id ON CONFLICT (entry_id) DO UPDATE SET version = excluded.version; IF '
             'OLD.event_id <> NEW.event_id THEN INSERT INTO event_versions (event_id, version) SELECT e.id, '
             'floor(random() * 9007199254740991)::bigint FROM events e WHERE e.id = OLD.event_id ON CONFLICT '
             '(event_id) DO UPDATE SET version = excluded.version; END IF; END IF; RETURN NULL; END $$ LANGUAGE '
             'plpgsql'],
 'marks': ["CREATE OR REPLACE FUNCTION results_marks() RETURNS trigger AS $$ BEGIN IF TG_OP <> 'DELETE' AND EXISTS "
           "(SELECT 1 FROM score_sheets WHERE id = NEW.sheet_id AND status = 'submitted') THEN INSERT INTO "
           'event_versions (event_id, version) SELECT e.event_id, floor(random() * 9007199254740991)::bigint FROM '
           'entries e WHERE e.id = NEW.entry_id ON CONFLICT (event_id) DO UPDATE SET version = excluded.version; '
           'INSERT INTO entry_versions (entry_id, version) SELECT e.id, floor(random() * 9007199254740991)::bigint '
           'FROM entries e WHERE e.id = NEW.entry_id ON CONFLICT (entry_id) DO UPDATE SET version = '
           'excluded.version; DELETE FROM panel_stats WHERE round_id = NEW.round_id AND entry_id = NEW.entry_id '
           'AND criterion_id = NEW.criterion_id; INSERT INTO panel_stats (round_id, entry_id, criterion_id, n, '
           'total, low, high) SELECT m.round_id, m.entry_id, m.criterion_id, COUNT(*), SUM(m.value), MIN(m.value), '
           'MAX(m.value) FROM marks m JOIN score_sheets s ON s.id = m.sheet_id WHERE m.round_id = NEW.round_id AND '
           "m.entry_id = NEW.entry_id AND m.criterion_id = NEW.criterion_id AND s.status = 'submitted' GROUP BY "
           'm.round_id, m.entry_id, m.criterion_id; DELETE FROM round_stats WHERE round_id = NEW.round_id AND '
           'entry_id = NEW.entry_id; INSERT INTO round_stats (round_id, entry_id, criteria, fewest, most, total, '
           'low, high) SELECT round_id, entry_id, COUNT(*), MIN(n), MAX(n), SUM(total), SUM(low), SUM(high) FROM '
           'panel_stats WHERE round_id = NEW.round_id AND entry_id = NEW.entry_id GROUP BY round_id, entry_id; END '
           "IF; IF TG_OP <> 'INSERT' AND EXISTS (SELECT 1 FROM score_sheets WHERE id = OLD.sheet_id AND status = "
           "'submitted') THEN INSERT INTO event_versions (event_id, version) SELECT e.event_id, floor(random() * "
           '9007199254740991)::bigint FROM entries e WHERE e.id = OLD.entry_id ON CONFLICT (event_id) DO UPDATE '
           'SET version = excluded.version; INSERT INTO entry_versions (entry_id, version) SELECT e.id, '
           'floor(random() * 9007199254740991)::bigint FROM entries e WHERE e.id = OLD.entry_id ON CONFLICT '
           '(entry_id) DO UPDATE SET version = excluded.version; DELETE FROM panel_stats WHERE round_id = '
           'OLD.round_id AND entry_id = OLD.entry_id AND criterion_id = OLD.criterion_id; INSERT INTO panel_stats '
           '(round_id, entry_id, criterion_id, n, total, low, high) SELECT m.round_id, m.entry_id, m.criterion_id, '
           'COUNT(*), SUM(m.value), MIN(m.value), MAX(m.value) FROM marks m JOIN score_sheets s ON s.id = '
           'm.sheet_id WHERE m.round_id = OLD.round_id AND m.entry_id = OLD.entry_id AND m.criterion_id = '
           "OLD.criterion_id AND s.status = 'submitted' GROUP BY m.round_id, m.entry_id, m.criterion_id; DELETE "
           'FROM round_stats WHERE round_id = OLD.round_id AND entry_id = OLD.entry_id; INSERT INTO round_stats '
           '(round_id, entry_id, criteria, fewest, most, total, low, high) SELECT round_id, entry_id, COUNT(*), '
           'MIN(n), MAX(n), SUM(total), SUM(low), SUM(high) FROM panel_stats WHERE round_id = OLD.round_id AND '
           'entry_id = OLD.entry_id GROUP BY round_id, entry_id; END IF; RETURN NULL; END $$ LANGUAGE plpgsql'],
 'score_sheets': ["CREATE OR REPLACE FUNCTION results_sheets() RETURNS trigger AS $$ BEGIN IF TG_OP = 'DELETE' "
                  "THEN IF OLD.status = 'submitted' THEN INSERT INTO event_versions (event_id, version) SELECT "
                  'e.event_id, floor(random() * 9007199254740991)::bigint FROM entries e WHERE e.id = OLD.entry_id '
                  'ON CONFLICT (event_id) DO UPDATE SET version = excluded.version; INSERT INTO entry_versions '
                  '(entry_id, version) SELECT e.id, floor(random() * 9007199254740991)::bigint FROM entries e '
                  'WHERE e.id = OLD.entry_id ON CONFLICT (entry_id) DO UPDATE SET version = excluded.version; '
                  'DELETE FROM panel_stats WHERE round_id = OLD.round_id AND entry_id = OLD.entry_id; INSERT INTO '
                  'panel_stats (round_id, entry_id, criterion_id, n, total, low, high) SELECT m.round_id, '
                  'm.entry_id, m.criterion_id, COUNT(*), SUM(m.value), MIN(m.value), MAX(m.value) FROM marks m '
                  'JOIN score_sheets s ON s.id = m.sheet_id WHERE m.round_id = OLD.round_id AND m.entry_id = '
                  "OLD.entry_id AND s.status = 'submitted' GROUP BY m.round_id, m.entry_id, m.criterion_id; DELETE "
                  'FROM round_stats WHERE round_id = OLD.round_id AND entry_id = OLD.entry_id; INSERT INTO '
                  'round_stats (round_id, entry_id, criteria, fewest, most, total, low, high) SELECT round_id, '
                  'entry_id, COUNT(*), MIN(n), MAX(n), SUM(total), SUM(low), SUM(high) FROM panel_stats WHERE '
                  'round_id = OLD.round_id AND entry_id = OLD.entry_id GROUP BY round_id, entry_id; END IF; ELSIF '
                  "(OLD.status = 'submitted') <> (NEW.status = 'submitted') THEN INSERT INTO event_versions "
                  '(event_id, version) SELECT e.event_id, floor(random() * 9007199254740991)::bigint FROM entries '
                  'e WHERE e.id = NEW.entry_id ON CONFLICT (event_id) DO UPDATE SET version = excluded.version; '
                  'INSERT INTO entry_versions (entry_id, version) SELECT e.id, floor(random() * '
                  '9007199254740991)::bigint FROM entries e WHERE e.id = NEW.entry_id ON CONFLICT (entry_id) DO '
                  'UPDATE SET version = excluded.version; DELETE FROM panel_stats WHERE round_id = NEW.round_id '
                  'AND entry_id = NEW.entry_id; INSERT INTO panel_stats (round_id, entry_id, criterion_id, n, '
                  'total, low, high) SELECT m.round_id, m.entry_id, m.criterion_id, COUNT(*), SUM(m.value), '
                  'MIN(m.value), MAX(m.value) FROM marks m JOIN score_sheets s ON s.id = m.sheet_id WHERE '
                  "m.round_id = NEW.round_id AND m.entry_id = NEW.entry_id AND s.status = 'submitted' GROUP BY "
                  'm.round_id, m.entry_id, m.criterion_id; DELETE FROM round_stats WHERE round_id = NEW.round_id '
                  'AND entry_id = NEW.entry_id; INSERT INTO round_stats (round_id, entry_id, criteria, fewest, '
                  'most, total, low, high) SELECT round_id, entry_id, COUNT(*), MIN(n), MAX(n), SUM(total), '
                  'SUM(low), SUM(high) FROM panel_stats WHERE round_id = NEW.round_id AND entry_id = NEW.entry_id '
                  'GROUP BY round_id, entry_id; END IF; RETURN NULL; END $$ LANGUAGE plpgsql']}

# what they were before
SQLITE_BEFORE = {'entries': ['CREATE TRIGGER results_entries_delete AFTER DELETE ON entries BEGIN DELETE FROM entry_versions WHERE '
             'entry_id = OLD.id; DELETE FROM panel_stats WHERE entry_id = OLD.id; INSERT INTO event_versions '
             '(event_id, version) SELECT e.id, random() FROM events e WHERE e.id = OLD.event_id ON CONFLICT '
             '(event_id) DO UPDATE SET version = excluded.version; END'],
 'marks': ['CREATE TRIGGER results_marks_insert AFTER INSERT ON marks WHEN (SELECT status FROM score_sheets WHERE '
           "id = NEW.sheet_id) = 'submitted' BEGIN INSERT INTO event_versions (event_id, version) SELECT "
           'e.event_id, random() FROM entries e WHERE e.id = NEW.entry_id ON CONFLICT (event_id) DO UPDATE SET '
           'version = excluded.version; INSERT INTO entry_versions (entry_id, version) SELECT e.id, random() FROM '
           'entries e WHERE e.id = NEW.entry_id ON CONFLICT (entry_id) DO UPDATE SET version = excluded.version; '
           'DELETE FROM panel_stats WHERE round_id = NEW.round_id AND entry_id = NEW.entry_id AND criterion_id = '
           'NEW.criterion_id; INSERT INTO panel_stats (round_id, entry_id, criterion_id, n, total, low, high) '
           'SELECT m.round_id, m.entry_id, m.criterion_id, COUNT(*), SUM(m.value), MIN(m.value), MAX(m.value) FROM '
           'marks m JOIN score_sheets s ON s.id = m.sheet_id WHERE m.round_id = NEW.round_id AND m.entry_id = '
           "NEW.entry_id AND m.criterion_id = NEW.criterion_id AND s.status = 'submitted' GROUP BY m.round_id, "
           'm.entry_id, m.criterion_id; END',
           'CREATE TRIGGER results_marks_update AFTER UPDATE OF value, criterion_id, sheet_id, entry_id, round_id '
           "ON marks WHEN (SELECT status FROM score_sheets WHERE id = NEW.sheet_id) = 'submitted' OR (SELECT "
           "status FROM score_sheets WHERE id = OLD.sheet_id) = 'submitted' BEGIN INSERT INTO event_versions "
           '(event_id, version) SELECT e.event_id, random() FROM entries e WHERE e.id = OLD.entry_id ON CONFLICT '
           '(event_id) DO UPDATE SET version = excluded.version; INSERT INTO entry_versions (entry_id, version) '
           'SELECT e.id, random() FROM entries e WHERE e.id = OLD.entry_id ON CONFLICT (entry_id) DO UPDATE SET '
           'version = excluded.version; INSERT INTO event_versions (event_id, version) SELECT e.event_id, random() '
           'FROM entries e WHERE e.id = NEW.entry_id ON CONFLICT (event_id) DO UPDATE SET version = '
           'excluded.version; INSERT INTO entry_versions (entry_id, version) SELECT e.id, random() FROM entries e '
           'WHERE e.id = NEW.entry_id ON CONFLICT (entry_id) DO UPDATE SET version = excluded.version; DELETE FROM '
           'panel_stats WHERE round_id = OLD.round_id AND entry_id = OLD.entry_id AND criterion_id = '
           'OLD.criterion_id; INSERT INTO panel_stats (round_id, entry_id, criterion_id, n, total, low, high) '
           'SELECT m.round_id, m.entry_id, m.criterion_id, COUNT(*), SUM(m.value), MIN(m.value), MAX(m.value) FROM '
           'marks m JOIN score_sheets s ON s.id = m.sheet_id WHERE m.round_id = OLD.round_id AND m.entry_id = '
           "OLD.entry_id AND m.criterion_id = OLD.criterion_id AND s.status = 'submitted' GROUP BY m.round_id, "
           'm.entry_id, m.criterion_id; DELETE FROM panel_stats WHERE round_id = NEW.round_id AND entry_id = '
           'NEW.entry_id AND criterion_id = NEW.criterion_id; INSERT INTO panel_stats (round_id, entry_id, '
           'criterion_id, n, total, low, high) SELECT m.round_id, m.entry_id, m.criterion_id, COUNT(*), '
           'SUM(m.value), MIN(m.value), MAX(m.value) FROM marks m JOIN score_sheets s ON s.id = m.sheet_id WHERE '
           'm.round_id = NEW.round_id AND m.entry_id = NEW.entry_id AND m.criterion_id = NEW.criterion_id AND '
           "s.status = 'submitted' GROUP BY m.round_id, m.entry_id, m.criterion_id; END",
           'CREATE TRIGGER results_marks_delete AFTER DELETE ON marks WHEN (SELECT status FROM score_sheets WHERE '
           "id = OLD.sheet_id) = 'submitted' BEGIN INSERT INTO event_versions (event_id, version) SELECT "
           'e.event_id, random() FROM entries e WHERE e.id = OLD.entry_id ON CONFLICT (event_id) DO UPDATE SET '
           'version = excluded.version; INSERT INTO entry_versions (entry_id, version) SELECT e.id, random() FROM '
           'entries e WHERE e.id = OLD.entry_id ON CONFLICT (entry_id) DO UPDATE SET version = excluded.version; '
           'DELETE FROM panel_stats WHERE round_id = OLD.round_id AND entry_id = OLD.entry_id AND criterion_id = '
           'OLD.criterion_id; INSERT INTO panel_stats (round_id, entry_id, criterion_id, n, total, low, high) '
           'SELECT m.round_id, m.entry_id, m.criterion_id, COUNT(*), SUM(m.value), MIN(m.value), MAX(m.value) FROM '
           'marks m JOIN score_sheets s ON s.id = m.sheet_id WHERE m.round_id = OLD.round_id AND m.entry_id = '
           "OLD.entry_id AND m.criterion_id = OLD.criterion_id AND s.status = 'submitted' GROUP BY m.round_id, "
           'm.entry_id, m.criterion_id; END'],
 'score_sheets': ['CREATE TRIGGER results_sheets_status AFTER UPDATE OF status ON score_sheets WHEN (OLD.status = '
                  "'submitted') <> (NEW.status = 'submitted') BEGIN INSERT INTO event_versions (event_id, version) "
                  'SELECT e.event_id, random() FROM entries e WHERE e.id = NEW.entry_id ON CONFLICT (event_id) DO '
                  'UPDATE SET version = excluded.version; INSERT INTO entry_versions (entry_id, version) SELECT '
                  'e.id, random() FROM entries e WHERE e.id = NEW.entry_id ON CONFLICT (entry_id) DO UPDATE SET '
                  'version = excluded.version; DELETE FROM panel_stats WHERE round_id = NEW.round_id AND entry_id '
                  '= NEW.entry_id; INSERT INTO panel_stats (round_id, entry_id, criterion_id, n, total, low, high) '
                  'SELECT m.round_id, m.entry_id, m.criterion_id, COUNT(*), SUM(m.value), MIN(m.value), '
                  'MAX(m.value) FROM marks m JOIN score_sheets s ON s.id = m.sheet_id WHERE m.round_id = '
                  "NEW.round_id AND m.entry_id = NEW.entry_id AND s.status = 'submitted' GROUP BY m.round_id, "
                  'm.entry_id, m.criterion_id; END',
                  "CREATE TRIGGER results_sheets_delete AFTER DELETE ON score_sheets WHEN OLD.status = 'submitted' "
                  'BEGIN INSERT INTO event_versions (event_id, version) SELECT e.event_id, random() FROM entries e '
                  'WHERE e.id = OLD.entry_id ON CONFLICT (event_id) DO UPDATE SET version = excluded.version; '
                  'INSERT INTO entry_versions (entry_id, version) SELECT e.id, random() FROM entries e WHERE e.id '
                  '= OLD.entry_id ON CONFLICT (entry_id) DO UPDATE SET version = excluded.version; DELETE FROM '
                  'panel_stats WHERE round_id = OLD.round_id AND entry_id = OLD.entry_id; INSERT INTO panel_stats '
                  '(round_id, entry_id, criterion_id, n, total, low, high) SELECT m.round_id, m.entry_id, '
                  'm.criterion_id, COUNT(*), SUM(m.value), MIN(m.value), MAX(m.value) FROM marks m JOIN '
                  'score_sheets s ON s.id = m.sheet_id WHERE m.round_id = OLD.round_id AND m.entry_id = '
                  "OLD.entry_id AND s.status = 'submitted' GROUP BY m.round_id, m.entry_id, m.criterion_id; END"]}

POSTGRESQL_BEFORE = {'entries': ["CREATE OR REPLACE FUNCTION results_entries() RETURNS trigger AS $$ BEGIN IF TG_OP = 'DELETE' THEN "
             'DELETE FROM entry_versions WHERE entry_id = OLD.id; DELETE FROM panel_stats WHERE entry_id = OLD.id; '
             'INSERT INTO event_versions (event_id, version) SELECT e.id, floor(random() * '
             '9007199254740991)::bigint FROM events e WHERE e.id = OLD.event_id ON CONFLICT (event_id) DO UPDATE '
             'SET version = excluded.version; ELSE INSERT INTO event_versions (event_id, version) SELECT '
             'e.event_id, floor(random() * 9007199254740991)::bigint FROM entries e WHERE e.id = NEW.id ON '
             'CONFLICT (event_id) DO UPDATE SET version = excluded.version; INSERT INTO entry_versions (entry_id, '
             'version) SELECT e.id, floor(random() * 9007199254740991)::bigint FROM entries e WHERE e.id = NEW.id '
             'ON CONFLICT (entry_id) DO UPDATE SET version = excluded.version; IF OLD.event_id <> NEW.event_id '
             'THEN INSERT INTO event_versions (event_id, version) SELECT e.id, floor(random() * '
             '9007199254740991)::bigint FROM events e WHERE e.id = OLD.event_id ON CONFLICT (event_id) DO UPDATE '
             'SET version = excluded.version; END IF; END IF; RETURN NULL; END $$ LANGUAGE plpgsql'],
 'marks': ["CREATE OR REPLACE FUNCTION results_marks() RETURNS trigger AS $$ BEGIN IF TG_OP <> 'DELETE' AND EXISTS "
           "(SELECT 1 FROM score_sheets WHERE id = NEW.sheet_id AND status = 'submitted') THEN INSERT INTO "
           'event_versions (event_id, version) SELECT e.event_id, floor(random() * 9007199254740991)::bigint FROM '
           'entries e WHERE e.id = NEW.entry_id ON CONFLICT (event_id) DO UPDATE SET version = excluded.version; '
           'INSERT INTO entry_versions (entry_id, version) SELECT e.id, floor(random() * 9007199254740991)::bigint '
           'FROM entries e WHERE e.id = NEW.entry_id ON CONFLICT (entry_id) DO UPDATE SET version = '
           'excluded.version; DELETE FROM panel_stats WHERE round_id = NEW.round_id AND entry_id = NEW.entry_id '
           'AND criterion_id = NEW.criterion_id; INSERT INTO panel_stats (round_id, entry_id, criterion_id, n, '
           'total, low, high) SELECT m.round_id, m.entry_id, m.criterion_id, COUNT(*), SUM(m.value), MIN(m.value), '
           'MAX(m.value) FROM marks m JOIN score_sheets s ON s.id = m.sheet_id WHERE m.round_id = NEW.round_id AND '
           "m.entry_id = NEW.entry_id AND m.criterion_id = NEW.criterion_id AND s.status = 'submitted' GROUP BY "
           "m.round_id, m.entry_id, m.criterion_id; END IF; IF TG_OP <> 'INSERT' AND EXISTS (SELECT 1 FROM "
           "score_sheets WHERE id = OLD.sheet_id AND status = 'submitted') THEN INSERT INTO event_versions "
           '(event_id, version) SELECT e.event_id, floor(random() * 9007199254740991)::bigint FROM entries e WHERE '
           'e.id = OLD.entry_id ON CONFLICT (event_id) DO UPDATE SET version = excluded.version; INSERT INTO '
           'entry_versions (entry_id, version) SELECT e.id, floor(random() * 9007199254740991)::bigint FROM '
           'entries e WHERE e.id = OLD.entry_id ON CONFLICT (entry_id) DO UPDATE SET version = excluded.version; '
           'DELETE FROM panel_stats WHERE round_id = OLD.round_id AND entry_id = OLD.entry_id AND criterion_id = '
           'OLD.criterion_id; INSERT INTO panel_stats (round_id, entry_id, criterion_id, n, total, low, high) '
           'SELECT m.round_id, m.entry_id, m.criterion_id, COUNT(*), SUM(m.value), MIN(m.value), MAX(m.value) FROM '
           'marks m JOIN score_sheets s ON s.id = m.sheet_id WHERE m.round_id = OLD.round_id AND m.entry_id = '
           "OLD.entry_id AND m.criterion_id = OLD.criterion_id AND s.status = 'submitted' GROUP BY m.round_id, "
           'm.entry_id, m.criterion_id; END IF; RETURN NULL; END $$ LANGUAGE plpgsql'],
 'score_sheets': ["CREATE OR REPLACE FUNCTION results_sheets() RETURNS trigger AS $$ BEGIN IF TG_OP = 'DELETE' "
                  "THEN IF OLD.status = 'submitted' THEN INSERT INTO event_versions (event_id, version) SELECT "
                  'e.event_id, floor(random() * 9007199254740991)::bigint FROM entries e WHERE e.id = OLD.entry_id '
                  'ON CONFLICT (event_id) DO UPDATE SET version = excluded.version; INSERT INTO entry_versions '
                  '(entry_id, version) SELECT e.id, floor(random() * 9007199254740991)::bigint FROM entries e '
                  'WHERE e.id = OLD.entry_id ON CONFLICT (entry_id) DO UPDATE SET version = excluded.version; '
                  'DELETE FROM panel_stats WHERE round_id = OLD.round_id AND entry_id = OLD.entry_id; INSERT INTO '
                  'panel_stats (round_id, entry_id, criterion_id, n, total, low, high) SELECT m.round_id, '
                  'm.entry_id, m.criterion_id, COUNT(*), SUM(m.value), MIN(m.value), MAX(m.value) FROM marks m '
                  'JOIN score_sheets s ON s.id = m.sheet_id WHERE m.round_id = OLD.round_id AND m.entry_id = '
                  "OLD.entry_id AND s.status = 'submitted' GROUP BY m.round_id, m.entry_id, m.criterion_id; END "
                  "IF; ELSIF (OLD.status = 'submitted') <> (NEW.status = 'submitted') THEN INSERT INTO "
                  'event_versions (event_id, version) SELECT e.event_id, floor(random() * '
                  '9007199254740991)::bigint FROM entries e WHERE e.id = NEW.entry_id ON CONFLICT (event_id) DO '
                  'UPDATE SET version = excluded.version; INSERT INTO entry_versions (entry_id, version) SELECT '
                  'e.id, floor(random() * 9007199254740991)::bigint FROM entries e WHERE e.id = NEW.entry_id ON '
                  'CONFLICT (entry_id) DO UPDATE SET version = excluded.version; DELETE FROM panel_stats WHERE '
                  'round_id = NEW.round_id AND entry_id = NEW.entry_id; INSERT INTO panel_stats (round_id, '
                  'entry_id, criterion_id, n, total, low, high) SELECT m.round_id, m.entry_id, m.criterion_id, '
                  'COUNT(*), SUM(m.value), MIN(m.value), MAX(m.value) FROM marks m JOIN score_sheets s ON s.id = '
                  'm.sheet_id WHERE m.round_id = NEW.round_id AND m.entry_id = NEW.entry_id AND s.status = '
                  "'submitted' GROUP BY m.round_id, m.entry_id, m.criterion_id; END IF; RETURN NULL; END $$ "
                  'LANGUAGE plpgsql']}


def _trigger_name(sql):
    return sql.split()[2]


def _install(sqlite, postgresql):
    conn = op.get_bind()
    if conn.dialect.name == 'sqlite':
        for statements in sqlite.values():
            for sql in statements:
                op.execute(f'DROP TRIGGER IF EXISTS {_trigger_name(sql)}')
                op.execute(sql)
    elif conn.dialect.name == 'postgresql':
        for statements in postgresql.values():
            for sql in statements:
                op.execute(sql)


def upgrade():
    op.create_table(
        'round_stats',
        sa.Column('round_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('entry_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('criteria', sa.Integer(), nullable=False),
        sa.Column('fewest', sa.Integer(), nullable=False),
        sa.Column('most', sa.Integer(), nullable=False),
        sa.Column('total', sa.BigInteger(), nullable=False),
        sa.Column('low', sa.BigInteger(), nullable=False),
        sa.Column('high', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('round_id', 'entry_id', name=op.f('pk_round_stats')),
    )
    op.create_index(op.f('ix_round_stats_entry_id'), 'round_stats', ['entry_id'], unique=False)
    op.execute('INSERT INTO round_stats (round_id, entry_id, criteria, fewest, most, total, low, high) '
               'SELECT round_id, entry_id, COUNT(*), MIN(n), MAX(n), SUM(total), SUM(low), SUM(high) FROM panel_stats '
               'GROUP BY round_id, entry_id')
    _install(SQLITE, POSTGRESQL)


def downgrade():
    _install(SQLITE_BEFORE, POSTGRESQL_BEFORE)
    op.drop_index(op.f('ix_round_stats_entry_id'), table_name='round_stats')
    op.drop_table('round_stats')
