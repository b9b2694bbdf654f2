"""A user's meetings by week or by month, in the user's own time zone."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..domain import DomainError
from ..extensions import db
from ..models import Introduction, Meeting
from ..models.base import as_utc
from .next_steps import scoped

VIEWS = ("week", "month")


class CalendarError(DomainError):
    def __init__(self, message):
        super().__init__(message, 400)


@dataclass
class Day:
    day: date
    in_period: bool  # False for the days of the neighbouring months that fill a month's first and last week
    meetings: list


@dataclass
class Period:
    view: str
    first: date  # the period's first day (Monday of the week, 1st of the month)
    weeks: list[list[Day]]
    previous: date
    next: date

    @property
    def count(self) -> int:
        return sum(len(d.meetings) for week in self.weeks for d in week if d.in_period)


def parse(view: str | None, start: str | None, today: date) -> tuple[str, date]:
    """The view and a day in it from the query string; CalendarError on anything else."""
    view = view or "week"
    if view not in VIEWS:
        raise CalendarError(_l("Choose the week or the month view."))
    if not start:
        return view, today
    try:
        day = date.fromisoformat(start)
    except ValueError:
        raise CalendarError(_l("Give the date as YYYY-MM-DD.")) from None
    if not 1900 < day.year < 9000:
        raise CalendarError(_l("Give the date as YYYY-MM-DD."))
    return view, day


def period(user, view: str, day: date) -> Period:
    if view == "week":
        first = day - timedelta(days=day.weekday())
        last, previous, following = first + timedelta(days=6), first - timedelta(days=7), first + timedelta(days=7)
    else:
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        last, previous = following - timedelta(days=1), (first - timedelta(days=1)).replace(day=1)
    grid_start = first - timedelta(days=first.weekday())
    grid_end = last + timedelta(days=6 - last.weekday())
    by_day = meetings_by_day(user, grid_start, grid_end)
    days = [grid_start + timedelta(days=n) for n in range((grid_end - grid_start).days + 1)]
    weeks = [[Day(d, first <= d <= last, by_day.get(d, [])) for d in days[n:n + 7]] for n in range(0, len(days), 7)]
    return Period(view, first, weeks, previous, following)


def meetings_by_day(user, first: date, last: date) -> dict[date, list[Meeting]]:
    """Confirmed meetings of the user's organisation (all for staff) from `first` to `last`, by local day."""
    zone = ZoneInfo(user.timezone or "UTC")
    start = datetime.combine(first, time(), zone)
    end = datetime.combine(last + timedelta(days=1), time(), zone)
    query = (select(Meeting).join(Introduction, Meeting.introduction_id == Introduction.id)
             .options(selectinload(Meeting.introduction).selectinload(Introduction.need),
                      selectinload(Meeting.introduction).selectinload(Introduction.technology))
             .where(Meeting.state == "confirmed", Meeting.starts_at >= start, Meeting.starts_at < end))
    days: dict[date, list[Meeting]] = {}
    for meeting in db.session.scalars(scoped(query, user).order_by(Meeting.starts_at, Meeting.id)):
        days.setdefault(as_utc(meeting.starts_at).astimezone(zone).date(), []).append(meeting)
    return days
