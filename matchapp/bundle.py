"""Import and export of the JSON bundle format (CONTRACT.md), shared by CLI, web and CSV.

Import validates the whole bundle before writing anything, then upserts by `ref`
in one transaction; any error rolls everything back. Keys missing from an entry
leave the stored value unchanged, so a minimal bundle can update a richer record.
Each section's fields are described once in SPECS; validation, import and export
all follow it. Problems are written in the reader's language (English on the command line);
the entry and field names in them ('technologies[3] ref=x', 'cost_min') stay as in the file.
"""
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from zoneinfo import available_timezones

from flask_babel import gettext as _
from rapidfuzz import process
from sqlalchemy import select

from .extensions import db
from .models import (CURRENCIES, FUNDING_SOURCES, NEED_STATUSES, TECHNOLOGY_STATUSES, City, Company,
                     Country, Delivery, Need, Partnership, Sector, Technology)
from .models.base import as_utc
from .text import breaks_a_line
from .models.organisations import COMPANY_SIZES

SECTIONS = ("cities", "companies", "technologies", "needs")
MODELS = {"cities": City, "companies": Company, "technologies": Technology, "needs": Need}
REF_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
MAX_AMOUNT = 10**15
# Text fields written on one line: a line break here would break a mail subject, a calendar or a CSV row.
SINGLE_LINE = {"title", "title_alt", "name", "name_ja", "home_city", "website", "contact_name", "contact_email",
               "site", "scale", "timeline"}

LISTING_TEXT = {
    "title": (True, "text", 200), "description": (False, "text", 20000), "language": (False, "language"),
    "title_alt": (False, "text", 200), "description_alt": (False, "text", 20000),
    "contact_name": (False, "text", 120), "contact_email": (False, "text", 254),
    "confirmed_at": (False, "datetime"),
}
# field: (required, kind, argument)
SPECS = {
    "cities": {"ref": (True, "ref"), "name": (True, "text", 200), "name_ja": (False, "text", 200),
               "country": (True, "country"), "timezone": (False, "timezone"),
               "japanese_partners": (False, "names")},
    "companies": {"ref": (True, "ref"), "name": (True, "text", 200), "name_ja": (False, "text", 200),
                  "home_city": (False, "text", 120), "website": (False, "text", 255),
                  "size": (False, "enum", COMPANY_SIZES)},
    "technologies": {"ref": (True, "ref"), "company": (True, "owner", "companies"), **LISTING_TEXT,
                     "summary": (False, "text", 500), "summary_alt": (False, "text", 500),
                     "sectors": (False, "sectors"), "countries": (False, "countries"),
                     "status": (False, "enum", TECHNOLOGY_STATUSES), "deliveries": (False, "deliveries"),
                     "co2_reduction_t": (False, "number"), "co2_basis": (False, "text", 5000),
                     "cost_min": (False, "amount"), "cost_max": (False, "amount"),
                     "cost_currency": (False, "enum", CURRENCIES), "jcm_experience": (False, "bool")},
    "needs": {"ref": (True, "ref"), "city": (True, "owner", "cities"), **LISTING_TEXT,
              "sectors": (False, "sectors"), "status": (False, "enum", NEED_STATUSES),
              "site": (False, "text", 200), "scale": (False, "text", 200),
              "budget_min": (False, "amount"), "budget_max": (False, "amount"),
              "budget_currency": (False, "enum", CURRENCIES), "timeline": (False, "text", 200),
              "funding": (False, "funding")},
}


