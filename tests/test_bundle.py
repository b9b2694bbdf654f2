"""import-data / export-data / seed-demo / create-user, as a coordinator runs them."""
import json

import pytest
from sqlalchemy import func, select

from matchapp.models import City, Company, Need, Technology, User

MINIMAL = {
    "cities": [{"ref": "hai-phong", "name": "Hai Phong", "name_ja": "ハイフォン市", "country": "VN",
                "japanese_partners": ["Kitakyushu"]}],
    "companies": [{"ref": "daiseki", "name": "Daiseki", "name_ja": "ダイセキ", "home_city": "Kitakyushu"}],
    "technologies": [{"ref": "daiseki-liquid-energy", "company": "daiseki", "title": "廃液からのエネルギー回収",
                      "description": "工場の廃液を燃料化します。", "sectors": ["waste", "energy_efficiency"],
                      "countries": ["VN"], "language": "ja"}],
    "needs": [{"ref": "hp-ip-waste-liquid", "city": "hai-phong", "title": "Waste liquids from tenants",
               "description": "Treat waste oils.", "sectors": ["waste"], "language": "en"}],
}


def write(tmp_path, data, name="bundle.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def counts(db):
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (City, Company, Technology, Need))


def test_a_minimal_bundle_imports(runner, db, tmp_path):
    result = runner.invoke(args=["import-data", write(tmp_path, MINIMAL)])
    assert result.exit_code == 0, result.output
    technology = db.session.scalar(select(Technology))
    assert technology.company.name_ja == "ダイセキ"
    assert [s.code for s in technology.sectors] == ["energy_efficiency", "waste"]
    assert [c.code for c in technology.countries] == ["VN"]
    assert db.session.scalar(select(City)).japanese_partners == ["Kitakyushu"]
    assert db.session.scalar(select(City)).timezone == "Asia/Ho_Chi_Minh"


def test_an_unknown_sector_names_the_entry_and_writes_nothing(runner, db, tmp_path):
    bad = json.loads(json.dumps(MINIMAL))
    bad["technologies"].append({"ref": "solar-x", "company": "daiseki", "title": "PV", "sectors": ["solr"]})
    result = runner.invoke(args=["import-data", write(tmp_path, bad)])
    assert result.exit_code == 1
    assert "technologies[1] ref=solar-x: unknown sector 'solr'" in result.output
    assert counts(db) == (0, 0, 0, 0)


@pytest.mark.parametrize("mutate, message", [
    (lambda b: b["needs"][0].update(city="nowhere"), "needs[0] ref=hp-ip-waste-liquid: unknown city 'nowhere'"),
    (lambda b: b["technologies"][0].update(countries=["XX"]), "unknown country 'XX'"),
    (lambda b: b["technologies"][0].update(colour="green"), "unknown field 'colour'"),
    (lambda b: b["technologies"][0].pop("title"), "missing required field 'title'"),
    (lambda b: b["companies"].append(dict(b["companies"][0])), "companies[1] ref=daiseki: duplicate ref 'daiseki'"),
    (lambda b: b["needs"][0].update(status="maybe"), "unknown status 'maybe'"),
    (lambda b: b["cities"][0].update(country=7), "'country' must be a string"),
    (lambda b: b.update(projects=[]), "unknown section 'projects'"),
])
def test_invalid_bundles_are_refused_whole(runner, db, tmp_path, mutate, message):
    bad = json.loads(json.dumps(MINIMAL))
    mutate(bad)
    result = runner.invoke(args=["import-data", write(tmp_path, bad)])
    assert result.exit_code == 1
    assert message in result.output
    assert counts(db) == (0, 0, 0, 0)


