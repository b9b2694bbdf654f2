"""Calendars that update: one event per meeting through confirm, reschedule and cancel, read back
with the `icalendar` parser and with khal (Debian's calendar program) as calendar apps would."""
import re
import shutil
import subprocess
from datetime import datetime, timedelta, timezone

import icalendar
import pytest
from sqlalchemy import select

from matchapp.extensions import db
from matchapp.introductions import meetings, services
from matchapp.models import Introduction, Meeting, Notification

from . import factories

START = datetime(2031, 3, 4, 1, 0, tzinfo=timezone.utc)  # 10:00 in Tokyo


@pytest.fixture
def app_config(app_config):
    return dict(app_config, PUBLIC_URL="https://matchapp.test")


@pytest.fixture
def meeting(users):
    """A confirmed online meeting between city X's need (long Japanese title) and company A's technology."""
    need = factories.need(users["city"].city, ref="ip-waste",
                          title="ハイフォン市の工業団地における廃棄物発電と熱供給の導入可能性調査（第二期）")
    technology = factories.technology(users["company"].company, ref="wte", title="高効率ごみ焼却発電システム, 熱回収付き")
    introduction = services.request_introduction(users["company"], need, technology)
    services.act(users["city"], introduction, "accept")
    proposed = meetings.propose(users["company"], introduction, [START, START + timedelta(hours=4)], "online",
                                url="https://meet.example/hai-phong")
    db.session.flush()
    meetings.confirm(users["city"], proposed, proposed.options[0].id)
    db.session.commit()
    return proposed


def feed_of(client, user) -> tuple[str, str]:
    """The user's private feed address (made on their profile) and its token."""
    user.calendar_token = f"feed-token-{user.id:04d}-0123456789abcdef"
    db.session.commit()
    return f"/calendar/{user.calendar_token}.ics", user.calendar_token


def events(response) -> list:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.data).walk("VEVENT")


