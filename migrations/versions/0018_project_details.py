"""projects carry their numbers and their next step: description, CO2 basis, subsidy sought, next step with
a due date and an owner, notes

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 16:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('description', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('co2_basis', sa.String(length=500), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('subsidy_jpy', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('next_step', sa.String(length=300), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('next_step_due', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('next_step_owner_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('notes', sa.Text(), nullable=False, server_default=''))
        batch_op.create_foreign_key(batch_op.f('fk_projects_next_step_owner_id_users'), 'users',
                                    ['next_step_owner_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index('ix_projects_next_step_due', ['next_step_due'])


def downgrade():
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index('ix_projects_next_step_due')
        batch_op.drop_constraint(batch_op.f('fk_projects_next_step_owner_id_users'), type_='foreignkey')
        for column in ('notes', 'next_step_owner_id', 'next_step_due', 'next_step', 'subsidy_jpy', 'co2_basis',
                       'description'):
            batch_op.drop_column(column)
