"""marks: entry_id and round_id copied from the sheet, covering index for ranking

Revision ID: 9086779e4a5d
Revises: e2cce5940e9b
Create Date: 2026-11-21 14:02:41.676287
"""
from alembic import op
import sqlalchemy as sa


revision = '9086779e4a5d'
down_revision = 'e2cce5940e9b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('marks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entry_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('round_id', sa.Integer(), nullable=True))
    # backfill from the sheets (UPDATE ... FROM: PostgreSQL and SQLite >= 3.33)
    op.execute("UPDATE marks SET entry_id = s.entry_id, round_id = s.round_id "
               "FROM score_sheets AS s WHERE s.id = marks.sheet_id")
    with op.batch_alter_table('marks', schema=None) as batch_op:
        batch_op.alter_column('entry_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('round_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_index('ix_marks_criterion_sheet_value')
        batch_op.create_index('ix_marks_round_entry_criterion_value',
                              ['round_id', 'entry_id', 'criterion_id', 'value'], unique=False)


def downgrade():
    with op.batch_alter_table('marks', schema=None) as batch_op:
        batch_op.drop_index('ix_marks_round_entry_criterion_value')
        batch_op.create_index('ix_marks_criterion_sheet_value', ['criterion_id', 'sheet_id', 'value'], unique=False)
        batch_op.drop_column('round_id')
        batch_op.drop_column('entry_id')
