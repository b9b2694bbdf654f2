"""stored matching profiles (sentence vectors, glossary analysis), a technology change log,
match outcomes, and the semantic component of stored matches

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 01:10:00

"""
import uuid

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'match_profiles',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('technology_id', sa.Integer(), nullable=True),
        sa.Column('need_id', sa.Integer(), nullable=True),
        sa.Column('model', sa.String(length=80), nullable=False),
        sa.Column('glossary', sa.String(length=20), nullable=False),
        sa.Column('text_hash', sa.String(length=64), nullable=False),
        sa.Column('vector', sa.LargeBinary(), nullable=False),
        sa.Column('concepts', sa.JSON(), nullable=False),
        sa.Column('tokens', sa.Text(), nullable=False),
        sa.Column('passages', sa.JSON(), nullable=False),
        sa.Column('passage_vectors', sa.LargeBinary(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['need_id'], ['needs.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['technology_id'], ['technologies.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('need_id'),
        sa.UniqueConstraint('technology_id'),
    )
    op.create_table(
        'technology_changes',
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('technology_id', sa.Integer(), nullable=False),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('seq'),
    )
    op.create_index('ix_technology_changes_technology_id', 'technology_changes', ['technology_id'], unique=False)
    op.create_table(
        'match_outcomes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('need_id', sa.Integer(), nullable=False),
        sa.Column('technology_id', sa.Integer(), nullable=False),
        sa.Column('outcome', sa.String(length=20), nullable=False),
        sa.Column('positive', sa.Boolean(), nullable=False),
        sa.Column('score', sa.Float(), nullable=True),
        sa.Column('rank', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['need_id'], ['needs.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['technology_id'], ['technologies.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('need_id', 'technology_id', 'outcome'),
    )
    op.create_index('ix_match_outcomes_created_at', 'match_outcomes', ['created_at'], unique=False)
    op.create_index('ix_match_outcomes_need_id', 'match_outcomes', ['need_id'], unique=False)
    op.create_index('ix_match_outcomes_technology_id', 'match_outcomes', ['technology_id'], unique=False)
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('semantic', sa.Float(), server_default='0', nullable=False))
    state = op.create_table(
        'matching_state',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('instance', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.bulk_insert(state, [{'id': 1, 'instance': uuid.uuid4().hex}])


def downgrade():
    op.drop_table('matching_state')
    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.drop_column('semantic')
    op.drop_index('ix_match_outcomes_technology_id', table_name='match_outcomes')
    op.drop_index('ix_match_outcomes_need_id', table_name='match_outcomes')
    op.drop_index('ix_match_outcomes_created_at', table_name='match_outcomes')
    op.drop_table('match_outcomes')
    op.drop_index('ix_technology_changes_technology_id', table_name='technology_changes')
    op.drop_table('technology_changes')
    op.drop_table('match_profiles')
