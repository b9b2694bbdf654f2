"""Introductions: who may do what in which state, history, expiry, threads, meetings and calendars."""
import re
from datetime import timedelta

import icalendar
import pytest
from sqlalchemy import func, select

from matchapp.models import Introduction, Meeting, Notification
from matchapp.models.base import utcnow

from . import factories


@pytest.fixture
def pair(db, users):
    """An open need of city X and a published technology of company A, plus outsiders."""
    need = factories.need(users["city"].city, ref="ip-solar")
    tech = factories.technology(users["company"].company, ref="rooftop-pv")
    rival = factories.company(ref="rival", name="Rival")
    factories.user("b@rival.example", "company", company=rival)
    return need, tech


def request(client, need="ip-solar", tech="rooftop-pv", message="Can we talk?"):
    return client.post("/introductions", data={"need": need, "technology": tech, "message": message})


def intro(db):
    return db.session.scalar(select(Introduction))


def test_city_requests_and_company_accepts(client, auth, db, pair):
    auth.login("city@example.com")
    response = request(client)
    assert response.status_code == 303
    introduction = intro(db)
    assert (introduction.state, introduction.requester_side) == ("requested", "city")
    assert introduction.expires_at is not None
    assert 'aria-label="1 unread"' not in client.get("/dashboard").get_data(as_text=True)
    auth.logout()
    auth.login("firm@example.com")
    assert 'aria-label="1 unread">1</span>' in client.get("/dashboard").get_data(as_text=True)  # menu badge
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "asks for an introduction" in inbox
    client.post("/inbox/read")
    assert 'unread"' not in client.get("/dashboard").get_data(as_text=True)
    assert client.post(f"/introductions/{introduction.id}/accept").status_code == 303
    introduction = intro(db)
    assert introduction.state == "accepted"
    assert [(e.action, e.state) for e in introduction.history] == [("request", "requested"), ("accept", "accepted")]
    assert introduction.history[1].by.email == "firm@example.com"


@pytest.mark.parametrize("actor, action", [
    ("city@example.com", "accept"),   # the requester cannot accept its own request
    ("firm@example.com", "withdraw"), # only the requester withdraws
    ("firm@example.com", "met"),      # not before a meeting
])
def test_actions_not_allowed_for_this_side_or_state_are_refused(client, auth, db, pair, actor, action):
    auth.login("city@example.com")
    request(client)
    auth.logout()
    auth.login(actor)
    response = client.post(f"/introductions/{intro(db).id}/{action}")
    assert response.status_code == 409
    assert intro(db).state == "requested"


def test_a_third_organisation_sees_nothing(client, auth, db, pair):
    auth.login("city@example.com")
    request(client)
    introduction = intro(db)
    client.post(f"/introductions/{introduction.id}/messages", data={"body": "Our budget is 2 M USD"})
    auth.logout()
    auth.login("b@rival.example")
    for url in (f"/introductions/{introduction.id}", f"/introductions/{introduction.id}/messages/1/attachment"):
        assert client.get(url).status_code == 404
    assert client.post(f"/introductions/{introduction.id}/accept").status_code == 404
    assert "Our budget" not in client.get("/introductions").get_data(as_text=True)


def test_coordinator_proposals_need_both_sides(client, auth, db, pair):
    auth.login("coordinator@example.com")
    request(client)
    auth.logout()
    auth.login("city@example.com")
    client.post(f"/introductions/{intro(db).id}/accept")
    assert (intro(db).state, intro(db).city_accepted) == ("requested", True)
    assert client.post(f"/introductions/{intro(db).id}/accept").status_code == 409  # not twice
    auth.logout()
    auth.login("firm@example.com")
    client.post(f"/introductions/{intro(db).id}/accept")
    assert intro(db).state == "accepted"


def test_unanswered_requests_are_reminded_then_expire_and_can_be_renewed_once(client, auth, db, runner, pair):
    auth.login("city@example.com")
    request(client)
    introduction = intro(db)
    introduction.expires_at = utcnow() + timedelta(days=2)
    db.session.commit()
    assert "Reminded 1" in runner.invoke(args=["housekeeping"]).output
    firm = users_notifications(db, "firm@example.com")
    assert "intro_reminder" in firm
    introduction = intro(db)
    introduction.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert "expired 1" in runner.invoke(args=["housekeeping"]).output
    assert intro(db).state == "expired"
    page = client.get(f"/introductions/{introduction.id}").get_data(as_text=True)
    assert "Renew the request" in page
    assert client.post(f"/introductions/{introduction.id}/renew").status_code == 303
    assert intro(db).state == "requested" and intro(db).renewed
    introduction = intro(db)
    introduction.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.post(f"/introductions/{introduction.id}/renew").status_code == 409  # expired again, renewed once


