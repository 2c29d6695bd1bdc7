"""jobs: the queue of background work (job_queue) and the certificate batch's queued job

Certificate batches, large roster imports and backups started in the console are done by a jobs process that
claims rows of job_queue on a lease (contestapp/jobs/queue.py), no longer by a thread of the web process.

Revision ID: f4cbf55f159a
Revises: da7b69b38d56
Create Date: 2026-12-04 15:47:20.350262
"""
from alembic import op
import sqlalchemy as sa
import contestapp.common.db


revision = 'f4cbf55f159a'
down_revision = 'da7b69b38d56'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_queue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('holder', sa.String(length=100), nullable=True),
    sa.Column('lease_until', contestapp.common.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('phase', sa.String(length=100), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('contest_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', contestapp.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', contestapp.common.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', contestapp.common.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['contest_id'], ['contests.id'], name=op.f('fk_job_queue_contest_id_contests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_job_queue_created_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_queue'))
    )
    with op.batch_alter_table('job_queue', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_queue_contest_id'), ['contest_id'], unique=False)
        batch_op.create_index('ix_job_queue_status_id', ['status', 'id'], unique=False)

    with op.batch_alter_table('certificate_batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('job_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_certificate_batches_job_id_job_queue'), 'job_queue', ['job_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('certificate_batches', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_certificate_batches_job_id_job_queue'), type_='foreignkey')
        batch_op.drop_column('job_id')

    with op.batch_alter_table('job_queue', schema=None) as batch_op:
        batch_op.drop_index('ix_job_queue_status_id')
        batch_op.drop_index(batch_op.f('ix_job_queue_contest_id'))

    op.drop_table('job_queue')
