"""results: entries inserted in one statement get their versions in one statement (PostgreSQL)

A roster import inserts thousands of entries with one statement; the row trigger set the event's version once per
entry (10,000 updates of one row for a 10,000-row import). Inserts now have a statement trigger reading the
statement's new rows (a transition table); updates and deletes keep the row trigger. SQLite has no statement
triggers and is unchanged. The DDL is copied from contestapp/results/triggers.py as it was when this was written.

Revision ID: b6f12bd4eb75
Revises: b3f1c2d4e5a6
Create Date: 2026-12-04 22:30:00
"""
from alembic import op

revision = 'b6f12bd4eb75'
down_revision = 'b3f1c2d4e5a6'
branch_labels = None
depends_on = None

UPGRADE = ['DROP TRIGGER IF EXISTS results_entries ON entries',
 "CREATE OR REPLACE FUNCTION results_entries() RETURNS trigger AS $$ BEGIN IF TG_OP = 'DELETE' THEN DELETE FROM "
 'entry_versions WHERE entry_id = OLD.id; DELETE FROM panel_stats WHERE entry_id = OLD.id; INSERT INTO '
 'event_versions (event_id, version) SELECT e.id, floor(random() * 9007199254740991)::bigint FROM events e WHERE '
 'e.id = OLD.event_id ON CONFLICT (event_id) DO UPDATE SET version = excluded.version; ELSE INSERT INTO '
 'event_versions (event_id, version) SELECT e.event_id, floor(random() * 9007199254740991)::bigint FROM entries e '
 'WHERE e.id = NEW.id ON CONFLICT (event_id) DO UPDATE SET version = excluded.version; INSERT INTO entry_versions '
 '(entry_id, version) SELECT e.id, floor(random() * 9007199254740991)::bigint FROM entries e WHERE e.id = NEW.id '
 'ON CONFLICT (entry_id) DO UPDATE SET version = excluded.version; IF OLD.event_id <> NEW.event_id THEN INSERT '
 'INTO event_versions (event_id, version) SELECT e.id, floor(random() * 9007199254740991)::bigint FROM events e '
 'WHERE e.id = OLD.event_id ON CONFLICT (event_id) DO UPDATE SET version = excluded.version; END IF; END IF; '
 'RETURN NULL; END $$ LANGUAGE plpgsql',
 'CREATE TRIGGER results_entries AFTER UPDATE OR DELETE ON entries FOR EACH ROW EXECUTE FUNCTION results_entries()',
 'CREATE OR REPLACE FUNCTION results_entries_inserted() RETURNS trigger AS $$ BEGIN INSERT INTO event_versions '
 '(event_id, version) SELECT event_id, floor(random() * 9007199254740991)::bigint FROM (SELECT DISTINCT event_id '
 'FROM new_entries ORDER BY event_id) AS d ON CONFLICT (event_id) DO UPDATE SET version = excluded.version; INSERT '
 'INTO entry_versions (entry_id, version) SELECT id, floor(random() * 9007199254740991)::bigint FROM new_entries '
 'ON CONFLICT (entry_id) DO UPDATE SET version = excluded.version; RETURN NULL; END $$ LANGUAGE plpgsql',
 'CREATE TRIGGER results_entries_inserted AFTER INSERT ON entries REFERENCING NEW TABLE AS new_entries FOR EACH '
 'STATEMENT EXECUTE FUNCTION results_entries_inserted()']

# the row trigger as migration da7b69b38d56 created it
DOWNGRADE = ['DROP TRIGGER IF EXISTS results_entries_inserted ON entries',
 'DROP FUNCTION IF EXISTS results_entries_inserted()',
 'DROP TRIGGER IF EXISTS results_entries ON entries',
 "CREATE OR REPLACE FUNCTION results_entries() RETURNS trigger AS $$ BEGIN IF TG_OP = 'DELETE' THEN DELETE FROM "
 'entry_versions WHERE entry_id = OLD.id; DELETE FROM panel_stats WHERE entry_id = OLD.id; INSERT INTO '
 'event_versions (event_id, version) SELECT e.id, floor(random() * 9007199254740991)::bigint FROM events e WHERE '
 'e.id = OLD.event_id ON CONFLICT (event_id) DO UPDATE SET version = excluded.version; ELSE INSERT INTO '
 'event_versions (event_id, version) SELECT e.event_id, floor(random() * 9007199254740991)::bigint FROM entries e '
 'WHERE e.id = NEW.id ON CONFLICT (event_id) DO UPDATE SET version = excluded.version; INSERT INTO entry_versions '
 '(entry_id, version) SELECT e.id, floor(random() * 9007199254740991)::bigint FROM entries e WHERE e.id = NEW.id '
 "ON CONFLICT (entry_id) DO UPDATE SET version = excluded.version; IF TG_OP = 'UPDATE' AND OLD.event_id <> "
 'NEW.event_id THEN INSERT INTO event_versions (event_id, version) SELECT e.id, floor(random() * '
 '9007199254740991)::bigint FROM events e WHERE e.id = OLD.event_id ON CONFLICT (event_id) DO UPDATE SET version = '
 'excluded.version; END IF; END IF; RETURN NULL; END $$ LANGUAGE plpgsql',
 'CREATE TRIGGER results_entries AFTER INSERT OR UPDATE OR DELETE ON entries FOR EACH ROW EXECUTE FUNCTION '
 'results_entries()']


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for sql in UPGRADE:
            op.execute(sql)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for sql in DOWNGRADE:
            op.execute(sql)
