"""Matchmaking events: interests, a schedule filled from interests and matches that never double-books,
the interest matrix, the company-to-company rule, adjustments, agendas and outcomes."""
from datetime import timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from matchapp.models import Event, EventInterest, EventMeeting, EventMeetingMember, Introduction

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
    assert "Agenda for Kanmon Solar" in page and "9:00\u202fAM" in page and "Hai Phong" in page
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


# --- Schedules filled from matches ---------------------------------------------------------------------

# Best stored match per (city, company): the schedule fills the slots interests leave empty from these.
SCORES = {("hai-phong", "kanmon"): 91, ("hai-phong", "rival"): 60, ("hai-phong", "eco"): 40,
          ("da-nang", "kanmon"): 55, ("da-nang", "rival"): 70, ("da-nang", "eco"): 45,
          ("davao", "kanmon"): 50, ("davao", "rival"): 35, ("davao", "eco"): 80}
EMAILS = {"kanmon": "firm@example.com", "rival": "b@rival.example", "eco": "e@eco.example",
          "hai-phong": "city@example.com", "da-nang": "y@danang.example", "davao": "d@davao.example"}


def stored_match(need, technology, score):
    from matchapp.models import Match
    db_session().add(Match(need_id=need.id, technology_id=technology.id, score=score, sector=1.0, country=1.0,
                           text=0.5, bonus=0.0, semantic=0.5, reasons=[]))


def db_session():
    from matchapp.extensions import db
    return db.session


def create_event(client, auth, db, title, held_on="2024-06-01", slot_count=4, tables=2):
    auth.login("coordinator@example.com")
    response = client.post("/events/new", data={
        "title": title, "held_on": held_on, "first_slot": "09:00", "timezone": "Asia/Manila", "slot_minutes": "30",
        "slot_count": str(slot_count), "tables": str(tables), "mode": "on_site", "place": "Davao",
        "companies": ["kanmon", "rival", "eco"], "cities": ["hai-phong", "da-nang", "davao"]})
    assert response.status_code == 303
    auth.logout()
    return db.session.scalar(select(Event).where(Event.title == title))


@pytest.fixture
def organisations(db, users):
    """Three companies and three cities, a technology and a need each, and a stored match for every pair."""
    orgs = {"kanmon": users["company"].company, "hai-phong": users["city"].city,
            "rival": factories.company(ref="rival", name="Rival Energy"),
            "eco": factories.company(ref="eco", name="Eco Works"),
            "da-nang": factories.city(ref="da-nang", name="Da Nang", partners=("Yokohama",)),
            "davao": factories.city(ref="davao", name="Davao", country="PH", partners=("Kitakyushu",))}
    for ref in ("rival", "eco"):
        factories.user(EMAILS[ref], "company", company=orgs[ref])
    for ref in ("da-nang", "davao"):
        factories.user(EMAILS[ref], "city", city=orgs[ref])
    technologies = {ref: factories.technology(orgs[ref], ref=f"{ref}-tech", title=f"Technology of {ref}")
                    for ref in ("kanmon", "rival", "eco")}
    needs = {ref: factories.need(orgs[ref], ref=f"{ref}-need", title=f"Need of {ref}")
             for ref in ("hai-phong", "da-nang", "davao")}
    for (city, company), score in SCORES.items():
        stored_match(needs[city], technologies[company], score)
    db.session.commit()
    return orgs


@pytest.fixture
def matched_event(client, auth, db, organisations):
    """8 slots (2 tables x 4 times), three one-sided or mutual wishes, and Da Nang away at 10:30."""
    event = create_event(client, auth, db, "Davao matching session")
    p = {ref: participant(db, event, ref) for ref in EMAILS}
    wish(client, auth, EMAILS["kanmon"], event, p["davao"])
    wish(client, auth, EMAILS["davao"], event, p["kanmon"])     # mutual
    wish(client, auth, EMAILS["hai-phong"], event, p["rival"])  # one-sided
    wish(client, auth, EMAILS["eco"], event, p["da-nang"])      # one-sided
    auth.login(EMAILS["da-nang"])
    last = max(s.starts_at for s in event.slots)
    client.post(f"/events/{event.id}/interests", data={"away": [last.replace(tzinfo=timezone.utc).isoformat()]})
    auth.logout()
    return event