def users_notifications(db, email):
    from matchapp.models import User
    user = db.session.scalar(select(User).where(User.email == email))
    return [n.kind for n in db.session.scalars(select(Notification).where(Notification.user_id == user.id))]


def test_thread_with_attachment_limits(client, auth, db, pair):
    import io
    auth.login("city@example.com")
    request(client)
    introduction = intro(db)
    ok = client.post(f"/introductions/{introduction.id}/messages", content_type="multipart/form-data",
                     data={"body": "Site plan attached", "attachment": (io.BytesIO(b"%PDF-1.4 plan"), "plan.pdf")})
    assert ok.status_code == 303
    wrong_type = client.post(f"/introductions/{introduction.id}/messages", content_type="multipart/form-data",
                             data={"body": "x", "attachment": (io.BytesIO(b"MZ"), "tool.exe")})
    assert wrong_type.status_code == 400
    too_big = client.post(f"/introductions/{introduction.id}/messages", content_type="multipart/form-data",
                          data={"body": "x", "attachment": (io.BytesIO(b"0" * (2 * 1024 * 1024 + 1)), "big.pdf")})
    assert too_big.status_code == 400
    auth.logout()
    auth.login("firm@example.com")
    page = client.get(f"/introductions/{introduction.id}").get_data(as_text=True)
    assert "Site plan attached" in page and "plan.pdf" in page
    message_id = re.search(r"/messages/(\d+)/attachment", page).group(1)
    download = client.get(f"/introductions/{introduction.id}/messages/{message_id}/attachment")
    assert download.data == b"%PDF-1.4 plan" and "attachment" in download.headers["Content-Disposition"]


def accepted(client, auth, db):
    auth.login("city@example.com")
    request(client)
    auth.logout()
    auth.login("firm@example.com")
    client.post(f"/introductions/{intro(db).id}/accept")
    return intro(db)


def test_meeting_times_are_shown_in_both_time_zones_and_exported(client, auth, db, pair, users):
    users["city"].timezone = "Asia/Ho_Chi_Minh"
    db.session.commit()
    introduction = accepted(client, auth, db)
    # The company (Asia/Tokyo) proposes 10:00 and 14:00 Tokyo time.
    client.post(f"/introductions/{introduction.id}/meetings", data={
        "option1": "2031-03-04T10:00", "option2": "2031-03-04T14:00", "duration": "45", "mode": "online",
        "url": "https://meet.example/hai-phong"})
    meeting = db.session.scalar(select(Meeting))
    assert [o.starts_at.strftime("%H:%M") for o in meeting.options] == ["01:00", "05:00"]  # stored in UTC
    auth.logout()
    auth.login("city@example.com")
    page = client.get(f"/introductions/{introduction.id}").get_data(as_text=True)
    assert "Mar 4, 2031, 8:00\u202fAM (Asia/Ho_Chi_Minh) / Mar 4, 2031, 10:00\u202fAM (Asia/Tokyo)" in page
    client.post(f"/meetings/{meeting.id}/confirm", data={"option": meeting.options[0].id})
    assert intro(db).state == "meeting_scheduled"
    ics = client.get(f"/meetings/{meeting.id}.ics")
    assert ics.mimetype == "text/calendar"
    body = ics.get_data(as_text=True)
    assert "DTSTART:20310304T010000Z" in body and "DTEND:20310304T014500Z" in body
    [event] = icalendar.Calendar.from_ical(ics.data).walk("VEVENT")
    assert str(event["CONFERENCE"]) == "https://meet.example/hai-phong"  # the link in its own property
    assert ics.headers["Content-Type"].count("charset") == 1
    # a bare CR stored in the place (written before single-line fields were checked) stays inside its line
    meeting.mode, meeting.place = "in_person", "Hall A\rRoom 3; 2F, east"
    db.session.commit()
    body = client.get(f"/meetings/{meeting.id}.ics").get_data(as_text=True)
    assert "LOCATION:Hall A\\nRoom 3\\; 2F\\, east\r\n" in body
    assert "\r" not in body.replace("\r\n", "")  # no line break but the CRLF that ends each line


def visible_text(page: str) -> str:
    return re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S))


