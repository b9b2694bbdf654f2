"""Import and export of the JSON bundle format (CONTRACT.md), shared by CLI and web.

Import validates the whole bundle before writing anything, then upserts by `ref`
in one transaction; any error rolls everything back. Keys missing from an entry
leave the stored value unchanged, so a minimal bundle can update a richer record.
"""
import re
from dataclasses import dataclass, field
from zoneinfo import available_timezones

from rapidfuzz import process
from sqlalchemy import select

from .extensions import db
from .models import (NEED_STATUSES, TECHNOLOGY_STATUSES, City, Company, Country, Need,
                     Partnership, Sector, Technology)
from .models.organisations import COMPANY_SIZES

SECTIONS = ("cities", "companies", "technologies", "needs")
REF_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")

# (required keys, optional keys) per section.
FIELDS = {
    "cities": ({"ref", "name", "country"}, {"name_ja", "japanese_partners", "timezone"}),
    "companies": ({"ref", "name"}, {"name_ja", "home_city", "website", "size"}),
    "technologies": ({"ref", "company", "title"},
                     {"description", "sectors", "countries", "language", "status"}),
    "needs": ({"ref", "city", "title"}, {"description", "sectors", "language", "status"}),
}
MAX_TEXT = {"ref": 80, "country": 2, "company": 80, "city": 80, "name": 200, "name_ja": 200, "title": 200, "home_city": 120,
            "website": 255, "timezone": 64, "description": 20000}


