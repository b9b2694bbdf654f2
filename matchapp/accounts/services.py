"""Creating users and their organisations; raises AccountError for bad requests."""
import secrets
import zoneinfo

from email_validator import EmailNotValidError, validate_email
from zxcvbn import zxcvbn
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .. import audit
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


# --- administrators' changes to accounts ------------------------------------------------
# An invited account has this instead of a password hash until the invitee sets a password through the
# mailed link: no password matches it (it is not a hash), and it tells an invitation apart from an account
# an administrator deactivated.
INVITED_PASSWORD_HASH = "!invited"


class AccountRefused(AccountError):
    """An account change the rules refuse: 403 not allowed for this user, 409 not possible in this state."""

    def __init__(self, message, status: int = 409, field: str | None = None):
        super().__init__(message, field)
        self.status = status


def is_invited(user: User) -> bool:
    """Invited by an administrator and not yet accepted (no password of its own)."""
    return user.password_hash == INVITED_PASSWORD_HASH


def account_state(user: User) -> str:
    """"active", "invited" (waiting for the invitee) or "deactivated"."""
    if user.active:
        return "active"
    return "invited" if is_invited(user) else "deactivated"


def organisation_label(user: User) -> str:
    organisation = user.organisation
    return organisation.display_name if organisation is not None else "—"


def invite_user(actor: User, email: str, role: str, *, company: Company | None = None, city: City | None = None,
                name: str = "", language: str = "en") -> User:
    """An account an administrator invites (not committed): inactive and without a password until the
    invitee opens the mailed link and sets one. Same checks as create_user (role, organisation, address)."""
    zone = (city.timezone or (city.country.timezone if city.country else None)) if city is not None else None
    user = create_user(email, secrets.token_urlsafe(32), role, company=company, city=city, name=name,
                       language=language, timezone=zone or "Asia/Tokyo", verified=False)
    user.password_hash = INVITED_PASSWORD_HASH
    user.active = False
    db.session.flush()
    audit.record("user_invited", user.email, f"role {user.role}; organisation {organisation_label(user)}", user=actor)
    return user


def invitation_renewed(actor: User, user: User) -> None:
    """Before the invitation is mailed again: earlier links stop working (they carry the session version)."""
    if not is_invited(user) or user.active:
        raise AccountRefused(_l("This account has no open invitation."))
    user.session_version += 1
    audit.record("invitation_resent", user.email, user=actor)


def accept_invitation(user: User, password: str) -> None:
    """The invitee sets a password: the account becomes active and its address confirmed (the link proved it)."""
    if not is_invited(user) or user.active:
        raise AccountRefused(_l("This invitation was already accepted or withdrawn."))
    check_password_strength(password)
    user.set_password(password)
    user.active = True
    user.email_verified_at = utcnow()
    audit.record("invitation_accepted", user.email, f"role {user.role}", user=user)


def other_active_admins(user: User) -> int:
    return db.session.scalar(select(func.count(User.id)).where(User.role == "admin", User.active.is_(True),
                                                              User.id != user.id))


def refuse_losing_the_last_admin(user: User) -> None:
    if user.role == "admin" and user.active and other_active_admins(user) == 0:
        raise AccountRefused(_l("%(email)s is the last active administrator. Make another user an administrator "
                                "first.", email=user.email))


def change_role(actor: User, user: User, role: str, *, company: Company | None = None,
                city: City | None = None) -> str:
    """Give `user` a new role and organisation (not committed); returns what changed, "" when nothing did."""
    if role not in ROLES:
        raise AccountError(_l("Unknown role."), "role")
    if role == "company" and company is None:
        raise AccountError(_l("A company user needs a company."), "organisation")
    if role == "city" and city is None:
        raise AccountError(_l("A city user needs a city."), "organisation")
    company, city = (company if role == "company" else None), (city if role == "city" else None)
    changes = []
    if role != user.role:
        if user.id == actor.id:
            raise AccountRefused(_l("You cannot change your own role. Ask another administrator."), 403)
        if role != "admin":
            refuse_losing_the_last_admin(user)
        changes.append(f"role {user.role} → {role}")
    before = organisation_label(user)
    if user.company_id != (company.id if company else None) or user.city_id != (city.id if city else None):
        user.company, user.city = company, city
        changes.append(f"organisation {before} → {organisation_label(user)}")
    user.role = role
    if changes:
        audit.record("role_change", user.email, "; ".join(changes), user=actor)
    return "; ".join(changes)


def deactivate(actor: User, user: User) -> None:
    """The user can no longer log in; every session, remember-me cookie, API token and the calendar feed link
    of theirs stops working (not committed). An open invitation is withdrawn: its link stops working.
    """
    if user.id == actor.id:
        raise AccountRefused(_l("You cannot deactivate your own account."), 403)
    if not user.active and not is_invited(user):
        raise AccountRefused(_l("%(email)s is already deactivated.", email=user.email))
    refuse_losing_the_last_admin(user)
    withdrawn = is_invited(user)
    if withdrawn:
        user.password_hash = "!withdrawn"  # no longer an open invitation; still matches no password
    user.active = False
    user.session_version += 1
    revoked = revoke_credentials(user)  # a reactivated account starts with no old token or feed link
    audit.record("user_deactivated", user.email,
                 "invitation withdrawn" if withdrawn else f"{revoked} API token(s) and the calendar feed link revoked",
                 user=actor)


def reactivate(actor: User, user: User) -> None:
    """A deactivated user may log in again (with their password, or a new one from the reset page)."""
    if user.active:
        raise AccountRefused(_l("%(email)s is already active.", email=user.email))
    if is_invited(user):
        raise AccountRefused(_l("%(email)s has not accepted the invitation yet: send it again instead.",
                                email=user.email))
    user.active = True
    audit.record("user_reactivated", user.email, user=actor)
