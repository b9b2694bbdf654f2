"""Event rules: who takes part, who may see what, and the proposed 1:1 schedule.

The schedule comes from interests (mutual first) and match scores; it is written
in one transaction that the database's unique constraints guard, so a slot is
never used twice and nobody is double-booked even if two coordinators act at once.
"""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from .. import notifications
from ..extensions import db
from ..models import (Event, EventInterest, EventMeeting, EventMeetingMember, EventParticipant, EventSlot, Match,
                      Need, Technology)
from ..models.base import as_utc
from ..domain import DomainError


class EventError(DomainError):
    def __init__(self, status: int, message):
        super().__init__(message, status)


def participant_of(user, event) -> EventParticipant | None:
    for participant in event.participants:
        if (user.company_id and participant.company_id == user.company_id) or \
                (user.city_id and participant.city_id == user.city_id):
            return participant
    return None


def visible(user, event) -> bool:
    """Staff see every event; an organisation sees the events it is invited to."""
    return user.is_authenticated and (user.is_staff or participant_of(user, event) is not None)


def make_slots(event: Event, first: datetime, minutes: int, count: int, tables: int) -> None:
    """`count` consecutive slots of `minutes` at each of `tables` tables, starting at local time `first`."""
    start = first.replace(tzinfo=ZoneInfo(event.timezone))
    for i in range(count):
        for t in range(tables):
            event.slots.append(EventSlot(starts_at=as_utc(start + timedelta(minutes=minutes * i)), minutes=minutes,
                                         table=f"{t + 1}"))


def set_interests(participant: EventParticipant, wanted_ids: set[int]) -> None:
    event_ids = {p.id for p in participant.event.participants} - {participant.id}
    db.session.execute(delete(EventInterest).where(EventInterest.from_id == participant.id))
    for to_id in wanted_ids & event_ids:
        db.session.add(EventInterest(event_id=participant.event_id, from_id=participant.id, to_id=to_id))


def pair_score(a: EventParticipant, b: EventParticipant) -> float:
    """The best stored match score between a company's technologies and a city's needs (0 otherwise)."""
    company = a.company or b.company
    city = a.city or b.city
    if company is None or city is None:
        return 0.0
    best = db.session.scalar(select(func.max(Match.score)).join(Need, Match.need_id == Need.id)
                             .join(Technology, Match.technology_id == Technology.id)
                             .where(Need.city_id == city.id, Technology.company_id == company.id))
    return float(best or 0)


def candidate_pairs(event: Event) -> list[tuple[float, int, int]]:
    """(priority, participant, participant): mutual interest first, then one-sided, each by match score."""
    wants = {(i.from_id, i.to_id) for i in db.session.scalars(select(EventInterest).where(EventInterest.event_id == event.id))}
    by_id = {p.id: p for p in event.participants}
    pairs = {}
    for a, b in wants:
        key = tuple(sorted((a, b)))
        mutual = (b, a) in wants
        pairs[key] = (2 if mutual else 1) + pair_score(by_id[a], by_id[b]) / 100
    return sorted(((score, a, b) for (a, b), score in pairs.items()), key=lambda t: (-t[0], t[1], t[2]))


def propose_schedule(event: Event) -> int:
    """Replace the (unpublished) schedule with a greedy one; returns the number of meetings."""
    if event.published:
        raise EventError(409, _l("The schedule is published; unpublish it before proposing a new one."))
    db.session.execute(delete(EventMeeting).where(EventMeeting.event_id == event.id))
    busy: set[tuple[int, datetime]] = set()
    used: set[int] = set()
    made = 0
    for _score, a, b in candidate_pairs(event):
        for slot in event.slots:
            start = as_utc(slot.starts_at)
            if slot.id in used or (a, start) in busy or (b, start) in busy:
                continue
            meeting = EventMeeting(event_id=event.id, slot_id=slot.id,
                                   members=[EventMeetingMember(participant_id=p, starts_at=start) for p in (a, b)])
            db.session.add(meeting)
            used.add(slot.id)
            busy.update({(a, start), (b, start)})
            made += 1
            break
    save()
    return made


def save() -> None:
    """Flush (the caller commits), turning a constraint violation into a clear conflict."""
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise EventError(409, _l("That slot is already used, or an organisation would be in two meetings at once."))


def move(meeting: EventMeeting, slot: EventSlot) -> None:
    meeting.slot_id = slot.id
    for member in meeting.members:
        member.starts_at = as_utc(slot.starts_at)
    save()


def add_member(meeting: EventMeeting, participant: EventParticipant) -> None:
    """Make a meeting a consortium meeting by adding another invited organisation."""
    if any(m.participant_id == participant.id for m in meeting.members):
        raise EventError(409, _l("This organisation is already in the meeting."))
    meeting.members.append(EventMeetingMember(participant_id=participant.id, starts_at=as_utc(meeting.slot.starts_at)))
    save()


def publish(event: Event) -> None:
    event.published = True
    for participant in event.participants:
        users = notifications.organisation_users(company_id=participant.company_id) if participant.company_id \
            else notifications.organisation_users(city_id=participant.city_id)
        notifications.notify(users, "event_published", {"event": event.title}, f"/events/{event.id}/agenda")


def agenda(event: Event, participant: EventParticipant) -> list[EventMeeting]:
    meetings = [m for m in event.meetings if any(x.participant_id == participant.id for x in m.members)]
    return sorted(meetings, key=lambda m: (as_utc(m.slot.starts_at), m.slot.table))
