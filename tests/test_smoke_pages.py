"""Pages a visitor meets first render in the product layout."""


def test_home_page_shows_platform_figures(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert b"MatchApp" in response.data
    assert b"technologies" in response.data
