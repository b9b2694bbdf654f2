"""Confirming the address a new account signed up with, without telling anyone else which addresses exist.

Sign-up answers every well-formed request the same way ("we sent you a link"). A new
address gets a link that confirms it; an address that already has an account gets a
note to its owner instead, so the page never confirms that an account exists. Until
the address is confirmed the account can prepare drafts but not publish.
"""
from flask import current_app, url_for
from flask_babel import force_locale, gettext as _
from itsdangerous import URLSafeTimedSerializer

from .. import notifications
from ..models import User
from ..models.base import utcnow
from .reset import InvalidToken, signed_user

SALT = "confirm-address"


def serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(user: User) -> str:
    return serializer().dumps([user.id, user.email])


def user_for_token(token: str) -> User:
    """The active, still unconfirmed user the token was made for; InvalidToken otherwise."""
    user, email = signed_user(serializer(), token, current_app.config["EMAIL_CONFIRM_MAX_AGE"])
    if user.email != email or user.email_verified_at is not None:
        raise InvalidToken()
    return user


def confirm(user: User) -> None:
    user.email_verified_at = utcnow()


def send(user: User, subject: str, body: str, link: str) -> None:
    """Mail `user` after the commit; without SMTP (`make run`) the link is written to the log."""
    if not notifications.link_not_mailed(user.email, link):
        notifications.send_soon(user.email, subject, body + f"\n\n{link}\n\n— MatchApp")


def send_confirmation(user: User) -> None:
    link = notifications.absolute_url(url_for("accounts.confirm_address", token=make_token(user)))
    days = current_app.config["EMAIL_CONFIRM_MAX_AGE"] // 86400
    with force_locale(user.language):
        send(user, _("[MatchApp] Confirm your e-mail address"),
             _("Welcome to MatchApp. Open this link within %(days)d days to confirm your address; until then "
               "you can prepare drafts but not publish them:", days=days), link)


def send_address_taken(user: User) -> None:
    """Someone signed up with an address that already has an account: tell its owner, nobody else."""
    link = notifications.absolute_url(url_for("accounts.login"))
    with force_locale(user.language):
        send(user, _("[MatchApp] Someone tried to sign up with your address"),
             _("Someone tried to create a new MatchApp account with this e-mail address, which already has "
               "one. If it was you, log in instead (or ask for a new password from the log-in page). If it was "
               "not you, you need not do anything; nothing was changed:"), link)
