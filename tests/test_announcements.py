"""Announcements reach the organisations they target, on the dashboard and in the inbox."""
from . import factories


def test_announcements_are_targeted_by_sector_and_country(client, auth, db, users):
    factories.technology(users["company"].company, sectors=("renewable_energy",), countries=("VN",))
    factories.need(users["city"].city, sectors=("waste",))
    auth.login("coordinator@example.com")
    response = client.post("/workspace/announcements", data={
        "kind": "subsidy", "title": "JCM subsidy round FY2027", "body": "Applications open in April.",
        "sectors": ["renewable_energy"], "countries": ["VN"]})
    assert response.status_code == 303
    assert client.post("/workspace/announcements", data={"kind": "news", "title": ""}).status_code == 400
    auth.logout()
    auth.login("firm@example.com")  # solar in Viet Nam: concerned
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "JCM subsidy round FY2027" in dashboard and "Applications open in April." in dashboard
    assert "Announcement: JCM subsidy round FY2027" in client.get("/inbox").get_data(as_text=True)
    auth.logout()
    auth.login("city@example.com")  # a waste need: not concerned
    assert "JCM subsidy round FY2027" not in client.get("/dashboard").get_data(as_text=True)


def test_only_coordinators_post(client, auth, users):
    auth.login("firm@example.com")
    assert client.post("/workspace/announcements", data={"kind": "news", "title": "Spam"}).status_code == 403
