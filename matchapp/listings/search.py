"""Filtering, text search, sorting and paging of listings, shared by pages, API and saved searches."""
import math
from dataclasses import dataclass, field
from functools import cached_property
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import and_, exists, func, or_, select, true
from sqlalchemy.orm import joinedload, selectinload

from ..caching import app_cache
from ..extensions import db
from ..models.base import as_utc, core_rows
from ..models.reference import reference_names
from ..models import NEED_STATUSES, TECHNOLOGY_STATUSES, City, Country, Need, Sector, Technology
from ..models.listings import technology_countries, technology_sectors, need_sectors
from ..text import escape_like, search_terms
from .access import visible_condition
from ..domain import DomainError

STATUSES = {Technology: TECHNOLOGY_STATUSES, Need: NEED_STATUSES}
DEFAULT_STATUSES = {Technology: ("published",), Need: ("open", "in_discussion")}
SORTS = {
    "newest": lambda m: (m.created_at.desc(), m.id.desc()),
    "updated": lambda m: (m.updated_at.desc(), m.id.desc()),
    "title": lambda m: (m.title.asc(), m.id.asc()),
    "confirmed": lambda m: (m.confirmed_at.asc(), m.id.asc()),
}
# With a query, results can also be ranked by relevance (the default then): see matching.textsearch.
RELEVANCE = "relevance"
SORT_NAMES = (RELEVANCE, *SORTS)
# Python sort keys for the same orders, used when a query's results are ranked in memory.
SORT_KEYS = {
    "newest": lambda row: (-as_utc(row.created_at).timestamp(), -row.id),
    "updated": lambda row: (-as_utc(row.updated_at).timestamp(), -row.id),
    "title": lambda row: (row.title, row.id),
    "confirmed": lambda row: (as_utc(row.confirmed_at).timestamp(), row.id),
}
MAX_PER_PAGE = 100


class FilterError(DomainError):
    """A filter value that names nothing; `field` says which parameter."""

    def __init__(self, field: str, message: str):
        super().__init__(message, 400, field)


@dataclass
class Filters:
    q: str = ""
    sector: str = ""
    country: str = ""
    jcm: bool = False
    language: str = ""
    status: str = ""
    sort: str = "newest"
    page: int = 1
    per_page: int = 20

    @classmethod
    def parse(cls, args, model) -> "Filters":
        """Read filters from request arguments; unknown codes raise FilterError."""
        filters = cls(q=(args.get("q") or "").strip()[:200], sector=(args.get("sector") or "").strip(),
                      country=(args.get("country") or "").strip().upper(),
                      jcm=flag(args.get("jcm"), "jcm"),
                      language=(args.get("language") or "").strip().lower(),
                      status=(args.get("status") or "").strip(), sort=(args.get("sort") or "").strip())
        filters.sort = filters.sort or RELEVANCE
        if filters.sort == RELEVANCE and not filters.q:  # nothing to be relevant to
            filters.sort = "newest"
        if filters.language not in ("", "ja", "en"):
            raise FilterError("language", f"unknown language '{filters.language}' (ja or en)")
        if filters.sector and filters.sector not in reference_names(Sector):  # fixed for the app's life
            raise FilterError("sector", f"unknown sector '{filters.sector}'")
        if filters.country and filters.country not in reference_names(Country):
            raise FilterError("country", f"unknown country '{filters.country}'")
        if filters.status not in ("", "any", *STATUSES[model]):
            raise FilterError("status", f"unknown status '{filters.status}'")
        if filters.sort not in SORT_NAMES:
            raise FilterError("sort", f"unknown sort '{filters.sort}' (one of {', '.join(SORT_NAMES)})")
        filters.page = positive_int(args.get("page"), "page", 1, 10**6)
        filters.per_page = positive_int(args.get("per_page"), "per_page", 20, MAX_PER_PAGE)
        return filters

    def as_args(self, **overrides) -> dict:
        """Query-string arguments for links (pagination, sorting), without defaults."""
        values = dict(q=self.q, sector=self.sector, country=self.country, jcm="1" if self.jcm else "",
                      language=self.language, status=self.status, sort=self.sort,
                      page=self.page, per_page=self.per_page)
        values.update(overrides)
        defaults = {"sort": RELEVANCE if self.q else "newest", "page": 1, "per_page": 20}
        return {k: v for k, v in values.items() if v not in ("", None) and defaults.get(k) != v}



def flag(raw, name: str) -> bool:
    """A yes/no filter: absent or one of the usual spellings; anything else is a FilterError."""
    value = (raw or "").strip().lower()
    if value in ("", "0", "false", "off", "no"):
        return False
    if value in ("1", "true", "on", "yes"):
        return True
    raise FilterError(name, f"'{name}' must be true or false")


