"""Turning stored listings into matching profiles, and keeping a per-process index of them.

Normalising and analysing text is the expensive part, so each technology's
profile is kept with the `updated_at` it was built from and rebuilt only when
that changes (another process may have edited it).
"""
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..listings.search import stale_before
from ..listings.services import freshness
from ..models import Need, Sector, Technology
from . import glossary as glossary_module
from .engine import NeedProfile, TechIndex, TechProfile, analyse, city_key
from .weights import Weights, load as load_weights

ACTIVE_NEED_STATUSES = ("open", "in_discussion")


def technology_profile(tech: Technology, glossary=None) -> TechProfile:
    glossary = glossary or glossary_module.load()
    delivered: dict = {}
    for delivery in tech.deliveries:
        year = delivery.year
        if delivery.country_code not in delivered or (year or 0) > (delivered[delivery.country_code] or 0):
            delivered[delivery.country_code] = year
    return TechProfile(
        id=tech.id, ref=tech.ref, company_ref=tech.company.ref, home_city=city_key(tech.company.home_city),
        sectors=frozenset(s.code for s in tech.sectors), countries=frozenset(c.code for c in tech.countries),
        delivered=delivered, jcm=tech.jcm_experience,
        analysis=analyse(glossary, tech.title, tech.title_alt, tech.summary, tech.summary_alt, tech.description,
                         tech.description_alt))


def need_profile(need: Need, glossary=None) -> NeedProfile:
    glossary = glossary or glossary_module.load()
    city = need.city
    return NeedProfile(
        id=need.id, ref=need.ref, city=city.name, country=city.country_code,
        country_is_jcm=city.country.is_jcm_partner,
        partners={city_key(p): p for p in city.japanese_partners},
        sectors=frozenset(s.code for s in need.sectors),
        analysis=analyse(glossary, need.title, need.title_alt, need.description, need.description_alt,
                         need.site, need.scale))


def technology_is_active(tech: Technology) -> bool:
    return tech.status == "published" and not freshness(tech).stale


def need_is_active(need: Need) -> bool:
    return need.status in ACTIVE_NEED_STATUSES and not freshness(need).stale


def active_technologies_query():
    return select(Technology).where(Technology.status == "published", Technology.confirmed_at >= stale_before())


def active_needs_query():
    return select(Need).where(Need.status.in_(ACTIVE_NEED_STATUSES), Need.confirmed_at >= stale_before())


class Catalog:
    """The index of active technologies for this process, brought up to date on each use."""

    def __init__(self):
        self.index: TechIndex | None = None
        self.versions: dict[int, object] = {}
        self.weights: Weights = load_weights()
        self.needs: dict[int, tuple] = {}

    def need(self, need: Need) -> NeedProfile:
        """The need's profile, analysed again only when the need changed."""
        cached = self.needs.get(need.id)
        if cached is None or cached[0] != need.updated_at:
            cached = (need.updated_at, need_profile(need))
            self.needs[need.id] = cached
        return cached[1]

    def sync(self) -> TechIndex:
        if self.index is None:
            self.index = TechIndex(list(db.session.scalars(select(Sector.code))))
        current = dict(db.session.execute(
            select(Technology.id, Technology.updated_at).where(
                Technology.status == "published", Technology.confirmed_at >= stale_before())).all())
        for tech_id in set(self.versions) - set(current):
            self.index.remove(tech_id)
            del self.versions[tech_id]
        changed = [tech_id for tech_id, version in current.items() if self.versions.get(tech_id) != version]
        if changed:
            glossary = glossary_module.load()
            query = (select(Technology)
                     .options(selectinload(Technology.sectors), selectinload(Technology.countries),
                              selectinload(Technology.deliveries), selectinload(Technology.company)))
            for chunk_start in range(0, len(changed), 5000):
                chunk = changed[chunk_start:chunk_start + 5000]
                for tech in db.session.scalars(query.where(Technology.id.in_(chunk))):
                    self.index.put(technology_profile(tech, glossary))
                    self.versions[tech.id] = current[tech.id]
        return self.index


_catalogs: dict[str, Catalog] = {}


def catalog() -> Catalog:
    """One catalog per database URL (tests run several databases in one process)."""
    key = str(db.engine.url)
    if key not in _catalogs:
        _catalogs[key] = Catalog()
    return _catalogs[key]



def count_active() -> tuple[int, int]:
    techs = db.session.scalar(select(func.count()).select_from(active_technologies_query().subquery()))
    needs = db.session.scalar(select(func.count()).select_from(active_needs_query().subquery()))
    return techs, needs
