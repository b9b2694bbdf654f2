"""The schema comes only from migrations, and they agree with the models."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select

from matchapp.models import Country, Sector


def test_models_and_migrations_agree(db):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_reference_data_is_present_after_upgrade_alone(db):
    assert db.session.scalar(select(func.count()).select_from(Country)) == 249
    partners = db.session.scalars(select(Country).where(Country.jcm_signed.is_not(None))).all()
    assert len(partners) == 25
    assert db.session.get(Country, "VN").jcm_signed == "2013-07-02"
    assert db.session.get(Country, "TN").jcm_signed == "2022-08"
    assert db.session.get(Country, "MY").is_jcm_partner is False
    assert db.session.get(Country, "VN").name_ja == "ベトナム"
    assert db.session.get(Country, "TH").timezone == "Asia/Bangkok"
    codes = set(db.session.scalars(select(Sector.code)))
    assert codes == {"energy_efficiency", "renewable_energy", "waste", "water", "transport", "hydrogen",
                     "digital", "smart_city", "policy", "environment", "fgas", "disaster_resilience"}
    assert db.session.get(Sector, "waste").name_ja == "廃棄物処理・資源循環"


def test_migrations_downgrade_to_empty_and_upgrade_again(db):
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()
    assert db.session.scalar(select(func.count()).select_from(Country)) == 249