def positive_int(raw, name: str, default: int, maximum: int) -> int:
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise FilterError(name, f"'{name}' must be a whole number")
    if value < 1 or value > maximum:
        raise FilterError(name, f"'{name}' must be between 1 and {maximum}")
    return value


@dataclass
class Page:
    """One page of results: their ids in order; the listings themselves are read on first use."""
    model: type
    ids: list
    total: int
    page: int
    per_page: int
    filters: Filters = field(default_factory=Filters)

    @cached_property
    def items(self) -> list:
        return rows(self.model, self.ids)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def stale_before() -> datetime:
    """Listings confirmed before this moment are stale: hidden from matching until renewed."""
    days = current_app.config["LISTING_FRESH_DAYS"] + current_app.config["LISTING_GRACE_DAYS"]
    return datetime.now(timezone.utc) - timedelta(days=days)


def reminder_before() -> datetime:
    """Listings confirmed before this moment are due for confirmation by their owners."""
    return datetime.now(timezone.utc) - timedelta(days=current_app.config["LISTING_FRESH_DAYS"])


def text_conditions(model, q: str) -> list:
    """Every term of the query as a substring of the listing's normalised text."""
    return [model.search_text.like(f"%{escape_like(term)}%", escape="\\") for term in search_terms(q)]


def conditions(model, filters: Filters, viewer, text: bool = True) -> list:
    """SQL conditions for `filters` as seen by `viewer` (`text=False`: without the query's substrings)."""
    where = [visible_condition(model, viewer)]
    if filters.status == "":
        where.append(model.status.in_(DEFAULT_STATUSES[model]))
    elif filters.status != "any":
        where.append(model.status == filters.status)
    if text:
        where += text_conditions(model, filters.q)
    if filters.sector:
        link = technology_sectors if model is Technology else need_sectors
        key = link.c.technology_id if model is Technology else link.c.need_id
        where.append(exists().where(key == model.id, link.c.sector_code == filters.sector))
    if filters.language:
        other = "en" if filters.language == "ja" else "ja"
        where.append(or_(model.language == filters.language,
                         and_(model.title_alt != "", model.language == other) if filters.language in ("ja", "en")
                         else False))
    where += _country_conditions(model, filters)
    return where


def _country_conditions(model, filters: Filters) -> list:
    if model is Need:
        where = []
        if filters.country:
            where.append(Need.city.has(City.country_code == filters.country))
        if filters.jcm:
            where.append(Need.city.has(City.country.has(Country.jcm_signed.is_not(None))))
        return where
    link = technology_countries
    open_to_any = ~exists().where(link.c.technology_id == Technology.id)
    where = []
    if filters.country:
        where.append(or_(exists().where(link.c.technology_id == Technology.id,
                                        link.c.country_code == filters.country), open_to_any))
    if filters.jcm:
        jcm_codes = select(Country.code).where(Country.jcm_signed.is_not(None))
        where.append(or_(exists().where(link.c.technology_id == Technology.id,
                                        link.c.country_code.in_(jcm_codes)), open_to_any))
    return where


# What a result card shows, read with the page instead of several queries per card.
CARD_LOADS = {
    Technology: (joinedload(Technology.company), selectinload(Technology.sectors),
                 selectinload(Technology.countries)),
    Need: (joinedload(Need.city).joinedload(City.country), selectinload(Need.sectors)),
}


def rows(model, ids: list[int], loads=()) -> list:
    """The listings `ids` in that order, with what their cards show (and `loads`)."""
    rows = {row.id: row for row in db.session.scalars(
        select(model).where(model.id.in_(ids)).options(*CARD_LOADS[model], *loads))} if ids else {}
    return [rows[i] for i in ids]


MAX_CACHED_RESULTS = 500  # queries with their filters; each a list of ids


def viewer_key(model, viewer) -> tuple:
    """What of the viewer decides which listings of `model` they see (see access.visible_condition)."""
    if viewer.is_staff:
        return ("staff",)
    owner = viewer.company_id if model is Technology else viewer.city_id
    return ("owner", owner) if owner is not None else ("public",)


def _results_key(model, filters: Filters, viewer) -> tuple:
    """What a query's results depend on besides the listings: the viewer's visibility, the filters
    and, with `jcm`, which countries are partners."""
    partners = tuple(db.session.scalars(select(Country.code).where(Country.jcm_signed.is_not(None))
                                        .order_by(Country.code))) if filters.jcm else ()
    return (model.__name__, viewer_key(model, viewer), partners,
            *(getattr(filters, name) for name in ("q", "sector", "country", "jcm", "language", "status", "sort")))


