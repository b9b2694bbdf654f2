"""Pages by role, error pages in the product design, and JSON errors under /api."""
import pytest

from matchapp import demo


def test_home_page_shows_the_platform_figures(client, db):
    demo.load()
    page = client.get("/").get_data(as_text=True)
    assert "Business matching for city-to-city climate cooperation" in page
    assert "<strong>43</strong> technologies" in page


def test_city_dashboard_lists_the_citys_needs(client, auth, db, users):
    from .factories import need
    need(users["city"].city, title="Methane from the landfill")
    auth.login("city@example.com")
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Your needs" in page and "Methane from the landfill" in page


def test_company_dashboard_without_listings_says_what_to_do(client, auth, users):
    auth.login("firm@example.com")
    page = client.get("/dashboard").get_data(as_text=True)
    assert "You have not listed a technology yet." in page


@pytest.mark.parametrize("role, status", [
    ("company", 403), ("city", 403), ("coordinator", 200), ("admin", 200),
])
def test_only_staff_see_the_organisation_overview(client, auth, users, role, status):
    auth.login(users[role].email)
    assert client.get("/organisations").status_code == status


def test_anonymous_visitors_are_sent_to_login(client, db):
    response = client.get("/organisations")
    assert response.status_code == 302
    assert "/account/login?next=" in response.headers["Location"]


def test_navigation_depends_on_role(client, auth, users):
    auth.login("coordinator@example.com")
    assert 'href="/organisations"' in client.get("/dashboard").get_data(as_text=True)
    auth.logout()
    auth.login("firm@example.com")
    assert 'href="/organisations"' not in client.get("/dashboard").get_data(as_text=True)


def test_unknown_page_gets_the_designed_404(client, db):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "We could not find that page." in page and "Back to the start page" in page


def test_forbidden_page_is_designed_too(client, auth, users):
    auth.login("firm@example.com")
    page = client.get("/organisations").get_data(as_text=True)
    assert "You do not have permission to see this page." in page


def test_api_paths_answer_errors_as_json(client, db):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json() == {"error": {"code": "not_found", "message": "We could not find that page."}}


def test_server_errors_show_the_designed_500_page_and_roll_back(app_config, db):
    from matchapp import create_app
    app = create_app(dict(app_config, TESTING=False))

    @app.route("/boom")
    def boom():
        raise RuntimeError("kaboom")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong on our side." in page and "kaboom" not in page


def test_language_switch_changes_the_interface(client, db):
    client.post("/language", data={"language": "ja", "next": "/"})
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="ja">' in page
    assert "都市間連携" in page


def test_language_switch_is_remembered_on_the_profile(client, auth, db, users):
    auth.login("firm@example.com")
    client.post("/language", data={"language": "ja", "next": "/dashboard"})
    assert users["company"].language == "ja"


def test_browser_language_is_used_for_visitors(client, db):
    page = client.get("/", headers={"Accept-Language": "ja,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="ja">' in page
