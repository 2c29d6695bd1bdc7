"""merit honour tie decision: the organiser's settlement of a tie across an honour's quota

Revision ID: 2725a1ea1c1b
Revises: 88a38de26e77
Create Date: 2026-11-21 14:50:59.090215
"""
from alembic import op
import sqlalchemy as sa
import contestapp.common.db


revision = '2725a1ea1c1b'
down_revision = '88a38de26e77'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('merit_honour_rules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tie_decision', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('merit_honour_rules', schema=None) as batch_op:
        batch_op.drop_column('tie_decision')
