"""Matchmaking events: time slots, invited organisations, interests, availability, the 1:1 schedule
and what came of each meeting.

The schedule's rules are database constraints, not only code: a slot (a time at
a table) hosts one meeting, and an organisation is in at most one meeting at any
start time.
"""
from datetime import date, datetime
from typing import Optional

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow

class Event(db.Model):
    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    mode: Mapped[str] = mapped_column(String(20), default="online")
    place: Mapped[str] = mapped_column(String(300), default="")
    url: Mapped[str] = mapped_column(String(500), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Tokyo")
    published: Mapped[bool] = mapped_column(default=False)
    # The coordinator's rule: may a company ask to meet another company? (Off: companies meet cities.)
    companies_may_meet: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    slots = relationship("EventSlot", back_populates="event", cascade="all, delete-orphan",
                         order_by="(EventSlot.starts_at, EventSlot.table)")
    participants = relationship("EventParticipant", back_populates="event", cascade="all, delete-orphan",
                                order_by="EventParticipant.id")
    meetings = relationship("EventMeeting", back_populates="event", cascade="all, delete-orphan")


class EventSlot(db.Model):
    __tablename__ = "event_slots"
    __table_args__ = (UniqueConstraint("event_id", "starts_at", "table"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    minutes: Mapped[int] = mapped_column(default=30)
    table: Mapped[str] = mapped_column(String(40))

    event = relationship("Event", back_populates="slots")


class EventParticipant(db.Model):
    """An invited organisation: a company or a city (exactly one of the two)."""

    __tablename__ = "event_participants"
    __table_args__ = (
        # Named explicitly: the naming convention would give both the same name, which PostgreSQL refuses.
        UniqueConstraint("event_id", "company_id", name="uq_event_participants_event_company"),
        UniqueConstraint("event_id", "city_id", name="uq_event_participants_event_city"),
        CheckConstraint("(company_id IS NULL) <> (city_id IS NULL)", name="one_organisation"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    company_id: Mapped[Optional[int]] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    city_id: Mapped[Optional[int]] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))

    event = relationship("Event", back_populates="participants")
    company = relationship("Company")
    city = relationship("City")
    absences = relationship("EventAbsence", cascade="all, delete-orphan", order_by="EventAbsence.starts_at")

    @property
    def organisation(self):
        return self.company or self.city


class EventInterest(db.Model):
    """One participant wants to meet another."""

    __tablename__ = "event_interests"
    __table_args__ = (UniqueConstraint("from_id", "to_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    from_id: Mapped[int] = mapped_column(ForeignKey("event_participants.id", ondelete="CASCADE"))
    to_id: Mapped[int] = mapped_column(ForeignKey("event_participants.id", ondelete="CASCADE"))


class EventAbsence(db.Model):
    """A start time at which a participant cannot take a meeting (every other time they can)."""

    __tablename__ = "event_absences"
    __table_args__ = (UniqueConstraint("participant_id", "starts_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("event_participants.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


MEETING_REASONS = ("mutual", "interest", "match")
MEETING_OUTCOMES = ("held", "no_show", "follow_up")


class EventMeeting(db.Model):
    """A meeting in one slot; the unique slot means no slot is used twice.

    `reason` says why the schedule proposed it: both sides asked (`mutual`), one asked
    (`interest`, `asked_by`), or a strong stored match (`match`); `score`, `need` and
    `technology` are the best stored match of the pair at that moment. After the event
    the coordinator records the `outcome`; a follow-up links the `introduction` it made
    or advanced.
    """

    __tablename__ = "event_meetings"
    __table_args__ = (UniqueConstraint("slot_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("event_slots.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(20), default="", server_default="")
    score: Mapped[Optional[float]] = mapped_column()
    asked_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("event_participants.id", ondelete="SET NULL"))
    need_id: Mapped[Optional[int]] = mapped_column(ForeignKey("needs.id", ondelete="SET NULL"))
    technology_id: Mapped[Optional[int]] = mapped_column(ForeignKey("technologies.id", ondelete="SET NULL"))
    outcome: Mapped[Optional[str]] = mapped_column(String(20))
    outcome_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    outcome_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    introduction_id: Mapped[Optional[int]] = mapped_column(ForeignKey("introductions.id", ondelete="SET NULL"))
    # For calendars: when its time or members last changed, and how many times (SEQUENCE).
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")

    event = relationship("Event", back_populates="meetings")
    slot = relationship("EventSlot")
    asked_by = relationship("EventParticipant", foreign_keys=[asked_by_id])
    need = relationship("Need")
    technology = relationship("Technology")
    introduction = relationship("Introduction")
    members = relationship("EventMeetingMember", back_populates="meeting", cascade="all, delete-orphan",
                           order_by="EventMeetingMember.id")


class EventMeetingMember(db.Model):
    """A participant in a meeting; unique per start time, so nobody is double-booked."""

    __tablename__ = "event_meeting_members"
    __table_args__ = (UniqueConstraint("participant_id", "starts_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("event_meetings.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("event_participants.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    meeting = relationship("EventMeeting", back_populates="members")
    participant = relationship("EventParticipant")
