"""Saved searches and the new listings found for them."""
from datetime import datetime
from typing import Optional

from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow

class SavedSearch(db.Model):
    """A user's filter, re-evaluated whenever a listing of its kind is published."""

    __tablename__ = "saved_searches"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(120), default="")
    q: Mapped[str] = mapped_column(String(200), default="")
    sector: Mapped[Optional[str]] = mapped_column(ForeignKey("sectors.code"))
    country: Mapped[Optional[str]] = mapped_column(ForeignKey("countries.code"))
    jcm_only: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str] = mapped_column(String(8), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user = relationship("User")
    hits = relationship("SearchHit", back_populates="search", cascade="all, delete-orphan",
                        order_by="SearchHit.created_at.desc()")

    def filters(self) -> dict:
        return {"q": self.q, "sector": self.sector or "", "country": self.country or "",
                "jcm": self.jcm_only, "language": self.language}


class SearchHit(db.Model):
    """A listing published after the search was saved that matches it; `seen` once looked at."""

    __tablename__ = "search_hits"
    __table_args__ = (UniqueConstraint("search_id", "listing_ref"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    search_id: Mapped[int] = mapped_column(ForeignKey("saved_searches.id", ondelete="CASCADE"), index=True)
    listing_ref: Mapped[str] = mapped_column(String(80))
    listing_title: Mapped[str] = mapped_column(String(200))
    seen: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    search = relationship("SavedSearch", back_populates="hits")
