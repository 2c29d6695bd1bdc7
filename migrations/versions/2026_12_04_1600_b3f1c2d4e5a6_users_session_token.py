"""users: a session token that ends every session of the user when it changes; login failures leave the database

`users.session_token` is carried by every session and remember-me cookie (contestapp/auth/sessions.py); existing
users get a random one each (their current sessions end once: they sign in again). Failed logins are counted by the
rate limiter's shared storage (contestapp/common/limits.py), so `login_failures` goes.

Revision ID: b3f1c2d4e5a6
Revises: 5fda74fb06e4
Create Date: 2026-12-04 16:00:00
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = 'b3f1c2d4e5a6'
down_revision = '5fda74fb06e4'
branch_labels = None
depends_on = None


def upgrade():
    # No batch (table copy) on `users`: SQLite cannot drop a table other rows refer to. A NOT NULL column needs a
    # default to be added; each user then gets a random token of its own.
    op.add_column('users', sa.Column('session_token', sa.String(length=32), nullable=False, server_default=''))
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('session_token', sa.String))
    conn = op.get_bind()
    for (user_id,) in conn.execute(sa.select(users.c.id)).all():
        conn.execute(users.update().where(users.c.id == user_id).values(session_token=secrets.token_hex(16)))
    if conn.dialect.name != 'sqlite':  # (SQLite keeps the unused default: altering it would copy the table)
        op.alter_column('users', 'session_token', server_default=None)

    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_failures_username'))
        batch_op.drop_index(batch_op.f('ix_login_failures_at'))
        batch_op.drop_index(batch_op.f('ix_login_failures_address'))
    op.drop_table('login_failures')


def downgrade():
    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures'))
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_failures_address'), ['address'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failures_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failures_username'), ['username'], unique=False)
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("ALTER TABLE users DROP COLUMN session_token")  # (SQLite 3.35+; no table copy)
    else:
        op.drop_column('users', 'session_token')
