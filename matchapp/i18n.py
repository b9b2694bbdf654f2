"""Locale and time-zone selection for Flask-Babel."""
from flask import current_app, has_request_context, request, session
from flask_babel import _get_current_context, get_translations, lazy_gettext as _l
from flask_login import current_user

LOGIN_REQUIRED_MESSAGE = _l("Please log in to see this page.")


def select_locale() -> str:
    """Profile language, then the language switch, then the browser's preference."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    chosen = session.get("language")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str | None:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.timezone
    return None


def request_translations():
    """The current locale's translations, looked up once per request (and again after force_locale).

    Flask-Babel resolves the locale and its catalog on every call; a page of twenty match
    cards makes a few hundred calls, which cost more than the rest of the page. The cache
    lives in Flask-Babel's own per-request namespace, keyed by the locale object that
    force_locale replaces, so mail written in another language still gets its own catalog.
    """
    context = _get_current_context()
    if context is None:
        return get_translations()
    locale = getattr(context, "babel_locale", None)
    cached = getattr(context, "matchapp_translations", None)
    if locale is None or cached is None or cached[0] is not locale:
        translations = get_translations()  # sets context.babel_locale on a first call
        context.matchapp_translations = (getattr(context, "babel_locale", None), translations)
        return translations
    return cached[1]


def install_template_gettext(jinja_env) -> None:
    """Templates translate through request_translations (same results as Flask-Babel's callables)."""
    jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
    )


def gettext(string: str, **variables) -> str:
    """flask_babel.gettext through the per-request catalog (for code on hot paths)."""
    text = request_translations().ugettext(string)
    return text % variables if variables else text
