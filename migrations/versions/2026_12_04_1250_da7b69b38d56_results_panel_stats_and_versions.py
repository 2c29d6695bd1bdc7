"""results: panel statistics and data versions, kept current by triggers

The ranking reads per (round, entry, criterion) statistics of the submitted marks instead of the marks, and caches
rankings under a version per event and per entry; triggers on the tables they come from keep both current, whoever
writes (contestapp/results/triggers.py; the DDL is copied here so that this migration stays as it was written).
Existing data are filled in by one statement per table.

Revision ID: da7b69b38d56
Revises: 29eb728166dd
Create Date: 2026-12-04 12:50:18.458516
"""
from alembic import op
import sqlalchemy as sa


revision = 'da7b69b38d56'
down_revision = '29eb728166dd'
branch_labels = None
depends_on = None

# the triggers as contestapp/results/triggers.py created them when this migration was written
SQLITE = {'entrants': ['CREATE TRIGGER results_entrants_update AFTER UPDATE ON entrants BEGIN UPDATE event_versions SET '
              'version = random() WHERE event_id IN (SELECT e.event_id FROM entries e JOIN entrants p ON p.id = '
              'e.entrant_id WHERE p.id IN (OLD.id, NEW.id)); END'],
 'entries': ['CREATE TRIGGER results_entries_insert AFTER INSERT ON entries BEGIN INSERT INTO event_versions '
             '(event_id, version) SELECT e.event_id, random() FROM entries e WHERE e.id = NEW.id ON CONFLICT '
             '(event_id) DO UPDATE SET version = excluded.version; INSERT INTO entry_versions (entry_id, version) '
             'SELECT e.id, random() FROM entries e WHERE e.id = NEW.id ON CONFLICT (entry_id) DO UPDATE SET '
             'version = excluded.version; END',
             'CREATE TRIGGER results_entries_update AFTER UPDATE ON entries BEGIN INSERT INTO event_versions '
             '(event_id, version) SELECT e.event_id, random() FROM entries e WHERE e.id = NEW.id ON CONFLICT '
             '(event_id) DO UPDATE SET version = excluded.version; INSERT INTO entry_versions (entry_id, version) '
             'SELECT e.id, random() FROM entries e WHERE e.id = NEW.id ON CONFLICT (entry_id) DO UPDATE SET '
             'version = excluded.version; INSERT INTO event_versions (event_id, version) SELECT e.id, random() '
             'FROM events e WHERE e.id = OLD.event_id ON CONFLICT (event_id) DO UPDATE SET version = '
             'excluded.version; END',
             'CREATE TRIGGER results_entries_delete AFTER DELETE ON entries BEGIN DELETE FROM entry_versions WHERE '
             'entry_id = OLD.id; DELETE FROM panel_stats WHERE entry_id = OLD.id; INSERT INTO event_versions '
             '(event_id, version) SELECT e.id, random() FROM events e WHERE e.id = OLD.event_id ON CONFLICT '
             '(event_id) DO UPDATE SET version = excluded.version; END'],
 'entry_rounds': ['CREATE TRIGGER results_entry_rounds_insert AFTER INSERT ON entry_rounds BEGIN INSERT INTO '
                  'event_versions (event_id, version) SELECT e.event_id, random() FROM entries e WHERE e.id = '
                  'NEW.entry_id ON CONFLICT (event_id) DO UPDATE SET version = excluded.version; INSERT INTO '
                  'entry_versions (entry_id, version) SELECT e.id, random() FROM entries e WHERE e.id = '
                  'NEW.entry_id ON CONFLICT (entry_id) DO UPDATE SET version = excluded.version; END',
                  'CREATE TRIGGER results_entry_rounds_update AFTER UPDATE ON entry_rounds BEGIN INSERT INTO '
                  'event_versions (event_id, version) SELECT e.event_id, random() FROM entries e WHERE e.id = '
                  'OLD.entry_id ON CONFLICT (event_id) DO UPDATE SET version = excluded.version; INSERT INTO '
                  'entry_versions (entry_id, version) SELECT e.id, random() FROM entries e WHERE e.id = '
                  'OLD.entry_id ON CONFLICT (entry_id) DO UPDATE SET version = excluded.version; INSERT INTO '
                  'event_versions (event_id, version) SELECT e.event_id, random() FROM entries e WHERE e.id = '
                  'NEW.entry_id ON CONFLICT (event_id) DO UPDATE SET version = excluded.version; INSERT INTO '
                  'entry_versions (entry_id, version) SELECT e.id, random() FROM entries e WHERE e.id = '
                  'NEW.entry_id ON CONFLICT (entry_id) DO UPDATE SET version = excluded.version; END',
                  'CREATE TRIGGER results_entry_rounds_delete AFTER DELETE ON entry_rounds BEGIN INSERT INTO '
                  'event_versions (event_id, version) SELECT e.event_id, random() FROM entries e WHERE e.id = '
                  'OLD.entry_id ON CONFLICT (event_id) DO UPDATE SET version = excluded.version; INSERT INTO '
                  'entry_versions (entry_id, version) SELECT e.id, random() FROM entries e WHERE e.id = '
                  'OLD.entry_id ON CONFLICT (entry_id) DO UPDATE SET version = excluded.version; END'],
 'events': ['CREATE TRIGGER results_events_insert AFTER INSERT ON events BEGIN INSERT INTO event_versions '
            '(event_id, version) SELECT e.id, random() FROM events e WHERE e.id = NEW.id ON CONFLICT (event_id) DO '
            'UPDATE SET version = excluded.version; END',
            'CREATE TRIGGER results_events_update AFTER UPDATE ON events BEGIN INSERT INTO event_versions '
            '(event_id, version) SELECT e.id, random() FROM events e WHERE e.id = NEW.id ON CONFLICT (event_id) DO '
            'UPDATE SET version = excluded.version; END',
            'CREATE TRIGGER results_events_delete AFTER DELETE ON events BEGIN DELETE FROM event_versions WHERE '
            'event_id = OLD.id; END'],
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
 'rounds': ['CREATE TRIGGER results_rounds_insert AFTER INSERT ON rounds BEGIN INSERT INTO event_versions '
            '(event_id, version) SELECT e.id, random() FROM events e WHERE e.id = NEW.event_id ON CONFLICT '
            '(event_id) DO UPDATE SET version = excluded.version; END',
            'CREATE TRIGGER results_rounds_update AFTER UPDATE ON rounds BEGIN INSERT INTO event_versions '
            '(event_id, version) SELECT e.id, random() FROM events e WHERE e.id = NEW.event_id ON CONFLICT '
            '(event_id) DO UPDATE SET version = excluded.version; END',
            'CREATE TRIGGER results_rounds_delete AFTER DELETE ON rounds BEGIN INSERT INTO event_versions '
            '(event_id, version) SELECT e.id, random() FROM events e WHERE e.id = OLD.event_id ON CONFLICT '
            '(event_id) DO UPDATE SET version = excluded.version; END'],
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
                  "OLD.entry_id AND s.status = 'submitted' GROUP BY m.round_id, m.entry_id, m.criterion_id; END"],
 'tie_decisions': ['CREATE TRIGGER results_tie_decisions_insert AFTER INSERT ON tie_decisions BEGIN INSERT INTO '
                   'event_versions (event_id, version) SELECT e.id, random() FROM events e WHERE e.id = '
                   'NEW.event_id ON CONFLICT (event_id) DO UPDATE SET version = excluded.version; END',
                   'CREATE TRIGGER results_tie_decisions_update AFTER UPDATE ON tie_decisions BEGIN INSERT INTO '
                   'event_versions (event_id, version) SELECT e.id, random() FROM events e WHERE e.id = '
                   'NEW.event_id ON CONFLICT (event_id) DO UPDATE SET version = excluded.version; END',
                   'CREATE TRIGGER results_tie_decisions_delete AFTER DELETE ON tie_decisions BEGIN INSERT INTO '
                   'event_versions (event_id, version) SELECT e.id, random() FROM events e WHERE e.id = '
                   'OLD.event_id ON CONFLICT (event_id) DO UPDATE SET version = excluded.version; END'],
 'units': ['CREATE TRIGGER results_units_update AFTER UPDATE OF name ON units BEGIN UPDATE event_versions SET '
           'version = random() WHERE event_id IN (SELECT e.event_id FROM entries e JOIN entrants p ON p.id = '
           'e.entrant_id WHERE p.unit_id = NEW.id); END']}
