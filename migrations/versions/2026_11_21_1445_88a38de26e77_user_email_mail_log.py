"""user email, mail log: an optional address for reminders, and one reminder e-mail per person and day

Revision ID: 88a38de26e77
Revises: 9086779e4a5d
Create Date: 2026-11-21 14:45:34.720119
"""
from alembic import op
import sqlalchemy as sa
import contestapp.common.db


revision = '88a38de26e77'
down_revision = '9086779e4a5d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mail_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('notices', sa.Integer(), nullable=False),
    sa.Column('sent_at', contestapp.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mail_log_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_log')),
    sa.UniqueConstraint('user_id', 'day', name='uq_mail_log_user_day')
    )
    with op.batch_alter_table('mail_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_log_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email')

    with op.batch_alter_table('mail_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_log_user_id'))

    op.drop_table('mail_log')