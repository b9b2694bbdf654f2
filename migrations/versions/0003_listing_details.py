"""listings: bilingual text, details, freshness, deliveries; saved searches, API tokens, pending uploads

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 12:01:52.138942

"""
import unicodedata

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('technology_id', sa.Integer(), nullable=False),
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('city', sa.String(length=120), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['country_code'], ['countries.code'], name=op.f('fk_deliveries_country_code_countries')),
    sa.ForeignKeyConstraint(['technology_id'], ['technologies.id'], name=op.f('fk_deliveries_technology_id_technologies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries'))
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deliveries_technology_id'), ['technology_id'], unique=False)

    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('pending_uploads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_pending_uploads_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_uploads'))
    )
    with op.batch_alter_table('pending_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pending_uploads_user_id'), ['user_id'], unique=False)

    op.create_table('saved_searches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('q', sa.String(length=200), nullable=False),
    sa.Column('sector', sa.String(length=40), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('jcm_only', sa.Boolean(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['country'], ['countries.code'], name=op.f('fk_saved_searches_country_countries')),
    sa.ForeignKeyConstraint(['sector'], ['sectors.code'], name=op.f('fk_saved_searches_sector_sectors')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_saved_searches_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_searches'))
    )
    with op.batch_alter_table('saved_searches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_searches_user_id'), ['user_id'], unique=False)

    op.create_table('search_hits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('search_id', sa.Integer(), nullable=False),
    sa.Column('listing_ref', sa.String(length=80), nullable=False),
    sa.Column('listing_title', sa.String(length=200), nullable=False),
    sa.Column('seen', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['search_id'], ['saved_searches.id'], name=op.f('fk_search_hits_search_id_saved_searches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_hits')),
    sa.UniqueConstraint('search_id', 'listing_ref', name=op.f('uq_search_hits_search_id'))
    )
    with op.batch_alter_table('search_hits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_hits_search_id'), ['search_id'], unique=False)

    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('site', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('scale', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('budget_min', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('budget_max', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('budget_currency', sa.String(length=3), nullable=False, server_default='USD'))
        batch_op.add_column(sa.Column('timeline', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('funding', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('title_alt', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('description_alt', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('contact_name', sa.String(length=120), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('contact_email', sa.String(length=254), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()))
        batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_needs_status'), ['status'], unique=False)

    with op.batch_alter_table('technologies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('summary', sa.String(length=500), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('summary_alt', sa.String(length=500), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('co2_reduction_t', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('co2_basis', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('cost_min', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('cost_max', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('cost_currency', sa.String(length=3), nullable=False, server_default='JPY'))
        batch_op.add_column(sa.Column('jcm_experience', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('title_alt', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('description_alt', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('contact_name', sa.String(length=120), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('contact_email', sa.String(length=254), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()))
        batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_technologies_status'), ['status'], unique=False)



    backfill_search_text()


def normalise(*parts) -> str:
    """Frozen copy of the app's search normalisation at the time of this migration."""
    return unicodedata.normalize("NFKC", " ".join(p or "" for p in parts)).casefold()


def backfill_search_text():
    """Existing listings get their search text so that text search finds them."""
    connection = op.get_bind()
    for table, columns in (("technologies", ("title", "description")), ("needs", ("title", "description"))):
        rows = connection.execute(sa.text(f"SELECT id, {', '.join(columns)} FROM {table}")).fetchall()
        for row in rows:
            connection.execute(sa.text(f"UPDATE {table} SET search_text = :text WHERE id = :id"),
                               {"text": normalise(*row[1:]), "id": row[0]})


def downgrade():
    with op.batch_alter_table('technologies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_technologies_status'))
        batch_op.drop_column('search_text')
        batch_op.drop_column('confirmed_at')
        batch_op.drop_column('contact_email')
        batch_op.drop_column('contact_name')
        batch_op.drop_column('description_alt')
        batch_op.drop_column('title_alt')
        batch_op.drop_column('jcm_experience')
        batch_op.drop_column('cost_currency')
        batch_op.drop_column('cost_max')
        batch_op.drop_column('cost_min')
        batch_op.drop_column('co2_basis')
        batch_op.drop_column('co2_reduction_t')
        batch_op.drop_column('summary_alt')
        batch_op.drop_column('summary')

    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_needs_status'))
        batch_op.drop_column('search_text')
        batch_op.drop_column('confirmed_at')
        batch_op.drop_column('contact_email')
        batch_op.drop_column('contact_name')
        batch_op.drop_column('description_alt')
        batch_op.drop_column('title_alt')
        batch_op.drop_column('funding')
        batch_op.drop_column('timeline')
        batch_op.drop_column('budget_currency')
        batch_op.drop_column('budget_max')
        batch_op.drop_column('budget_min')
        batch_op.drop_column('scale')
        batch_op.drop_column('site')

    with op.batch_alter_table('search_hits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_hits_search_id'))

    op.drop_table('search_hits')
    with op.batch_alter_table('saved_searches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_searches_user_id'))

    op.drop_table('saved_searches')
    with op.batch_alter_table('pending_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pending_uploads_user_id'))

    op.drop_table('pending_uploads')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deliveries_technology_id'))

    op.drop_table('deliveries')