POSTGRESQL = {'entrants': ['CREATE OR REPLACE FUNCTION results_entrants() RETURNS trigger AS $$ BEGIN UPDATE event_versions SET '
              'version = floor(random() * 9007199254740991)::bigint WHERE event_id IN (SELECT e.event_id FROM '
              'entries e JOIN entrants p ON p.id = e.entrant_id WHERE p.id IN (OLD.id, NEW.id)); RETURN NULL; END '
              '$$ LANGUAGE plpgsql',
              'CREATE TRIGGER results_entrants AFTER UPDATE ON entrants FOR EACH ROW EXECUTE FUNCTION '
              'results_entrants()'],
 'entries': ["CREATE OR REPLACE FUNCTION results_entries() RETURNS trigger AS $$ BEGIN IF TG_OP = 'DELETE' THEN "
             'DELETE FROM entry_versions WHERE entry_id = OLD.id; DELETE FROM panel_stats WHERE entry_id = OLD.id; '
             'INSERT INTO event_versions (event_id, version) SELECT e.id, floor(random() * '
             '9007199254740991)::bigint FROM events e WHERE e.id = OLD.event_id ON CONFLICT (event_id) DO UPDATE '
             'SET version = excluded.version; ELSE INSERT INTO event_versions (event_id, version) SELECT '
             'e.event_id, floor(random() * 9007199254740991)::bigint FROM entries e WHERE e.id = NEW.id ON '
             'CONFLICT (event_id) DO UPDATE SET version = excluded.version; INSERT INTO entry_versions (entry_id, '
             'version) SELECT e.id, floor(random() * 9007199254740991)::bigint FROM entries e WHERE e.id = NEW.id '
             "ON CONFLICT (entry_id) DO UPDATE SET version = excluded.version; IF TG_OP = 'UPDATE' AND "
             'OLD.event_id <> NEW.event_id THEN INSERT INTO event_versions (event_id, version) SELECT e.id, '
             'floor(random() * 9007199254740991)::bigint FROM events e WHERE e.id = OLD.event_id ON CONFLICT '
             '(event_id) DO UPDATE SET version = excluded.version; END IF; END IF; RETURN NULL; END $$ LANGUAGE '
             'plpgsql',
             'CREATE TRIGGER results_entries AFTER INSERT OR UPDATE OR DELETE ON entries FOR EACH ROW EXECUTE '
             'FUNCTION results_entries()'],
 'entry_rounds': ['CREATE OR REPLACE FUNCTION results_entry_rounds() RETURNS trigger AS $$ BEGIN IF TG_OP <> '
                  "'INSERT' THEN INSERT INTO event_versions (event_id, version) SELECT e.event_id, floor(random() "
                  '* 9007199254740991)::bigint FROM entries e WHERE e.id = OLD.entry_id ON CONFLICT (event_id) DO '
                  'UPDATE SET version = excluded.version; INSERT INTO entry_versions (entry_id, version) SELECT '
                  'e.id, floor(random() * 9007199254740991)::bigint FROM entries e WHERE e.id = OLD.entry_id ON '
                  "CONFLICT (entry_id) DO UPDATE SET version = excluded.version; END IF; IF TG_OP <> 'DELETE' THEN "
                  'INSERT INTO event_versions (event_id, version) SELECT e.event_id, floor(random() * '
                  '9007199254740991)::bigint FROM entries e WHERE e.id = NEW.entry_id ON CONFLICT (event_id) DO '
                  'UPDATE SET version = excluded.version; INSERT INTO entry_versions (entry_id, version) SELECT '
                  'e.id, floor(random() * 9007199254740991)::bigint FROM entries e WHERE e.id = NEW.entry_id ON '
                  'CONFLICT (entry_id) DO UPDATE SET version = excluded.version; END IF; RETURN NULL; END $$ '
                  'LANGUAGE plpgsql',
                  'CREATE TRIGGER results_entry_rounds AFTER INSERT OR UPDATE OR DELETE ON entry_rounds FOR EACH '
                  'ROW EXECUTE FUNCTION results_entry_rounds()'],
 'events': ["CREATE OR REPLACE FUNCTION results_events() RETURNS trigger AS $$ BEGIN IF TG_OP = 'DELETE' THEN "
            'DELETE FROM event_versions WHERE event_id = OLD.id; ELSE INSERT INTO event_versions (event_id, '
            'version) SELECT e.id, floor(random() * 9007199254740991)::bigint FROM events e WHERE e.id = NEW.id ON '
            'CONFLICT (event_id) DO UPDATE SET version = excluded.version; END IF; RETURN NULL; END $$ LANGUAGE '
            'plpgsql',
            'CREATE TRIGGER results_events AFTER INSERT OR UPDATE OR DELETE ON events FOR EACH ROW EXECUTE '
            'FUNCTION results_events()'],
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
           'm.entry_id, m.criterion_id; END IF; RETURN NULL; END $$ LANGUAGE plpgsql',
           'CREATE TRIGGER results_marks AFTER INSERT OR UPDATE OR DELETE ON marks FOR EACH ROW EXECUTE FUNCTION '
           'results_marks()'],
 'rounds': ["CREATE OR REPLACE FUNCTION results_rounds() RETURNS trigger AS $$ BEGIN IF TG_OP <> 'DELETE' THEN "
            'INSERT INTO event_versions (event_id, version) SELECT e.id, floor(random() * '
            '9007199254740991)::bigint FROM events e WHERE e.id = NEW.event_id ON CONFLICT (event_id) DO UPDATE '
            "SET version = excluded.version; END IF; IF TG_OP <> 'INSERT' THEN INSERT INTO event_versions "
            '(event_id, version) SELECT e.id, floor(random() * 9007199254740991)::bigint FROM events e WHERE e.id '
            '= OLD.event_id ON CONFLICT (event_id) DO UPDATE SET version = excluded.version; END IF; RETURN NULL; '
            'END $$ LANGUAGE plpgsql',
            'CREATE TRIGGER results_rounds AFTER INSERT OR UPDATE OR DELETE ON rounds FOR EACH ROW EXECUTE '
            'FUNCTION results_rounds()'],
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
                  'LANGUAGE plpgsql',
                  'CREATE TRIGGER results_sheets AFTER UPDATE OF status OR DELETE ON score_sheets FOR EACH ROW '
                  'EXECUTE FUNCTION results_sheets()'],
 'tie_decisions': ['CREATE OR REPLACE FUNCTION results_tie_decisions() RETURNS trigger AS $$ BEGIN IF TG_OP <> '
                   "'DELETE' THEN INSERT INTO event_versions (event_id, version) SELECT e.id, floor(random() * "
                   '9007199254740991)::bigint FROM events e WHERE e.id = NEW.event_id ON CONFLICT (event_id) DO '
                   "UPDATE SET version = excluded.version; END IF; IF TG_OP <> 'INSERT' THEN INSERT INTO "
                   'event_versions (event_id, version) SELECT e.id, floor(random() * 9007199254740991)::bigint '
                   'FROM events e WHERE e.id = OLD.event_id ON CONFLICT (event_id) DO UPDATE SET version = '
                   'excluded.version; END IF; RETURN NULL; END $$ LANGUAGE plpgsql',
                   'CREATE TRIGGER results_tie_decisions AFTER INSERT OR UPDATE OR DELETE ON tie_decisions FOR '
                   'EACH ROW EXECUTE FUNCTION results_tie_decisions()'],
 'units': ['CREATE OR REPLACE FUNCTION results_units() RETURNS trigger AS $$ BEGIN UPDATE event_versions SET '
           'version = floor(random() * 9007199254740991)::bigint WHERE event_id IN (SELECT e.event_id FROM entries '
           'e JOIN entrants p ON p.id = e.entrant_id WHERE p.unit_id = NEW.id); RETURN NULL; END $$ LANGUAGE '
           'plpgsql',
           'CREATE TRIGGER results_units AFTER UPDATE OF name ON units FOR EACH ROW EXECUTE FUNCTION '
           'results_units()']}


