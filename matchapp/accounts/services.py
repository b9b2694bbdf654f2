"""Creating users and their organisations; raises AccountError for bad requests."""
import zoneinfo

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import ROLES, ApiToken, City, Company, Country, User
from ..models.base import utcnow
from ..refs import unique_ref

MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """A request about accounts that cannot be carried out; `field` names the culprit."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def check_email(email: str) -> str:
    """The normalised address, or AccountError when it is malformed or taken."""
    try:
        email = validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise AccountError(_l("Enter a valid e-mail address."), "email")
    email = User.normalise_email(email)
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError(_l("An account with this e-mail address already exists."), "email")
    return email


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            _l("Use at least %(n)d characters for the password.", n=MIN_PASSWORD_LENGTH), "password"
        )


def check_timezone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise AccountError(_l("Unknown time zone."), "timezone")
    return name


def create_user(email: str, password: str, role: str, *, company: Company | None = None,
                city: City | None = None, name: str = "", language: str = "en",
                timezone: str = "Asia/Tokyo") -> User:
    """Add a user (not committed). Company and city users must belong to one organisation."""
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
                timezone=check_timezone(timezone))
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
    return create_user(email, password, "company", company=company, language=language)


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
                       timezone=country.timezone or "UTC")


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
