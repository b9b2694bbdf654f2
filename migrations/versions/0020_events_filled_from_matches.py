"""events: schedules filled from matches with a reason per meeting, participants' availability, the
company-to-company rule, and meeting outcomes

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

MEETING_FOREIGN_KEYS = (  # column, table it points to
    ('asked_by_id', 'event_participants'),
    ('need_id', 'needs'),
    ('technology_id', 'technologies'),
    ('outcome_by_id', 'users'),
    ('introduction_id', 'introductions'),
)


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('companies_may_meet', sa.Boolean(), nullable=False, server_default=sa.false()))

    op.create_table('event_absences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['event_participants.id'],
                            name=op.f('fk_event_absences_participant_id_event_participants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_absences')),
    sa.UniqueConstraint('participant_id', 'starts_at', name=op.f('uq_event_absences_participant_id'))
    )

    with op.batch_alter_table('event_meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', sa.String(length=20), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('score', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('asked_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('need_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('technology_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('outcome', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('outcome_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('outcome_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('introduction_id', sa.Integer(), nullable=True))
        for column, table in MEETING_FOREIGN_KEYS:
            batch_op.create_foreign_key(batch_op.f(f'fk_event_meetings_{column}_{table}'), table, [column], ['id'],
                                        ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('event_meetings', schema=None) as batch_op:
        for column, table in MEETING_FOREIGN_KEYS:
            batch_op.drop_constraint(batch_op.f(f'fk_event_meetings_{column}_{table}'), type_='foreignkey')
        for column in ('introduction_id', 'outcome_by_id', 'outcome_at', 'outcome', 'technology_id', 'need_id',
                       'asked_by_id', 'score', 'reason'):
            batch_op.drop_column(column)

    op.drop_table('event_absences')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('companies_may_meet')
