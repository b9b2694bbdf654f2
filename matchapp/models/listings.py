"""Listings: technologies offered by companies and needs posted by cities.

Each listing has its main text in `language` and, optionally, a version in the
other of Japanese/English (`*_alt`). `search_text` holds every text field
normalised (NFKC, case-folded) for substring search in both languages.
"""
from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Index, String, Table, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..extensions import db
from ..text import normalise
from .base import Timestamped, VersionChecked, utcnow

TECHNOLOGY_STATUSES = ("draft", "published", "archived")
NEED_STATUSES = ("draft", "open", "in_discussion", "closed")
FUNDING_SOURCES = ("city_to_city", "jcm_subsidy", "jica", "adb", "own_budget")
CURRENCIES = ("JPY", "USD", "VND", "THB", "PHP", "IDR", "KHR", "MMK", "MYR", "EUR")

technology_sectors = Table(
    "technology_sectors", db.metadata,
    Column("technology_id", ForeignKey("technologies.id", ondelete="CASCADE"), primary_key=True),
    Column("sector_code", ForeignKey("sectors.code"), primary_key=True),
)
technology_countries = Table(
    "technology_countries", db.metadata,
    Column("technology_id", ForeignKey("technologies.id", ondelete="CASCADE"), primary_key=True),
    Column("country_code", ForeignKey("countries.code"), primary_key=True),
)
need_sectors = Table(
    "need_sectors", db.metadata,
    Column("need_id", ForeignKey("needs.id", ondelete="CASCADE"), primary_key=True),
    Column("sector_code", ForeignKey("sectors.code"), primary_key=True),
)


class ListingText:
    """Text, contact and freshness fields shared by technologies and needs."""

    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    title_alt: Mapped[str] = mapped_column(String(200), default="")
    description_alt: Mapped[str] = mapped_column(Text, default="")
    contact_name: Mapped[str] = mapped_column(String(120), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    confirmed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    search_text: Mapped[str] = mapped_column(Text, default="")
    # Raised by every UPDATE (SQLAlchemy's version counter): a save from a stale copy matches no
    # row and fails with StaleDataError instead of silently overwriting someone else's change.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    @property
    def alt_language(self) -> str:
        """The language of the other version: English beside Japanese or any other language, else Japanese."""
        return "ja" if self.language == "en" else "en"


class Technology(ListingText, VersionChecked, Timestamped, db.Model):
    """A decarbonisation technology a company offers; no countries means any country."""

    __tablename__ = "technologies"
    # Browsing pages through the newest published listings: read in index order, no sort of all rows.
    __table_args__ = (Index("ix_technologies_status_created_at", "status", "created_at", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(80), unique=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="published", index=True)
    summary: Mapped[str] = mapped_column(String(500), default="")
    summary_alt: Mapped[str] = mapped_column(String(500), default="")
    co2_reduction_t: Mapped[Optional[float]] = mapped_column()
    co2_basis: Mapped[str] = mapped_column(Text, default="")
    cost_min: Mapped[Optional[int]] = mapped_column(db.BigInteger)
    cost_max: Mapped[Optional[int]] = mapped_column(db.BigInteger)
    cost_currency: Mapped[str] = mapped_column(String(3), default="JPY")
    jcm_experience: Mapped[bool] = mapped_column(default=False)

    company = relationship("Company", back_populates="technologies")
    sectors = relationship("Sector", secondary=technology_sectors, order_by="Sector.position")
    countries = relationship("Country", secondary=technology_countries, order_by="Country.code")
    deliveries = relationship("Delivery", back_populates="technology", cascade="all, delete-orphan",
                              order_by="(Delivery.year.desc(), Delivery.id)")

    @property
    def owner(self):
        return self.company


class Delivery(db.Model):
    """A place where a technology has already been delivered."""

    __tablename__ = "deliveries"
    id: Mapped[int] = mapped_column(primary_key=True)
    technology_id: Mapped[int] = mapped_column(ForeignKey("technologies.id", ondelete="CASCADE"), index=True)
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"))
    city: Mapped[str] = mapped_column(String(120), default="")
    year: Mapped[Optional[int]] = mapped_column()

    technology = relationship("Technology", back_populates="deliveries")
    country = relationship("Country")


class Need(ListingText, VersionChecked, Timestamped, db.Model):
    """A need posted by an overseas city; its country is the city's."""

    __tablename__ = "needs"
    __table_args__ = (Index("ix_needs_status_created_at", "status", "created_at", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(80), unique=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    site: Mapped[str] = mapped_column(String(200), default="")
    scale: Mapped[str] = mapped_column(String(200), default="")
    budget_min: Mapped[Optional[int]] = mapped_column(db.BigInteger)
    budget_max: Mapped[Optional[int]] = mapped_column(db.BigInteger)
    budget_currency: Mapped[str] = mapped_column(String(3), default="USD")
    timeline: Mapped[str] = mapped_column(String(200), default="")
    funding: Mapped[list] = mapped_column(JSON, default=list)

    city = relationship("City", back_populates="needs")
    sectors = relationship("Sector", secondary=need_sectors, order_by="Sector.position")

    @property
    def owner(self):
        return self.city


def listing_search_text(listing) -> str:
    """Everything a person might type to find this listing, normalised once at save time."""
    owner = listing.owner
    parts = [listing.ref, listing.title, listing.title_alt, listing.description, listing.description_alt]
    if owner is not None:
        parts += [owner.name, owner.name_ja]
    if isinstance(listing, Technology):
        parts += [listing.summary, listing.summary_alt, listing.co2_basis]
        parts += [d.city for d in listing.deliveries]
    else:
        parts += [listing.site, listing.scale, listing.timeline]
        if owner is not None and owner.country is not None:
            parts += [owner.country.name_en, owner.country.name_ja]
    return normalise(" \n".join(p for p in parts if p))


@event.listens_for(Session, "before_flush")
def _refresh_search_text(session, _context, _instances):
    """Keep search_text current whichever path (form, API, import) changed the listing."""
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, (Technology, Need)):
            obj.search_text = listing_search_text(obj)
            if obj in session.dirty and session.is_modified(obj):
                obj.updated_at = utcnow()  # also when only sectors or countries changed