@pytest.mark.parametrize("language, one_day, other_days", [
    ("en", r"[A-Z][a-z]{2} \d{1,2}, \d{4}", [r"\d{4}[-/]\d{2}[-/]\d{2}", r"\b\d{1,2}/\d{1,2}/\d{2}\b"]),
    ("ja", r"\d{4}/\d{2}/\d{2}", [r"\d{4}-\d{2}-\d{2}", r"\b\d{1,2}/\d{1,2}/\d{2}\b", r"\d{4}年"]),
])
def test_an_introduction_page_writes_every_day_and_time_one_way(client, auth, db, pair, users, language, one_day,
                                                                  other_days):
    """History, messages, answer-by day and meeting times: one pattern per locale, not three."""
    users["city"].timezone = "Asia/Ho_Chi_Minh"
    db.session.commit()
    introduction = accepted(client, auth, db)
    client.post(f"/introductions/{introduction.id}/messages", data={"body": "Shall we meet in March?"})
    client.post(f"/introductions/{introduction.id}/meetings", data={
        "option1": "2031-03-04T10:00", "duration": "45", "mode": "online", "url": "https://meet.example/a"})
    client.post("/language", data={"language": language, "next": "/"})
    text = visible_text(client.get(f"/introductions/{introduction.id}").get_data(as_text=True))
    days = re.findall(one_day, text)
    assert len(days) >= 4, text  # two history lines, the message, the meeting time in two zones
    for other in other_days:
        assert not re.search(other, text), (other, re.search(other, text))


def test_the_proposer_cannot_pick_and_a_time_is_picked_once(client, auth, db, pair):
    introduction = accepted(client, auth, db)
    client.post(f"/introductions/{introduction.id}/meetings", data={
        "option1": "2031-03-04T10:00", "duration": "60", "mode": "in_person", "place": "Hai Phong City Hall"})
    meeting = db.session.scalar(select(Meeting))
    assert client.post(f"/meetings/{meeting.id}/confirm", data={"option": meeting.options[0].id}).status_code == 409
    auth.logout()
    auth.login("city@example.com")
    assert client.post(f"/meetings/{meeting.id}/confirm", data={"option": meeting.options[0].id}).status_code == 303
    assert client.post(f"/meetings/{meeting.id}/confirm", data={"option": meeting.options[0].id}).status_code == 409


@pytest.mark.parametrize("data, message", [
    ({"option1": "2001-01-01T10:00", "mode": "online", "url": "https://x.example"}, "must be in the future"),
    ({"option1": "2031-01-01T10:00", "mode": "online", "url": "ftp://x"}, "Give the meeting link"),
    ({"option1": "2031-01-01T10:00", "mode": "in_person", "place": ""}, "Give the meeting place"),
    ({"option1": "not a date", "mode": "online", "url": "https://x.example"}, "Not a valid datetime value"),
    ({"option1": "9999-12-31T23:30", "mode": "online", "url": "https://x.example"}, "Choose a date between 1900 and 2100"),
    ({"option1": "0001-01-01T00:30", "mode": "online", "url": "https://x.example"}, "Choose a date between 1900 and 2100"),
])
def test_bad_meeting_proposals_are_explained(client, auth, db, pair, data, message):
    introduction = accepted(client, auth, db)
    response = client.post(f"/introductions/{introduction.id}/meetings", data=dict({"duration": "60"}, **data),
                           follow_redirects=False)
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 0
    page = response.get_data(as_text=True)  # the refusal itself says why: not a bare "Redirecting..."
    assert message in page, re.findall(r"class=\"flash [^\"]*\">[^<]*", page)
    assert "Redirecting" not in page and f'href="/introductions/{introduction.id}"' in page


def test_no_organisation_is_double_booked(client, auth, db, pair, users):
    introduction = accepted(client, auth, db)
    other_need = factories.need(users["city"].city, ref="second-need", title="Second need")
    auth.logout()
    auth.login("city@example.com")
    request(client, need="second-need")
    second = db.session.scalar(select(Introduction).where(Introduction.need_id == other_need.id))
    auth.logout()
    auth.login("firm@example.com")
    client.post(f"/introductions/{second.id}/accept")
    for target in (introduction, second):
        client.post(f"/introductions/{target.id}/meetings", data={
            "option1": "2031-05-05T10:00", "duration": "60", "mode": "online", "url": "https://m.example"})
    first_meeting, second_meeting = db.session.scalars(select(Meeting).order_by(Meeting.id)).all()
    auth.logout()
    auth.login("city@example.com")
    assert client.post(f"/meetings/{first_meeting.id}/confirm", data={"option": first_meeting.options[0].id}).status_code == 303
    response = client.post(f"/meetings/{second_meeting.id}/confirm", data={"option": second_meeting.options[0].id})
    assert response.status_code == 409
    assert db.session.get(Meeting, second_meeting.id).state == "proposed"


