"""JCM equipment-subsidy rules as data with an effective date (they change yearly)."""
from datetime import date
from typing import Optional

from sqlalchemy import BigInteger, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class JcmRule(db.Model):
    """Screening numbers for one technology type (optionally one country) from a date on."""

    __tablename__ = "jcm_rules"
    id: Mapped[int] = mapped_column(primary_key=True)
    effective_from: Mapped[date] = mapped_column(Date)
    technology: Mapped[str] = mapped_column(String(40))
    country: Mapped[Optional[str]] = mapped_column(String(2))
    threshold_jpy_per_t: Mapped[int] = mapped_column()
    max_rate: Mapped[float] = mapped_column()
    max_subsidy_jpy: Mapped[int] = mapped_column(BigInteger)
    min_payback_years: Mapped[float] = mapped_column()
    note: Mapped[str] = mapped_column(String(300), default="")