def test_a_confirmed_meeting_is_a_full_event_in_a_feed_that_polls_cheaply(client, users, meeting):
    path, _token = feed_of(client, users["city"])
    response = client.get(path)
    calendar = icalendar.Calendar.from_ical(response.data)
    assert str(calendar["X-WR-CALNAME"]) == "MatchApp meetings"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in response.data
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"meeting-{meeting.id}@matchapp.test"  # PUBLIC_URL's host
    assert event["STATUS"] == "CONFIRMED"
    assert event.decoded("DTSTART") == START and event.decoded("DTEND") == START + timedelta(minutes=60)
    assert str(event["SUMMARY"]) == ("MatchApp: ハイフォン市の工業団地における廃棄物発電と熱供給の導入可能性調査（第二期）"
                                     " / 高効率ごみ焼却発電システム, 熱回収付き")
    assert str(event["URL"]) == f"https://matchapp.test/introductions/{meeting.introduction_id}"
    assert str(event["CONFERENCE"]) == "https://meet.example/hai-phong"
    assert str(event["LOCATION"]) == "Online"
    assert str(event["ORGANIZER"]) == "mailto:firm@example.com"
    attendees = sorted(str(a) for a in event["ATTENDEE"])
    assert attendees == ["mailto:city@example.com", "mailto:firm@example.com"]
    # RFC 5545: no line over 75 octets (the Japanese title is folded), commas escaped
    assert max(len(line) for line in response.data.split(b"\r\n")) <= 75
    assert "発電システム\\, 熱" in response.data.decode().replace("\r\n ", "")
    # a poll that changed nothing costs no body
    again = client.get(path, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    since = client.get(path, headers={"If-Modified-Since": response.headers["Last-Modified"]})
    assert since.status_code == 304
    # and says the same thing again: DTSTAMP moves only when the meeting does
    assert client.get(path).data == response.data


def test_reschedule_then_confirm_then_cancel_is_one_event_whose_revision_rises(client, auth, users, meeting):
    path, _token = feed_of(client, users["company"])
    [first] = events(client.get(path))
    etag = client.get(path).headers["ETag"]
    auth.login("city@example.com")
    page = client.get(f"/introductions/{meeting.introduction_id}").get_data(as_text=True)
    assert "Propose other times" in page and "Cancel this meeting" in page
    # the cancel button sits behind a first step that says what cancelling does
    assert re.search(r'<details class="cancel">\s*<summary>Cancel this meeting</summary>.*?'
                     r'The other side is told.*?Yes, cancel the meeting</button>', page, re.DOTALL)
    later = "2031-03-06T15:00"  # in the city user's own zone, Asia/Tokyo
    response = client.post(f"/meetings/{meeting.id}/reschedule", data={
        f"m{meeting.id}-csrf_token": client.csrf_token(), f"m{meeting.id}-option1": later,
        f"m{meeting.id}-duration": "30", f"m{meeting.id}-mode": "online",
        f"m{meeting.id}-url": "https://meet.example/new"}, follow_redirects=True)
    assert "New times proposed" in response.get_data(as_text=True)
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 200  # changed: a new body

    [held] = events(client.get(path))
    assert held["UID"] == first["UID"]
    assert held["STATUS"] == "TENTATIVE" and held.decoded("DTSTART") == START  # the old time holds meanwhile
    assert held["SEQUENCE"] > first["SEQUENCE"] and held.decoded("LAST-MODIFIED") >= first.decoded("LAST-MODIFIED")
    auth.logout()

    auth.login("firm@example.com")
    assert "proposes new times" in client.get("/inbox").get_data(as_text=True)
    option = db.session.scalar(select(Meeting)).options[0]
    client.post(f"/meetings/{meeting.id}/confirm", data={"option": option.id})
    [moved] = events(client.get(path))
    assert moved["UID"] == first["UID"] and moved["STATUS"] == "CONFIRMED"
    assert moved.decoded("DTSTART") == datetime(2031, 3, 6, 6, 0, tzinfo=timezone.utc)  # 15:00 Tokyo
    assert moved.decoded("DTEND") - moved.decoded("DTSTART") == timedelta(minutes=30)
    assert str(moved["CONFERENCE"]) == "https://meet.example/new"
    assert moved["SEQUENCE"] > held["SEQUENCE"]

    response = client.post(f"/meetings/{meeting.id}/cancel", follow_redirects=True)
    assert "Meeting cancelled" in response.get_data(as_text=True)
    [cancelled] = events(client.get(path))
    assert cancelled["UID"] == first["UID"] and cancelled["STATUS"] == "CANCELLED"
    assert cancelled["SEQUENCE"] > moved["SEQUENCE"]
    introduction = db.session.get(Introduction, meeting.introduction_id)
    assert introduction.state == "accepted"  # no meeting left: a new one can be proposed
    assert [e.action for e in introduction.history][-1] == "cancel_meeting"
    kinds = {n.kind for n in db.session.scalars(select(Notification).where(Notification.user_id == users["city"].id))}
    assert "meeting_cancelled" in kinds
    # a cancelled meeting does not change any more, and says so
    response = client.post(f"/meetings/{meeting.id}/cancel", follow_redirects=True)
    assert response.status_code == 409 and "This meeting is cancelled." in response.get_data(as_text=True)


def test_closing_an_introduction_cancels_its_meetings_still_to_come(client, auth, users, meeting):
    path, _token = feed_of(client, users["city"])
    auth.login("city@example.com")
    assert client.post(f"/introductions/{meeting.introduction_id}/close").status_code == 303
    [event] = events(client.get(path))
    assert event["STATUS"] == "CANCELLED" and event["SEQUENCE"] >= 2
    page = client.get(f"/introductions/{meeting.introduction_id}").get_data(as_text=True)
    assert "Cancelled" in page and "Cancel this meeting" not in page


def test_only_the_two_sides_may_change_a_meeting(client, auth, users, meeting):
    rival = factories.company(ref="rival", name="Rival")
    factories.user("b@rival.example", "company", company=rival)
    auth.login("b@rival.example")
    assert client.post(f"/meetings/{meeting.id}/cancel").status_code == 404
    assert client.get(f"/meetings/{meeting.id}.ics").status_code == 404
    assert db.session.get(Meeting, meeting.id).state == "confirmed"


def test_the_feed_speaks_its_owners_language(client, users, meeting):
    users["city"].language = "ja"
    path, _token = feed_of(client, users["city"])
    calendar = icalendar.Calendar.from_ical(client.get(path).data)
    assert str(calendar["X-WR-CALNAME"]) == "MatchApp の打ち合わせ"
    assert str(calendar.walk("VEVENT")[0]["LOCATION"]) == "オンライン"


def test_matchmaking_event_meetings_are_in_the_participants_feeds(client, auth, users):
    from matchapp.models import Event, EventMeeting, EventMeetingMember, EventParticipant, EventSlot

    event = Event(title="Kitakyushu–Hai Phong business matching 2031", held_on=START.date(), mode="in_person",
                  place="AIM Building, Kitakyushu", timezone="Asia/Tokyo", published=True)
    slot = EventSlot(starts_at=START, minutes=30, table="T3")
    event.slots.append(slot)
    city, company = EventParticipant(city=users["city"].city), EventParticipant(company=users["company"].company)
    event.participants += [city, company]
    db.session.add(event)
    db.session.flush()
    table_meeting = EventMeeting(event_id=event.id, slot_id=slot.id, reason="mutual")
    table_meeting.members = [EventMeetingMember(participant_id=p.id, starts_at=START) for p in (city, company)]
    db.session.add(table_meeting)
    db.session.commit()
    path, _token = feed_of(client, users["city"])
    [entry] = events(client.get(path))
    assert str(entry["UID"]) == f"event-meeting-{table_meeting.id}@matchapp.test"
    assert str(entry["LOCATION"]) == "AIM Building, Kitakyushu" and "T3" in str(entry["DESCRIPTION"])
    auth.login("city@example.com")
    assert "Add to calendar (.ics)" in client.get(f"/events/{event.id}/agenda").get_data(as_text=True)
    [downloaded] = events(client.get(f"/events/{event.id}/agenda.ics"))
    assert downloaded["UID"] == entry["UID"] and downloaded.decoded("DTSTART") == START
    auth.logout()
    outsider = factories.company(ref="outsider", name="Outsider")
    factories.user("o@outsider.example", "company", company=outsider)
    other_path, _ = feed_of(client, db.session.scalar(select(type(users["city"])).where(
        type(users["city"]).email == "o@outsider.example")))
    assert events(client.get(other_path)) == []
    auth.login("o@outsider.example")
    assert client.get(f"/events/{event.id}/agenda.ics").status_code == 404


KHAL_CONFIG = """[calendars]
[[matchapp]]
path = {calendar}
[locale]
timeformat = %H:%M
dateformat = %Y-%m-%d
longdateformat = %Y-%m-%d
datetimeformat = %Y-%m-%d %H:%M
longdatetimeformat = %Y-%m-%d %H:%M
local_timezone = Asia/Tokyo
default_timezone = Asia/Tokyo
[sqlite]
path = {db}
"""


def khal_events(home, ics: bytes) -> list[str]:
    """What khal lists after importing the file into its calendar (as a calendar app updates)."""
    (home / "in.ics").write_bytes(ics)
    subprocess.run(["khal", "-c", str(home / "config"), "import", "--batch", "-a", "matchapp", str(home / "in.ics")],
                   check=True, capture_output=True, timeout=60)
    listed = subprocess.run(["khal", "-c", str(home / "config"), "list", "--format", "{status}{title} {start}",
                             "2031-03-01", "30d"], check=True, capture_output=True, text=True, timeout=60)
    return [line for line in listed.stdout.splitlines() if "MatchApp" in line]


def test_khal_keeps_one_event_through_reschedule_and_shows_the_cancellation(client, auth, users, meeting, tmp_path):
    assert shutil.which("khal"), "khal is missing: apt-get install khal (.ci/run installs it)"
    (tmp_path / "cal").mkdir()
    (tmp_path / "config").write_text(KHAL_CONFIG.format(calendar=tmp_path / "cal", db=tmp_path / "khal.db"))
    path, _token = feed_of(client, users["city"])

    title = f"MatchApp: {meeting.introduction.need.title} / {meeting.introduction.technology.title}"
    assert khal_events(tmp_path, client.get(path).data) == [f"CONFIRMED {title} 2031-03-04 10:00"]
    auth.login("city@example.com")
    client.post(f"/meetings/{meeting.id}/reschedule", data={
        f"m{meeting.id}-csrf_token": client.csrf_token(), f"m{meeting.id}-option1": "2031-03-06T15:00",
        f"m{meeting.id}-duration": "60", f"m{meeting.id}-mode": "online", f"m{meeting.id}-url": "https://meet.example/x"})
    assert khal_events(tmp_path, client.get(path).data) == [f"TENTATIVE {title} 2031-03-04 10:00"]
    auth.logout()
    auth.login("firm@example.com")
    client.post(f"/meetings/{meeting.id}/confirm", data={"option": db.session.get(Meeting, meeting.id).options[0].id})
    listed = khal_events(tmp_path, client.get(path).data)
    assert listed == [f"CONFIRMED {title} 2031-03-06 15:00"]  # moved, not doubled
    client.post(f"/meetings/{meeting.id}/cancel")
    assert khal_events(tmp_path, client.get(path).data) == [f"CANCELLED {title} 2031-03-06 15:00"]
    assert len(list((tmp_path / "cal").glob("*.ics"))) == 1
