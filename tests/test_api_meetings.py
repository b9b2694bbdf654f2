"""Meetings through the API: propose, list, confirm, fetch the .ics, reschedule and cancel, with
bodies checked against the published schema and refusals that name the field."""
import icalendar
import pytest

from matchapp.extensions import db
from matchapp.introductions import services
from matchapp.models import Meeting

from . import factories
from .test_api import check_schema


@pytest.fixture
def tokens(client, users):
    def token(email):
        body = client.post("/api/v1/tokens", json={"email": email, "password": factories.PASSWORD}).get_json()
        return {"Authorization": f"Bearer {body['token']}"}
    return token


@pytest.fixture
def introduction(users):
    need = factories.need(users["city"].city)
    technology = factories.technology(users["company"].company)
    introduction = services.request_introduction(users["company"], need, technology)
    services.act(users["city"], introduction, "accept")
    db.session.commit()
    return introduction


PROPOSAL = {"starts": ["2031-03-04T10:00:00+09:00", "2031-03-05T14:00:00+09:00"], "mode": "online",
            "url": "https://meet.example/api", "duration_minutes": 45}


def test_the_meeting_flow_through_the_api(client, tokens, introduction):
    firm, city = tokens("firm@example.com"), tokens("city@example.com")
    openapi = client.get("/api/v1/openapi.json").get_json()
    created = client.post(f"/api/v1/introductions/{introduction.id}/meetings", headers=firm, json=PROPOSAL)
    assert created.status_code == 201, created.get_json()
    meeting = created.get_json()
    check_schema(openapi, "Meeting", meeting)
    assert (meeting["state"], meeting["starts_at"], meeting["duration_minutes"]) == ("proposed", None, 45)
    assert [o["starts_at"] for o in meeting["options"]] == ["2031-03-04T01:00:00+00:00", "2031-03-05T05:00:00+00:00"]

    listed = client.get("/api/v1/meetings", headers=city).get_json()
    check_schema(openapi, "MeetingList", listed)
    assert [m["id"] for m in listed] == [meeting["id"]]
    assert client.get(f"/api/v1/meetings/{meeting['id']}.ics", headers=city).status_code == 404  # no time yet

    # the proposer cannot pick; the other side can
    option = meeting["options"][1]["id"]
    refused = client.post(f"/api/v1/meetings/{meeting['id']}/confirm", headers=firm, json={"option": option})
    assert refused.status_code == 409 and refused.get_json()["error"]["message"] == "The other side picks the time."
    confirmed = client.post(f"/api/v1/meetings/{meeting['id']}/confirm", headers=city, json={"option": option})
    assert confirmed.status_code == 200
    assert (confirmed.get_json()["state"], confirmed.get_json()["starts_at"]) == ("confirmed", "2031-03-05T05:00:00+00:00")

    ics = client.get(f"/api/v1/meetings/{meeting['id']}.ics", headers=firm)
    assert ics.headers["Content-Type"] == "text/calendar; charset=utf-8"
    [event] = icalendar.Calendar.from_ical(ics.data).walk("VEVENT")
    assert event["STATUS"] == "CONFIRMED" and event["SEQUENCE"] == confirmed.get_json()["sequence"]
    unchanged = client.get(f"/api/v1/meetings/{meeting['id']}.ics", headers=dict(firm, **{
        "If-None-Match": ics.headers["ETag"]}))
    assert unchanged.status_code == 304

    moved = client.post(f"/api/v1/meetings/{meeting['id']}/reschedule", headers=firm,
                        json={"starts": ["2031-03-07T09:00:00+09:00"], "mode": "in_person", "place": "Hai Phong DONRE"})
    assert moved.status_code == 200
    body = moved.get_json()
    assert (body["state"], body["starts_at"], body["mode"]) == ("proposed", "2031-03-05T05:00:00+00:00", "in_person")
    assert body["sequence"] > confirmed.get_json()["sequence"]

    cancelled = client.post(f"/api/v1/meetings/{meeting['id']}/cancel", headers=city)
    assert cancelled.status_code == 200 and cancelled.get_json()["state"] == "cancelled"
    again = client.post(f"/api/v1/meetings/{meeting['id']}/cancel", headers=city)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"
    assert client.get(f"/api/v1/introductions/{introduction.id}", headers=city).get_json()["state"] == "accepted"


@pytest.mark.parametrize("change, field", [
    ({"colour": "blue"}, "colour"),
    ({"starts": ["2031-03-04T10:00:00"]}, "starts"),        # no offset: which 10:00?
    ({"starts": "2031-03-04T10:00:00+09:00"}, "starts"),    # not a list
    ({"starts": []}, "starts"),
    ({"duration_minutes": "45"}, "duration_minutes"),
    ({"duration_minutes": True}, "duration_minutes"),
    ({"url": 7}, "url"),
])
def test_bad_proposals_get_400_naming_the_field(client, tokens, introduction, change, field):
    response = client.post(f"/api/v1/introductions/{introduction.id}/meetings", headers=tokens("firm@example.com"),
                           json=dict(PROPOSAL, **change))
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == field
    assert db.session.query(Meeting).count() == 0


def test_rule_refusals_keep_their_status(client, tokens, introduction):
    past = dict(PROPOSAL, starts=["2001-01-01T10:00:00+09:00"])
    response = client.post(f"/api/v1/introductions/{introduction.id}/meetings", headers=tokens("firm@example.com"),
                           json=past)
    assert response.status_code == 400 and "future" in response.get_json()["error"]["message"]


def test_outsiders_see_no_meeting(client, tokens, users, introduction):
    created = client.post(f"/api/v1/introductions/{introduction.id}/meetings", headers=tokens("firm@example.com"),
                          json=PROPOSAL).get_json()
    rival = factories.company(ref="rival", name="Rival")
    factories.user("b@rival.example", "company", company=rival)
    outsider = tokens("b@rival.example")
    assert client.get("/api/v1/meetings", headers=outsider).get_json() == []
    for path in (f"/api/v1/meetings/{created['id']}/cancel", f"/api/v1/meetings/{created['id']}/confirm"):
        assert client.post(path, headers=outsider, json={"option": created["options"][0]["id"]}).status_code == 404
    assert client.post(f"/api/v1/introductions/{introduction.id}/meetings", headers=outsider,
                       json=PROPOSAL).status_code == 404
    assert db.session.get(Meeting, created["id"]).state == "proposed"
