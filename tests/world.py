"""A world with something of everything, owned by two companies and two cities, for tests that
visit every route (the access matrix, the fuzzers)."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from matchapp.events import services as events
from matchapp.introductions import meetings, services as introductions
from matchapp.models import ApiToken, Event, EventParticipant, Message, Notification, PendingUpload, SavedSearch
from matchapp.models.base import utcnow
from matchapp.workspace import projects

from . import factories


@pytest.fixture
def world(db, users):
    """Two companies, two cities, listings, an accepted introduction with a meeting and a message,
    a published event, a project, a saved search, a pending upload and a notification."""
    firm, city = users["company"].company, users["city"].city
    rival = factories.company(ref="rival", name="Rival")
    da_nang = factories.city(ref="da-nang", name="Da Nang", partners=("Yokohama",))
    factories.user("b@rival.example", "company", company=rival)
    factories.user("y@danang.example", "city", city=da_nang)
    need = factories.need(city, ref="ip-solar")
    tech = factories.technology(firm, ref="rooftop-pv")
    draft = factories.technology(firm, ref="draft-pv", status="draft")
    intro = introductions.request_introduction(users["city"], need, tech, "hello")
    db.session.commit()
    introductions.act(users["company"], intro, "accept")
    meeting = meetings.propose(users["company"], intro, [utcnow() + timedelta(days=5)], "online", "https://m.example")
    db.session.commit()
    meetings.confirm(users["city"], meeting, meeting.options[0].id)
    db.session.commit()
    message = Message(introduction_id=intro.id, author_id=users["city"].id, body="plan", attachment=b"x",
                      attachment_name="plan.pdf")
    event = Event(title="Session", held_on=utcnow().date(), timezone="Asia/Tokyo", created_by_id=users["coordinator"].id,
                  participants=[EventParticipant(company_id=firm.id), EventParticipant(city_id=city.id)])
    db.session.add_all([message, event])
    events.make_slots(event, utcnow().replace(tzinfo=None), 30, 2, 1)
    db.session.commit()
    events.publish(event)
    project = projects.from_introduction(users["coordinator"], intro)
    projects.add_document(users["coordinator"], project, "study.pdf", "application/pdf", b"%PDF-1.4 study", 2 ** 21)
    db.session.commit()
    search = SavedSearch(user_id=users["company"].id, kind="needs", name="All")
    upload = PendingUpload(user_id=users["coordinator"].id, kind="bundle", payload="{}")
    token, _secret = ApiToken.issue(users["company"], "script")
    users["company"].calendar_token = "calendar-token-of-company-a-123"
    db.session.add_all([search, upload])
    db.session.commit()
    notification = db.session.scalar(select(Notification).where(Notification.user_id == users["company"].id))
    return {"intro": intro.id, "meeting": meeting.id, "message": message.id, "event": event.id,
            "participant": event.participants[0].id, "event_meeting": 1, "project": project.id,
            "search": search.id, "upload": upload.id, "token": token.id, "notification": notification.id,
            "draft": draft.ref}
