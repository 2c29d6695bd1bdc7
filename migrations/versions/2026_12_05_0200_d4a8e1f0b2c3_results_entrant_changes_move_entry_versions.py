"""results: an entrant renamed or moved (name, team, unit) gives its entries new versions

The ranking keeps each entry's listing (number, code, status, name, unit, team) with its result; a re-rank after one
mark reads the event's entry versions and reads again only the entries whose version moved, instead of every
entry's listing. So what an entry's listing shows must move its version: changes of its entrant (and of its unit's
name) now give its entries new versions, as they already gave its event one. The DDL is copied from
contestapp/results/triggers.py as it was when this was written.

Revision ID: d4a8e1f0b2c3
Revises: c7d2e8f1a3b9
Create Date: 2026-12-05 02:00:00
"""
from alembic import op

revision = 'd4a8e1f0b2c3'
down_revision = 'c7d2e8f1a3b9'
branch_labels = None
depends_on = None

SQLITE_UPGRADE = ['DROP TRIGGER IF EXISTS results_entrants_update',
 'CREATE TRIGGER results_entrants_update AFTER UPDATE ON entrants BEGIN UPDATE event_versions SET version = random() '
 'WHERE event_id IN (SELECT e.event_id FROM entries e JOIN entrants p ON p.id = e.entrant_id WHERE p.id IN (OLD.id, '
 'NEW.id)); UPDATE entry_versions SET version = random() WHERE entry_id IN (SELECT e.id FROM entries e JOIN entrants '
 'p ON p.id = e.entrant_id WHERE p.id IN (OLD.id, NEW.id)); END',
 'DROP TRIGGER IF EXISTS results_units_update',
 'CREATE TRIGGER results_units_update AFTER UPDATE OF name ON units BEGIN UPDATE event_versions SET version = '
 'random() WHERE event_id IN (SELECT e.event_id FROM entries e JOIN entrants p ON p.id = e.entrant_id WHERE '
 'p.unit_id = NEW.id); UPDATE entry_versions SET version = random() WHERE entry_id IN (SELECT e.id FROM entries e '
 'JOIN entrants p ON p.id = e.entrant_id WHERE p.unit_id = NEW.id); END']

SQLITE_DOWNGRADE = ['DROP TRIGGER IF EXISTS results_entrants_update',
 'CREATE TRIGGER results_entrants_update AFTER UPDATE ON entrants BEGIN UPDATE event_versions SET version = random() '
 'WHERE event_id IN (SELECT e.event_id FROM entries e JOIN entrants p ON p.id = e.entrant_id WHERE p.id IN (OLD.id, '
 'NEW.id)); END',
 'DROP TRIGGER IF EXISTS results_units_update',
 'CREATE TRIGGER results_units_update AFTER UPDATE OF name ON units BEGIN UPDATE event_versions SET version = '
 'random() WHERE event_id IN (SELECT e.event_id FROM entries e JOIN entrants p ON p.id = e.entrant_id WHERE '
 'p.unit_id = NEW.id); END']

POSTGRESQL_UPGRADE = ['CREATE OR REPLACE FUNCTION results_entrants() RETURNS trigger AS $$ BEGIN UPDATE event_versions SET version = '
 'floor(random() * 9007199254740991)::bigint WHERE event_id IN (SELECT e.event_id FROM entries e JOIN entrants p ON '
 'p.id = e.entrant_id WHERE p.id IN (OLD.id, NEW.id)); UPDATE entry_versions SET version = floor(random() * '
 '9007199254740991)::bigint WHERE entry_id IN (SELECT e.id FROM entries e JOIN entrants p ON p.id = e.entrant_id '
 'WHERE p.id IN (OLD.id, NEW.id)); RETURN NULL; END $$ LANGUAGE plpgsql',
 'CREATE OR REPLACE FUNCTION results_units() RETURNS trigger AS $$ BEGIN UPDATE event_versions SET version = '
 'floor(random() * 9007199254740991)::bigint WHERE event_id IN (SELECT e.event_id FROM entries e JOIN entrants p ON '
 'p.id = e.entrant_id WHERE p.unit_id = NEW.id); UPDATE entry_versions SET version = floor(random() * '
 '9007199254740991)::bigint WHERE entry_id IN (SELECT e.id FROM entries e JOIN entrants p ON p.id = e.entrant_id '
 'WHERE p.unit_id = NEW.id); RETURN NULL; END $$ LANGUAGE plpgsql']

POSTGRESQL_DOWNGRADE = ['CREATE OR REPLACE FUNCTION results_entrants() RETURNS trigger AS $$ BEGIN UPDATE event_versions SET version = '
 'floor(random() * 9007199254740991)::bigint WHERE event_id IN (SELECT e.event_id FROM entries e JOIN entrants p ON '
 'p.id = e.entrant_id WHERE p.id IN (OLD.id, NEW.id)); RETURN NULL; END $$ LANGUAGE plpgsql',
 'CREATE OR REPLACE FUNCTION results_units() RETURNS trigger AS $$ BEGIN UPDATE event_versions SET version = '
 'floor(random() * 9007199254740991)::bigint WHERE event_id IN (SELECT e.event_id FROM entries e JOIN entrants p ON '
 'p.id = e.entrant_id WHERE p.unit_id = NEW.id); RETURN NULL; END $$ LANGUAGE plpgsql']


def _run(statements):
    for sql in statements:
        op.execute(sql)


def upgrade():
    name = op.get_bind().dialect.name
    _run(POSTGRESQL_UPGRADE if name == 'postgresql' else SQLITE_UPGRADE if name == 'sqlite' else [])


def downgrade():
    name = op.get_bind().dialect.name
    _run(POSTGRESQL_DOWNGRADE if name == 'postgresql' else SQLITE_DOWNGRADE if name == 'sqlite' else [])
