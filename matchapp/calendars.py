"""iCalendar (RFC 5545) files and feeds of meetings, built with the `icalendar` package.

A meeting is one event for its whole life: the same UID (unique across deployments: it names
PUBLIC_URL's host), a SEQUENCE that rises with every change, DTSTAMP and LAST-MODIFIED that move
only when the meeting does, and STATUS:CANCELLED once it is cancelled, so a calendar app that
polls the feed updates or strikes out the event it already has instead of adding another.
"""
import hashlib
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app, request
from flask import Response
from flask_babel import gettext as _
from icalendar import Calendar, Conference, Event, vCalAddress

from .models.base import as_utc

PRODID = "-//MatchApp//Meetings//EN"
REFRESH = timedelta(hours=1)
STATUSES = {"confirmed": "CONFIRMED", "proposed": "TENTATIVE", "cancelled": "CANCELLED"}


def public_host() -> str:
    return urlsplit(current_app.config["PUBLIC_URL"]).hostname or "matchapp"


def absolute(path: str) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


def address(user) -> vCalAddress:
    return vCalAddress.new(f"mailto:{user.email}", cn=user.name or user.email)


def meeting_event(meeting, people: dict) -> Event:
    """A VEVENT for an introduction's meeting; `people`: {"organizer": user or None, "attendees": [users]}."""
    introduction = meeting.introduction
    start = as_utc(meeting.starts_at)
    description = [f"{introduction.need.city.name} / {introduction.technology.company.name}"]
    if meeting.state == "proposed":
        description.append(_("New times are proposed; this time holds until one of them is picked."))
    event = Event.new(
        uid=f"meeting-{meeting.id}@{public_host()}", start=start,
        end=start + timedelta(minutes=meeting.duration_minutes),
        summary=f"MatchApp: {introduction.need.title} / {introduction.technology.title}",
        description="\n".join(description), status=STATUSES[meeting.state], sequence=meeting.version - 1,
        stamp=as_utc(meeting.updated_at), last_modified=as_utc(meeting.updated_at),
        created=as_utc(meeting.created_at), url=absolute(f"/introductions/{introduction.id}"),
        location=meeting.place if meeting.mode == "in_person" else _("Online"),
        conferences=[Conference(meeting.url, feature="VIDEO", label=_("Meeting link"))]
        if meeting.mode == "online" and meeting.url else None,
        organizer=address(people["organizer"]) if people.get("organizer") is not None else None,
        attendees=[address(user) for user in people.get("attendees", ())] or None)
    return event


def event_meeting_event(meeting) -> Event:
    """A VEVENT for a meeting in a matchmaking event's published schedule."""
    event, slot = meeting.event, meeting.slot
    start = as_utc(slot.starts_at)
    names = " / ".join(member.participant.organisation.name for member in meeting.members)
    return Event.new(
        uid=f"event-meeting-{meeting.id}@{public_host()}", start=start, end=start + timedelta(minutes=slot.minutes),
        summary=f"MatchApp: {event.title} — {names}", description=_("Table %(table)s", table=slot.table),
        status="CONFIRMED", sequence=meeting.sequence, stamp=as_utc(meeting.updated_at),
        last_modified=as_utc(meeting.updated_at), url=absolute(f"/events/{event.id}/agenda"),
        location=event.place if event.mode != "online" else _("Online"),
        conferences=[Conference(event.url, feature="VIDEO", label=_("Meeting link"))]
        if event.mode == "online" and event.url else None)


def calendar(events: list[Event], name: str) -> bytes:
    """The VCALENDAR of `events`, named for calendar apps, polled again every REFRESH."""
    cal = Calendar.new(prodid=PRODID, method="PUBLISH", name=name, uid=f"matchapp-calendar@{public_host()}",
                       subcomponents=events)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    return cal.to_ical()


def ics_response(body: bytes, filename: str, last_modified=None) -> Response:
    """The calendar with one charset, an ETag and Last-Modified; 304 when the poller has it already."""
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    if last_modified is not None:
        response.last_modified = as_utc(last_modified)
    return response.make_conditional(request)
