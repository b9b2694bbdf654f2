"""Organisations: Japanese companies and overseas partner cities."""
from typing import Optional

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import Timestamped
from .reference import localized_pair

COMPANY_SIZES = ("small", "medium", "large")


class Company(Timestamped, db.Model):
    """A Japanese firm that lists technologies."""

    __tablename__ = "companies"
    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_ja: Mapped[str] = mapped_column(String(200), default="")
    home_city: Mapped[str] = mapped_column(String(120), default="")
    website: Mapped[str] = mapped_column(String(255), default="")
    size: Mapped[Optional[str]] = mapped_column(String(10))

    technologies = relationship("Technology", back_populates="company", order_by="Technology.ref")

    @property
    def display_name(self) -> str:
        return localized_pair(self.name, self.name_ja)


class City(Timestamped, db.Model):
    """An overseas city or agency that posts needs."""

    __tablename__ = "cities"
    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_ja: Mapped[str] = mapped_column(String(200), default="")
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"))
    timezone: Mapped[Optional[str]] = mapped_column(String(64))

    country = relationship("Country")
    partnerships = relationship(
        "Partnership", back_populates="city", cascade="all, delete-orphan",
        order_by="Partnership.japanese_city",
    )
    needs = relationship("Need", back_populates="city", order_by="Need.ref")

    @property
    def japanese_partners(self) -> list[str]:
        return [p.japanese_city for p in self.partnerships]

    @property
    def display_name(self) -> str:
        return localized_pair(self.name, self.name_ja)


class Partnership(db.Model):
    """A partnership (sister city, MOU) between a partner city and a Japanese city."""

    __tablename__ = "partnerships"
    __table_args__ = (UniqueConstraint("city_id", "japanese_city"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    japanese_city: Mapped[str] = mapped_column(String(120))

    city = relationship("City", back_populates="partnerships")
