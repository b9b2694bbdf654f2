"""Stored match scores (only the useful ones) and the pairs people dismissed."""
from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow


class Match(db.Model):
    """A need–technology pair worth proposing, with its score, component points and reasons."""

    __tablename__ = "matches"
    __table_args__ = (
        UniqueConstraint("need_id", "technology_id"),
        Index("ix_matches_need_score", "need_id", "score"),
        Index("ix_matches_technology_score", "technology_id", "score"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"))
    technology_id: Mapped[int] = mapped_column(ForeignKey("technologies.id", ondelete="CASCADE"))
    score: Mapped[float] = mapped_column()
    sector: Mapped[float] = mapped_column()
    country: Mapped[float] = mapped_column()
    text: Mapped[float] = mapped_column()
    bonus: Mapped[float] = mapped_column()
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    need = relationship("Need")
    technology = relationship("Technology")

    @property
    def components(self) -> dict:
        return {"sector": self.sector, "country": self.country, "text": self.text, "bonus": self.bonus}


class Dismissal(db.Model):
    """'No thanks' for a pair: never proposed again; coordinators read the reasons as feedback."""

    __tablename__ = "dismissals"
    __table_args__ = (UniqueConstraint("need_id", "technology_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    technology_id: Mapped[int] = mapped_column(ForeignKey("technologies.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    side: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    score: Mapped[Optional[float]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    need = relationship("Need")
    technology = relationship("Technology")
    user = relationship("User")
