"""Creating users and their organisations; raises AccountError for bad requests."""
import zoneinfo

from email_validator import EmailNotValidError, validate_email
from zxcvbn import zxcvbn
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import ROLES, ApiToken, City, Company, Country, User
from ..models.base import utcnow
from ..refs import unique_ref
from ..domain import DomainError

MIN_PASSWORD_LENGTH = 10
# zxcvbn's score: 0-1 are common passwords and their easy variants ("password1234"), 2 and up are not.
MIN_PASSWORD_SCORE = 2


class AccountError(DomainError):
    """A request about accounts that cannot be carried out; `field` names the culprit."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message, 400, field)


def valid_email(email: str) -> str:
    """The normalised address, or AccountError when it is malformed."""
    try:
        email = validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise AccountError(_l("Enter a valid e-mail address."), "email")
    return User.normalise_email(email)


def account_for(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == User.normalise_email(email)))


def check_email(email: str) -> str:
    """The normalised address, or AccountError when it is malformed or taken."""
    email = valid_email(email)
    if account_for(email) is not None:
        raise AccountError(_l("An account with this e-mail address already exists."), "email")
    return email


def check_password_strength(password: str, field: str = "password") -> None:
    """Long enough, and not a common password or an easy variant of one (zxcvbn's lists, shipped with it)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            _l("Use at least %(n)d characters for the password.", n=MIN_PASSWORD_LENGTH), field
        )
    if zxcvbn(password[:100])["score"] < MIN_PASSWORD_SCORE:
        raise AccountError(_l("This password is too common or too easy to guess. Add another word or two "
                              "that belong together only for you."), field)


def check_timezone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise AccountError(_l("Unknown time zone."), "timezone")
    return name


def create_user(email: str, password: str, role: str, *, company: Company | None = None,
                city: City | None = None, name: str = "", language: str = "en",
                timezone: str = "Asia/Tokyo", verified: bool = True) -> User:
    """Add a user (not committed). Company and city users must belong to one organisation.

    `verified`: whether the address counts as confirmed (accounts made by staff or the CLI);
    a self-registered account confirms it through the link mailed at sign-up.
    """
    if role not in ROLES:
        raise AccountError(_l("Unknown role."), "role")
    if role == "company" and company is None:
        raise AccountError(_l("A company user needs a company."), "organisation")
    if role == "city" and city is None:
        raise AccountError(_l("A city user needs a city."), "organisation")
    check_password_strength(password)
    user = User(email=check_email(email), role=role, name=name.strip(),
                company=company if role == "company" else None,
                city=city if role == "city" else None,
                language=language if language in ("ja", "en") else "en",
                timezone=check_timezone(timezone), email_verified_at=utcnow() if verified else None)
    user.set_password(password)
    db.session.add(user)
    return user


def register_company(email, password, *, name, name_ja="", home_city="", language="en") -> User:
    """Self-registration of a firm: a new company and its first user, in one transaction."""
    if not name.strip():
        raise AccountError(_l("Enter the organisation's name."), "organisation_name")
    company = Company(ref=unique_ref(Company, name, 'company'), name=name.strip(), name_ja=name_ja.strip(),
                      home_city=home_city.strip())
    db.session.add(company)
    return create_user(email, password, "company", company=company, language=language, verified=False)


def register_city(email, password, *, name, name_ja="", country_code="", language="en") -> User:
    """Self-registration of an overseas city or agency: a new city and its first user."""
    if not name.strip():
        raise AccountError(_l("Enter the organisation's name."), "organisation_name")
    country = db.session.get(Country, (country_code or "").upper())
    if country is None:
        raise AccountError(_l("Choose a country."), "country")
    city = City(ref=unique_ref(City, name, 'city'), name=name.strip(), name_ja=name_ja.strip(),
                country=country, timezone=country.timezone)
    db.session.add(city)
    return create_user(email, password, "city", city=city, language=language,
                       timezone=country.timezone or "UTC", verified=False)


def change_password(user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise AccountError(_l("The current password is not correct."), "current_password")
    check_password_strength(new)
    user.set_password(new)


def revoke_credentials(user: User) -> int:
    """After a password reset or change: every API token and the private calendar-feed link stop working.

    Returns how many tokens were revoked; the caller records it in the audit log and commits.
    """
    tokens = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                       ApiToken.revoked_at.is_(None))).all()
    now = utcnow()
    for token in tokens:
        token.revoked_at = now
    user.calendar_token = None
    return len(tokens)
