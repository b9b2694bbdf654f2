"""Template filters and context shared by every page."""
from flask import current_app
from flask_babel import format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

LANGUAGE_NAMES = {"en": "English", "ja": "日本語"}
ROLE_LABELS = {
    "company": _l("Company"),
    "city": _l("City"),
    "coordinator": _l("Coordinator"),
    "admin": _l("Administrator"),
}
STATUS_LABELS = {
    "draft": _l("Draft"),
    "published": _l("Published"),
    "archived": _l("Archived"),
    "open": _l("Open"),
    "in_discussion": _l("In discussion"),
    "closed": _l("Closed"),
}


def navigation() -> list[tuple[str, object]]:
    """Menu entries (endpoint, label) for the current user's role."""
    if not current_user.is_authenticated:
        return [("main.index", _l("Home"))]
    items = [("main.dashboard", _l("Dashboard"))]
    if current_user.is_staff:
        items.append(("main.organisations", _l("Organisations")))
    items.append(("accounts.profile", _l("Profile")))
    return items


def register(app) -> None:
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": format_datetime(value, fmt) if value else ""
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
        }
