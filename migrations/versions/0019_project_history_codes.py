"""project history lines keep their action and values, so they are shown in the reader's language

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 16:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('project_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('action', sa.String(length=30), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('params', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('project_events', schema=None) as batch_op:
        batch_op.drop_column('params')
        batch_op.drop_column('action')
