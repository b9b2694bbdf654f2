"""Matchmaking events: interests, a proposed schedule that never double-books, adjustments, agendas."""

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from matchapp.models import Event, EventMeeting, EventMeetingMember

from . import factories


@pytest.fixture
def event(client, auth, db, users):
    """Two companies and two cities invited to an event with 2 tables x 3 slots."""
    factories.company(ref="rival", name="Rival")
    factories.city(ref="da-nang", name="Da Nang", partners=("Yokohama",))
    auth.login("coordinator@example.com")
    response = client.post("/events/new", data={
        "title": "Da Nang business-matching session", "held_on": "2031-06-01", "first_slot": "09:00",
        "timezone": "Asia/Ho_Chi_Minh", "slot_minutes": "30", "slot_count": "3", "tables": "2", "mode": "hybrid",
        "place": "Da Nang", "companies": ["kanmon", "rival"], "cities": ["hai-phong", "da-nang"]})
    assert response.status_code == 303
    auth.logout()
    return db.session.scalar(select(Event))


def participant(db, event, ref):
    for p in event.participants:
        if p.organisation.ref == ref:
            return p


def wish(client, auth, email, event, *wanted):
    auth.login(email)
    client.post(f"/events/{event.id}/interests", data={"meet": [str(p.id) for p in wanted]})
    auth.logout()


def test_the_proposed_schedule_follows_interests_and_never_double_books(client, auth, db, users, event):
    kanmon, rival = participant(db, event, "kanmon"), participant(db, event, "rival")
    hai_phong, da_nang = participant(db, event, "hai-phong"), participant(db, event, "da-nang")
    factories.user("b@rival.example", "company", company=rival.company)
    factories.user("y@danang.example", "city", city=da_nang.city)
    wish(client, auth, "firm@example.com", event, hai_phong, da_nang)
    wish(client, auth, "city@example.com", event, kanmon, rival)
    wish(client, auth, "b@rival.example", event, hai_phong)
    auth.login("coordinator@example.com")
    assert client.post(f"/events/{event.id}/schedule").status_code == 303
    meetings = db.session.scalars(select(EventMeeting)).all()
    pairs = {frozenset(m.participant_id for m in meeting.members) for meeting in meetings}
    assert pairs == {frozenset({kanmon.id, hai_phong.id}), frozenset({rival.id, hai_phong.id}),
                     frozenset({kanmon.id, da_nang.id})}
    slots = [m.slot_id for m in meetings]
    assert len(slots) == len(set(slots))
    busy = [(m.participant_id, m.starts_at) for m in db.session.scalars(select(EventMeetingMember))]
    assert len(busy) == len(set(busy))


def test_the_database_refuses_a_double_booking(db, event):
    kanmon, hai_phong = participant(db, event, "kanmon"), participant(db, event, "hai-phong")
    first, same_time_other_table = event.slots[0], event.slots[1]
    assert first.starts_at == same_time_other_table.starts_at
    db.session.add(EventMeeting(event_id=event.id, slot_id=first.id, members=[
        EventMeetingMember(participant_id=kanmon.id, starts_at=first.starts_at)]))
    db.session.commit()
    db.session.add(EventMeeting(event_id=event.id, slot_id=same_time_other_table.id, members=[
        EventMeetingMember(participant_id=kanmon.id, starts_at=same_time_other_table.starts_at)]))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.add(EventMeeting(event_id=event.id, slot_id=first.id, members=[
        EventMeetingMember(participant_id=hai_phong.id, starts_at=first.starts_at)]))
    with pytest.raises(IntegrityError):  # the slot is already used
        db.session.commit()
    db.session.rollback()


