"""score_sheets: one index on (round_id, judge_id, status) in place of the one on round_id

The sheet progress the big screen and the analytics page show counts an event's sheets per (round, judge, status);
with these three columns in one index the count reads the index alone, in its order (PostgreSQL, 10,000 sheets:
3.4 -> 1.6 ms). Every query that looked sheets up by round uses the index's first column, as it used the old one.

Revision ID: f1b3c5d7e9a2
Revises: e2c6a9d4f7b1
Create Date: 2026-12-05 05:00:00
"""
from alembic import op

revision = 'f1b3c5d7e9a2'
down_revision = 'e2c6a9d4f7b1'
branch_labels = None
depends_on = None


def upgrade():
    # plain CREATE / DROP INDEX, never batch: SQLite would copy score_sheets and lose its triggers
    op.create_index("ix_score_sheets_round_judge_status", "score_sheets", ["round_id", "judge_id", "status"])
    op.drop_index("ix_score_sheets_round_id", table_name="score_sheets")


def downgrade():
    op.create_index("ix_score_sheets_round_id", "score_sheets", ["round_id"])
    op.drop_index("ix_score_sheets_round_judge_status", table_name="score_sheets")
