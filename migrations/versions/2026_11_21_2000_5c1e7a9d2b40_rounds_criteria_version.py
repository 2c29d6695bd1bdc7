"""rounds.criteria_version, kept moving by triggers on criteria

The tablet API keeps a round's parsed criteria while this version is the one it parsed: it reads the version with
the sheet, instead of reading the criteria again on every mark save. The triggers bump it on every insert, update
and delete of a criterion, whoever writes (contestapp/contests/triggers.py; the DDL is copied here so that this
migration stays as it was written).

Revision ID: 5c1e7a9d2b40
Revises: 307326b5f3df
Create Date: 2026-11-21 20:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '5c1e7a9d2b40'
down_revision = '307326b5f3df'
branch_labels = None
depends_on = None

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


def upgrade():
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('criteria_version', sa.Integer(), server_default='0', nullable=False))
    name = op.get_bind().dialect.name
    for sql in SQLITE if name == 'sqlite' else POSTGRESQL if name == 'postgresql' else []:
        op.execute(sql)


def downgrade():
    name = op.get_bind().dialect.name
    if name == 'sqlite':
        for trigger in ('criteria_version_insert', 'criteria_version_update', 'criteria_version_delete'):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    elif name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS criteria_version ON criteria")
        op.execute("DROP FUNCTION IF EXISTS criteria_version_bump()")
    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_column('criteria_version')
