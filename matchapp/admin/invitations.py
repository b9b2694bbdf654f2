"""Invitation links: signed, expiring and single-use, made like password reset links (accounts/reset.py).

The token carries the user id and the fingerprint of the password hash and session version.
Accepting sets a password, sending the invitation again or deactivating raises the session
version: either changes the fingerprint, so a link works once and only the newest one works.
The signature's timestamp makes it expire after INVITATION_MAX_AGE (default 7 days).
"""
from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from .. import notifications
from ..accounts import services, signup
from ..accounts.reset import InvalidToken, fingerprint
from ..extensions import db
from ..models import User
from ..templating import ROLE_LABELS

SALT = "invitation"
DEFAULT_MAX_AGE = 7 * 24 * 3600


def max_age() -> int:
    return int(current_app.config.get("INVITATION_MAX_AGE", DEFAULT_MAX_AGE))


def serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(user: User) -> str:
    return serializer().dumps([user.id, fingerprint(user)])


def user_for_token(token: str) -> User:
    """The invited user of a valid, unused, unexpired link; InvalidToken otherwise."""
    try:
        user_id, check = serializer().loads(token, max_age=max_age())
    except SignatureExpired:
        raise InvalidToken(expired=True) from None
    except (BadSignature, ValueError, TypeError):
        raise InvalidToken() from None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or user.active or not services.is_invited(user) or check != fingerprint(user):
        raise InvalidToken()
    return user


def send(user: User) -> None:
    """Mail the invitation in the invitee's language after the commit (without SMTP: the log, in development)."""
    link = notifications.absolute_url(url_for("admin.accept_invitation", token=make_token(user)))
    days = max_age() // 86400
    with force_locale(user.language):
        role = str(ROLE_LABELS.get(user.role, user.role))
        if user.organisation is not None:
            text = _("You are invited to MatchApp as %(role)s for %(organisation)s.", role=role,
                     organisation=user.organisation.display_name)
        else:
            text = _("You are invited to MatchApp as %(role)s.", role=role)
        text += " " + _("Open this link within %(days)d days to choose your password; it works once:", days=days)
        signup.send(user, _("[MatchApp] You are invited to MatchApp"), text, link)
