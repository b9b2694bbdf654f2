"""matches and dismissals

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 12:20:54.893228

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dismissals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('technology_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('side', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], name=op.f('fk_dismissals_need_id_needs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['technology_id'], ['technologies.id'], name=op.f('fk_dismissals_technology_id_technologies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_dismissals_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dismissals')),
    sa.UniqueConstraint('need_id', 'technology_id', name=op.f('uq_dismissals_need_id'))
    )
    with op.batch_alter_table('dismissals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dismissals_need_id'), ['need_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dismissals_technology_id'), ['technology_id'], unique=False)

    op.create_table('matches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('technology_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('sector', sa.Float(), nullable=False),
    sa.Column('country', sa.Float(), nullable=False),
    sa.Column('text', sa.Float(), nullable=False),
    sa.Column('bonus', sa.Float(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], name=op.f('fk_matches_need_id_needs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['technology_id'], ['technologies.id'], name=op.f('fk_matches_technology_id_technologies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matches')),
    sa.UniqueConstraint('need_id', 'technology_id', name=op.f('uq_matches_need_id'))
    )
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matches_computed_at'), ['computed_at'], unique=False)
        batch_op.create_index('ix_matches_need_score', ['need_id', 'score'], unique=False)
        batch_op.create_index('ix_matches_technology_score', ['technology_id', 'score'], unique=False)



def downgrade():
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.drop_index('ix_matches_technology_score')
        batch_op.drop_index('ix_matches_need_score')
        batch_op.drop_index(batch_op.f('ix_matches_computed_at'))

    op.drop_table('matches')
    with op.batch_alter_table('dismissals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dismissals_technology_id'))
        batch_op.drop_index(batch_op.f('ix_dismissals_need_id'))

    op.drop_table('dismissals')
