"""pending uploads remember how the file was read (UTF-8, CP932 or an Excel workbook), for the preview

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04 01:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pending_uploads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('read_as', sa.String(length=10), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('pending_uploads', schema=None) as batch_op:
        batch_op.drop_column('read_as')
