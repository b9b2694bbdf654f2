"""The demo is a living programme: a newcomer's first look at Projects, Figures and Reports is not empty."""
import re
from datetime import date

from sqlalchemy import func, select

from matchapp import demo, demo_programme
from matchapp.models import Announcement, Event, Introduction, Meeting, Project
from matchapp.templating import INTRO_STATE_LABELS

from . import factories


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def seeded(db):
    demo.load()
    factories.rematch()
    assert demo_programme.seed()
    assert not demo_programme.seed()  # once only


def test_every_introduction_state_meetings_past_and_coming_and_projects_at_each_stage(db):
    seeded(db)
    states = set(db.session.scalars(select(Introduction.state)))
    assert states == set(INTRO_STATE_LABELS)  # every state an introduction can be in
    now = func.now()
    assert db.session.scalar(select(func.count()).select_from(Meeting).where(Meeting.starts_at > now)) >= 1
    assert db.session.scalar(select(func.count()).select_from(Meeting).where(Meeting.starts_at < now)) >= 3
    stages = set(db.session.scalars(select(Project.stage)))
    assert stages == {"discovery", "planning", "feasibility", "commercialisation", "dropped"}
    assert db.session.scalar(select(func.count()).select_from(Announcement)) == 2
    event = db.session.scalar(select(Event))
    outcomes = {m.outcome for m in event.meetings}
    assert event.published and len(event.meetings) == 8 and outcomes == {"held", "no_show", "follow_up"}


def test_the_demo_logins_see_work_waiting_and_the_coordinator_sees_the_programme(client, auth, db):
    seeded(db)
    auth.login("city@demo.matchapp.example", demo.DEMO_PASSWORD)
    city = text(client.get("/dashboard"))
    assert "Introductions waiting for your answer" in city and "Meetings in the coming seven days" in city
    auth.logout()
    auth.login("coordinator@demo.matchapp.example", demo.DEMO_PASSWORD)
    client.post("/language", data={"language": "en"})
    dashboard = text(client.get("/dashboard"))
    assert "Projects whose next step is overdue" in dashboard
    assert "Feasibility study report to the Ministry" in dashboard
    pipeline = text(client.get("/workspace/projects"))
    assert all(p.title in pipeline for p in db.session.scalars(select(Project)))
    figures = text(client.get("/workspace/dashboard"))
    assert "1,850" in figures and "1,710" in figures  # expected and verified CO2 of the commercialised project
    project = db.session.scalar(select(Project).where(Project.stage == "commercialisation"))
    report = text(client.get(f"/workspace/reports/{project.japanese_city}/{date.today().year}"))
    assert "1,710" in report and project.title in report
    event = db.session.scalar(select(Event))
    event_page = text(client.get(f"/events/{event.id}"))
    assert "Slots filled: 8 of 8" in event_page and "Outcomes" in event_page
    sheet = text(client.get(f"/workspace/projects/{project.id}/consultation"))
    assert "420,000,000" in sheet and "190,000,000" in sheet
