"""meetings and event meetings remember when they last changed and how often (calendars'
LAST-MODIFIED, DTSTAMP and SEQUENCE); outbox e-mails know their language and whom a list
mail (digest, announcement) may unsubscribe

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 10:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE meetings SET updated_at = created_at")
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.alter_column('updated_at', existing_type=sa.DateTime(timezone=True), nullable=False)
    with op.batch_alter_table('event_meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('sequence', sa.Integer(), server_default='0', nullable=False))
    op.execute("UPDATE event_meetings SET updated_at = (SELECT created_at FROM events WHERE events.id = event_meetings.event_id)")
    with op.batch_alter_table('event_meetings', schema=None) as batch_op:
        batch_op.alter_column('updated_at', existing_type=sa.DateTime(timezone=True), nullable=False)
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=5), server_default='en', nullable=False))
        batch_op.add_column(sa.Column('list_user_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_outbox_emails_list_user_id_users'), 'users', ['list_user_id'],
                                    ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_emails_list_user_id_users'), type_='foreignkey')
        batch_op.drop_column('list_user_id')
        batch_op.drop_column('language')
    with op.batch_alter_table('event_meetings', schema=None) as batch_op:
        batch_op.drop_column('sequence')
        batch_op.drop_column('updated_at')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