def test_malformed_json_is_reported_not_a_traceback(runner, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"cities": [', encoding="utf-8")
    result = runner.invoke(args=["import-data", str(path)])
    assert result.exit_code == 1
    assert "is not valid UTF-8 JSON" in result.output
    assert "Traceback" not in result.output


def test_import_upserts_by_ref_and_keeps_fields_it_is_not_given(runner, db, tmp_path):
    runner.invoke(args=["import-data", write(tmp_path, MINIMAL)])
    update = {"technologies": [{"ref": "daiseki-liquid-energy", "company": "daiseki", "title": "Waste liquid to fuel"}]}
    result = runner.invoke(args=["import-data", write(tmp_path, update, "update.json")])
    assert result.exit_code == 0, result.output
    technology = db.session.scalar(select(Technology))
    assert technology.title == "Waste liquid to fuel"
    assert technology.description == "工場の廃液を燃料化します。"
    assert counts(db) == (1, 1, 1, 1)


def test_export_then_import_into_a_fresh_database_is_lossless(runner, db, tmp_path, app_config, database_url):
    from matchapp import demo
    demo.load()
    first = tmp_path / "first.json"
    assert runner.invoke(args=["export-data", str(first)]).exit_code == 0
    exported = json.loads(first.read_text(encoding="utf-8"))
    # Empty the listings and organisations, keep the reference data, import back.
    for model in (User, Need, Technology, City, Company):
        for obj in db.session.scalars(select(model)):
            db.session.delete(obj)
    db.session.commit()
    assert counts(db) == (0, 0, 0, 0)
    assert runner.invoke(args=["import-data", str(first)]).exit_code == 0
    second = tmp_path / "second.json"
    runner.invoke(args=["export-data", str(second)])
    assert json.loads(second.read_text(encoding="utf-8")) == exported
    assert len(exported["technologies"]) >= 40


def test_seed_demo_is_idempotent_and_large_enough(runner, db):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    before = counts(db)
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0
    assert counts(db) == before
    cities, companies, technologies, needs = before
    assert cities >= 8 and companies >= 25 and technologies >= 40 and needs >= 20
    countries = {c.country_code for c in db.session.scalars(select(City))}
    assert len(countries) >= 6
    languages = {t.language for t in db.session.scalars(select(Technology))}
    assert languages == {"ja", "en"}
    roles = {u.role for u in db.session.scalars(select(User))}
    assert roles == {"company", "city", "coordinator", "admin", "partner"}
    logins = runner.invoke(args=["demo-logins"]).output
    assert "company@demo.matchapp.example" in logins and "matchapp-demo" in logins


def test_seed_demo_if_empty_leaves_existing_data_alone(runner, db, tmp_path):
    runner.invoke(args=["import-data", write(tmp_path, MINIMAL)])
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "nothing to do" in result.output
    assert counts(db) == (1, 1, 1, 1)


def test_create_user_for_an_organisation(runner, db, tmp_path):
    runner.invoke(args=["import-data", write(tmp_path, MINIMAL)])
    result = runner.invoke(args=["create-user", "--email", "ops@daiseki.example", "--role", "company",
                                 "--password", "long enough password", "--organisation", "daiseki"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User))
    assert user.company.ref == "daiseki" and user.check_password("long enough password")


@pytest.mark.parametrize("args, message", [
    (["--role", "company", "--password", "long enough password"], "needs --organisation"),
    (["--role", "city", "--password", "long enough password", "--organisation", "atlantis"], "no city with ref 'atlantis'"),
    (["--role", "coordinator", "--password", "short"], "at least 10 characters"),
])
def test_create_user_refuses_bad_requests(runner, db, args, message):
    result = runner.invoke(args=["create-user", "--email", "someone@example.com", *args])
    assert result.exit_code == 1
    assert message in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_a_line_break_in_a_single_line_field_is_refused_with_the_entry_named(db):
    from matchapp.bundle import BundleError, import_bundle
    bundle = {"companies": [{"ref": "firm", "name": "Firm"}],
              "technologies": [{"ref": "t1", "company": "firm", "title": "Solar\r\nBcc: x@example.com",
                                "description": "Two lines\nare fine here."}]}
    try:
        import_bundle(bundle)
    except BundleError as error:
        assert error.errors == ["technologies[0] ref=t1: 'title' must be one line, without line breaks or control "
                                "characters"]
    else:
        raise AssertionError("imported a title with a line break")
    bundle["technologies"][0]["title"] = "Solar"
    assert import_bundle(bundle).created["technologies"] == 1  # the description keeps its line break
