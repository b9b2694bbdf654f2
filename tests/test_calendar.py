"""A user's meetings by week and by month, on the day they fall on in the user's time zone."""
import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from matchapp.extensions import db
from matchapp.introductions import meetings, services

from . import factories


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def confirmed_meeting(users, start: datetime, need_title="Solar for the industrial park", ref="ip-solar"):
    need = factories.need(users["city"].city, ref=ref, title=need_title)
    technology = factories.technology(users["company"].company, ref=f"tech-{ref}", title="Rooftop solar PV")
    introduction = services.request_introduction(users["company"], need, technology)
    services.act(users["city"], introduction, "accept")
    meeting = meetings.propose(users["company"], introduction, [start], "online", url="https://meet.example/a")
    db.session.flush()
    meetings.confirm(users["city"], meeting, meeting.options[0].id)
    db.session.commit()
    return meeting


def test_a_meeting_shows_on_its_local_day_in_the_week_and_month_views(client, auth, users):
    # 2031-03-04 23:30 UTC is Wednesday 5 March 08:30 in Tokyo (the company user's zone).
    confirmed_meeting(users, datetime(2031, 3, 4, 23, 30, tzinfo=timezone.utc))
    auth.login("firm@example.com")
    week = text(client.get("/calendar?view=week&date=2031-03-05"))
    assert "Week of March 3, 2031 · 1 meeting" in week
    wednesday = week[week.index("Wednesday, March 5, 2031"):week.index("Thursday, March 6, 2031")]
    assert "Solar for the industrial park ↔ Rooftop solar PV" in wednesday
    assert "No meetings" in week[week.index("Tuesday, March 4, 2031"):week.index("Wednesday, March 5, 2031")]
    month = client.get("/calendar?view=month&date=2031-03-20").get_data(as_text=True)
    assert "March 2031" in month and "8:30\u202fAM Solar for the industrial park" in month
    assert 'href="/calendar?view=month&amp;date=2031-02-01"' in month  # previous month
    assert 'href="/calendar?view=month&amp;date=2031-04-01"' in month  # next month
    assert "0 meetings" in text(client.get("/calendar?view=week&date=2031-03-12"))


def test_other_organisations_meetings_are_not_in_my_calendar_but_in_the_coordinators(client, auth, users):
    start = datetime(2031, 3, 4, 3, 0, tzinfo=timezone.utc)
    confirmed_meeting(users, start)
    other = factories.company(ref="other-firm", name="Other Firm", name_ja="他社")
    factories.user("other@example.com", "company", company=other)
    auth.login("other@example.com")
    assert "0 meetings" in text(client.get("/calendar?view=week&date=2031-03-04"))
    auth.logout()
    auth.login("coordinator@example.com")
    assert "Solar for the industrial park" in text(client.get("/calendar?view=week&date=2031-03-04"))


def test_the_current_week_and_the_feed_link(client, auth, users):
    auth.login("city@example.com")
    page = text(client.get("/calendar"))
    today = datetime.now(ZoneInfo(users["city"].timezone)).date()
    monday = today - timedelta(days=today.weekday())
    assert f"Week of {monday:%B} {monday.day}, {monday.year}" in page
    assert "Create a private calendar feed address on your profile." in page
    client.post("/account/calendar")
    page = client.get("/calendar").get_data(as_text=True)
    assert re.search(r"http://localhost/calendar/[A-Za-z0-9_-]{20,}\.ics", page)


def test_a_bad_view_or_date_says_so(client, auth, users):
    auth.login("city@example.com")
    response = client.get("/calendar?view=year")
    assert response.status_code == 400 and "Choose the week or the month view." in text(response)
    response = client.get("/calendar?date=2031-02-30")
    assert response.status_code == 400 and "Give the date as YYYY-MM-DD." in text(response)
    assert "Back to the calendar" in text(response)
