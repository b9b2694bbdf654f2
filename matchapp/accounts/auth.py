"""Login plumbing: loading users and guarding views by role."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from ..extensions import db
from ..models import User


def load_user(login_id: str):
    """The user of a session or remember cookie, only while its session version is current."""
    user_id, _, version = (login_id or "").partition(":")
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    if user is None or str(user.session_version) != version:
        return None
    return user


def roles_required(*roles: str):
    """Allow the view only to logged-in users with one of `roles` (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