def test_private_calendar_feed_is_revocable(client, auth, db, pair, users):
    introduction = accepted(client, auth, db)
    client.post(f"/introductions/{introduction.id}/meetings", data={
        "option1": "2031-03-04T10:00", "duration": "60", "mode": "online", "url": "https://meet.example/x"})
    meeting = db.session.scalar(select(Meeting))
    auth.logout()
    auth.login("city@example.com")
    client.post(f"/meetings/{meeting.id}/confirm", data={"option": meeting.options[0].id})
    client.post("/account/calendar")
    token = db.session.get(type(users["city"]), users["city"].id).calendar_token
    feed = client.get(f"/calendar/{token}.ics")
    assert feed.status_code == 200 and "BEGIN:VEVENT" in feed.get_data(as_text=True)
    client.post("/account/calendar/revoke")
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_the_api_follows_the_contract(client, db, pair):
    def token(email):
        body = client.post("/api/v1/tokens", json={"email": email, "password": factories.PASSWORD}).get_json()
        return {"Authorization": f"Bearer {body['token']}"}

    city, firm, rival = token("city@example.com"), token("firm@example.com"), token("b@rival.example")
    created = client.post("/api/v1/introductions", headers=city,
                          json={"need": "ip-solar", "technology": "rooftop-pv", "message": "Hello"})
    assert created.status_code == 201
    body = created.get_json()
    assert body["state"] == "requested" and body["need"] == "ip-solar" and body["technology"] == "rooftop-pv"
    number = body["id"]
    assert client.post("/api/v1/introductions", headers=city,
                       json={"need": "ip-solar", "technology": "rooftop-pv"}).status_code == 409
    assert client.post(f"/api/v1/introductions/{number}/accept", headers=city).status_code == 409
    assert client.get(f"/api/v1/introductions/{number}", headers=rival).status_code == 404
    assert client.post(f"/api/v1/introductions/{number}/accept", headers=rival).status_code == 404
    accepted_body = client.post(f"/api/v1/introductions/{number}/accept", headers=firm)
    assert accepted_body.status_code == 200 and accepted_body.get_json()["state"] == "accepted"
    history = client.get(f"/api/v1/introductions/{number}", headers=city).get_json()["history"]
    assert [h["state"] for h in history] == ["requested", "accepted"]
    assert history[1]["by"] == "firm@example.com" and history[1]["at"]
    assert client.post(f"/api/v1/introductions/{number}/decline", headers=firm).status_code == 409
    assert client.post("/api/v1/introductions", headers=city, json={"need": 3}).status_code == 400


def test_declining_with_a_reason_records_it(client, auth, db, pair):
    auth.login("city@example.com")
    request(client)
    auth.logout()
    auth.login("firm@example.com")
    client.post(f"/introductions/{intro(db).id}/decline", data={"note": "Not our market yet"})
    introduction = intro(db)
    assert introduction.state == "declined" and introduction.history[-1].note == "Not our market yet"
    auth.logout()
    auth.login("city@example.com")
    assert "Not our market yet" in client.get(f"/introductions/{introduction.id}").get_data(as_text=True)


def badge(client) -> int:
    """The number on the menu's inbox badge (0 when there is none)."""
    found = re.search(r'aria-label="\d+ unread">(\d+)</span>', client.get("/dashboard").get_data(as_text=True))
    return int(found.group(1)) if found else 0


def inbox_links(client) -> list[tuple[str, str, bool]]:
    """The inbox entries top to bottom: (link, text, shown as new)."""
    page = client.get("/inbox").get_data(as_text=True)
    return [(href, text.strip(), "tag new" in before)
            for before, href, text in re.findall(r'<li class="[^"]*">(.*?)<a href="(/inbox/\d+)">([^<]+)</a>', page, re.DOTALL)]


@pytest.fixture
def two_requests(db, users, pair):
    """Two requests from the city to the company, so the company has two unread inbox entries."""
    from matchapp.introductions import services
    second = factories.need(users["city"].city, ref="ip-storage", title="Battery storage for the park")
    first = services.request_introduction(users["city"], pair[0], pair[1], "Can we talk?")
    other = services.request_introduction(users["city"], second, pair[1], "And about storage?")
    db.session.commit()
    return first, other