def upgrade():
    op.create_table('entry_versions',
    sa.Column('entry_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('entry_id', name=op.f('pk_entry_versions'))
    )
    op.create_table('event_versions',
    sa.Column('event_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_event_versions'))
    )
    op.create_table('panel_stats',
    sa.Column('round_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('entry_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('criterion_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('low', sa.BigInteger(), nullable=False),
    sa.Column('high', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('round_id', 'entry_id', 'criterion_id', name=op.f('pk_panel_stats')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('panel_stats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_stats_entry_id'), ['entry_id'], unique=False)
    name = op.get_bind().dialect.name
    rand = "random()" if name == "sqlite" else "floor(random() * 9007199254740991)::bigint"
    op.execute("INSERT INTO panel_stats (round_id, entry_id, criterion_id, n, total, low, high) "
               "SELECT m.round_id, m.entry_id, m.criterion_id, COUNT(*), SUM(m.value), MIN(m.value), MAX(m.value) "
               "FROM marks m JOIN score_sheets s ON s.id = m.sheet_id WHERE s.status = 'submitted' "
               "GROUP BY m.round_id, m.entry_id, m.criterion_id")
    op.execute(f"INSERT INTO entry_versions (entry_id, version) SELECT id, {rand} FROM entries")
    op.execute(f"INSERT INTO event_versions (event_id, version) SELECT id, {rand} FROM events")
    for statements in (SQLITE if name == 'sqlite' else POSTGRESQL if name == 'postgresql' else {}).values():
        for sql in statements:
            op.execute(sql)


def downgrade():
    name = op.get_bind().dialect.name
    for table, statements in (SQLITE if name == 'sqlite' else POSTGRESQL if name == 'postgresql' else {}).items():
        for sql in reversed(statements):  # each trigger before its function
            if sql.startswith("CREATE TRIGGER"):
                trigger = sql.split()[2]
                op.execute(f"DROP TRIGGER IF EXISTS {trigger}" + ("" if name == "sqlite" else f" ON {table}"))
            else:
                op.execute(f"DROP FUNCTION IF EXISTS {sql.split()[4]}")
    with op.batch_alter_table('panel_stats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_panel_stats_entry_id'))

    op.drop_table('panel_stats')
    op.drop_table('event_versions')
    op.drop_table('entry_versions')
