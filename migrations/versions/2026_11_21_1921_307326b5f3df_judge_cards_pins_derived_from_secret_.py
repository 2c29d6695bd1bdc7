"""judge cards: PINs derived from SECRET_KEY, not stored; legacy_pin keeps issued cards' PINs

A leaked database must not let anyone log in with a judge's card, so new cards store no PIN: it is an HMAC of the
card code keyed with SECRET_KEY (contestapp.judging.models.card_pin). Cards already printed and handed to judges
keep their stored PIN, in the column renamed legacy_pin (nullable, NULL for every card issued from now on).

Revision ID: 307326b5f3df
Revises: 2725a1ea1c1b
Create Date: 2026-11-21 19:21:26.073948
"""
import hashlib
import hmac

from alembic import op
import sqlalchemy as sa
from flask import current_app


revision = '307326b5f3df'
down_revision = '2725a1ea1c1b'
branch_labels = None
depends_on = None


def upgrade():
    # a rename, not drop and add: the PINs of cards already printed stay valid
    with op.batch_alter_table('judge_cards', schema=None) as batch_op:
        batch_op.alter_column('pin', new_column_name='legacy_pin', existing_type=sa.String(length=8),
                              nullable=True)


def _derived_pin(key: str, code: str) -> str:
    # card_pin as of this revision (v1), copied: a later change to the app's derivation must not change this one
    digest = hmac.new(key.encode(), b"contestapp judge card pin v1:" + code.encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10 ** 6:06d}"


def downgrade():
    # the old schema stores every PIN: write the derived PIN of newer cards, so that their printed cards still work
    cards = sa.table('judge_cards', sa.column('id', sa.Integer), sa.column('code', sa.String),
                     sa.column('legacy_pin', sa.String))
    conn = op.get_bind()
    key = current_app.config["SECRET_KEY"]
    for card_id, code in conn.execute(sa.select(cards.c.id, cards.c.code).where(cards.c.legacy_pin.is_(None))).all():
        conn.execute(cards.update().where(cards.c.id == card_id).values(legacy_pin=_derived_pin(key, code)))
    with op.batch_alter_table('judge_cards', schema=None) as batch_op:
        batch_op.alter_column('legacy_pin', new_column_name='pin', existing_type=sa.String(length=8),
                              nullable=False)
