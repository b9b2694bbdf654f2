"""JCM screening against hand-worked cases, through the API (CONTRACT "jcm/screen")."""
import pytest

from .factories import PASSWORD


@pytest.fixture
def headers(client, users):
    token = client.post("/api/v1/tokens", json={"email": "coordinator@example.com", "password": PASSWORD}).get_json()
    return {"Authorization": f"Bearer {token['token']}"}


def screen(client, headers, **args):
    return client.get("/api/v1/jcm/screen", query_string=args, headers=headers)


def test_general_technology_in_viet_nam(client, headers):
    # 200 M JPY investment → subsidy 100 M; 1,000 t/year × 15 years = 15,000 t → 6,666.7 JPY/t > 4,000
    body = screen(client, headers, investment_jpy=200_000_000, co2_t_per_year=1000, life_years=15,
                  country="VN", technology="boilers").get_json()
    assert body["eligible_country"] is True and body["subsidy_rate_max"] == 0.5
    assert body["subsidy_jpy"] == 100_000_000
    assert body["cost_effectiveness_jpy_per_t"] == pytest.approx(6666.7, abs=0.1)
    assert body["threshold_jpy_per_t"] == 4000 and body["passes"] is False
    assert any("> threshold 4,000" in r for r in body["reasons"])


@pytest.mark.parametrize("technology, country, threshold", [
    ("solar", "VN", 2500), ("solar", "TH", 2000), ("small_hydro", "ID", 500), ("chillers", "PH", 4000)])
def test_thresholds_per_technology_and_country(client, headers, technology, country, threshold):
    body = screen(client, headers, investment_jpy=100_000_000, co2_t_per_year=2000, life_years=17,
                  country=country, technology=technology).get_json()
    assert body["threshold_jpy_per_t"] == threshold


def test_boundary_value_passes(client, headers):
    # subsidy 60 M ÷ (1,000 t × 15 y) = 4,000 JPY/t exactly: passes (at most the threshold)
    body = screen(client, headers, investment_jpy=120_000_000, co2_t_per_year=1000, life_years=15, country="KH").get_json()
    assert body["cost_effectiveness_jpy_per_t"] == 4000 and body["passes"] is True


def test_subsidy_is_capped_at_two_billion_yen(client, headers):
    body = screen(client, headers, investment_jpy=10_000_000_000, co2_t_per_year=500_000, life_years=20,
                  country="ID", technology="solar").get_json()
    assert body["subsidy_jpy"] == 2_000_000_000
    assert body["cost_effectiveness_jpy_per_t"] == 200


def test_non_partner_country_fails(client, headers):
    body = screen(client, headers, investment_jpy=100_000_000, co2_t_per_year=5000, life_years=15, country="MY").get_json()
    assert body["eligible_country"] is False and body["passes"] is False
    assert "Malaysia is not a JCM partner country" in body["reasons"][0]


def test_payback_shorter_than_three_years_fails(client, headers):
    body = screen(client, headers, investment_jpy=100_000_000, co2_t_per_year=5000, life_years=15, country="VN",
                  annual_savings_jpy=30_000_000).get_json()
    assert body["payback_years"] == pytest.approx(50_000_000 / 30_000_000, abs=0.01)
    assert body["passes_payback"] is False and body["passes"] is False


@pytest.mark.parametrize("args, field", [
    ({"co2_t_per_year": 10, "life_years": 15, "country": "VN"}, "investment_jpy"),
    ({"investment_jpy": 0, "co2_t_per_year": 10, "life_years": 15, "country": "VN"}, "investment_jpy"),
    ({"investment_jpy": 100, "co2_t_per_year": -5, "life_years": 15, "country": "VN"}, "co2_t_per_year"),
    ({"investment_jpy": 100, "co2_t_per_year": 5, "life_years": "ten", "country": "VN"}, "life_years"),
    ({"investment_jpy": 100, "co2_t_per_year": 5, "life_years": 15, "country": "XX"}, "country"),
    ({"investment_jpy": 100, "co2_t_per_year": 5, "life_years": 15}, "country"),
    ({"investment_jpy": "nan", "co2_t_per_year": 5, "life_years": 15, "country": "VN"}, "investment_jpy"),
])
def test_bad_or_missing_numbers_get_400_naming_the_field(client, headers, args, field):
    response = screen(client, headers, **args)
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == field


def test_rules_are_data_with_an_effective_date(client, headers, db):
    from datetime import date
    from matchapp.models import JcmRule
    db.session.add(JcmRule(effective_from=date(2023, 4, 1), technology="general", country=None,
                           threshold_jpy_per_t=3500, max_rate=0.4, max_subsidy_jpy=2_000_000_000, min_payback_years=3))
    db.session.commit()
    body = screen(client, headers, investment_jpy=100_000_000, co2_t_per_year=1000, life_years=15, country="VN").get_json()
    assert body["threshold_jpy_per_t"] == 3500 and body["subsidy_rate_max"] == 0.4
    assert body["rule_effective_from"] == "2023-04-01"


def test_screening_page_for_coordinators(client, auth, users):
    auth.login("coordinator@example.com")
    page = client.get("/workspace/jcm", query_string={"investment_jpy": "120,000,000", "co2_t_per_year": "1000",
                                                     "life_years": "15", "country": "KH"}).get_data(as_text=True)
    assert "Passes the screening" in page and "60,000,000 JPY" in page
    response = client.get("/workspace/jcm", query_string={"investment_jpy": "abc", "co2_t_per_year": "1",
                                                         "life_years": "1", "country": "KH"})
    assert response.status_code == 400 and "investment_jpy" in response.get_data(as_text=True)
