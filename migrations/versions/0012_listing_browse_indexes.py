"""indexes for browsing the newest listings by status

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23 15:45:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_technologies_status_created_at', 'technologies', ['status', 'created_at', 'id'], unique=False)
    op.create_index('ix_needs_status_created_at', 'needs', ['status', 'created_at', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_needs_status_created_at', table_name='needs')
    op.drop_index('ix_technologies_status_created_at', table_name='technologies')
