"""announcements carry Japanese and English text

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 16:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title_ja', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('body_ja', sa.Text(), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('announcements', schema=None) as batch_op:
        batch_op.drop_column('body_ja')
        batch_op.drop_column('title_ja')