class BundleError(ValueError):
    """The bundle cannot be imported; `errors` lists every problem, each naming its entry."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class ImportResult:
    created: dict = field(default_factory=lambda: {s: 0 for s in SECTIONS})
    updated: dict = field(default_factory=lambda: {s: 0 for s in SECTIONS})

    def summary(self) -> str:
        return ", ".join(f"{s}: {self.created[s]} new, {self.updated[s]} updated" for s in SECTIONS)


class _Validator:
    """Checks entries against the reference data and refs known in the bundle or the database."""

    def __init__(self, bundle: dict):
        self.errors: list[str] = []
        self.sectors = set(db.session.scalars(select(Sector.code)))
        self.countries = set(db.session.scalars(select(Country.code)))
        self.refs = {
            "companies": set(db.session.scalars(select(Company.ref))),
            "cities": set(db.session.scalars(select(City.ref))),
        }
        for section in ("companies", "cities"):
            for entry in bundle.get(section) or []:
                if isinstance(entry, dict) and isinstance(entry.get("ref"), str):
                    self.refs[section].add(entry["ref"])

    def fail(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    def check_entry(self, section: str, index: int, entry, seen: set) -> None:
        if not isinstance(entry, dict):
            self.fail(f"{section}[{index}]", "an entry must be a JSON object")
            return
        ref = entry.get("ref")
        where = f"{section}[{index}] ref={ref}" if isinstance(ref, str) else f"{section}[{index}]"
        required, optional = FIELDS[section]
        for key in sorted(required - entry.keys()):
            self.fail(where, f"missing required field '{key}'")
        for key in sorted(entry.keys() - required - optional):
            self.fail(where, f"unknown field '{key}'")
        for key, value in entry.items():
            if key in MAX_TEXT and value is not None:
                if not isinstance(value, str):
                    self.fail(where, f"'{key}' must be a string")
                elif len(value) > MAX_TEXT[key]:
                    self.fail(where, f"'{key}' is longer than {MAX_TEXT[key]} characters")
        if isinstance(ref, str):
            if not REF_PATTERN.match(ref):
                self.fail(where, f"ref '{ref}' may hold only letters, digits, '.', '_' and '-'")
            elif ref in seen:
                self.fail(where, f"duplicate ref '{ref}'")
            seen.add(ref)
        for key in ("title", "name"):
            if key in required and isinstance(entry.get(key), str) and not entry[key].strip():
                self.fail(where, f"'{key}' must not be empty")
        getattr(self, f"check_{section}")(where, entry)

    def check_codes(self, where: str, entry: dict, key: str, known: set, label: str, upper=False):
        values = entry.get(key, [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            self.fail(where, f"'{key}' must be a list of strings")
            return
        for value in values:
            code = value.upper() if upper else value
            if code not in known:
                hint = process.extractOne(value, known, score_cutoff=75) if not upper else None
                suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
                self.fail(where, f"unknown {label} '{value}'{suggestion}")

    def check_language_and_status(self, where: str, entry: dict, statuses) -> None:
        language = entry.get("language", "en")
        if not isinstance(language, str) or not LANGUAGE_PATTERN.match(language):
            self.fail(where, f"language '{language}' is not a language code such as 'ja' or 'en'")
        status = entry.get("status", statuses[1])
        if status not in statuses:
            self.fail(where, f"unknown status '{status}' (one of {', '.join(statuses)})")

    def check_cities(self, where: str, entry: dict) -> None:
        country = entry.get("country")
        if isinstance(country, str) and country.upper() not in self.countries:
            self.fail(where, f"unknown country '{country}'")
        zone = entry.get("timezone")
        if isinstance(zone, str) and zone and zone not in available_timezones():
            self.fail(where, f"unknown time zone '{zone}'")
        partners = entry.get("japanese_partners", [])
        if not isinstance(partners, list) or not all(isinstance(p, str) and p.strip() for p in partners):
            self.fail(where, "'japanese_partners' must be a list of city names")

    def check_companies(self, where: str, entry: dict) -> None:
        size = entry.get("size")
        if size is not None and size not in COMPANY_SIZES:
            self.fail(where, f"unknown size '{size}' (one of {', '.join(COMPANY_SIZES)})")

    def check_technologies(self, where: str, entry: dict) -> None:
        company = entry.get("company")
        if isinstance(company, str) and company not in self.refs["companies"]:
            self.fail(where, f"unknown company '{company}'")
        self.check_codes(where, entry, "sectors", self.sectors, "sector")
        self.check_codes(where, entry, "countries", self.countries, "country", upper=True)
        self.check_language_and_status(where, entry, TECHNOLOGY_STATUSES)

    def check_needs(self, where: str, entry: dict) -> None:
        city = entry.get("city")
        if isinstance(city, str) and city not in self.refs["cities"]:
            self.fail(where, f"unknown city '{city}'")
        self.check_codes(where, entry, "sectors", self.sectors, "sector")
        self.check_language_and_status(where, entry, NEED_STATUSES)


def validate_bundle(bundle) -> None:
    """Raise BundleError listing every problem; return quietly when the bundle is importable."""
    if not isinstance(bundle, dict):
        raise BundleError(["the bundle must be a JSON object with cities, companies, technologies, needs"])
    unknown = sorted(set(bundle) - set(SECTIONS))
    if unknown:
        raise BundleError([f"unknown section '{key}' (expected {', '.join(SECTIONS)})" for key in unknown])
    validator = _Validator(bundle)
    for section in SECTIONS:
        entries = bundle.get(section, [])
        if not isinstance(entries, list):
            validator.fail(section, "must be a list")
            continue
        seen: set = set()
        for index, entry in enumerate(entries):
            validator.check_entry(section, index, entry, seen)
    if validator.errors:
        raise BundleError(validator.errors)


def _get_or_new(model, ref: str, result: ImportResult, section: str):
    obj = db.session.scalar(select(model).where(model.ref == ref))
    if obj is None:
        obj = model(ref=ref)
        db.session.add(obj)
        result.created[section] += 1
    else:
        result.updated[section] += 1
    return obj


def _copy(obj, entry: dict, keys) -> None:
    for key in keys:
        if key in entry:
            setattr(obj, key, entry[key] if entry[key] is not None else "")


def _by_ref(model, ref: str):
    return db.session.scalar(select(model).where(model.ref == ref))


def _codes(model, codes: list[str], upper=False) -> list:
    return [db.session.get(model, c.upper() if upper else c) for c in dict.fromkeys(codes)]


def _upsert_city(entry: dict, result: ImportResult) -> None:
    city = _get_or_new(City, entry["ref"], result, "cities")
    _copy(city, entry, ("name", "name_ja"))
    city.country = db.session.get(Country, entry["country"].upper())
    if "timezone" in entry:
        city.timezone = entry["timezone"] or None
    elif city.timezone is None:
        city.timezone = city.country.timezone
    if "japanese_partners" in entry:
        wanted = list(dict.fromkeys(p.strip() for p in entry["japanese_partners"]))
        city.partnerships = [p for p in city.partnerships if p.japanese_city in wanted]
        present = {p.japanese_city for p in city.partnerships}
        city.partnerships.extend(Partnership(japanese_city=p) for p in wanted if p not in present)


def _upsert_company(entry: dict, result: ImportResult) -> None:
    company = _get_or_new(Company, entry["ref"], result, "companies")
    _copy(company, entry, ("name", "name_ja", "home_city", "website"))
    if "size" in entry:
        company.size = entry["size"]


def _upsert_technology(entry: dict, result: ImportResult) -> None:
    technology = _get_or_new(Technology, entry["ref"], result, "technologies")
    technology.company = _by_ref(Company, entry["company"])
    _copy(technology, entry, ("title", "description", "language", "status"))
    if "sectors" in entry:
        technology.sectors = _codes(Sector, entry["sectors"])
    if "countries" in entry:
        technology.countries = _codes(Country, entry["countries"], upper=True)


def _upsert_need(entry: dict, result: ImportResult) -> None:
    need = _get_or_new(Need, entry["ref"], result, "needs")
    need.city = _by_ref(City, entry["city"])
    _copy(need, entry, ("title", "description", "language", "status"))
    if "sectors" in entry:
        need.sectors = _codes(Sector, entry["sectors"])


UPSERTS = {"cities": _upsert_city, "companies": _upsert_company,
           "technologies": _upsert_technology, "needs": _upsert_need}


def import_bundle(bundle) -> ImportResult:
    """Validate then upsert everything in one transaction; nothing is written on error."""
    validate_bundle(bundle)
    result = ImportResult()
    try:
        for section in SECTIONS:
            for entry in bundle.get(section, []):
                # Look-ups inside an upsert must not flush the half-filled new row.
                with db.session.no_autoflush:
                    UPSERTS[section](entry, result)
                db.session.flush()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return result


def export_bundle() -> dict:
    """Every city, company, technology and need, sorted by ref, in the bundle format."""
    def all_of(model):
        return db.session.scalars(select(model).order_by(model.ref)).all()

    return {
        "cities": [{"ref": c.ref, "name": c.name, "name_ja": c.name_ja, "country": c.country_code,
                    "timezone": c.timezone, "japanese_partners": c.japanese_partners}
                   for c in all_of(City)],
        "companies": [{"ref": c.ref, "name": c.name, "name_ja": c.name_ja, "home_city": c.home_city,
                       "website": c.website, "size": c.size} for c in all_of(Company)],
        "technologies": [{"ref": t.ref, "company": t.company.ref, "title": t.title,
                          "description": t.description, "sectors": [s.code for s in t.sectors],
                          "countries": [c.code for c in t.countries], "language": t.language,
                          "status": t.status} for t in all_of(Technology)],
        "needs": [{"ref": n.ref, "city": n.city.ref, "title": n.title, "description": n.description,
                   "sectors": [s.code for s in n.sectors], "language": n.language,
                   "status": n.status} for n in all_of(Need)],
    }
