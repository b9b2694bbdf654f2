"""The in-app inbox and the e-mail outbox (sent and retried by `flask send-mail`)."""
from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow


class Notification(db.Model):
    """One inbox entry; its text is rendered from `kind` and `params` in the reader's language."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))

    user = relationship("User")


class OutboxEmail(db.Model):
    """An e-mail waiting to be sent; a failed send stays here and is retried later, unless it can never go."""

    __tablename__ = "outbox_emails"
    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    sent_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True), index=True)
    # Set when the message can never be sent (e.g. a header it cannot carry); `last_error` says why.
    failed_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    # A sender claims a row before sending it, so that two senders never send one message twice.
    claimed_by: Mapped[Optional[str]] = mapped_column(String(32))
    claimed_until: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    # The recipient's language (the HTML part's lang), and for list mail (digests, announcements)
    # the user its one-click unsubscribe link opts out.
    language: Mapped[str] = mapped_column(String(5), default="en", server_default="en")
    list_user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
