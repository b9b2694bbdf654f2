"""projects

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 12:50:39.267639

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('drop_reason', sa.Text(), nullable=False),
    sa.Column('introduction_id', sa.Integer(), nullable=True),
    sa.Column('need_id', sa.Integer(), nullable=True),
    sa.Column('technology_id', sa.Integer(), nullable=True),
    sa.Column('city_id', sa.Integer(), nullable=True),
    sa.Column('japanese_city', sa.String(length=120), nullable=False),
    sa.Column('sector', sa.String(length=40), nullable=True),
    sa.Column('coordinator_id', sa.Integer(), nullable=True),
    sa.Column('expected_co2_t', sa.Float(), nullable=True),
    sa.Column('investment_jpy', sa.BigInteger(), nullable=True),
    sa.Column('started_on', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_projects_city_id_cities'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['coordinator_id'], ['users.id'], name=op.f('fk_projects_coordinator_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['introduction_id'], ['introductions.id'], name=op.f('fk_projects_introduction_id_introductions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], name=op.f('fk_projects_need_id_needs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['sector'], ['sectors.code'], name=op.f('fk_projects_sector_sectors')),
    sa.ForeignKeyConstraint(['technology_id'], ['technologies.id'], name=op.f('fk_projects_technology_id_technologies'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_projects')),
    sa.UniqueConstraint('introduction_id', name=op.f('uq_projects_introduction_id'))
    )
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_projects_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_projects_stage'), ['stage'], unique=False)

    op.create_table('monitoring_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('co2_t', sa.Float(), nullable=False),
    sa.Column('method', sa.String(length=300), nullable=False),
    sa.Column('reported_by_id', sa.Integer(), nullable=True),
    sa.Column('evidence_name', sa.String(length=255), nullable=False),
    sa.Column('evidence', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_monitoring_records_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reported_by_id'], ['users.id'], name=op.f('fk_monitoring_records_reported_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitoring_records')),
    sa.UniqueConstraint('project_id', 'year', name=op.f('uq_monitoring_records_project_id'))
    )
    with op.batch_alter_table('monitoring_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_monitoring_records_project_id'), ['project_id'], unique=False)

    op.create_table('project_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('change', sa.String(length=300), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_project_events_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_events_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_events'))
    )
    with op.batch_alter_table('project_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_events_project_id'), ['project_id'], unique=False)

    op.create_table('project_funding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=30), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('amount_jpy', sa.BigInteger(), nullable=True),
    sa.Column('fiscal_year', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_funding_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_funding'))
    )
    with op.batch_alter_table('project_funding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_funding_project_id'), ['project_id'], unique=False)

    op.create_table('project_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=True),
    sa.Column('city_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_project_members_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_project_members_company_id_companies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_members_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_members'))
    )
    with op.batch_alter_table('project_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_members_project_id'), ['project_id'], unique=False)



def downgrade():
    with op.batch_alter_table('project_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_members_project_id'))

    op.drop_table('project_members')
    with op.batch_alter_table('project_funding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_funding_project_id'))

    op.drop_table('project_funding')
    with op.batch_alter_table('project_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_events_project_id'))

    op.drop_table('project_events')
    with op.batch_alter_table('monitoring_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_monitoring_records_project_id'))

    op.drop_table('monitoring_records')
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_projects_stage'))
        batch_op.drop_index(batch_op.f('ix_projects_city_id'))

    op.drop_table('projects')
