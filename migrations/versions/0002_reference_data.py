"""reference data: the sector taxonomy and every ISO 3166-1 country with JCM partners

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

The data is frozen in migrations/data/ so that this migration gives the same
rows whenever it runs; later edits by admins happen in the database.
"""
import json
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

DATA = Path(__file__).resolve().parent.parent / "data"


def load(name: str) -> list[dict]:
    with (DATA / name).open(encoding="utf-8") as handle:
        return json.load(handle)


def upgrade():
    countries = sa.table(
        "countries", sa.column("code"), sa.column("name_en"), sa.column("name_ja"),
        sa.column("timezone"), sa.column("jcm_signed"))
    sectors = sa.table(
        "sectors", sa.column("code"), sa.column("name_en"), sa.column("name_ja"),
        sa.column("description_en"), sa.column("description_ja"), sa.column("position"))
    op.bulk_insert(countries, load("countries.json"))
    op.bulk_insert(sectors, load("sectors.json"))


def downgrade():
    op.execute("DELETE FROM sectors")
    op.execute("DELETE FROM countries")
