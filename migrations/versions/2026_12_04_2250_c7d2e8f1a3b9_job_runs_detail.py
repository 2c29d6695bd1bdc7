"""job_runs: the outcome of a run kept as a translatable message (detail)

`job_runs.message` stays the Chinese text (logs, the CLI); `detail` keeps the job's outcome as a message with its
values (contestapp.i18n.stored), so that the jobs console shows it in its reader's language. Runs from before have
none and are shown as they were.

Revision ID: c7d2e8f1a3b9
Revises: c82239be4afd
Create Date: 2026-12-04 22:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'c7d2e8f1a3b9'
down_revision = 'c82239be4afd'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('detail', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_column('detail')
