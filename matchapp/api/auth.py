"""Bearer-token authentication for the API."""
from datetime import timedelta
from functools import wraps

from flask import g, request
from sqlalchemy import select

from ..extensions import db
from ..models import ApiToken
from ..models.base import as_utc, utcnow
from ..models.tokens import hash_token


class ApiError(Exception):
    """An API failure with its HTTP status, machine code and readable message."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


def user_from_token():
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    now = utcnow()
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret.strip()),
                                                     ApiToken.revoked_at.is_(None), ApiToken.expires_at > now))
    if token is None or not token.user.active:
        return None
    if token.last_used_at is None or now - as_utc(token.last_used_at) > timedelta(minutes=1):
        token.last_used_at = now
        db.session.commit()
    return token.user


def token_required(view):
    """Run the view with g.api_user set, or answer 401."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        user = user_from_token()
        if user is None:
            raise ApiError(401, "unauthorized", "a valid token is required: Authorization: Bearer <token>")
        g.api_user = user
        return view(*args, **kwargs)

    return wrapped


def refuse_repeated_or_empty_query_values() -> None:
    """Before every API call: a query parameter given twice (?top=5&top=x) or with no value (?jcm=)
    is a 400 naming it. No parameter takes a list, and a filter left empty means nothing:
    silently using the first value, or ignoring the empty one, would hide the caller's mistake."""
    for name in request.args:
        values = request.args.getlist(name)
        if len(values) > 1:
            raise ApiError(400, "bad_request", f"'{name}' is given more than once", name)
        if values[0] == "":
            raise ApiError(400, "bad_request", f"'{name}' is empty: give a value or leave the parameter out", name)
