"""Template filters and context shared by every page."""
from datetime import datetime
from zoneinfo import ZoneInfo

from babel import dates as babel_dates

from flask import current_app
from flask_babel import format_decimal, get_locale, get_timezone
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import select

from . import i18n
from .introductions.services import introduction_for_pair, side_for
from .extensions import db
from .listings.access import can_edit
from .listings.forms import FUNDING_LABELS
from .listings.saved import unseen_hits_query
from .listings.search import Filters
from .listings.services import available_actions
from .matching.reasons import render as render_reason
from .models.base import as_utc
from .notifications import render as render_notification, unread_query
from .workspace.forms import DETAIL_LABELS
from .workspace.projects import history_text

LANGUAGE_NAMES = {"en": "English", "ja": "日本語"}
ROLE_LABELS = {
    "company": _l("Company"),
    "city": _l("City"),
    "coordinator": _l("Coordinator"),
    "admin": _l("Administrator"),
    "partner": _l("Financier or consultant"),
}
STATUS_LABELS = {
    "draft": _l("Draft"),
    "published": _l("Published"),
    "archived": _l("Archived"),
    "open": _l("Open"),
    "in_discussion": _l("In discussion"),
    "closed": _l("Closed"),
}
INTRO_STATE_LABELS = {
    "requested": _l("Requested"), "accepted": _l("Accepted"), "declined": _l("Declined"),
    "withdrawn": _l("Withdrawn"), "expired": _l("Expired"), "meeting_scheduled": _l("Meeting scheduled"),
    "met": _l("Met"), "follow_up": _l("Follow-up"), "closed": _l("Closed"),
}
PROJECT_FUNDING_LABELS = {**FUNDING_LABELS, "other": _l("Other")}
FUNDING_STATUS_LABELS = {"applied": _l("Applied for"), "granted": _l("Granted"), "rejected": _l("Rejected")}
INTRO_ACTION_LABELS = {
    "request": _l("Requested"), "accept": _l("Accept"), "decline": _l("Decline"), "withdraw": _l("Withdraw"),
    "renew": _l("Renew the request"), "met": _l("We have met"), "follow_up": _l("Follow up"),
    "close": _l("Close"), "expire": _l("Expired"), "schedule": _l("Meeting scheduled"),
    "propose_meeting": _l("Meeting times proposed"), "reschedule_meeting": _l("New meeting times proposed"),
    "cancel_meeting": _l("Meeting cancelled"),
}


STAGE_LABELS = {
    "consultation": _l("Consultation"), "discovery": _l("Discovery / matching"), "planning": _l("Planning"),
    "feasibility": _l("Feasibility study"), "commercialisation": _l("Commercialisation"), "dropped": _l("Dropped"),
}
MEMBER_ROLE_LABELS = {
    "representative": _l("Representative company"), "japanese_firm": _l("Japanese firm"),
    "japanese_city": _l("Japanese city"), "overseas_city": _l("Overseas city"), "local_partner": _l("Local partner"),
    "financier": _l("Financier"),
}


def in_zone(moment, zone: str | None = None) -> datetime:
    """A stored (UTC) time in a named zone, or in the reader's zone."""
    return as_utc(moment).astimezone(ZoneInfo(zone) if zone else get_timezone())


def date_text(value, fmt: str = "medium") -> str:
    """A day in the page's locale; a stored time is first placed in the reader's zone."""
    if not value:
        return ""
    day = in_zone(value).date() if isinstance(value, datetime) else value
    return babel_dates.format_date(day, fmt, locale=get_locale())


def datetime_text(moment, zone: str | None = None) -> str:
    """A day and time, written the same way on every page of a locale.

    The day is the one `date_text` writes and the time is without seconds, joined by the
    locale's own pattern ("Mar 4, 2031, 10:00 AM"; "2031/03/04 10:00")."""
    if not moment:
        return ""
    local, locale = in_zone(moment, zone), get_locale()
    return locale.datetime_formats["medium"].format(babel_dates.format_time(local, "short", locale=locale),
                                                   babel_dates.format_date(local.date(), "medium", locale=locale))


def both_zones(moment, zones: dict) -> str:
    """A time in the viewer's zone, followed by the other parties' zones where they differ."""
    if moment is None:
        return ""
    viewer = current_user.timezone if current_user.is_authenticated else "UTC"
    shown = [viewer] + [z for z in dict.fromkeys(zones.values()) if z and z != viewer]
    return " / ".join(f"{datetime_text(moment, z)} ({z})" for z in shown)


def local_time(moment, zone: str) -> str:
    return babel_dates.format_time(in_zone(moment, zone), "short", locale=get_locale())


def project_label(kind: str, code):
    """Labels the project history names, by kind."""
    tables = {"stage": STAGE_LABELS, "field": DETAIL_LABELS, "source": PROJECT_FUNDING_LABELS,
              "status": FUNDING_STATUS_LABELS, "role": MEMBER_ROLE_LABELS}
    if kind == "number":
        return format_decimal(code)
    return tables[kind].get(code, code)