class BundleError(ValueError):
    """The bundle cannot be imported; `errors` lists every problem, each naming its entry."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class ImportResult:
    created: dict = field(default_factory=lambda: {s: 0 for s in SECTIONS})
    updated: dict = field(default_factory=lambda: {s: 0 for s in SECTIONS})
    new_listings: list = field(default_factory=list)
    listings: list = field(default_factory=list)

    def summary(self) -> str:
        return ", ".join(f"{s}: {self.created[s]} new, {self.updated[s]} updated" for s in SECTIONS)


def parse_datetime(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


class _Validator:
    """Checks entries against SPECS, the reference data and refs known in the bundle or the database."""

    def __init__(self, bundle: dict):
        self.errors: list[str] = []
        self.sectors = set(db.session.scalars(select(Sector.code)))
        self.countries = set(db.session.scalars(select(Country.code)))
        self.refs = {s: set(db.session.scalars(select(MODELS[s].ref))) for s in ("companies", "cities")}
        for section in ("companies", "cities"):
            for entry in bundle.get(section) or []:
                if isinstance(entry, dict) and isinstance(entry.get("ref"), str):
                    self.refs[section].add(entry["ref"])

    def check_entry(self, section: str, index: int, entry, seen: set) -> None:
        if not isinstance(entry, dict):
            self.errors.append(f"{section}[{index}]: " + _("an entry must be a JSON object"))
            return
        ref = entry.get("ref")
        where = f"{section}[{index}] ref={ref}" if isinstance(ref, str) else f"{section}[{index}]"
        spec = SPECS[section]
        problems = [_("missing required field '%(field)s'", field=k) for k, s in spec.items() if s[0] and k not in entry]
        problems += [_("unknown field '%(field)s'", field=k) for k in entry if k not in spec]
        for key, value in entry.items():
            if key in spec and not (value is None and not spec[key][0]):
                problem = self.check_value(key, value, *spec[key][1:])
                if problem:
                    problems.append(problem)
        if isinstance(ref, str) and REF_PATTERN.match(ref):
            if ref in seen:
                problems.append(_("duplicate ref '%(ref)s'", ref=ref))
            seen.add(ref)
        for low, high in (("cost_min", "cost_max"), ("budget_min", "budget_max")):
            if isinstance(entry.get(low), int) and isinstance(entry.get(high), int) and entry[low] > entry[high]:
                problems.append(_("'%(low)s' is larger than '%(high)s'", low=low, high=high))
        self.errors += [f"{where}: {p}" for p in problems]

    def check_value(self, key, value, kind, argument=None) -> str | None:
        """One field's problem, or None when it is acceptable."""
        if kind in ("text", "ref", "language", "timezone", "country", "owner", "datetime") and not isinstance(value, str):
            return _("'%(field)s' must be a string", field=key)
        if kind == "text":
            if len(value) > argument:
                return _("'%(field)s' is longer than %(n)d characters", field=key, n=argument)
            if key in SINGLE_LINE and breaks_a_line(value):
                return _("'%(field)s' must be one line, without line breaks or control characters", field=key)
            if key in ("title", "name") and not value.strip():
                return _("'%(field)s' must not be empty", field=key)
        elif kind == "ref" and not REF_PATTERN.match(value):
            return _("ref '%(ref)s' may hold only letters, digits, '.', '_' and '-' (at most 80)", ref=value)
        elif kind == "language" and not LANGUAGE_PATTERN.match(value):
            return _("language '%(value)s' is not a language code such as 'ja' or 'en'", value=value)
        elif kind == "timezone" and value and value not in available_timezones():
            return _("unknown time zone '%(value)s'", value=value)
        elif kind == "country" and value.upper() not in self.countries:
            return _("unknown country '%(value)s'", value=value)
        elif kind == "owner" and value not in self.refs[argument]:
            return (_("unknown company '%(value)s'", value=value) if argument == "companies"
                    else _("unknown city '%(value)s'", value=value))
        elif kind == "datetime":
            try:
                parse_datetime(value)
            except ValueError:
                return _("'%(field)s' must be an ISO 8601 date and time", field=key)
        elif kind == "enum" and value not in argument:
            return _("unknown %(field)s '%(value)s' (one of %(values)s)", field=key, value=value, values=", ".join(argument))
        elif kind == "bool" and not isinstance(value, bool):
            return _("'%(field)s' must be true or false", field=key)
        elif kind in ("number", "amount"):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind == "amount" and not isinstance(value, int)):
                return (_("'%(field)s' must be a whole number", field=key) if kind == "amount"
                        else _("'%(field)s' must be a number", field=key))
            if value < 0 or value > MAX_AMOUNT:
                return _("'%(field)s' must be between 0 and %(max)d", field=key, max=MAX_AMOUNT)
        elif kind in ("names", "sectors", "countries", "funding"):
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                return _("'%(field)s' must be a list of strings", field=key)
            known = {"sectors": self.sectors, "countries": self.countries, "funding": set(FUNDING_SOURCES)}.get(kind)
            for item in value if known else []:
                if (item.upper() if kind == "countries" else item) not in known:
                    hint = process.extractOne(item, known, score_cutoff=75) if kind == "sectors" else None
                    message = {"sectors": _("unknown sector '%(value)s'", value=item),
                               "countries": _("unknown country '%(value)s'", value=item),
                               "funding": _("unknown funding source '%(value)s'", value=item)}[kind]
                    return message + (" " + _("(did you mean '%(hint)s'?)", hint=hint[0]) if hint else "")
        elif kind == "deliveries":
            return self.check_deliveries(value)
        return None

    def check_deliveries(self, value) -> str | None:
        if not isinstance(value, list):
            return "'deliveries' must be a list"
        for i, item in enumerate(value):
            if not isinstance(item, dict) or not set(item) <= {"country", "city", "year"}:
                return f"deliveries[{i}] " + _("must be an object with country, city and year")
            if not isinstance(item.get("country"), str) or item["country"].upper() not in self.countries:
                return f"deliveries[{i}]: " + _("unknown country '%(value)s'", value=item.get("country"))
            if not isinstance(item.get("city", ""), str) or len(item.get("city", "")) > 120:
                return f"deliveries[{i}]: " + _("'city' must be a string of at most 120 characters")
            year = item.get("year")
            if year is not None and (isinstance(year, bool) or not isinstance(year, int) or not 1950 <= year <= 2100):
                return f"deliveries[{i}]: " + _("'year' must be a year such as 2019")
        return None