def pair_of(meeting):
    return frozenset(m.participant.organisation.ref for m in meeting.members)


def test_the_schedule_fills_every_slot_from_interests_then_the_strongest_matches(client, auth, db, matched_event):
    event = matched_event
    auth.login("coordinator@example.com")
    response = client.post(f"/events/{event.id}/schedule", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "8 of 8 slots filled: 3 from interests, 5 from matches" in page
    assert "Slots filled: 8 of 8" in page
    meetings = db.session.scalars(select(EventMeeting)).all()
    by_pair = {pair_of(m): m for m in meetings}
    assert len(meetings) == 8
    # The 91 pair had no wishes, and meets; the wishes all meet, with their reason.
    strongest = by_pair[frozenset({"hai-phong", "kanmon"})]
    assert strongest.reason == "match" and strongest.score == 91
    assert by_pair[frozenset({"kanmon", "davao"})].reason == "mutual"
    assert by_pair[frozenset({"hai-phong", "rival"})].reason == "interest"
    assert by_pair[frozenset({"eco", "da-nang"})].reason == "interest"
    # The one pair left out is the weakest (davao-rival, 35).
    assert frozenset({"davao", "rival"}) not in by_pair
    # Nobody is double-booked, no slot is used twice, and Da Nang has nothing at the time it is away.
    busy = [(m.participant_id, m.starts_at) for m in db.session.scalars(select(EventMeetingMember))]
    assert len(busy) == len(set(busy))
    assert len({m.slot_id for m in meetings}) == 8
    last = max(s.starts_at for s in event.slots)
    assert all("da-nang" not in pair_of(m) for m in meetings if m.slot.starts_at == last)
    # The coordinator reads why each meeting is proposed.
    assert "Both asked to meet" in page and "Hai Phong asked to meet" in page and "Eco Works asked to meet" in page
    assert "match 91" in page and "Need of hai-phong ↔ Technology of kanmon" in page


def test_wishes_come_before_stronger_matches_when_slots_are_scarce(client, auth, db, organisations):
    event = create_event(client, auth, db, "Short session", slot_count=1, tables=2)
    p = {ref: participant(db, event, ref) for ref in EMAILS}
    wish(client, auth, EMAILS["davao"], event, p["rival"])       # match 35 only
    wish(client, auth, EMAILS["eco"], event, p["hai-phong"])     # match 40 only
    auth.login("coordinator@example.com")
    page = client.post(f"/events/{event.id}/schedule", follow_redirects=True).get_data(as_text=True)
    assert "2 of 2 slots filled: 2 from interests, 0 from matches" in page
    assert {pair_of(m) for m in db.session.scalars(select(EventMeeting))} == {
        frozenset({"davao", "rival"}), frozenset({"eco", "hai-phong"})}


def test_the_interest_matrix_shows_who_wants_whom_with_the_scores(client, auth, db, matched_event):
    auth.login("coordinator@example.com")
    client.post(f"/events/{matched_event.id}/schedule")
    page = client.get(f"/events/{matched_event.id}/matrix").get_data(as_text=True)
    assert 'class="table-wrap"><table id="interest-matrix"' in page
    for score in SCORES.values():
        assert f"<strong>{score}</strong>" in page
    assert 'title="Need of hai-phong ↔ Technology of kanmon"' in page
    assert 'aria-label="the city asked"' in page and 'aria-label="the company asked"' in page
    auth.logout()
    auth.login(EMAILS["kanmon"])
    assert client.get(f"/events/{matched_event.id}/matrix").status_code == 403


def test_companies_asking_to_meet_companies_are_refused_unless_the_coordinator_allows_it(client, auth, db,
                                                                                         matched_event):
    event = matched_event
    kanmon, rival = participant(db, event, "kanmon"), participant(db, event, "rival")
    auth.login(EMAILS["rival"])
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "Kanmon Solar" not in page.split("Whom do you want to meet?")[1].split("</form>")[0]
    response = client.post(f"/events/{event.id}/interests", data={"meet": [str(kanmon.id)]})
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "That could not be done" in page
    assert "the coordinator has not allowed meetings between two companies" in page
    assert db.session.scalar(select(EventInterest).where(EventInterest.from_id == rival.id)) is None
    auth.logout()

    auth.login("coordinator@example.com")
    page = client.post(f"/events/{event.id}/rules", data={"companies_may_meet": "1"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Companies may now ask to meet other companies." in page
    auth.logout()
    auth.login(EMAILS["rival"])
    assert client.post(f"/events/{event.id}/interests", data={"meet": [str(kanmon.id)]}).status_code == 303
    auth.logout()
    auth.login("coordinator@example.com")
    client.post(f"/events/{event.id}/schedule")
    rivals = db.session.scalars(select(EventMeeting).where(EventMeeting.reason == "interest")).all()
    assert frozenset({"kanmon", "rival"}) in {pair_of(m) for m in rivals}
    # Turned off again: the wish stays, marked, and the next schedule leaves it out.
    client.post(f"/events/{event.id}/rules", data={})
    page = client.get(f"/events/{event.id}/matrix").get_data(as_text=True)
    assert "Rival Energy wants to meet Kanmon Solar" in page and "not allowed by this event" in page
    client.post(f"/events/{event.id}/schedule")
    assert frozenset({"kanmon", "rival"}) not in {pair_of(m) for m in db.session.scalars(select(EventMeeting))}


def meeting_of(db, *refs):
    return next(m for m in db.session.scalars(select(EventMeeting)) if pair_of(m) == frozenset(refs))


def test_outcomes_are_counted_and_a_follow_up_proposes_an_introduction(client, auth, db, matched_event):
    event = matched_event
    auth.login("coordinator@example.com")
    client.post(f"/events/{event.id}/schedule")
    client.post(f"/events/{event.id}/publish")
    strongest = meeting_of(db, "hai-phong", "kanmon")
    response = client.post(f"/events/{event.id}/meetings/{strongest.id}/outcome", data={"outcome": "follow_up"},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Introduction proposed to both sides: Need of hai-phong ↔ Technology of kanmon." in page
    introduction = db.session.scalar(select(Introduction))
    assert (introduction.need.ref, introduction.technology.ref) == ("hai-phong-need", "kanmon-tech")
    assert introduction.state == "requested" and introduction.requester_side == "coordinator"
    assert db.session.get(EventMeeting, strongest.id).introduction_id == introduction.id
    client.post(f"/events/{event.id}/meetings/{meeting_of(db, 'davao', 'kanmon').id}/outcome", data={"outcome": "held"})
    client.post(f"/events/{event.id}/meetings/{meeting_of(db, 'eco', 'da-nang').id}/outcome",
                data={"outcome": "no_show"})
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    counts = page.split('id="outcome-counts"')[1].split("</p>")[0]
    for text in ("Held: 1", "No-show: 1", "Held, follow-up agreed: 1", "Not recorded yet: 5"):
        assert text in counts
    # Recording the follow-up again changes nothing; the schedule can no longer be replaced.
    page = client.post(f"/events/{event.id}/meetings/{strongest.id}/outcome", data={"outcome": "follow_up"},
                       follow_redirects=True).get_data(as_text=True)
    assert "This pair already has an introduction (Requested)" in page
    assert db.session.scalar(select(func.count()).select_from(Introduction)) == 1
    client.post(f"/events/{event.id}/unpublish")
    response = client.post(f"/events/{event.id}/schedule")
    assert response.status_code == 409 and "Outcomes are recorded" in response.get_data(as_text=True)
    auth.logout()
    auth.login(EMAILS["hai-phong"])
    assert "Need of hai-phong" in client.get("/introductions").get_data(as_text=True)


def test_a_follow_up_advances_an_introduction_already_at_the_meeting_stage(client, auth, db, users, matched_event):
    from matchapp.introductions import meetings as intro_meetings, services as introductions
    from matchapp.models import Need, Technology
    from matchapp.models.base import utcnow
    event = matched_event
    need = db.session.scalar(select(Need).where(Need.ref == "davao-need"))
    technology = db.session.scalar(select(Technology).where(Technology.ref == "kanmon-tech"))
    davao = factories_user(db, EMAILS["davao"])
    introduction = introductions.request_introduction(davao, need, technology, "Let us meet at the session")
    db.session.commit()
    introductions.act(users["company"], introduction, "accept")
    proposal = intro_meetings.propose(users["company"], introduction, [utcnow() + timedelta(days=3)], "online",
                                      "https://meet.example/x")
    db.session.commit()
    intro_meetings.confirm(davao, proposal, proposal.options[0].id)
    db.session.commit()
    assert introduction.state == "meeting_scheduled"
    auth.login("coordinator@example.com")
    client.post(f"/events/{event.id}/schedule")
    meeting = meeting_of(db, "davao", "kanmon")
    page = client.post(f"/events/{event.id}/meetings/{meeting.id}/outcome", data={"outcome": "follow_up"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Introduction moved on to “Follow-up”: Need of davao ↔ Technology of kanmon." in page
    assert db.session.get(Introduction, introduction.id).state == "follow_up"


def factories_user(db, email):
    from matchapp.models import User
    return db.session.scalar(select(User).where(User.email == email))


def test_an_outcome_waits_until_the_meeting_has_started(client, auth, db, organisations):
    event = create_event(client, auth, db, "Next year's session", held_on="2031-06-01")
    p = {ref: participant(db, event, ref) for ref in EMAILS}
    wish(client, auth, EMAILS["kanmon"], event, p["davao"])
    auth.login("coordinator@example.com")
    client.post(f"/events/{event.id}/schedule")
    meeting = meeting_of(db, "davao", "kanmon")
    assert "After the meeting" in client.get(f"/events/{event.id}").get_data(as_text=True)
    response = client.post(f"/events/{event.id}/meetings/{meeting.id}/outcome", data={"outcome": "held"})
    assert response.status_code == 409
    assert "This meeting has not started yet" in response.get_data(as_text=True)
    assert db.session.get(EventMeeting, meeting.id).outcome is None


def test_a_meeting_cannot_be_moved_to_a_time_its_organisation_is_away(client, auth, db, matched_event):
    event = matched_event
    auth.login("coordinator@example.com")
    client.post(f"/events/{event.id}/schedule")
    meeting = meeting_of(db, "eco", "da-nang")
    last_slot = next(s for s in event.slots if s.starts_at == max(x.starts_at for x in event.slots)
                     and s.id != meeting.slot_id)
    db.session.delete(db.session.scalar(select(EventMeeting).where(EventMeeting.slot_id == last_slot.id)))
    db.session.commit()
    response = client.post(f"/events/{event.id}/meetings/{meeting.id}/move", data={"slot": last_slot.id})
    assert response.status_code == 409
    assert "Da Nang is not available at that time." in response.get_data(as_text=True)


def test_a_participant_marks_the_times_it_cannot_meet_and_can_change_them(client, auth, db, matched_event):
    event = matched_event
    da_nang = participant(db, event, "da-nang")
    times = sorted({s.starts_at.replace(tzinfo=timezone.utc) for s in event.slots})
    auth.login(EMAILS["da-nang"])
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "Times you cannot take a meeting (Asia/Manila)" in page
    assert f'value="{times[-1].isoformat()}" checked' in page  # as the fixture marked it
    for away in ([times[-1], times[0]], [times[0]]):  # the same time again, then one fewer
        response = client.post(f"/events/{event.id}/interests", data={"away": [t.isoformat() for t in away]})
        assert response.status_code == 303
        db.session.expire_all()
        assert sorted(a.starts_at.replace(tzinfo=timezone.utc) for a in da_nang.absences) == sorted(away)
