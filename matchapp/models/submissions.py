"""Submissions already carried out, so that a repeated one is recognised instead of done twice.

A browser form carries a one-time token (scope "form"); an API client sends an
`Idempotency-Key` header (scope "api"). The first submission stores where its result
is (and, for the API, the answer it gave); a repeat is answered from here.
"""
from datetime import datetime
from typing import Optional

from sqlalchemy import DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utcnow


class Submission(db.Model):
    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("user_id", "scope", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(10))
    key: Mapped[str] = mapped_column(String(100))
    # What was asked (method, path and body hashed): the same key with another request is refused.
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[Optional[int]] = mapped_column()
    location: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
