"""Stored match scores (only the useful ones) and the pairs people dismissed."""
from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, DateTime, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
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
    semantic: Mapped[float] = mapped_column(default=0.0, server_default="0")
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    need = relationship("Need")
    technology = relationship("Technology")

    @property
    def components(self) -> dict:
        return components_of(self)


def components_of(match) -> dict:
    """The score's parts, of a Match or of a row with the same columns."""
    return {"sector": match.sector, "country": match.country, "text": match.text, "semantic": match.semantic,
            "bonus": match.bonus}


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


class MatchProfile(db.Model):
    """What the engine reads of one listing, computed when its text changes, never at process start.

    `vector` is the whole text's sentence vector, `passages` the sentences (with their
    language) and `passage_vectors` theirs, in the model named by `model`; `concepts`
    (concept -> the term written) and `tokens` (the string rapidfuzz compares) are the
    glossary analysis in the glossary version `glossary`.
    `text_hash` identifies the texts these were computed from: an unchanged text is
    not encoded again.
    """

    __tablename__ = "match_profiles"
    id: Mapped[int] = mapped_column(primary_key=True)
    technology_id: Mapped[Optional[int]] = mapped_column(ForeignKey("technologies.id", ondelete="CASCADE"),
                                                         unique=True)
    need_id: Mapped[Optional[int]] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), unique=True)
    model: Mapped[str] = mapped_column(String(80))
    glossary: Mapped[str] = mapped_column(String(20))
    text_hash: Mapped[str] = mapped_column(String(64))
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    concepts: Mapped[dict] = mapped_column(JSON, default=dict)
    tokens: Mapped[str] = mapped_column(Text, default="")
    passages: Mapped[list] = mapped_column(JSON, default=list)
    passage_vectors: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class TechnologyChange(db.Model):
    """A change log: one row each time something the matching index reads of a technology changed.

    Processes keep their index current by reading the rows after the last sequence
    number they saw, instead of comparing every technology's version on every ranking.
    """

    __tablename__ = "technology_changes"
    seq: Mapped[int] = mapped_column(primary_key=True)
    technology_id: Mapped[int] = mapped_column(index=True)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MatchingState(db.Model):
    """One row: a random id given to this database when it was created.

    A process's matching index belongs to one database; if the database behind the same
    URL is replaced (dropped and created again, as tests do), the id changes and the
    index is built again instead of being kept current from a change log it never saw.
    """

    __tablename__ = "matching_state"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance: Mapped[str] = mapped_column(String(32))


OUTCOMES = ("accepted", "met", "project", "dismissed")


class MatchOutcome(db.Model):
    """What people did with a proposed pair: a labelled example for tuning and for quality figures.

    `score` and `rank` are the pair's stored score and its place in the need's list at
    that moment (None when it was not among the stored matches).
    """

    __tablename__ = "match_outcomes"
    __table_args__ = (UniqueConstraint("need_id", "technology_id", "outcome"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    technology_id: Mapped[int] = mapped_column(ForeignKey("technologies.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    positive: Mapped[bool] = mapped_column()
    score: Mapped[Optional[float]] = mapped_column()
    rank: Mapped[Optional[int]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