def validate_bundle(bundle) -> None:
    """Raise BundleError listing every problem; return quietly when the bundle is importable."""
    if not isinstance(bundle, dict):
        raise BundleError([_("the bundle must be a JSON object with cities, companies, technologies, needs")])
    unknown = sorted(set(bundle) - set(SECTIONS))
    if unknown:
        raise BundleError([_("unknown section '%(section)s' (expected %(sections)s)", section=key,
                             sections=", ".join(SECTIONS)) for key in unknown])
    validator = _Validator(bundle)
    for section in SECTIONS:
        entries = bundle.get(section, [])
        if not isinstance(entries, list):
            validator.errors.append(f"{section}: " + _("must be a list"))
            continue
        seen: set = set()
        for index, entry in enumerate(entries):
            validator.check_entry(section, index, entry, seen)
    if validator.errors:
        raise BundleError(validator.errors)


def _by_ref(model, ref: str):
    return db.session.scalar(select(model).where(model.ref == ref))


def _apply(obj, key: str, value, kind: str) -> None:
    """Store one validated field on `obj`."""
    if kind == "owner":
        setattr(obj, key, _by_ref(Company if key == "company" else City, value))
    elif kind == "country":
        obj.country = db.session.get(Country, value.upper())
    elif kind == "sectors":
        obj.sectors = [db.session.get(Sector, c) for c in dict.fromkeys(value)]
    elif kind == "countries":
        obj.countries = [db.session.get(Country, c.upper()) for c in dict.fromkeys(value)]
    elif kind == "names":
        wanted = list(dict.fromkeys(p.strip() for p in value))
        obj.partnerships = [p for p in obj.partnerships if p.japanese_city in wanted]
        present = {p.japanese_city for p in obj.partnerships}
        obj.partnerships.extend(Partnership(japanese_city=p) for p in wanted if p not in present)
    elif kind == "deliveries":
        obj.deliveries = [Delivery(country_code=d["country"].upper(), city=d.get("city", ""), year=d.get("year"))
                          for d in value]
    elif kind == "datetime":
        obj.confirmed_at = parse_datetime(value)
    elif kind in ("number", "amount", "timezone", "enum"):
        setattr(obj, key, value if value not in ("",) else None)
    else:
        setattr(obj, key, value if value is not None else "")


def apply_field(obj, key: str, value, section: str) -> None:
    """Store one already validated field of a `section` entry on `obj` (also used by forms)."""
    _apply(obj, key, value, SPECS[section][key][1])


def _upsert(section: str, entry: dict, result: ImportResult):
    model = MODELS[section]
    obj = _by_ref(model, entry["ref"])
    if obj is None:
        obj = model(ref=entry["ref"])
        db.session.add(obj)
        result.created[section] += 1
        if section in ("technologies", "needs"):
            result.new_listings.append(obj)
    else:
        result.updated[section] += 1
    if section in ("technologies", "needs"):
        result.listings.append(obj)
    for key, value in entry.items():
        if key != "ref":
            _apply(obj, key, value, SPECS[section][key][1])
    if section == "cities" and obj.timezone is None and "timezone" not in entry:
        obj.timezone = obj.country.timezone
    return obj


FLUSH_EVERY = 100


def import_bundle(bundle, on_new_listing=None, on_listings=None) -> ImportResult:
    """Validate then upsert everything in one transaction (the caller commits); nothing is written on error.

    `on_new_listing(listing)` runs for each created listing and `on_listings(all)`
    once for every created or updated listing (saved searches, matching), before
    the commit, inside the same transaction.
    """
    validate_bundle(bundle)
    result = ImportResult()
    try:
        for section in SECTIONS:
            for number, entry in enumerate(bundle.get(section, []), 1):
                # Look-ups inside an upsert must not flush the half-filled new row. Rows are
                # flushed FLUSH_EVERY at a time (refs are unique within a section, and a section
                # refers only to the sections before it, which are flushed by then).
                with db.session.no_autoflush:
                    _upsert(section, entry, result)
                if number % FLUSH_EVERY == 0:
                    db.session.flush()
            db.session.flush()
        for listing in result.new_listings if on_new_listing else []:
            on_new_listing(listing)
        if on_listings and result.listings:
            on_listings(result.listings)
    except Exception:
        db.session.rollback()
        raise
    return result


def _export_value(obj, key: str, kind: str):
    if kind == "owner":
        return getattr(obj, key).ref
    if kind == "country":
        return obj.country_code
    if kind == "sectors":
        return [s.code for s in obj.sectors]
    if kind == "countries":
        return [c.code for c in obj.countries]
    if kind == "names":
        return obj.japanese_partners
    if kind == "deliveries":
        return [{"country": d.country_code, "city": d.city, "year": d.year} for d in obj.deliveries]
    if kind == "datetime":
        return as_utc(obj.confirmed_at).isoformat() if obj.confirmed_at else None
    if kind == "funding":
        return list(obj.funding or [])
    return getattr(obj, key)


def export_entry(section: str, obj) -> dict:
    return {key: _export_value(obj, key, spec[1]) for key, spec in SPECS[section].items()}


def export_bundle() -> dict:
    """Every city, company, technology and need, sorted by ref, in the bundle format."""
    return {section: [export_entry(section, obj)
                      for obj in db.session.scalars(select(MODELS[section]).order_by(MODELS[section].ref))]
            for section in SECTIONS}
