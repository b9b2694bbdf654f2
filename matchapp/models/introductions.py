"""Introductions between a need and a technology, their history, messages and meetings."""
from datetime import datetime
from typing import Optional

from sqlalchemy import DateTime, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow, VersionChecked

class Introduction(VersionChecked, db.Model):
    """A request to introduce a city's need to a company's technology.

    `version` makes every state change a compare-and-set, so two people acting at
    once cannot both succeed. For a coordinator's proposal both sides must accept;
    `city_accepted` and `company_accepted` record who already has.
    """

    __tablename__ = "introductions"
    __table_args__ = (UniqueConstraint("need_id", "technology_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    technology_id: Mapped[int] = mapped_column(ForeignKey("technologies.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(20), default="requested", index=True)
    requester_side: Mapped[str] = mapped_column(String(20))
    requested_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    message: Mapped[str] = mapped_column(Text, default="")
    city_accepted: Mapped[bool] = mapped_column(default=False)
    company_accepted: Mapped[bool] = mapped_column(default=False)
    renewed: Mapped[bool] = mapped_column(default=False)
    reminded: Mapped[bool] = mapped_column(default=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    need = relationship("Need")
    technology = relationship("Technology")
    requested_by = relationship("User")
    history = relationship("IntroductionEvent", back_populates="introduction", cascade="all, delete-orphan",
                           order_by="IntroductionEvent.id")
    messages = relationship("Message", back_populates="introduction", cascade="all, delete-orphan",
                            order_by="Message.id")
    meetings = relationship("Meeting", back_populates="introduction", cascade="all, delete-orphan",
                            order_by="Meeting.id")


class IntroductionEvent(db.Model):
    """One recorded step: the state reached, the action, who and when."""

    __tablename__ = "introduction_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    introduction_id: Mapped[int] = mapped_column(ForeignKey("introductions.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(20))
    by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    introduction = relationship("Introduction", back_populates="history")
    by = relationship("User")


class Message(db.Model):
    """A message in an introduction's thread, optionally with one small attachment."""

    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    introduction_id: Mapped[int] = mapped_column(ForeignKey("introductions.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    attachment_name: Mapped[str] = mapped_column(String(255), default="")
    attachment_type: Mapped[str] = mapped_column(String(100), default="")
    attachment: Mapped[Optional[bytes]] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    introduction = relationship("Introduction", back_populates="messages")
    author = relationship("User")


class Meeting(VersionChecked, db.Model):
    """A meeting for an introduction: proposed with several times, confirmed when the other side picks one.

    States: proposed → confirmed → cancelled; a confirmed meeting being rescheduled is `proposed`
    again with its old `starts_at` kept until a new time is picked. Calendars read `version` as
    the event's SEQUENCE and `updated_at` as its LAST-MODIFIED.
    """

    __tablename__ = "meetings"
    id: Mapped[int] = mapped_column(primary_key=True)
    introduction_id: Mapped[int] = mapped_column(ForeignKey("introductions.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(20), default="proposed")
    mode: Mapped[str] = mapped_column(String(20), default="online")
    url: Mapped[str] = mapped_column(String(500), default="")
    place: Mapped[str] = mapped_column(String(300), default="")
    duration_minutes: Mapped[int] = mapped_column(default=60)
    starts_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    proposed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    proposer_side: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    introduction = relationship("Introduction", back_populates="meetings")
    proposed_by = relationship("User")
    options = relationship("MeetingOption", back_populates="meeting", cascade="all, delete-orphan",
                           order_by="MeetingOption.starts_at")


class MeetingOption(db.Model):
    __tablename__ = "meeting_options"
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    meeting = relationship("Meeting", back_populates="options")
