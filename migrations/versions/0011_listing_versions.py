"""listing version counters for optimistic locking

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 14:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('technologies', 'needs'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    for table in ('needs', 'technologies'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('version')
