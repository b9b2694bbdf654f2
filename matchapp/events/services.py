"""Event rules: who takes part, who may ask to meet whom, who may see what, and the proposed 1:1 schedule.

The schedule comes from interests first (both asked, then one asked) and then from
the strongest stored matches between the invited companies and cities, so that the
tables are not left empty (planner.py decides; this module reads and writes). It is
written in one transaction that the database's unique constraints guard, so a slot
is never used twice and nobody is double-booked even if two coordinators act at once.
Services flush; the caller commits.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from .. import notifications
from ..extensions import db
from ..models import (Event, EventInterest, EventMeeting, EventMeetingMember, EventParticipant, EventSlot, Match,
                      Need, Technology)
from ..models.base import as_utc, utcnow
from ..models.events import EventAbsence
from ..domain import DomainError
from .planner import Pair, assign


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


def start_times(event: Event) -> list[datetime]:
    """The event's distinct meeting start times (UTC), in order."""
    return sorted({as_utc(slot.starts_at) for slot in event.slots})


def may_ask(participant: EventParticipant, other: EventParticipant) -> bool:
    """The event's rule: companies ask to meet other companies only where the coordinator allows it."""
    return other.id != participant.id and not (
        participant.company_id and other.company_id and not participant.event.companies_may_meet)


COMPANY_RULE_REFUSAL = _l("At this event companies meet cities and agencies: the coordinator has not allowed "
                          "meetings between two companies. Choose cities or agencies instead.")


def set_interests(participant: EventParticipant, wanted_ids: set[int]) -> None:
    """Replace whom `participant` wants to meet; a wish the event's rule forbids refuses the whole change."""
    others = {p.id: p for p in participant.event.participants if p.id != participant.id}
    wanted = [others[i] for i in sorted(wanted_ids) if i in others]
    if any(not may_ask(participant, other) for other in wanted):
        raise EventError(403, COMPANY_RULE_REFUSAL)
    db.session.execute(delete(EventInterest).where(EventInterest.from_id == participant.id))
    for other in wanted:
        db.session.add(EventInterest(event_id=participant.event_id, from_id=participant.id, to_id=other.id))


def set_availability(participant: EventParticipant, away: set[datetime]) -> None:
    """The start times at which `participant` cannot meet (every other time of the event they can)."""
    wanted = {as_utc(t) for t in away} & set(start_times(participant.event))
    for absence in list(participant.absences):  # kept rows stay: a delete and re-insert would meet the unique key
        if as_utc(absence.starts_at) not in wanted:
            participant.absences.remove(absence)
    for t in sorted(wanted - away_times(participant)):
        participant.absences.append(EventAbsence(starts_at=t))
    db.session.flush()


def away_times(participant: EventParticipant) -> set[datetime]:
    return {as_utc(absence.starts_at) for absence in participant.absences}


def set_rules(event: Event, companies_may_meet: bool) -> None:
    """The coordinator's rules for the event; wishes the new rule forbids are left out of the next schedule."""
    event.companies_may_meet = bool(companies_may_meet)
    db.session.flush()


@dataclass(frozen=True)
class BestMatch:
    score: float
    need_id: int
    technology_id: int


def best_matches(event: Event) -> dict[tuple[int, int], BestMatch]:
    """(company participant, city participant) -> the best stored match between that company's technologies
    and that city's needs, for every invited pair that has one."""
    companies = {p.company_id: p.id for p in event.participants if p.company_id}
    cities = {p.city_id: p.id for p in event.participants if p.city_id}
    if not companies or not cities:
        return {}
    rows = db.session.execute(
        select(Technology.company_id, Need.city_id, Match.score, Match.need_id, Match.technology_id)
        .join(Need, Match.need_id == Need.id).join(Technology, Match.technology_id == Technology.id)
        .where(Technology.company_id.in_(companies), Need.city_id.in_(cities))
        .order_by(Match.score.desc(), Match.need_id, Match.technology_id))
    best: dict[tuple[int, int], BestMatch] = {}
    for company_id, city_id, score, need_id, technology_id in rows:
        best.setdefault((companies[company_id], cities[city_id]), BestMatch(float(score), need_id, technology_id))
    return best


def match_between(best: dict, a: EventParticipant, b: EventParticipant) -> BestMatch | None:
    if a.company_id and b.city_id:
        return best.get((a.id, b.id))
    if b.company_id and a.city_id:
        return best.get((b.id, a.id))
    return None


def interests_of(event: Event) -> set[tuple[int, int]]:
    """(from, to) wishes that the event's rule allows."""
    by_id = {p.id: p for p in event.participants}
    rows = db.session.scalars(select(EventInterest).where(EventInterest.event_id == event.id))
    return {(i.from_id, i.to_id) for i in rows
            if i.from_id in by_id and i.to_id in by_id and may_ask(by_id[i.from_id], by_id[i.to_id])}


