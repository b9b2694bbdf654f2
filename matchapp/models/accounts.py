"""User accounts: one role each, tied to a company or a city where the role needs one."""
from datetime import datetime
from functools import lru_cache
from typing import Optional

from flask_login import UserMixin
from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from .base import Timestamped

# "partner": financiers and consultants (leasing firms, banks, consultancies) who browse listings and
# matches and join consortia, but post no listings; they act for no company or city on MatchApp.
ROLES = ("company", "city", "coordinator", "admin", "partner")
LANGUAGES = ("ja", "en")


@lru_cache(maxsize=1)
def dummy_password_hash() -> str:
    """A hash made the same way as real ones, checked for unknown users so that both take as long."""
    return generate_password_hash("not a password of anybody")


class User(UserMixin, Timestamped, db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(20))
    company_id: Mapped[Optional[int]] = mapped_column(ForeignKey("companies.id"))
    city_id: Mapped[Optional[int]] = mapped_column(ForeignKey("cities.id"))
    language: Mapped[str] = mapped_column(String(5), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Tokyo")
    active: Mapped[bool] = mapped_column(default=True)
    digest_opt_out: Mapped[bool] = mapped_column(default=False)
    last_digest_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    calendar_token: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    # Part of the login cookie: raising it (logout, password change) kills every copy of old cookies.
    session_version: Mapped[int] = mapped_column(default=0)
    # None until the owner opens the link mailed at sign-up; an unconfirmed account cannot publish.
    email_verified_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    # The login before this one bounds the dashboard's "new since your last visit".
    last_login_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    previous_login_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))

    company = relationship("Company")
    city = relationship("City")

    @staticmethod
    def normalise_email(email: str) -> str:
        return email.strip().lower()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @staticmethod
    def authenticate(user: "User | None", password: str) -> bool:
        """Whether `user` exists, is active and has this password, in the same time either way.

        Without the dummy hash an unknown address answered in ~40 ms and a known one in
        ~700 ms: the timing told which addresses have accounts.
        """
        if user is None or not user.active:
            check_password_hash(dummy_password_hash(), password)
            return False
        return user.check_password(password)

    @staticmethod
    def hash_like_a_new_account(password: str) -> None:
        """Spend the time hashing a new password takes, for answers that must not be told apart."""
        generate_password_hash(password)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def organisation(self):
        """The company or city this user acts for, if any."""
        return self.company or self.city

    @property
    def is_staff(self) -> bool:
        return self.role in ("coordinator", "admin")
