"""background jobs: failures kept for admins, imports with progress, outbox rows claimed by one sender

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 06:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'job_failures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('arguments', sa.Text(), nullable=False),
        sa.Column('error', sa.Text(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('failed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_job_failures')),
    )
    op.create_index('ix_job_failures_failed_at', 'job_failures', ['failed_at'])
    with op.batch_alter_table('pending_uploads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.String(length=20), nullable=False, server_default='previewed'))
        batch_op.add_column(sa.Column('processed', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('total', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('result', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.drop_column('claimed_until')
        batch_op.drop_column('claimed_by')
    with op.batch_alter_table('pending_uploads', schema=None) as batch_op:
        for column in ('finished_at', 'result', 'total', 'processed', 'state'):
            batch_op.drop_column(column)
    op.drop_index('ix_job_failures_failed_at', table_name='job_failures')
    op.drop_table('job_failures')
