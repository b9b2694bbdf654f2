"""Listings: technologies offered by companies and needs posted by cities."""
from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import Timestamped

TECHNOLOGY_STATUSES = ("draft", "published", "archived")
NEED_STATUSES = ("draft", "open", "in_discussion", "closed")

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


class Technology(Timestamped, db.Model):
    """A decarbonisation technology a company offers; no countries means any country."""

    __tablename__ = "technologies"
    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(80), unique=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    status: Mapped[str] = mapped_column(String(20), default="published")

    company = relationship("Company", back_populates="technologies")
    sectors = relationship("Sector", secondary=technology_sectors, order_by="Sector.position")
    countries = relationship("Country", secondary=technology_countries, order_by="Country.code")


class Need(Timestamped, db.Model):
    """A need posted by an overseas city; its country is the city's."""

    __tablename__ = "needs"
    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(80), unique=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    status: Mapped[str] = mapped_column(String(20), default="open")

    city = relationship("City", back_populates="needs")
    sectors = relationship("Sector", secondary=need_sectors, order_by="Sector.position")
