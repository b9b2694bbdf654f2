"""matchmaking events

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 12:44:16.738909

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('mode', sa.String(length=20), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_events_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events'))
    )
    op.create_table('event_participants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=True),
    sa.Column('city_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(company_id IS NULL) <> (city_id IS NULL)', name=op.f('ck_event_participants_one_organisation')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_event_participants_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_event_participants_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_participants_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_participants')),
    sa.UniqueConstraint('event_id', 'city_id', name=op.f('uq_event_participants_event_city')),
    sa.UniqueConstraint('event_id', 'company_id', name=op.f('uq_event_participants_event_company'))
    )
    with op.batch_alter_table('event_participants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_participants_event_id'), ['event_id'], unique=False)

    op.create_table('event_slots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('table', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_slots_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_slots')),
    sa.UniqueConstraint('event_id', 'starts_at', 'table', name=op.f('uq_event_slots_event_id'))
    )
    with op.batch_alter_table('event_slots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_slots_event_id'), ['event_id'], unique=False)

    op.create_table('event_interests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('from_id', sa.Integer(), nullable=False),
    sa.Column('to_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_interests_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['from_id'], ['event_participants.id'], name=op.f('fk_event_interests_from_id_event_participants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['to_id'], ['event_participants.id'], name=op.f('fk_event_interests_to_id_event_participants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_interests')),
    sa.UniqueConstraint('from_id', 'to_id', name=op.f('uq_event_interests_from_id'))
    )
    with op.batch_alter_table('event_interests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_interests_event_id'), ['event_id'], unique=False)

    op.create_table('event_meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_meetings_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['slot_id'], ['event_slots.id'], name=op.f('fk_event_meetings_slot_id_event_slots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_meetings')),
    sa.UniqueConstraint('slot_id', name=op.f('uq_event_meetings_slot_id'))
    )
    with op.batch_alter_table('event_meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_meetings_event_id'), ['event_id'], unique=False)

    op.create_table('event_meeting_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['event_meetings.id'], name=op.f('fk_event_meeting_members_meeting_id_event_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['participant_id'], ['event_participants.id'], name=op.f('fk_event_meeting_members_participant_id_event_participants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_meeting_members')),
    sa.UniqueConstraint('participant_id', 'starts_at', name=op.f('uq_event_meeting_members_participant_id'))
    )
    with op.batch_alter_table('event_meeting_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_meeting_members_meeting_id'), ['meeting_id'], unique=False)



def downgrade():
    with op.batch_alter_table('event_meeting_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_meeting_members_meeting_id'))

    op.drop_table('event_meeting_members')
    with op.batch_alter_table('event_meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_meetings_event_id'))

    op.drop_table('event_meetings')
    with op.batch_alter_table('event_interests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_interests_event_id'))

    op.drop_table('event_interests')
    with op.batch_alter_table('event_slots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_slots_event_id'))

    op.drop_table('event_slots')
    with op.batch_alter_table('event_participants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_participants_event_id'))

    op.drop_table('event_participants')
    op.drop_table('events')