def navigation() -> list[tuple[str, dict, object]]:
    """Menu entries (endpoint, URL arguments, label) for the current user's role."""
    if not current_user.is_authenticated:
        return [("main.index", {}, _l("Home"))]
    items = [("main.dashboard", {}, _l("Dashboard")),
             ("listings.browse", {"kind": "technologies"}, _l("Technologies")),
             ("listings.browse", {"kind": "needs"}, _l("Needs")),
             ("introductions.index", {}, _l("Introductions")),
             ("introductions.inbox", {}, _l("Inbox")),
             ("main.calendar_page", {}, _l("Calendar")),
             ("events.index", {}, _l("Events")),
             ("listings.saved_searches", {}, _l("Saved searches"))]
    if current_user.is_staff:
        items += [("matching.overview", {}, _l("Best matches")),
                  ("main.organisations", {}, _l("Organisations")),
                  ("workspace.pipeline", {}, _l("Projects")),
                  ("workspace.dashboard", {}, _l("Figures")),
                  ("workspace.reports", {}, _l("Reports")),
                  ("workspace.announcements", {}, _l("Announcements")),
                  ("workspace.screening", {}, _l("JCM screening")),
                  ("listings.stale", {}, _l("Stale listings")),
                  ("listings.upload", {}, _l("Import"))]
    if current_user.role == "admin":
        items.append(("admin.users", {}, _l("Users")))
        items.append(("admin.audit_log", {}, _l("Audit log")))
        items.append(("ops.failed_jobs", {}, _l("Background jobs")))
    items.append(("accounts.profile", {}, _l("Profile")))
    return items


def listing_text(listing, field: str) -> str:
    """The listing's text in the reader's language when the owner gave a version in it."""
    alternative = getattr(listing, f"{field}_alt", "")
    if alternative and get_locale() is not None and get_locale().language == listing.alt_language:
        return alternative
    return getattr(listing, field)


def listing_version(listing, field: str, language: str) -> dict:
    """A listing's `field` in `language` when the owner wrote it in that language, else in the language
    it was written in: {"text", "lang", "missing"} (missing: no version in `language`)."""
    if listing.language == language:
        return {"text": getattr(listing, field), "lang": language, "missing": False}
    alternative = getattr(listing, f"{field}_alt", "")
    if alternative and listing.alt_language == language:
        return {"text": alternative, "lang": language, "missing": False}
    return {"text": getattr(listing, field), "lang": listing.language, "missing": True}


def other_listing_version(listing, field: str, language: str) -> dict | None:
    """The same field in the listing's other language, when there is one, for a bilingual page."""
    shown = listing_version(listing, field, language)
    if shown["missing"]:
        return None
    if shown["lang"] == listing.language:
        alternative = getattr(listing, f"{field}_alt", "")
        return {"text": alternative, "lang": listing.alt_language} if alternative else None
    return {"text": getattr(listing, field), "lang": listing.language}


def option_tags(choices, selected: str) -> Markup:
    """<option> elements for select choices (formkit.options); a Jinja loop over every
    country cost more than the rest of a listing page."""
    return Markup("".join(
        f'<option value="{escape(c.value)}"{" selected" if c.value == selected else ""}>{escape(c.label)}</option>'
        for c in choices))


def menu_badges(user) -> dict:
    """The navigation's two counters, read in one query."""
    if not user.is_authenticated:
        return {"unseen_hits": 0, "unread": 0}
    unseen, unread = db.session.execute(select(unseen_hits_query(user).scalar_subquery(),
                                               unread_query(user).scalar_subquery())).one()
    return {"unseen_hits": unseen, "unread": unread}


def visible_introduction_for(need, technology):
    """The pair's introduction for a reader who may see it (its two sides and staff), else None."""
    if side_for(current_user, need, technology) is None:
        return None
    return introduction_for_pair(need, technology)


def register(app) -> None:
    i18n.install_template_gettext(app.jinja_env)
    app.jinja_env.filters["datetime"] = datetime_text
    app.jinja_env.filters["date"] = date_text
    app.jinja_env.filters["number"] = lambda value: format_decimal(value) if value is not None else ""
    app.jinja_env.globals["lt"] = listing_text
    app.jinja_env.globals["booklet_version"] = listing_version
    app.jinja_env.globals["booklet_other"] = other_listing_version
    app.jinja_env.globals["option_tags"] = option_tags
    app.jinja_env.globals["intro_state_label"] = lambda state: INTRO_STATE_LABELS.get(state, state)
    app.jinja_env.globals["intro_action_label"] = lambda action: INTRO_ACTION_LABELS.get(action, action)
    app.jinja_env.globals["both_zones"] = both_zones
    app.jinja_env.globals["local_time"] = local_time
    app.jinja_env.globals["stage_label"] = lambda stage: STAGE_LABELS.get(stage, stage)
    app.jinja_env.globals["role_name"] = lambda role: MEMBER_ROLE_LABELS.get(role, role)
    app.jinja_env.globals["introduction_for"] = visible_introduction_for
    app.jinja_env.globals["notification_text"] = lambda item: render_notification(item.kind, item.params)
    app.jinja_env.globals["reason_text"] = render_reason
    app.jinja_env.globals["can_edit"] = can_edit
    app.jinja_env.globals["status_actions"] = available_actions
    app.jinja_env.globals["saved_search_args"] = lambda saved: Filters(**saved.filters()).as_args()
    app.jinja_env.globals["funding_label"] = lambda code: PROJECT_FUNDING_LABELS.get(code, code)
    app.jinja_env.globals["funding_status_label"] = lambda code: FUNDING_STATUS_LABELS.get(code, code)
    app.jinja_env.globals["project_history_text"] = lambda event: history_text(event, project_label)
    app.jinja_env.globals["role_label"] = lambda role: ROLE_LABELS.get(role, role)
    app.jinja_env.globals["status_label"] = lambda status: STATUS_LABELS.get(status, status)

    @app.context_processor
    def inject_layout():
        locale = get_locale()
        return {
            "navigation": navigation(),
            "current_language": locale.language if locale else "en",
            "language_names": LANGUAGE_NAMES,
            "languages": current_app.config["LANGUAGES"],
            **menu_badges(current_user),
        }
