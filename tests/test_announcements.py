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


def test_each_reader_gets_the_announcement_in_their_language_and_targets_are_named(client, auth, db, users):
    users["company"].language = "ja"
    db.session.commit()
    factories.technology(users["company"].company, sectors=("renewable_energy",), countries=("VN",))
    auth.login("coordinator@example.com")
    client.post("/workspace/announcements", data={
        "kind": "call", "title": "Proposals for FY2027 open", "body": "Until 31 January.",
        "title_ja": "2027年度の提案募集", "body_ja": "1月31日まで。", "sectors": ["renewable_energy"],
        "countries": ["VN"]})
    client.post("/workspace/announcements", data={"kind": "news", "title_ja": "日本語だけのお知らせ"})
    posted = client.get("/workspace/announcements").get_data(as_text=True)
    assert "Proposals for FY2027 open" in posted and "Renewable energy, Viet Nam" in posted
    assert "日本語だけのお知らせ" in posted  # no English version: shown in Japanese
    assert "renewable_energy" not in posted.split("Posted")[-1]  # targets named, not coded
    auth.logout()
    auth.login("firm@example.com")
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "2027年度の提案募集" in dashboard and "1月31日まで。" in dashboard
    assert "Proposals for FY2027 open" not in dashboard
