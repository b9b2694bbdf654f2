"""Reference data edited by administrators: sector and country names, countries' JCM signing dates,
and the JCM screening rules.

Codes never change: listings, the glossary, bundles and the API refer to them. Rules are not
edited in place: a rule with a later effective date takes over from that date, so a past
screening can still be explained by the rule it used; only a rule not yet in force can be deleted.
"""
import re
from datetime import date
from zoneinfo import available_timezones

from flask import current_app
from flask_babel import lazy_gettext as _l

from .. import audit
from ..domain import DomainError
from ..extensions import db
from ..models import Country, JcmRule, Sector

PARTIAL_DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$")


class ReferenceError(DomainError):
    def __init__(self, message, field: str | None = None):
        super().__init__(message, 400, field)


def forget_cached_names() -> None:
    """This process's copies of the names; other processes refresh theirs within REFERENCE_TTL."""
    current_app.extensions.pop("matchapp_reference_names", None)
    current_app.extensions.pop("matchapp_reference_options", None)


def _apply(user, record, label: str, values: dict) -> list[str]:
    changed = [name for name, value in values.items() if getattr(record, name) != value]
    for name in changed:
        setattr(record, name, values[name])
    if changed:
        audit.record("reference_changed", label, ", ".join(f"{name}={values[name]!r}" for name in changed)[:2000],
                     user=user)
        db.session.flush()
        forget_cached_names()
    return changed


def update_sector(user, sector: Sector, **values) -> list[str]:
    if not (values.get("name_en") or "").strip() or not (values.get("name_ja") or "").strip():
        raise ReferenceError(_l("Give the name in English and in Japanese."), "name_en")
    return _apply(user, sector, f"sector {sector.code}", {k: (v or "").strip() for k, v in values.items()})


def update_country(user, country: Country, name_en: str, name_ja: str, timezone: str, jcm_signed: str) -> list[str]:
    name_en, name_ja, timezone, jcm_signed = (name_en or "").strip(), (name_ja or "").strip(), \
        (timezone or "").strip(), (jcm_signed or "").strip()
    if not name_en or not name_ja:
        raise ReferenceError(_l("Give the name in English and in Japanese."), "name_en")
    if timezone and timezone not in available_timezones():
        raise ReferenceError(_l("Choose a time zone such as Asia/Ho_Chi_Minh."), "timezone")
    if jcm_signed and not PARTIAL_DATE.match(jcm_signed):
        raise ReferenceError(_l("Give the signing date as YYYY-MM-DD, or YYYY-MM when only the month is known; "
                                "leave it empty for a country that has not signed."), "jcm_signed")
    return _apply(user, country, f"country {country.code}",
                  {"name_en": name_en, "name_ja": name_ja, "timezone": timezone or None,
                   "jcm_signed": jcm_signed or None})


def add_rule(user, effective_from: date, technology: str, country: str | None, threshold_jpy_per_t: int,
             max_rate: float, max_subsidy_jpy: int, min_payback_years: float, note: str = "") -> JcmRule:
    technology = (technology or "").strip().lower()
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", technology):
        raise ReferenceError(_l("Name the technology type in lower case, e.g. solar or general."), "technology")
    country = (country or "").strip().upper() or None
    if country is not None and db.session.get(Country, country) is None:
        raise ReferenceError(_l("No country has the code “%(code)s”.", code=country), "country")
    if not 0 < max_rate <= 1:
        raise ReferenceError(_l("The maximum subsidy rate is a share between 0 and 1, e.g. 0.5."), "max_rate")
    rule = JcmRule(effective_from=effective_from, technology=technology, country=country,
                   threshold_jpy_per_t=threshold_jpy_per_t, max_rate=max_rate, max_subsidy_jpy=max_subsidy_jpy,
                   min_payback_years=min_payback_years, note=(note or "").strip()[:300])
    db.session.add(rule)
    db.session.flush()
    audit.record("jcm_rule_added", f"{technology} {country or '*'} from {effective_from.isoformat()}",
                 f"threshold {threshold_jpy_per_t} JPY/t, rate {max_rate}, cap {max_subsidy_jpy} JPY, "
                 f"payback ≥ {min_payback_years} years", user=user)
    return rule


def delete_rule(user, rule: JcmRule, today: date) -> None:
    if rule.effective_from <= today:
        raise ReferenceError(_l("A rule already in force stays, so that past screenings can be explained: "
                                "add a newer rule instead."))
    audit.record("jcm_rule_deleted", f"{rule.technology} {rule.country or '*'} from {rule.effective_from.isoformat()}",
                 user=user)
    db.session.delete(rule)