def schedule_with_a_busy_slot(client, auth, db, event):
    """Kanmon meets Hai Phong, then Da Nang; returns (first, second meeting, a free table at the first's time).

    Moving the second meeting to that slot would put Kanmon in two meetings at once. Leaves the
    coordinator logged in.
    """
    hai_phong, da_nang = participant(db, event, "hai-phong"), participant(db, event, "da-nang")
    wish(client, auth, "firm@example.com", event, hai_phong, da_nang)
    auth.login("coordinator@example.com")
    client.post(f"/events/{event.id}/schedule")
    first, second = sorted(db.session.scalars(select(EventMeeting)).all(), key=lambda m: m.slot.starts_at)
    target = next(s for s in event.slots if s.starts_at == first.slot.starts_at and s.id != first.slot_id)
    return first, second, target


def test_adjustments_that_would_double_book_are_refused(client, auth, db, users, event):
    da_nang = participant(db, event, "da-nang")
    first, second, target = schedule_with_a_busy_slot(client, auth, db, event)
    response = client.post(f"/events/{event.id}/meetings/{second.id}/move", data={"slot": target.id})
    assert response.status_code == 409  # kanmon is already in a meeting at that time
    # A consortium meeting: the second city (free at 09:00) joins the first meeting ...
    assert client.post(f"/events/{event.id}/meetings/{first.id}/add", data={"participant": da_nang.id}).status_code == 303
    assert len(db.session.get(EventMeeting, first.id).members) == 3
    # ... and adding an organisation that is already in the meeting is refused.
    assert client.post(f"/events/{event.id}/meetings/{second.id}/add", data={"participant": da_nang.id}).status_code == 409


def test_agendas_after_publishing_and_nobody_else_sees_them(client, auth, db, users, event):
    hai_phong = participant(db, event, "hai-phong")
    wish(client, auth, "firm@example.com", event, hai_phong)
    auth.login("coordinator@example.com")
    client.post(f"/events/{event.id}/schedule")
    auth.logout()
    auth.login("firm@example.com")
    assert client.get(f"/events/{event.id}/agenda").status_code == 404  # not published yet
    auth.logout()
    auth.login("coordinator@example.com")
    client.post(f"/events/{event.id}/publish")
    auth.logout()
    auth.login("firm@example.com")
    page = client.get(f"/events/{event.id}/agenda").get_data(as_text=True)
    assert "Agenda for Kanmon Solar" in page and "09:00" in page and "Hai Phong" in page
    assert "schedule of Da Nang business-matching session is published" in client.get("/inbox").get_data(as_text=True)
    outsider = factories.company(ref="outsider", name="Outsider")
    factories.user("o@outsider.example", "company", company=outsider)
    auth.logout()
    auth.login("o@outsider.example")
    for url in (f"/events/{event.id}", f"/events/{event.id}/agenda"):
        assert client.get(url).status_code == 404
    assert client.post(f"/events/{event.id}/schedule").status_code == 403  # staff only, before anything else


def test_a_published_schedule_goes_back_to_draft_before_a_new_proposal(client, auth, db, users, event):
    hai_phong = participant(db, event, "hai-phong")
    wish(client, auth, "firm@example.com", event, hai_phong)
    auth.login("coordinator@example.com")
    client.post(f"/events/{event.id}/schedule")
    client.post(f"/events/{event.id}/publish")
    assert client.post(f"/events/{event.id}/schedule").status_code == 409
    client.post(f"/events/{event.id}/unpublish")
    assert client.post(f"/events/{event.id}/schedule").status_code == 303


@pytest.mark.parametrize("held_on", ["9999-12-31", "0001-01-01"])
def test_an_event_date_outside_the_calendar_we_can_convert_is_explained(client, auth, db, users, held_on):
    auth.login("coordinator@example.com")
    response = client.post("/events/new", data={
        "title": "Far future session", "held_on": held_on, "first_slot": "23:30", "timezone": "Pacific/Kiritimati",
        "slot_minutes": "30", "slot_count": "3", "tables": "2", "mode": "online", "companies": ["kanmon"],
        "cities": ["hai-phong"]})
    assert response.status_code == 400
    assert "Choose a date between 1900 and 2100" in response.get_data(as_text=True)
    assert db.session.scalar(select(Event)) is None
