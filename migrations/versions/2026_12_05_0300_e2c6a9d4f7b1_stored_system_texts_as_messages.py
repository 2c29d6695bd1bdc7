"""texts the system writes kept as translatable messages beside their Chinese text

The Chinese columns stay as they are (exports, the audit trail, the e-mail and the CLI read them); a JSON column
beside each keeps the system's message with its values (contestapp.i18n.stored), so that pages show it in their
reader's language: score_sheets.returned_detail (a withdrawal approved), sheet_requests.reason_detail (a judge who
left the staff), notices.detail (the merit reminders), craftsman_nominations.office_note_detail (an ineligible
nomination's reasons left to the automatic checks). Where a column also holds people's words the new one stays
NULL for them, and they are shown as written.

Existing rows are filled only where the stored text says for certain what the system wrote: a reassignment
request's reason (only ever "<name> 已不再担任本竞赛裁判") and a sheet returned by an approved withdrawal (its
reason is that request's reason after "撤回申请已批准："). Older notices (their deadline written the Chinese way)
and ineligibility notes (their reasons in Chinese only) stay NULL and are shown as they were.

Revision ID: e2c6a9d4f7b1
Revises: d4a8e1f0b2c3
Create Date: 2026-12-05 03:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'e2c6a9d4f7b1'
down_revision = 'd4a8e1f0b2c3'
branch_labels = None
depends_on = None

LEFT = "%(name)s 已不再担任本竞赛裁判"         # contestapp/judging/membership.py
WITHDRAWN = "撤回申请已批准：%(reason)s"       # contestapp/judging/requests.py
COLUMNS = (("score_sheets", "returned_detail"), ("sheet_requests", "reason_detail"), ("notices", "detail"),
           ("craftsman_nominations", "office_note_detail"))


def _message(template: str, **params) -> dict:
    """contestapp.i18n.stored of Message(template, **params) with plain text values."""
    return {"template": template, "sep": "、", "params": params}


def upgrade():
    # plain ALTER TABLE, never batch: SQLite would copy score_sheets to drop a column and lose its triggers
    for table, column in COLUMNS:
        op.add_column(table, sa.Column(column, sa.JSON(), nullable=True))

    conn = op.get_bind()
    requests = sa.table("sheet_requests", sa.column("id", sa.Integer), sa.column("sheet_id", sa.Integer),
                        sa.column("kind", sa.String), sa.column("status", sa.String), sa.column("reason", sa.String),
                        sa.column("reason_detail", sa.JSON))
    sheets = sa.table("score_sheets", sa.column("id", sa.Integer), sa.column("returned_reason", sa.String),
                      sa.column("returned_detail", sa.JSON))
    suffix = LEFT.replace("%(name)s", "")
    for rid, reason in conn.execute(sa.select(requests.c.id, requests.c.reason).where(
            requests.c.kind == "reassign", requests.c.reason.endswith(suffix, autoescape=True))).all():
        conn.execute(requests.update().where(requests.c.id == rid).values(
            reason_detail=_message(LEFT, name=reason[:-len(suffix)])))

    prefix = WITHDRAWN.replace("%(reason)s", "")
    approved = {}  # sheet id -> the reasons of its approved withdrawals
    for sheet_id, reason in conn.execute(sa.select(requests.c.sheet_id, requests.c.reason).where(
            requests.c.kind == "withdrawal", requests.c.status == "approved")).all():
        approved.setdefault(sheet_id, []).append(reason)
    if approved:
        for sid, returned in conn.execute(sa.select(sheets.c.id, sheets.c.returned_reason).where(
                sheets.c.id.in_(list(approved)), sheets.c.returned_reason.startswith(prefix, autoescape=True))).all():
            reason = next((r for r in approved[sid] if (prefix + r)[:500] == returned), None)
            if reason is not None:  # the text is that approval's, not a chief judge's words that read the same
                conn.execute(sheets.update().where(sheets.c.id == sid).values(
                    returned_detail=_message(WITHDRAWN, reason=reason)))


def downgrade():
    for table, column in reversed(COLUMNS):
        op.drop_column(table, column)  # (SQLite 3.35 and later drop a column in place)
