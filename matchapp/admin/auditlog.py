"""The audit log read back: filters by actor, action, target and date range (in SQL), labels, and CSV rows."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..domain import DomainError
from ..extensions import db
from ..models import AuditEvent, User
from ..models.base import as_utc
from ..spreadsheet import neutralise

# Every action the code records (audit.record), as a reader names it.
ACTION_LABELS = {
    "login": _l("Logged in"),
    "login_failed": _l("Failed login"),
    "logout": _l("Logged out"),
    "registration": _l("Signed up"),
    "registration_existing_address": _l("Sign-up with an address that has an account"),
    "email_confirmed": _l("E-mail address confirmed"),
    "password_change": _l("Password changed"),
    "password_reset_requested": _l("Password reset requested"),
    "password_reset": _l("Password reset"),
    "credentials_revoked": _l("API tokens and calendar link revoked"),
    "token_revoke": _l("API token revoked"),
    "unsubscribe": _l("Unsubscribed from list mail (one-click link)"),
    "create_user": _l("Account created (command line)"),
    "export": _l("Export"),
    "import": _l("Import"),
    "delete": _l("Deletion"),
    "user_invited": _l("User invited"),
    "invitation_resent": _l("Invitation sent again"),
    "invitation_accepted": _l("Invitation accepted"),
    "role_change": _l("Role or organisation changed"),
    "user_deactivated": _l("User deactivated"),
    "user_reactivated": _l("User reactivated"),
    "company_edited": _l("Company edited"),
    "city_edited": _l("City edited"),
    "company_merged": _l("Companies merged"),
    "city_merged": _l("Cities merged"),
}
PER_PAGE = 50
CSV_COLUMNS = ["time_utc", "actor", "action", "action_label", "target", "detail", "ip"]


def action_label(action: str) -> str:
    return str(ACTION_LABELS[action]) if action in ACTION_LABELS else action


class AuditFilterError(DomainError):
    pass


@dataclass
class AuditFilters:
    actor: str = ""
    action: str = ""
    target: str = ""
    start: date | None = None
    end: date | None = None

    @classmethod
    def from_args(cls, args) -> "AuditFilters":
        """The filters of a request's arguments; AuditFilterError names a date that is not one."""
        return cls(**text_filters(args), start=parse_date(args.get("start"), "start"),
                   end=parse_date(args.get("end"), "end"))

    def as_args(self, **extra) -> dict:
        values = {"actor": self.actor, "action": self.action, "target": self.target,
                  "start": self.start.isoformat() if self.start else "", "end": self.end.isoformat() if self.end else "",
                  **extra}
        return {key: value for key, value in values.items() if value}


def text_filters(args) -> dict:
    """The filters that are words (they cannot be wrong, only find nothing)."""
    return {"actor": (args.get("actor") or "").strip()[:254], "action": (args.get("action") or "").strip()[:40],
            "target": (args.get("target") or "").strip()[:200]}


def parse_date(raw, field: str) -> date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        value = None
    if value is None or not 1900 <= value.year <= 2100:
        raise AuditFilterError(_l("Give the date as YYYY-MM-DD, e.g. 2026-04-01."), 400, field)
    return value


def day_start(day: date, zone: str) -> datetime:
    """The first moment of `day` in the reader's time zone, in UTC (how the log stores times)."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(zone)).astimezone(ZoneInfo("UTC"))


def query(filters: AuditFilters, zone: str):
    """(event, actor e-mail) rows matching the filters, newest first; `zone` reads the dates."""
    statement = (select(AuditEvent, User.email).outerjoin(User, AuditEvent.user_id == User.id)
                 .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()))
    if filters.actor:
        statement = statement.where(func.lower(User.email).contains(filters.actor.lower(), autoescape=True))
    if filters.action:
        statement = statement.where(AuditEvent.action == filters.action)
    if filters.target:
        statement = statement.where(func.lower(AuditEvent.target).contains(filters.target.lower(), autoescape=True))
    if filters.start:
        statement = statement.where(AuditEvent.at >= day_start(filters.start, zone))
    if filters.end:  # the whole of the last day
        statement = statement.where(AuditEvent.at < day_start(filters.end + timedelta(days=1), zone))
    return statement


def known_actions() -> list[str]:
    """Actions to filter by: the labelled ones and any other the log holds."""
    stored = db.session.scalars(select(AuditEvent.action).distinct()).all()
    return sorted(set(ACTION_LABELS) | set(stored), key=lambda action: action_label(action).lower())


def csv_row(event: AuditEvent, email: str | None) -> list[str]:
    """One event as CSV cells; text a spreadsheet would run as a formula is neutralised."""
    return [as_utc(event.at).isoformat(), neutralise(email or ""), neutralise(event.action),
            neutralise(action_label(event.action)), neutralise(event.target or ""), neutralise(event.detail or ""),
            neutralise(event.ip or "")]
