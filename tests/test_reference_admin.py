"""Administrators edit reference data: sector and country names, JCM signing dates, JCM rules; each change audited."""
import html
import re
from datetime import date, timedelta

from sqlalchemy import select

from matchapp.models import AuditEvent, Country, JcmRule, Sector


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def test_a_sector_renamed_shows_at_once_and_is_audited(client, auth, db, users):
    auth.login("admin@example.com")
    page = text(client.get("/admin/reference"))
    assert "Renewable energy" in page and "JCM partner countries" in page and "Viet Nam" in page
    response = client.post("/admin/sectors/renewable_energy", data={
        "name_en": "Renewable power", "name_ja": "再生可能エネルギー", "description_en": "", "description_ja": ""})
    assert response.status_code == 303
    assert db.session.get(Sector, "renewable_energy").name_en == "Renewable power"
    assert "Renewable power" in text(client.get("/technologies"))  # the sector filter reads the new name
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "reference_changed"))
    assert event.target == "sector renewable_energy" and "Renewable power" in event.detail
    refused = client.post("/admin/sectors/renewable_energy", data={"name_en": "", "name_ja": "再エネ"})
    assert refused.status_code == 400 and "This field is required." in text(refused)


def test_a_country_becomes_a_jcm_partner_with_its_signing_date(client, auth, db, users):
    auth.login("admin@example.com")
    assert db.session.get(Country, "FR").jcm_signed is None
    bad = client.post("/admin/countries/FR", data={"name_en": "France", "name_ja": "フランス", "timezone": "Europe/Paris",
                                                   "jcm_signed": "next year"})
    assert bad.status_code == 400 and "Give the signing date as YYYY-MM-DD" in text(bad)
    wrong_zone = client.post("/admin/countries/FR", data={"name_en": "France", "name_ja": "フランス",
                                                          "timezone": "Paris", "jcm_signed": ""})
    assert wrong_zone.status_code == 400 and "Choose a time zone such as Asia/Ho_Chi_Minh." in text(wrong_zone)
    ok = client.post("/admin/countries/FR", data={"name_en": "France", "name_ja": "フランス", "timezone": "Europe/Paris",
                                                  "jcm_signed": "2030-04"})
    assert ok.status_code == 303 and db.session.get(Country, "FR").jcm_signed == "2030-04"
    assert "France" in text(client.get("/admin/reference"))  # now listed among the partners


def test_rules_are_added_with_a_date_and_only_future_ones_deleted(client, auth, db, users):
    auth.login("admin@example.com")
    later = date.today() + timedelta(days=400)
    response = client.post("/admin/jcm-rules", data={
        "effective_from": later.isoformat(), "technology": "solar", "country": "VN", "threshold_jpy_per_t": "3500",
        "max_rate": "0.4", "max_subsidy_jpy": "500000000", "min_payback_years": "3", "note": "FY rule"})
    assert response.status_code == 303
    rule = db.session.scalar(select(JcmRule).where(JcmRule.effective_from == later))
    assert (rule.technology, rule.country, rule.max_rate) == ("solar", "VN", 0.4)
    assert "3,500" in text(client.get("/admin/reference"))
    bad = client.post("/admin/jcm-rules", data={"effective_from": later.isoformat(), "technology": "solar",
                                                "country": "ZZ", "threshold_jpy_per_t": "3500", "max_rate": "0.4",
                                                "max_subsidy_jpy": "5", "min_payback_years": "3"})
    assert bad.status_code == 400 and "No country has the code “ZZ”." in text(bad)
    in_force = db.session.scalar(select(JcmRule).where(JcmRule.effective_from <= date.today()))
    kept = client.post(f"/admin/jcm-rules/{in_force.id}/delete")
    assert kept.status_code == 409 and "A rule already in force stays" in text(kept)
    rule_id, in_force_id = rule.id, in_force.id
    assert client.post(f"/admin/jcm-rules/{rule_id}/delete").status_code == 303
    db.session.expire_all()
    assert db.session.get(JcmRule, rule_id) is None and db.session.get(JcmRule, in_force_id) is not None
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"jcm_rule_added", "jcm_rule_deleted"} <= actions


def test_only_administrators(client, auth, users):
    auth.login("coordinator@example.com")
    assert client.get("/admin/reference").status_code == 403
    assert client.post("/admin/sectors/renewable_energy", data={"name_en": "x", "name_ja": "y"}).status_code == 403
