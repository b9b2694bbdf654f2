"""API tokens: only a hash is stored; the token itself is shown once; each expires (API_TOKEN_DAYS)."""
import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Optional

from flask import current_app

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class ApiToken(db.Model):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    # None only for tokens issued before tokens expired: those are treated as expired (see usable()).
    expires_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))

    user = relationship("User")

    @classmethod
    def issue(cls, user, name: str = "") -> tuple["ApiToken", str]:
        """A new token for `user` (added to the session) and its secret, to show once."""
        secret = "ma_" + secrets.token_urlsafe(32)
        days = current_app.config.get("API_TOKEN_DAYS", 365)
        token = cls(user=user, name=name.strip()[:120], token_hash=hash_token(secret), prefix=secret[:10],
                    expires_at=utcnow() + timedelta(days=days))
        db.session.add(token)
        return token, secret
