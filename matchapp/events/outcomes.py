"""After the event: what came of each meeting, and the introductions that follow-ups propose or advance.

A follow-up goes through the introductions workflow (its services, not a copy of
them): the pair's need and technology get a coordinator's proposal when they have no
introduction yet, and an existing one moves on as far as the meeting allows
(meeting scheduled -> met -> follow-up; an expired request is renewed). A follow-up
is also a labelled example for matching ("met"). Services flush; the caller commits.
"""
from dataclasses import dataclass

from flask_babel import gettext as _, lazy_gettext as _l

from ..extensions import db
from ..introductions import services as introductions
from ..matching import outcomes as match_outcomes
from ..models import EventMeeting, Introduction, Need, Technology
from ..models.base import as_utc, utcnow
from ..models.events import MEETING_OUTCOMES
from .services import EventError, best_matches

# The steps a follow-up takes an existing introduction through, from the state it is in.
ADVANCE = {"meeting_scheduled": ("met", "follow_up"), "met": ("follow_up",), "expired": ("renew",)}


@dataclass(frozen=True)
class FollowUp:
    """What a follow-up did for one need–technology pair: `proposed`, `advanced`, `unchanged` or `refused`."""

    need: Need
    technology: Technology
    change: str
    introduction: Introduction | None = None
    note: str = ""


def started(meeting: EventMeeting) -> bool:
    return as_utc(meeting.slot.starts_at) <= utcnow()


def pairs_of(meeting: EventMeeting) -> list[tuple[Need, Technology]]:
    """The need–technology pair of each company–city couple in the meeting: the one the schedule proposed the
    meeting for, else the couple's best stored match. A couple without any has no pair (nor do two companies)."""
    members = [m.participant for m in meeting.members]
    best = None
    pairs = []
    for company in (p for p in members if p.company_id):
        for city in (p for p in members if p.city_id):
            if meeting.need and meeting.technology and meeting.need.city_id == city.city_id \
                    and meeting.technology.company_id == company.company_id:
                pairs.append((meeting.need, meeting.technology))
                continue
            best = best if best is not None else best_matches(meeting.event)
            match = best.get((company.id, city.id))
            if match is not None:
                pairs.append((db.session.get(Need, match.need_id), db.session.get(Technology, match.technology_id)))
    return pairs


def record_outcome(user, meeting: EventMeeting, outcome: str) -> list[FollowUp]:
    """Record what came of a meeting that has started; a follow-up proposes or advances introductions."""
    if outcome not in MEETING_OUTCOMES:
        raise EventError(400, _l("Choose one of the outcomes."))
    if not started(meeting):
        raise EventError(409, _l("This meeting has not started yet: record its outcome afterwards."))
    meeting.outcome, meeting.outcome_at, meeting.outcome_by_id = outcome, utcnow(), user.id
    results = []
    if outcome == "follow_up":
        for need, technology in pairs_of(meeting):
            match_outcomes.record(need.id, technology.id, "met")
            results.append(follow_up(user, meeting, need, technology))
        made = [r.introduction for r in results if r.introduction is not None]
        if made:
            meeting.introduction_id = made[0].id
    db.session.flush()
    return results


def follow_up(user, meeting: EventMeeting, need: Need, technology: Technology) -> FollowUp:
    introduction = introductions.introduction_for_pair(need, technology)
    if introduction is None:
        try:
            introduction = introductions.request_introduction(
                user, need, technology, _("Follow-up agreed at %(event)s.", event=meeting.event.title))
        except introductions.IntroductionError as refusal:  # e.g. a listing closed since: nothing was written
            return FollowUp(need, technology, "refused", note=str(refusal.message))
        return FollowUp(need, technology, "proposed", introduction)
    note = _("Follow-up agreed at %(event)s.", event=meeting.event.title)
    advanced = False
    for action in ADVANCE.get(introduction.state, ()):
        if action not in introductions.available_actions(user, introduction):
            break
        introductions.act(user, introduction, action, note)
        advanced = True
    return FollowUp(need, technology, "advanced" if advanced else "unchanged", introduction)


def counts(event) -> dict[str, int]:
    """How many meetings had each outcome, and how many have none recorded yet (`pending`)."""
    result = dict.fromkeys(MEETING_OUTCOMES, 0) | {"pending": 0}
    for meeting in event.meetings:
        result[meeting.outcome or "pending"] += 1
    return result
