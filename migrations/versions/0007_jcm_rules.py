"""jcm rules

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 12:48:41.998682

"""
import datetime

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('jcm_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('technology', sa.String(length=40), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('threshold_jpy_per_t', sa.Integer(), nullable=False),
    sa.Column('max_rate', sa.Float(), nullable=False),
    sa.Column('max_subsidy_jpy', sa.BigInteger(), nullable=False),
    sa.Column('min_payback_years', sa.Float(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jcm_rules'))
    )


    rules = sa.table("jcm_rules", sa.column("effective_from", sa.Date), sa.column("technology"),
                     sa.column("country"), sa.column("threshold_jpy_per_t"), sa.column("max_rate"),
                     sa.column("max_subsidy_jpy"), sa.column("min_payback_years"), sa.column("note"))
    fy2022 = datetime.date(2022, 4, 1)
    common = {"effective_from": fy2022, "max_rate": 0.5, "max_subsidy_jpy": 2_000_000_000, "min_payback_years": 3}
    op.bulk_insert(rules, [
        dict(common, technology="general", country=None, threshold_jpy_per_t=4000, note="FY2022 general rule"),
        dict(common, technology="solar", country=None, threshold_jpy_per_t=2500, note="FY2022 solar"),
        dict(common, technology="solar", country="TH", threshold_jpy_per_t=2000, note="FY2022 solar in Thailand"),
        dict(common, technology="small_hydro", country=None, threshold_jpy_per_t=500, note="FY2022 small hydro"),
    ])


def downgrade():
    op.drop_table('jcm_rules')
