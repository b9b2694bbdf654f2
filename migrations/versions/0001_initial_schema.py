"""initial schema: accounts, organisations, reference data, listings

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 11:53:27.067223

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('companies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_ja', sa.String(length=200), nullable=False),
    sa.Column('home_city', sa.String(length=120), nullable=False),
    sa.Column('website', sa.String(length=255), nullable=False),
    sa.Column('size', sa.String(length=10), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_companies')),
    sa.UniqueConstraint('ref', name=op.f('uq_companies_ref'))
    )
    op.create_table('countries',
    sa.Column('code', sa.String(length=2), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=False),
    sa.Column('name_ja', sa.String(length=120), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=True),
    sa.Column('jcm_signed', sa.String(length=10), nullable=True),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_countries'))
    )
    op.create_table('sectors',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=False),
    sa.Column('name_ja', sa.String(length=120), nullable=False),
    sa.Column('description_en', sa.String(length=255), nullable=False),
    sa.Column('description_ja', sa.String(length=255), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_sectors'))
    )
    op.create_table('cities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_ja', sa.String(length=200), nullable=False),
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['country_code'], ['countries.code'], name=op.f('fk_cities_country_code_countries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cities')),
    sa.UniqueConstraint('ref', name=op.f('uq_cities_ref'))
    )
    op.create_table('technologies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=80), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_technologies_company_id_companies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_technologies')),
    sa.UniqueConstraint('ref', name=op.f('uq_technologies_ref'))
    )
    with op.batch_alter_table('technologies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_technologies_company_id'), ['company_id'], unique=False)

    op.create_table('needs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=80), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_needs_city_id_cities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_needs')),
    sa.UniqueConstraint('ref', name=op.f('uq_needs_ref'))
    )
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_needs_city_id'), ['city_id'], unique=False)

    op.create_table('partnerships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('japanese_city', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_partnerships_city_id_cities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partnerships')),
    sa.UniqueConstraint('city_id', 'japanese_city', name=op.f('uq_partnerships_city_id'))
    )
    op.create_table('technology_countries',
    sa.Column('technology_id', sa.Integer(), nullable=False),
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.ForeignKeyConstraint(['country_code'], ['countries.code'], name=op.f('fk_technology_countries_country_code_countries')),
    sa.ForeignKeyConstraint(['technology_id'], ['technologies.id'], name=op.f('fk_technology_countries_technology_id_technologies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('technology_id', 'country_code', name=op.f('pk_technology_countries'))
    )
    op.create_table('technology_sectors',
    sa.Column('technology_id', sa.Integer(), nullable=False),
    sa.Column('sector_code', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['sector_code'], ['sectors.code'], name=op.f('fk_technology_sectors_sector_code_sectors')),
    sa.ForeignKeyConstraint(['technology_id'], ['technologies.id'], name=op.f('fk_technology_sectors_technology_id_technologies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('technology_id', 'sector_code', name=op.f('pk_technology_sectors'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=True),
    sa.Column('city_id', sa.Integer(), nullable=True),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_users_city_id_cities')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_users_company_id_companies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('need_sectors',
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('sector_code', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], name=op.f('fk_need_sectors_need_id_needs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sector_code'], ['sectors.code'], name=op.f('fk_need_sectors_sector_code_sectors')),
    sa.PrimaryKeyConstraint('need_id', 'sector_code', name=op.f('pk_need_sectors'))
    )


def downgrade():
    op.drop_table('need_sectors')
    op.drop_table('users')
    op.drop_table('technology_sectors')
    op.drop_table('technology_countries')
    op.drop_table('partnerships')
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_needs_city_id'))

    op.drop_table('needs')
    with op.batch_alter_table('technologies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_technologies_company_id'))

    op.drop_table('technologies')
    op.drop_table('cities')
    op.drop_table('sectors')
    op.drop_table('countries')
    op.drop_table('companies')
