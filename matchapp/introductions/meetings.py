"""Meetings for an introduction: one side proposes times, the other picks one; calendars."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import calendars, notifications, signals
from ..extensions import db
from ..models import Introduction, Meeting, MeetingOption, Need, Technology
from ..models.base import as_utc, utcnow
from .services import IntroductionError, _compare_and_set, link, params, record, side_of, users_of
from ..locking import save_if_unchanged

MODES = ("online", "in_person")
MAX_OPTIONS = 5
COMPANY_TIMEZONE = "Asia/Tokyo"


def local_to_utc(moment: datetime, zone: str) -> datetime:
    """A naive local time typed by the user, in their zone, as UTC."""
    return moment.replace(tzinfo=ZoneInfo(zone)).astimezone(timezone.utc)


def party_timezones(introduction) -> dict:
    city = introduction.need.city
    return {"city": city.timezone or city.country.timezone or "UTC", "company": COMPANY_TIMEZONE}


def propose_refusal(user, introduction) -> IntroductionError | None:
    """Why `user` may not propose meeting times now, or None: the rule of the form and of `propose`."""
    if side_of(user, introduction) is None:
        return IntroductionError(404, _l("No such introduction."))
    if introduction.state not in ("accepted", "meeting_scheduled"):
        return IntroductionError(409, _l("Meetings can be proposed once the introduction is accepted."))
    return None


def may_propose(user, introduction) -> bool:
    return propose_refusal(user, introduction) is None


def propose(user, introduction, starts: list[datetime], mode: str, url: str = "", place: str = "",
            duration: int = 60) -> Meeting:
    """Offer one to five start times (UTC) for the other side to choose from."""
    refusal = propose_refusal(user, introduction)
    if refusal is not None:
        raise refusal
    side = side_of(user, introduction)
    starts = checked_proposal(starts, mode, url, place, duration)
    meeting = Meeting(introduction_id=introduction.id, mode=mode, url=url.strip()[:500], place=place.strip()[:300],
                      duration_minutes=duration, proposed_by_id=user.id, proposer_side=side,
                      options=[MeetingOption(starts_at=s) for s in starts])
    db.session.add(meeting)
    db.session.flush()
    record(introduction, "propose_meeting", user)
    signals.meeting_changed.send(meeting, action="propose", by=user, side=side)
    return meeting


def checked_proposal(starts: list[datetime], mode: str, url: str, place: str, duration: int) -> list[datetime]:
    """The proposed start times, distinct and sorted; IntroductionError(400) naming what is wrong."""
    starts = sorted({as_utc(s) for s in starts})
    if not 1 <= len(starts) <= MAX_OPTIONS:
        raise IntroductionError(400, _l("Propose between 1 and %(n)d times.", n=MAX_OPTIONS))
    if starts[0] <= utcnow():
        raise IntroductionError(400, _l("Proposed times must be in the future."))
    if mode not in MODES:
        raise IntroductionError(400, _l("Choose online or in person."))
    if mode == "online" and not url.startswith(("https://", "http://")):
        raise IntroductionError(400, _l("Give the meeting link (starting with https://)."))
    if mode == "in_person" and not place.strip():
        raise IntroductionError(400, _l("Give the meeting place."))
    if not 15 <= duration <= 480:
        raise IntroductionError(400, _l("A meeting lasts between 15 minutes and 8 hours."))
    return starts


def change_refusal(user, meeting: Meeting) -> IntroductionError | None:
    """Why `user` may not cancel or reschedule this meeting now, or None (either side may)."""
    side = side_of(user, meeting.introduction)
    if side is None:
        return IntroductionError(404, _l("No such meeting."))
    if meeting.state == "cancelled":
        return IntroductionError(409, _l("This meeting is cancelled."))
    if meeting.introduction.state not in ("accepted", "meeting_scheduled"):
        return IntroductionError(409, _l("This introduction is %(state)s: its meetings can no longer change.",
                                         state=meeting.introduction.state))
    return None


def may_change(user, meeting: Meeting) -> bool:
    return change_refusal(user, meeting) is None


def reschedule(user, meeting: Meeting, starts: list[datetime], mode: str, url: str = "", place: str = "",
               duration: int = 60) -> Meeting:
    """Offer new times for a meeting (confirmed or not); the other side picks one. A confirmed
    meeting keeps its time in calendars, marked tentative, until then: it stays one event."""
    refusal = change_refusal(user, meeting)
    if refusal is not None:
        raise refusal
    starts = checked_proposal(starts, mode, url, place, duration)
    side = side_of(user, meeting.introduction)
    meeting.options = [MeetingOption(starts_at=s) for s in starts]
    if not save_if_unchanged(meeting, state="proposed", mode=mode, url=url.strip()[:500], place=place.strip()[:300],
                             duration_minutes=duration, proposed_by_id=user.id, proposer_side=side):
        raise IntroductionError(409, _l("Someone else changed this meeting at the same moment. Please look again."))
    record(meeting.introduction, "reschedule_meeting", user)
    signals.meeting_changed.send(meeting, action="reschedule", by=user, side=side)
    return meeting


def cancel(user, meeting: Meeting) -> Meeting:
    """Call the meeting off (either side); an introduction left without a meeting is `accepted` again."""
    refusal = change_refusal(user, meeting)
    if refusal is not None:
        raise refusal
    introduction = meeting.introduction
    if not save_if_unchanged(meeting, state="cancelled"):
        raise IntroductionError(409, _l("Someone else changed this meeting at the same moment. Please look again."))
    still_held = any(m.state != "cancelled" and m.starts_at is not None for m in introduction.meetings)
    if introduction.state == "meeting_scheduled" and not still_held:
        if not _compare_and_set(introduction, state="accepted"):
            raise IntroductionError(409, _l("Someone else changed this introduction at the same moment. Please look again."))
    record(introduction, "cancel_meeting", user)
    signals.meeting_changed.send(meeting, action="cancel", by=user, side=side_of(user, introduction))
    return meeting


def cancel_when_closed(introduction, action: str, **_) -> None:
    """Receiver of `signals.introduction_changed`: closing an introduction cancels its meetings still
    to come, so calendars strike them out (the close itself tells both sides)."""
    if action != "close":
        return
    now = utcnow()
    for meeting in introduction.meetings:
        if meeting.state != "cancelled" and (meeting.starts_at is None or as_utc(meeting.starts_at) > now):
            meeting.state = "cancelled"
    db.session.flush()


def overlapping(introduction, start: datetime, minutes: int, ignore_id: int) -> bool:
    """Whether either organisation already has a confirmed meeting at that time."""
    end = start + timedelta(minutes=minutes)
    rows = db.session.execute(
        select(Meeting.starts_at, Meeting.duration_minutes)
        .join(Introduction, Meeting.introduction_id == Introduction.id)
        .join(Need, Introduction.need_id == Need.id).join(Technology, Introduction.technology_id == Technology.id)
        .where(Meeting.state == "confirmed", Meeting.id != ignore_id,
               (Need.city_id == introduction.need.city_id) | (Technology.company_id == introduction.technology.company_id))
    ).all()
    return any(as_utc(s) < end and start < as_utc(s) + timedelta(minutes=d) for s, d in rows)


def confirm_refusal(user, meeting: Meeting) -> IntroductionError | None:
    """Why `user` may not pick this meeting's time, or None: the rule of the form and of `confirm`."""
    side = side_of(user, meeting.introduction)
    if side is None:
        return IntroductionError(404, _l("No such meeting."))
    if side == meeting.proposer_side:
        return IntroductionError(409, _l("The other side picks the time."))
    if meeting.state != "proposed":
        return IntroductionError(409, _l("A time has already been chosen for this meeting."))
    return None


