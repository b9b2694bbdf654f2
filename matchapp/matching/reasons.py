"""Reasons a person can read, rendered from the structured reasons stored with each match."""
from babel import Locale
from flask_babel import force_locale, get_locale

from ..i18n import gettext as _

from ..models import Country, Sector
from ..models.reference import localized_pair, reference_names


def _names(model, codes) -> dict:
    known = reference_names(model)
    return {code: localized_pair(*known[code]) for code in codes if code in known}


def _language_name(code: str) -> str:
    try:
        return Locale.parse(code).get_display_name(get_locale() or "en")
    except (ValueError, TypeError):
        return code


def _in_reader_language(versions: dict) -> str:
    """The passage in the reader's language if the listing has it, else marked with the language it is in."""
    reader = str(get_locale() or "en")
    if reader in versions:
        return f"“{versions[reader]}”"
    language, text = next(iter(versions.items()))
    if language == "ja":
        marker = _("Japanese only")
    elif language == "en":
        marker = _("English only")
    else:
        marker = _("only in %(language)s", language=_language_name(language))
    return f"“{text}” ({marker})"


def _render(reason: dict) -> str:
    code = reason.get("code")
    if code == "passages":
        return _("Closest passages: %(need)s ↔ %(technology)s (similarity %(similarity).2f)",
                 need=_in_reader_language(reason["need"]), technology=_in_reader_language(reason["technology"]),
                 similarity=reason["similarity"])
    if code == "sectors_differ":
        names = _names(Sector, reason["need"] + reason["technology"])
        return _("Sectors differ (%(need)s / %(technology)s), but the texts match",
                 need=", ".join(names.get(s, s) for s in reason["need"]) or "—",
                 technology=", ".join(names.get(s, s) for s in reason["technology"]) or "—")
    if code == "experience_elsewhere":
        names = _names(Country, reason["countries"])
        return _("Experience elsewhere: %(countries)s",
                 countries=", ".join(names.get(c, c) for c in reason["countries"]))
    if code == "sectors":
        names = _names(Sector, reason["sectors"])
        text = ", ".join(f"{names.get(s, s)} ✓" for s in reason["sectors"])
        if reason["covered"] < reason["of"]:
            return _("Sector: %(sectors)s (%(covered)d of %(of)d)", sectors=text, covered=reason["covered"],
                     of=reason["of"])
        return _("Sector: %(sectors)s", sectors=text)
    if code in ("delivered", "targets", "jcm"):
        country = _names(Country, [reason["country"]]).get(reason["country"], reason["country"])
        if code == "delivered" and reason.get("year"):
            return _("Delivered in %(country)s (%(year)d)", country=country, year=reason["year"])
        if code == "delivered":
            return _("Delivered in %(country)s", country=country)
        if code == "targets":
            return _("Offered in %(country)s", country=country)
        return _("JCM partner country (%(country)s) and JCM experience", country=country)
    if code == "any_country":
        return _("Offered in any country")
    if code == "terms":
        terms = [need if need == tech else f"{need} = {tech}" for need, tech, _concept in reason["pairs"]]
        return _("Shared terms: %(terms)s", terms=", ".join(terms))
    if code == "partnership":
        return _("%(japanese_city)s – %(city)s city partnership", japanese_city=reason["japanese_city"],
                 city=reason["city"])
    return str(reason)


def render(reason: dict, language: str | None = None) -> str:
    """One reason as text, in `language` or the current locale."""
    if language is None:
        return _render(reason)
    with force_locale(language):
        return _render(reason)
