"""The dashboard says what to do next: answers owed, meetings coming or to record, new strong matches."""
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from matchapp.extensions import db
from matchapp.introductions import meetings, services
from matchapp.models import Match, User
from matchapp.models.base import as_utc, utcnow

from . import factories


def section(page: str, heading: str) -> str:
    """The text of the dashboard's list under `heading` ("" when it is not shown)."""
    start = page.find(heading)
    if start < 0:
        return ""
    end = page.find("</ul>", start)
    return re.sub(r"<[^>]+>", " ", page[start:end])


def dashboard(client, auth, email) -> str:
    auth.logout()
    auth.login(email)
    return client.get("/dashboard").get_data(as_text=True)


def pair(users, title="Solar for the industrial park"):
    need = factories.need(users["city"].city, title=title)
    technology = factories.technology(users["company"].company, title="Rooftop solar PV")
    return need, technology


def test_a_request_waits_on_the_answerers_dashboard_until_it_is_answered(client, auth, users):
    need, technology = pair(users)
    introduction = services.request_introduction(users["company"], need, technology, "Shall we talk?")
    db.session.commit()
    expiry = as_utc(introduction.expires_at).astimezone(ZoneInfo(users["city"].timezone))  # the reader's day

    city_page = dashboard(client, auth, "city@example.com")
    waiting = section(city_page, "Introductions waiting for your answer")
    assert "Solar for the industrial park" in waiting and "Kanmon Solar" in waiting
    assert f"answer by {expiry:%b} {expiry.day}, {expiry.year}" in waiting
    company_page = dashboard(client, auth, "firm@example.com")
    assert "Introductions waiting for your answer" not in company_page  # the requester owes nothing
    coordinator_page = dashboard(client, auth, "coordinator@example.com")
    assert "waiting for the city" in section(coordinator_page, "Requests and proposals waiting for an answer")

    services.act(users["city"], introduction, "accept")
    db.session.commit()
    assert "Introductions waiting for your answer" not in dashboard(client, auth, "city@example.com")
    assert "Requests and proposals waiting" not in dashboard(client, auth, "coordinator@example.com")


def test_a_coordinators_proposal_waits_for_each_side_until_it_has_accepted(client, auth, users):
    need, technology = pair(users)
    proposal = services.request_introduction(users["coordinator"], need, technology, "You two should meet.")
    db.session.commit()
    assert "waiting for the city, the company" in section(dashboard(client, auth, "coordinator@example.com"),
                                                          "Requests and proposals waiting")
    assert "proposed by a coordinator" in section(dashboard(client, auth, "firm@example.com"),
                                                  "Introductions waiting for your answer")
    services.act(users["company"], proposal, "accept")
    db.session.commit()
    assert "Introductions waiting for your answer" not in dashboard(client, auth, "firm@example.com")
    assert "Solar for the industrial park" in section(dashboard(client, auth, "city@example.com"),
                                                      "Introductions waiting for your answer")
    coordinator_view = section(dashboard(client, auth, "coordinator@example.com"), "Requests and proposals waiting")
    assert "waiting for the city" in coordinator_view and "the company" not in coordinator_view


def test_other_organisations_work_never_shows(client, auth, users):
    other_city = factories.city(ref="da-nang", name="Da Nang", name_ja="ダナン市")
    theirs = factories.need(other_city, ref="dn-solar", title="Da Nang port solar")
    technology = factories.technology(users["company"].company, title="Rooftop solar PV")
    services.request_introduction(users["company"], theirs, technology)
    db.session.commit()
    assert "Da Nang port solar" not in dashboard(client, auth, "city@example.com")
    assert "Da Nang port solar" in section(dashboard(client, auth, "coordinator@example.com"),
                                           "Requests and proposals waiting")


def accepted_introduction(users):
    need, technology = pair(users)
    introduction = services.request_introduction(users["company"], need, technology)
    services.act(users["city"], introduction, "accept")
    db.session.commit()
    return introduction


def test_meetings_of_the_coming_week_show_and_a_past_one_asks_to_be_recorded(client, auth, users):
    introduction = accepted_introduction(users)
    soon = (utcnow() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    meeting = meetings.propose(users["company"], introduction, [soon], "online", url="https://meet.example/a")
    db.session.commit()
    meetings.confirm(users["city"], meeting, meeting.options[0].id)
    db.session.commit()
    page = dashboard(client, auth, "city@example.com")
    coming = section(page, "Meetings in the coming seven days")
    assert "Solar for the industrial park" in coming and "Rooftop solar PV" in coming
    assert "Meetings to record or follow up" not in page

    meeting.starts_at = utcnow() - timedelta(hours=3)  # the meeting has taken place
    db.session.commit()
    page = dashboard(client, auth, "firm@example.com")
    assert "Meetings in the coming seven days" not in page
    assert "mark it as held" in section(page, "Meetings to record or follow up")
    services.act(users["company"], introduction, "met")
    db.session.commit()
    assert "record the follow-up" in section(dashboard(client, auth, "city@example.com"),
                                             "Meetings to record or follow up")
    services.act(users["company"], introduction, "follow_up")
    db.session.commit()
    assert "Meetings to record or follow up" not in dashboard(client, auth, "city@example.com")


def test_a_meeting_next_month_is_not_this_weeks(client, auth, users):
    introduction = accepted_introduction(users)
    later = (utcnow() + timedelta(days=20)).replace(minute=0, second=0, microsecond=0)
    meeting = meetings.propose(users["company"], introduction, [later], "online", url="https://meet.example/a")
    db.session.commit()
    meetings.confirm(users["city"], meeting, meeting.options[0].id)
    db.session.commit()
    assert "Meetings in the coming seven days" not in dashboard(client, auth, "city@example.com")


def test_strong_matches_new_since_the_last_visit_best_first(client, auth, users):
    strong_need = factories.need(users["city"].city, ref="ip-solar", title="Rooftop solar PV for the park")
    second_need = factories.need(users["city"].city, ref="ip-pv", title="Solar panels for the park school")
    technology = factories.technology(users["company"].company, title="Rooftop solar PV")
    factories.rematch()
    stored = {m.need_id: m for m in db.session.scalars(select(Match))}
    assert {strong_need.id, second_need.id} <= set(stored)
    auth.login("city@example.com")
    auth.logout()  # that login is now the "last visit"
    city = db.session.scalar(select(User).where(User.email == "city@example.com"))
    db.session.refresh(city)
    last_visit = city.last_login_at
    stored[strong_need.id].computed_at = last_visit - timedelta(minutes=5)  # seen at the last visit
    stored[strong_need.id].score = 95
    stored[second_need.id].computed_at = last_visit + timedelta(minutes=5)
    stored[second_need.id].score = 72
    db.session.commit()

    page = dashboard(client, auth, "city@example.com")
    new = section(page, "New strong matches since your last visit")
    assert "Solar panels for the park school" in new and "score 72" in new
    assert "Rooftop solar PV for the park" not in new  # computed before the last visit
    stored[strong_need.id].computed_at = utcnow()
    db.session.commit()
    auth.logout()
    db.session.refresh(city)
    city.last_login_at = city.previous_login_at = last_visit
    db.session.commit()
    new = section(dashboard(client, auth, "city@example.com"), "New strong matches since your last visit")
    assert new.index("score 95") < new.index("score 72")  # best first
    assert technology.title in new


def test_a_first_visit_and_an_empty_programme_say_so_in_japanese(client, auth, db, users):
    users["company"].language = "ja"
    db.session.commit()
    page = dashboard(client, auth, "firm@example.com")
    assert "次にすること" in page
    assert "あなたを待っていることはありません" in page
