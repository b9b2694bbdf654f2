"""The coordinators' best matches: filters, best score first, one page at a time, all in SQL."""
import math
from dataclasses import dataclass, fields

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..domain import DomainError
from ..extensions import db
from ..models import City, Country, Match, Need, Sector
from ..models.listings import need_sectors
from ..paging import Page, paged
from .cards import OTHER_SIDE_LOADS

PER_PAGE = 50
DEFAULT_MIN_SCORE = 50
BOTH_SIDES_LOADS = OTHER_SIDE_LOADS["needs"] + OTHER_SIDE_LOADS["technologies"]


class FilterError(DomainError):
    """A filter value that cannot be used; `field` names the parameter."""

    def __init__(self, field: str, message):
        super().__init__(message, 400, field)


@dataclass
class Filters:
    country: str = ""
    sector: str = ""
    min_score: int = DEFAULT_MIN_SCORE
    page: int = 1

    def as_args(self, **overrides) -> dict:
        """The query arguments that differ from the defaults (for links that keep the filters)."""
        defaults = Filters()
        values = {f.name: getattr(self, f.name) for f in fields(self)} | overrides
        return {k: v for k, v in values.items() if v != getattr(defaults, k)}


def parse(args) -> tuple[Filters, list[FilterError]]:
    """Filters from query arguments. A value that cannot be used falls back to its default and is
    reported; the other filters are kept."""
    filters, errors = Filters(), []
    checks = {"country": lambda: known_code(Country, "country", (args.get("country") or "").strip().upper()),
              "sector": lambda: known_code(Sector, "sector", (args.get("sector") or "").strip()),
              "min_score": lambda: whole_number(args.get("min_score"), "min_score", DEFAULT_MIN_SCORE, 1, 100,
                                                _l("The minimum score must be a whole number from 1 to 100.")),
              "page": lambda: whole_number(args.get("page"), "page", 1, 1, math.inf,
                                           _l("The page number must be a whole number, 1 or more."))}
    for name, check in checks.items():
        try:
            setattr(filters, name, check())
        except FilterError as error:
            errors.append(error)
    return filters, errors


def known_code(model, name: str, code: str) -> str:
    """`code` if a row of `model` has it (or it is empty)."""
    if code and (len(code) > 40 or db.session.get(model, code) is None):
        message = (_l("No country has the code “%(code)s”.", code=code[:40]) if model is Country
                   else _l("No sector has the code “%(code)s”.", code=code[:40]))
        raise FilterError(name, message)
    return code


def whole_number(raw, name: str, default: int, minimum: int, maximum: int, message) -> int:
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:  # also a number with too many digits to convert
        raise FilterError(name, message)
    if not minimum <= value <= maximum:
        raise FilterError(name, message)
    return value


def conditions(filters: Filters) -> list:
    where = [Match.score >= filters.min_score]
    if filters.country:
        where.append(Need.city.has(City.country_code == filters.country))
    if filters.sector:
        where.append(Need.id.in_(select(need_sectors.c.need_id).where(need_sectors.c.sector_code == filters.sector)))
    return where


def best_matches(filters: Filters, per_page: int = PER_PAGE) -> Page:
    """One page of the stored matches that pass `filters`, best score first (ties by id);
    a page past the last is clamped to the last."""
    query = (select(Match).join(Need, Match.need_id == Need.id).where(*conditions(filters))
             .options(*BOTH_SIDES_LOADS).order_by(Match.score.desc(), Match.id))
    return paged(query, filters.page, per_page, clamp=True)