def candidate_pairs(event: Event) -> list[Pair]:
    """Every pair worth a meeting: those who asked (both, or one), then every company–city pair with a stored match."""
    by_id = {p.id: p for p in event.participants}
    wants = interests_of(event)
    best = best_matches(event)
    pairs: dict[tuple[int, int], Pair] = {}

    def pair(a, b, reason, asked_by=None) -> Pair:
        match = match_between(best, by_id[a], by_id[b])
        return Pair(a, b, reason, match.score if match else None, asked_by,
                    match.need_id if match else None, match.technology_id if match else None)

    for a, b in sorted(wants):
        key = (min(a, b), max(a, b))
        if key not in pairs:
            pairs[key] = pair(*key, "mutual") if (b, a) in wants else pair(*key, "interest", asked_by=a)
    for company, city in best:
        key = (min(company, city), max(company, city))
        if key not in pairs:
            pairs[key] = pair(*key, "match")
    return sorted(pairs.values(), key=lambda p: p.priority)


@dataclass(frozen=True)
class Proposal:
    """What a proposed schedule filled: meetings, of how many slots, and from what."""

    meetings: int
    slots: int
    from_interests: int
    from_matches: int


def propose_schedule(event: Event) -> Proposal:
    """Replace the (unpublished) schedule with one filled from interests, then from the strongest matches."""
    if event.published:
        raise EventError(409, _l("The schedule is published; unpublish it before proposing a new one."))
    if any(m.outcome for m in event.meetings):
        raise EventError(409, _l("Outcomes are recorded for this schedule's meetings; it can no longer be replaced."))
    db.session.execute(delete(EventMeeting).where(EventMeeting.event_id == event.id))
    slots = [(slot.id, as_utc(slot.starts_at)) for slot in event.slots]
    away = {p.id: away_times(p) for p in event.participants}
    starts = dict(slots)
    plan = assign(candidate_pairs(event), slots, away)
    for slot_id, pair in plan.items():
        db.session.add(EventMeeting(
            event_id=event.id, slot_id=slot_id, reason=pair.reason, score=pair.score, asked_by_id=pair.asked_by,
            need_id=pair.need_id, technology_id=pair.technology_id,
            members=[EventMeetingMember(participant_id=p, starts_at=starts[slot_id]) for p in pair.members]))
    save()
    db.session.expire(event, ["meetings"])
    matched = sum(1 for pair in plan.values() if pair.reason == "match")
    return Proposal(len(plan), len(slots), len(plan) - matched, matched)


def filled(event: Event) -> tuple[int, int]:
    """(slots holding a meeting, slots)."""
    return len(event.meetings), len(event.slots)


def save() -> None:
    """Flush (the caller commits), turning a constraint violation into a clear conflict."""
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise EventError(409, _l("That slot is already used, or an organisation would be in two meetings at once."))


def refuse_if_away(participants, slot: EventSlot) -> None:
    for participant in participants:
        if as_utc(slot.starts_at) in away_times(participant):
            raise EventError(409, _l("%(org)s is not available at that time.",
                                     org=participant.organisation.display_name))


def move(meeting: EventMeeting, slot: EventSlot) -> None:
    refuse_if_away([m.participant for m in meeting.members], slot)
    meeting.slot_id = slot.id
    for member in meeting.members:
        member.starts_at = as_utc(slot.starts_at)
    changed(meeting)
    save()


def add_member(meeting: EventMeeting, participant: EventParticipant) -> None:
    """Make a meeting a consortium meeting by adding another invited organisation."""
    if any(m.participant_id == participant.id for m in meeting.members):
        raise EventError(409, _l("This organisation is already in the meeting."))
    refuse_if_away([participant], meeting.slot)
    meeting.members.append(EventMeetingMember(participant_id=participant.id, starts_at=as_utc(meeting.slot.starts_at)))
    changed(meeting)
    save()


def changed(meeting: EventMeeting) -> None:
    """Calendars that already hold the meeting see a new revision of it (SEQUENCE, LAST-MODIFIED)."""
    meeting.sequence += 1
    meeting.updated_at = utcnow()


def publish(event: Event) -> None:
    event.published = True
    for participant in event.participants:
        users = notifications.organisation_users(company_id=participant.company_id) if participant.company_id \
            else notifications.organisation_users(city_id=participant.city_id)
        notifications.notify(users, "event_published", {"event": event.title}, f"/events/{event.id}/agenda")


def agenda(event: Event, participant: EventParticipant) -> list[EventMeeting]:
    meetings = [m for m in event.meetings if any(x.participant_id == participant.id for x in m.members)]
    return sorted(meetings, key=lambda m: (as_utc(m.slot.starts_at), m.slot.table))


def calendar_meetings(user) -> list[EventMeeting]:
    """Meetings of published schedules that the user's organisation sits in (every one for staff)."""
    query = (select(EventMeeting).join(Event, EventMeeting.event_id == Event.id).join(EventSlot)
             .where(Event.published.is_(True)).order_by(EventSlot.starts_at, EventMeeting.id))
    if not user.is_staff:
        if user.city_id is None and user.company_id is None:
            return []
        mine = (EventParticipant.city_id == user.city_id) if user.city_id is not None \
            else (EventParticipant.company_id == user.company_id)
        query = query.where(EventMeeting.members.any(EventMeetingMember.participant.has(mine)))
    return db.session.scalars(query).all()
