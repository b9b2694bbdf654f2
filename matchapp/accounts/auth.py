"""Login plumbing: loading users, session lifetimes and guarding views by role."""
import time
from functools import wraps

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

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


def start_session(remember: bool) -> None:
    """Stamp a new login; call right after login_user."""
    now = int(time.time())
    session["login_at"] = session["seen_at"] = now
    session["remember"] = bool(remember)


def session_expired(now: int) -> bool:
    """Past the idle or the absolute lifetime of this login.

    "Keep me logged in" trades the idle limit for the longer remember-me lifetime;
    logout, a password change or a reset still end it everywhere (session version).
    """
    config = current_app.config
    if session.get("remember"):
        return now - session["login_at"] > config["REMEMBER_COOKIE_DURATION"].total_seconds()
    return (now - session["login_at"] > config["SESSION_MAX_HOURS"] * 3600
            or now - session.get("seen_at", now) > config["SESSION_IDLE_MINUTES"] * 60)


def enforce_session_lifetimes():
    """Before each request: end an expired login (and its remember-me cookie) and ask to log in again."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    now = int(time.time())
    if "login_at" not in session:  # restored from the remember-me cookie after a browser restart
        start_session(remember=True)
    if session_expired(now):
        logout_user()  # also tells Flask-Login to delete the remember-me cookie; the language stays
        for key in ("login_at", "seen_at", "remember"):
            session.pop(key, None)
        flash(_("Your session has ended. Please log in again."), "info")
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("accounts.login", next=target), 303 if request.method != "GET" else 302)
    if now - session.get("seen_at", 0) >= 60:  # rewrite the cookie at most once a minute
        session["seen_at"] = now
    return None


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