def test_opening_an_inbox_entry_marks_it_read_and_the_badge_drops(client, auth, db, two_requests):
    first, second = two_requests
    auth.login("firm@example.com")
    assert badge(client) == 2
    entries = inbox_links(client)
    assert [new for _link, _text, new in entries] == [True, True]
    newest_link, newest_text, _new = entries[0]
    assert "Battery storage for the park" in newest_text  # newest first

    opened = client.get(newest_link)
    assert opened.status_code == 303 and opened.headers["Location"] == f"/introductions/{second.id}"
    page = client.get(opened.headers["Location"]).get_data(as_text=True)
    assert 'aria-label="1 unread">1</span>' in page  # on the page it leads to, the badge already says 1
    assert badge(client) == 1
    assert [new for _link, _text, new in inbox_links(client)] == [False, True]

    # The other one is opened from its e-mail's link, straight to the introduction: read too.
    client.get(f"/introductions/{first.id}")
    assert badge(client) == 0 and [new for *_rest, new in inbox_links(client)] == [False, False]


def test_an_inbox_entry_of_somebody_else_or_with_a_foreign_link_goes_nowhere(client, auth, db, users, two_requests):
    auth.login("firm@example.com")
    mine = db.session.scalars(select(Notification).where(Notification.user_id == users["company"].id)).all()
    theirs = Notification(user_id=users["city"].id, kind="digest", params={"count": 2}, link="/dashboard")
    db.session.add(theirs)
    db.session.commit()
    assert client.get(f"/inbox/{theirs.id}").status_code == 404
    assert client.get("/inbox/999999").status_code == 404
    assert db.session.get(Notification, theirs.id).read_at is None
    for link in ("//evil.example/x", "/\\evil.example", "https://evil.example/", "/\t/evil.example", "javascript:alert(1)"):
        mine[0].link, mine[0].read_at = link, None
        db.session.commit()
        response = client.get(f"/inbox/{mine[0].id}")
        assert (response.status_code, response.headers["Location"]) == (303, "/inbox"), link
        assert db.session.get(Notification, mine[0].id).read_at is not None


def test_senders_are_named_by_person_and_organisation_never_by_address(client, auth, db, users, pair):
    users["city"].name = "Nguyen Van An"
    users["company"].name = "Tanaka  Hiroshi"
    db.session.commit()
    auth.login("city@example.com")
    request(client)
    introduction = intro(db)
    auth.logout()

    auth.login("firm@example.com")
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "Nguyen Van An (Hai Phong) asks for an introduction" in inbox and "city@example.com" not in inbox
    client.post(f"/introductions/{introduction.id}/accept")
    client.post(f"/introductions/{introduction.id}/messages", data={"body": "Our engineers can visit in May."})
    page = client.get(f"/introductions/{introduction.id}").get_data(as_text=True)
    assert "Tanaka Hiroshi (Kanmon Solar)" in page and "Nguyen Van An (Hai Phong)" in page  # history and thread
    auth.logout()

    auth.login("city@example.com")
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "New message from Tanaka Hiroshi (Kanmon Solar) about" in inbox
    assert "Introduction accepted" in inbox and "firm@example.com" not in inbox
    page = client.get(f"/introductions/{introduction.id}").get_data(as_text=True)
    assert "Tanaka Hiroshi (Kanmon Solar) ·" in page and "firm@example.com" not in page
    client.post("/language", data={"language": "ja"})  # each reader sees the organisation in their language
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "Tanaka Hiroshi（関門ソーラー）から新しいメッセージ" in inbox and "Kanmon Solar" not in inbox


def test_a_sender_without_a_name_is_named_by_organisation_or_role(client, auth, db, users, pair):
    from matchapp.introductions import services
    introduction = services.request_introduction(users["coordinator"], pair[0], pair[1], "Please meet")
    db.session.commit()
    # An entry stored before senders were kept by id carries the address: it is shown as a name.
    db.session.add(Notification(user_id=users["company"].id, kind="message", link=f"/introductions/{introduction.id}",
                                params={"need": "N", "technology": "T", "who": "city@example.com"}))
    db.session.commit()
    auth.login("firm@example.com")
    client.post(f"/introductions/{introduction.id}/messages", data={"body": "Happy to meet."})
    auth.logout()
    auth.login("city@example.com")
    page = client.get(f"/introductions/{introduction.id}").get_data(as_text=True)
    shown = page.split("</header>")[1]
    assert "Kanmon Solar ·" in shown and "→ Requested · Coordinator" in shown and "@example.com" not in shown
    auth.logout()
    auth.login("firm@example.com")
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "New message from Hai Phong about N ↔ T" in inbox and "city@example.com" not in inbox
