"""Password reset links: signed, expiring and single-use without a table of their own.

The token carries the user id and a fingerprint of the current password hash and session
version. Setting a new password (or logging out everywhere) changes the fingerprint, so a
link works once; the signature's timestamp makes it expire after PASSWORD_RESET_MAX_AGE.
"""
import hashlib

from flask import current_app, url_for
from flask_babel import force_locale, gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from .. import notifications
from ..extensions import db
from ..models import OutboxEmail, User

SALT = "password-reset"


def serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def fingerprint(user: User) -> str:
    return hashlib.sha256(f"{user.password_hash}:{user.session_version}".encode()).hexdigest()[:20]


def make_token(user: User) -> str:
    return serializer().dumps([user.id, fingerprint(user)])


class InvalidToken(Exception):
    """The link is malformed, expired or already used; `expired` tells which message to show."""

    def __init__(self, expired: bool = False):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def signed_user(signer: URLSafeTimedSerializer, token: str, max_age: int) -> tuple[User, str]:
    """The active user a signed [user id, check] token names, and its check; InvalidToken when the
    token is malformed, expired or names nobody (reset and sign-up links are made this way)."""
    try:
        user_id, check = signer.loads(token, max_age=max_age)
    except SignatureExpired:
        raise InvalidToken(expired=True) from None
    except (BadSignature, ValueError, TypeError):
        raise InvalidToken() from None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.active:
        raise InvalidToken()
    return user, check


def user_for_token(token: str) -> User:
    """The active user a valid, unused, unexpired token belongs to, else InvalidToken."""
    user, print_ = signed_user(serializer(), token, current_app.config["PASSWORD_RESET_MAX_AGE"])
    if print_ != fingerprint(user):
        raise InvalidToken()
    return user


def send_to_address(email: str) -> None:
    """The job behind a reset request: mail the link if an active account uses `email`, else nothing."""
    user = db.session.scalar(select(User).where(User.email == User.normalise_email(email)))
    if user is None or not user.active:
        return
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):  # for url_for
        queue_reset_email(user)


def queue_reset_email(user: User) -> OutboxEmail | None:
    """The reset e-mail in the user's language, sent after the commit; None without SMTP."""
    link = notifications.absolute_url(url_for("accounts.reset_password", token=make_token(user)))
    if notifications.link_not_mailed(user.email, link):
        return None
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    with force_locale(user.language):
        subject = _("[MatchApp] Reset your password")
        body = _("Someone asked to reset the password of your MatchApp account. If it was you, open this "
                 "link within %(minutes)d minutes; it works once:", minutes=minutes)
        body += f"\n\n{link}\n\n" + _("Setting a new password also revokes your API tokens and your private "
                                      "calendar feed link.") + "\n\n" + _("If you did not ask for this, ignore "
                                      "this e-mail; your password stays as it is.") + "\n\n— MatchApp"
    return notifications.send_soon(user.email, subject, body)
