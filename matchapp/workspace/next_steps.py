"""What a user should do next, for the dashboard: answers owed, proposals pending, meetings
coming, meetings to record, and strong matches that are new since the last visit.

Companies and cities see their own organisation's work; coordinators and admins see the
whole programme. Everything is read with a few queries, each bounded by LIMIT.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..introductions.services import PARTIES, allowed
from ..listings.access import visible_condition
from ..models import Introduction, Match, Meeting, Need, Project, Technology
from ..models.base import as_utc, utcnow
from ..notifications import DIGEST_MIN_SCORE
from . import projects

LIMIT = 20
SIDE_LABELS = {"city": _l("the city"), "company": _l("the company")}
WEEK = timedelta(days=7)
FIRST_VISIT_WINDOW = timedelta(days=30)


@dataclass
class Waiting:
    """An unanswered request and the sides whose answer it waits for."""
    introduction: Introduction
    sides: list[str]

    @property
    def sides_text(self) -> str:
        return ", ".join(str(SIDE_LABELS[side]) for side in self.sides)


@dataclass
class NextSteps:
    answers: list[Introduction] = field(default_factory=list)  # waiting for this user's side
    waiting: list[Waiting] = field(default_factory=list)  # staff: every open request or proposal
    meetings: list[Meeting] = field(default_factory=list)  # confirmed, within the coming week
    to_record: list[Introduction] = field(default_factory=list)  # a meeting held: record it or follow up
    matches: list[Match] = field(default_factory=list)  # strong and new since the last visit
    overdue: list[Project] = field(default_factory=list)  # staff: projects whose next step is overdue
    since: datetime | None = None

    @property
    def empty(self) -> bool:
        return not (self.answers or self.waiting or self.meetings or self.to_record or self.matches or self.overdue)


def scoped(query, user):
    """`query` over Introduction restricted to what `user` takes part in (all of it for staff)."""
    if user.city_id is not None:
        return query.join(Need, Introduction.need_id == Need.id).where(Need.city_id == user.city_id)
    if user.company_id is not None:
        return query.join(Technology, Introduction.technology_id == Technology.id).where(
            Technology.company_id == user.company_id)
    return query if user.is_staff else query.where(False)


def side_of_user(user) -> str | None:
    if user.city_id is not None:
        return "city"
    if user.company_id is not None:
        return "company"
    return "coordinator" if user.is_staff else None


def pending_sides(introduction) -> list[str]:
    """The parties whose answer an open request or proposal waits for."""
    return [side for side in PARTIES if allowed(introduction, side, "accept")]


def for_user(user, now: datetime | None = None) -> NextSteps:
    now = now or utcnow()
    steps = NextSteps(since=user.previous_login_at)
    side = side_of_user(user)
    if side is None:
        return steps
    loads = (selectinload(Introduction.need).selectinload(Need.city),
             selectinload(Introduction.technology).selectinload(Technology.company))
    open_requests = db.session.scalars(scoped(
        select(Introduction).options(*loads)
        .where(Introduction.state == "requested", Introduction.expires_at > now), user)
        .order_by(Introduction.expires_at, Introduction.id).limit(200)).all()
    if side in PARTIES:
        steps.answers = [i for i in open_requests if allowed(i, side, "accept")][:LIMIT]
    else:
        steps.waiting = [Waiting(i, pending_sides(i)) for i in open_requests][:LIMIT]
        steps.overdue = projects.overdue(local_today(user, now), LIMIT)
    steps.meetings = coming_meetings(user, now)
    steps.to_record = to_record(user, now, loads)
    steps.matches = new_strong_matches(user, now)
    return steps


def local_today(user, now: datetime | None = None) -> date:
    return week_start(user, now or utcnow()).date()


def week_start(user, now: datetime) -> datetime:
    """Midnight today in the user's time zone: the coming week starts there."""
    local = as_utc(now).astimezone(ZoneInfo(user.timezone or "UTC"))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def coming_meetings(user, now: datetime) -> list[Meeting]:
    """Confirmed meetings still ahead, up to the end of the user's seventh local day.

    One that has begun moves to the meetings to record (see `to_record`), so a
    meeting never shows in both lists."""
    week_end = week_start(user, now) + WEEK
    query = (select(Meeting).join(Introduction, Meeting.introduction_id == Introduction.id)
             .options(selectinload(Meeting.introduction).selectinload(Introduction.need),
                      selectinload(Meeting.introduction).selectinload(Introduction.technology))
             .where(Meeting.state == "confirmed", Meeting.starts_at >= now, Meeting.starts_at < week_end))
    return db.session.scalars(scoped(query, user).order_by(Meeting.starts_at, Meeting.id).limit(LIMIT)).all()


def to_record(user, now: datetime, loads) -> list[Introduction]:
    """Meetings held but not marked so, and held meetings without a follow-up yet."""
    last_meeting = (select(Meeting.introduction_id, func.max(Meeting.starts_at).label("last"))
                    .where(Meeting.state == "confirmed").group_by(Meeting.introduction_id).subquery())
    query = (select(Introduction).options(*loads)
             .outerjoin(last_meeting, last_meeting.c.introduction_id == Introduction.id)
             .where((Introduction.state == "met")
                    | ((Introduction.state == "meeting_scheduled") & (last_meeting.c.last < now))))
    return db.session.scalars(scoped(query, user).order_by(Introduction.updated_at, Introduction.id)
                              .limit(LIMIT)).all()


def new_strong_matches(user, now: datetime) -> list[Match]:
    """Stored matches of at least the digest's score computed since the previous login (or the
    last 30 days on a first visit), best first, both listings visible to the user."""
    since = user.previous_login_at or now - FIRST_VISIT_WINDOW
    query = (select(Match).join(Need, Match.need_id == Need.id).join(Technology, Match.technology_id == Technology.id)
             .options(selectinload(Match.need).selectinload(Need.city),
                      selectinload(Match.technology).selectinload(Technology.company))
             .where(Match.computed_at > since, Match.score >= DIGEST_MIN_SCORE,
                    visible_condition(Need, user), visible_condition(Technology, user)))
    if user.city_id is not None:
        query = query.where(Need.city_id == user.city_id)
    elif user.company_id is not None:
        query = query.where(Technology.company_id == user.company_id)
    return db.session.scalars(query.order_by(Match.score.desc(), Match.id).limit(LIMIT)).all()