def _ranked_by_meaning(model, filters: Filters, viewer, only=None) -> list[tuple]:
    """(sort key, id) of every listing matching the query and filters (`only`: among these ids),
    in the order asked for."""
    from ..matching import textsearch  # matching reads listings; listings call back only here

    where = [c for c in conditions(model, filters, viewer, text=False) if c is not True]
    if only is not None:
        where.append(model.id.in_(sorted(only)))
    columns = {"newest": model.created_at, "updated": model.updated_at, "title": model.title,
               "confirmed": model.confirmed_at}
    candidates = core_rows(select(model.id, *([columns[filters.sort]] if filters.sort in columns else []))
                     .where(true(), *where))
    exact = {row.id for row in core_rows(select(model.id).where(true(), *where, *text_conditions(model, filters.q)))}
    found, scores = textsearch.relevance_arrays(model, filters.q, [row.id for row in candidates], exact)
    if filters.sort == RELEVANCE:  # best first; among equals the newest id
        return sorted(((-score, -listing_id), listing_id) for listing_id, score in zip(found.tolist(), scores.tolist()))
    kept, key = set(found.tolist()), SORT_KEYS[filters.sort]
    return sorted((key(row), row.id) for row in candidates if row.id in kept)


def _ranked_by_filters(model, filters: Filters, viewer, only=None) -> list[tuple]:
    """(sort key, id) of every listing passing the filters (no query; `only`: among these ids), in
    the order asked for: the same order as SORTS gives in SQL."""
    where = [c for c in conditions(model, filters, viewer) if c is not True]
    if only is not None:
        where.append(model.id.in_(sorted(only)))
    column = {"newest": model.created_at, "updated": model.updated_at, "confirmed": model.confirmed_at}[filters.sort]
    key = SORT_KEYS[filters.sort]
    return sorted((key(row), row.id) for row in core_rows(select(model.id, column).where(true(), *where)))


def _current_ranking(model, filters: Filters, viewer, rank=_ranked_by_meaning) -> list[tuple]:
    """A technology ranking (`rank`'s), kept between requests: when listings changed since it was
    computed (the change log names them), only those are read and ranked again and merged in."""
    from ..matching import textsearch

    position = textsearch.index_position() if model is Technology else None
    if position is None:  # needs have no change log; or this session's own writes are not committed yet
        return rank(model, filters, viewer)
    cache, key = app_cache("search_results", MAX_CACHED_RESULTS), _results_key(model, filters, viewer)
    kept = cache.get(key)
    if kept is not None and kept[0] == position:
        return kept[1]
    changed = textsearch.changed_since(kept[0]) if kept is not None else None
    if changed is None:
        ranking = rank(model, filters, viewer)
    else:
        fresh = rank(model, filters, viewer, only=changed) if changed else []
        ranking = sorted([entry for entry in kept[1] if entry[1] not in changed] + fresh)
    cache.put(key, (position, ranking))
    return ranking


def _page_of(model, ranking: list[tuple], filters: Filters) -> Page:
    start = (filters.page - 1) * filters.per_page
    ids = [listing_id for _key, listing_id in ranking[start:start + filters.per_page]]
    return Page(model, ids, len(ranking), filters.page, filters.per_page, filters)


def search_by_meaning(model, filters: Filters, viewer) -> Page:
    """A query's results: exact substrings, shared glossary concepts and close meaning, in any language."""
    return _page_of(model, _current_ranking(model, filters, viewer), filters)


def search(model, filters: Filters, viewer) -> Page:
    """One page of listings of `model` matching `filters`, visible to `viewer`, and the total."""
    if filters.q:
        return search_by_meaning(model, filters, viewer)
    if model is Technology and filters.sort != "title":
        # Kept like a query's ranking: browsing sends no count and no page query while nothing changed.
        # Titles stay sorted by the database, whose collation Python's order would not follow.
        return _page_of(model, _current_ranking(model, filters, viewer, _ranked_by_filters), filters)
    where = [c for c in conditions(model, filters, viewer) if c is not True]
    total = db.session.scalar(select(func.count()).select_from(model).where(true(), *where))
    # The page's ids first (sorted from the index, without reading whole rows), then those rows.
    ids = db.session.scalars(select(model.id).where(true(), *where).order_by(*SORTS[filters.sort](model))
                             .offset((filters.page - 1) * filters.per_page).limit(filters.per_page)).all()
    return Page(model, ids, total, filters.page, filters.per_page, filters)


def matches(listing, filters: Filters, viewer) -> bool:
    """Whether one listing passes the filters (used to evaluate saved searches)."""
    model = type(listing)
    where = [c for c in conditions(model, filters, viewer, text=False) if c is not True]
    if db.session.scalar(select(model.id).where(model.id == listing.id, *where)) is None:
        return False
    if not filters.q:
        return True
    from ..matching import profiles, textsearch

    profiles.compute_profiles([listing])  # a listing published a moment ago may not have its vector yet
    exact = db.session.scalar(select(model.id).where(model.id == listing.id, *text_conditions(model, filters.q)))
    return listing.id in textsearch.relevance(model, filters.q, [listing.id], {exact} - {None})