def may_confirm(user, meeting: Meeting) -> bool:
    return confirm_refusal(user, meeting) is None


def confirm(user, meeting: Meeting, option_id: int) -> Meeting:
    """The other side picks one of the proposed times; a compare-and-set makes the pick unique."""
    introduction = meeting.introduction
    refusal = confirm_refusal(user, meeting)
    if refusal is not None:
        raise refusal
    option = next((o for o in meeting.options if o.id == option_id), None)
    if option is None:
        raise IntroductionError(400, _l("Pick one of the proposed times."))
    start = as_utc(option.starts_at)
    if overlapping(introduction, start, meeting.duration_minutes, meeting.id):
        raise IntroductionError(409, _l("One of the organisations already has a meeting at that time."))
    if not save_if_unchanged(meeting, state="confirmed", starts_at=start):
        raise IntroductionError(409, _l("A time has already been chosen for this meeting."))
    if introduction.state == "accepted" and _compare_and_set(introduction, state="meeting_scheduled"):
        record(introduction, "schedule", user)
    signals.meeting_changed.send(meeting, action="confirm", by=user, side=side_of(user, introduction))
    return meeting


NOTICES = {"propose": "meeting_proposed", "reschedule": "meeting_rescheduled", "confirm": "meeting_confirmed",
           "cancel": "meeting_cancelled"}


def notify_parties(meeting, action: str, by, side: str | None, **_) -> None:
    """Receiver of `signals.meeting_changed`: proposed times and cancellations go to the other side,
    a confirmed time to both."""
    introduction = meeting.introduction
    kind = NOTICES[action]
    for party in ("city", "company"):
        if action == "confirm" or party != side:
            notifications.notify(users_of(introduction, party), kind, params(introduction, by),
                                 link(introduction))


def connect() -> None:
    signals.meeting_changed.connect(notify_parties)
    signals.introduction_changed.connect(cancel_when_closed)


def in_calendars(meeting: Meeting) -> bool:
    """Whether calendars show it: once it had a time (confirmed, being rescheduled, or cancelled after)."""
    return meeting.starts_at is not None


def calendar_event(meeting: Meeting):
    """The meeting as a calendar event: organised by whoever proposed its time, attended by both sides."""
    introduction = meeting.introduction
    attendees = {u.id: u for party in ("city", "company") for u in users_of(introduction, party)}
    return calendars.meeting_event(meeting, {"organizer": meeting.proposed_by, "attendees": list(attendees.values())})


def meetings_for(user, proposals: bool = False) -> list[Meeting]:
    """Meetings of the user's organisation that calendars show (all of them for staff); with
    `proposals`, also those still waiting for a time (after the others)."""
    query = (select(Meeting).join(Introduction, Meeting.introduction_id == Introduction.id)
             .order_by(Meeting.starts_at.is_(None), Meeting.starts_at, Meeting.id))
    if not proposals:
        query = query.where(Meeting.starts_at.is_not(None))
    if user.city_id is not None:
        query = query.join(Need, Introduction.need_id == Need.id).where(Need.city_id == user.city_id)
    elif user.company_id is not None:
        query = query.join(Technology, Introduction.technology_id == Technology.id).where(
            Technology.company_id == user.company_id)
    elif not user.is_staff:
        return []
    return db.session.scalars(query).all()
