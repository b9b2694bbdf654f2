"""Uploaded files waiting for the user to confirm their import after a preview, then imported by a job."""
from datetime import datetime
from typing import Optional

from sqlalchemy import DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow


class PendingUpload(db.Model):
    __tablename__ = "pending_uploads"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(255), default="")
    payload: Mapped[str] = mapped_column(Text)
    # How the file was read: "UTF-8", "CP932" or "xlsx" (a workbook is kept as the CSV text it holds).
    read_as: Mapped[str] = mapped_column(String(10), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # previewed -> queued (confirmed) -> running -> done | failed; the page shows processed / total.
    state: Mapped[str] = mapped_column(String(20), default="previewed", server_default="previewed")
    processed: Mapped[int] = mapped_column(default=0, server_default="0")
    total: Mapped[int] = mapped_column(default=0, server_default="0")
    result: Mapped[str] = mapped_column(Text, default="", server_default="")
    finished_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))

    user = relationship("User")
