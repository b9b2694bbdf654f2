"""Coordinators' announcements (calls for proposals, subsidy rounds, events), targeted by sector and country."""
from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow

ANNOUNCEMENT_KINDS = ("call", "subsidy", "event", "pitch", "news")


class Announcement(db.Model):
    """Empty `sectors` or `countries` mean everyone."""

    __tablename__ = "announcements"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="news")
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    # The same in Japanese; either language may be left empty, and readers get theirs when it is there.
    title_ja: Mapped[str] = mapped_column(String(200), default="", server_default="")
    body_ja: Mapped[str] = mapped_column(Text, default="", server_default="")
    sectors: Mapped[list] = mapped_column(JSON, default=list)
    countries: Mapped[list] = mapped_column(JSON, default=list)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    created_by = relationship("User")

    def text(self, field: str, language: str) -> str:
        """`title` or `body` in `language` (ja or en) when written, else in the other language."""
        japanese, english = getattr(self, f"{field}_ja"), getattr(self, field)
        return (japanese or english) if language == "ja" else (english or japanese)
