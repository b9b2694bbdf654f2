"""A submission sent twice is carried out once: one-time form tokens and the API's Idempotency-Key.

A double click, a browser's "resend" or a client retrying after a dropped connection
repeats a write that may already be committed. Each create form carries a random
token; the API takes an `Idempotency-Key` header. The first submission stores a
`Submission` row in the same transaction as its result, so the two commit or vanish
together; the row's unique key makes a concurrent twin wait and then fail, and a
repeat is answered with the first one's result instead of doing it again.
"""
import hashlib
import json
import secrets

from functools import wraps

from flask import current_app, flash, g, jsonify, redirect, request
from flask_babel import lazy_gettext as _l
from datetime import timedelta

from sqlalchemy import delete, inspect, select
from wtforms import HiddenField

from .extensions import db
from .models import Submission
from .models.base import utcnow

MAX_KEY_LENGTH = 100


def new_token() -> str:
    return secrets.token_urlsafe(18)


class OneTimeToken:
    """Mixin for create forms: a hidden token that makes a repeated post recognisable."""

    form_token = HiddenField(default=new_token)


def fingerprint() -> str:
    """What the current request asks for: method, path and body."""
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def form_fingerprint() -> str:
    """A form is identified by its path: its token is new on every page load, whatever was typed."""
    return hashlib.sha256(f"{request.method} {request.path}".encode()).hexdigest()


class AlreadyDone(Exception):
    """This submission was carried out before: answer with its result (errors.py)."""

    def __init__(self, submission: Submission):
        super().__init__(submission.key)
        self.submission = submission


def earlier(user, scope: str, key: str) -> Submission | None:
    if not key or user is None or not getattr(user, "id", None):
        return None
    return db.session.scalar(select(Submission).where(Submission.user_id == user.id, Submission.scope == scope,
                                                      Submission.key == key[:MAX_KEY_LENGTH]))


def claim(user, scope: str, key: str, request_fingerprint: str, location: str = "") -> Submission | None:
    """Take `key` for this submission, or raise AlreadyDone when it was carried out before.

    The row is flushed at once, so a concurrent twin waits on its unique key and then fails
    with IntegrityError, which errors.py answers from `earlier_for_request()`. None: no key.
    """
    if not key:
        return None
    done = earlier(user, scope, key)
    if done is not None:
        raise AlreadyDone(done)
    row = Submission(user_id=user.id, scope=scope, key=key[:MAX_KEY_LENGTH], fingerprint=request_fingerprint,
                     location=location[:500])
    db.session.add(row)
    db.session.flush()
    return row


def claim_form(user, form, location: str = "") -> Submission | None:
    """For a create view, first thing after validation: this form's token, taken or AlreadyDone.

    `location`: where a repeat is sent when it is known now (else `finish()` records it).
    """
    return claim(user, "form", form.form_token.data or "", form_fingerprint(), location)


def finish(row: Submission | None, location: str = "", status_code: int | None = None, body=None) -> None:
    """Record where the result is (and the API's answer) on the claimed row."""
    if row is not None:
        row.location, row.status_code = location[:500], status_code
        row.body = json.dumps(body, ensure_ascii=False) if body is not None else ""


def api_user():
    return g.get("api_user")


def earlier_for_request() -> Submission | None:
    """After a unique-key failure: the twin submission that committed first, if that is what happened."""
    if request.path.startswith("/api/"):
        return earlier(api_user(), "api", request.headers.get("Idempotency-Key", ""))
    from flask_login import current_user
    return earlier(current_user if current_user.is_authenticated else None, "form",
                   request.form.get("form_token", ""))


def replay(submission: Submission):
    """The answer to a repeated submission: the first one's result."""
    if submission.scope == "form":
        flash(str(REPEATED_FORM), "info")
        return redirect(submission.location or request.path, 303)
    if submission.fingerprint != fingerprint():
        return api_error(422, "idempotency_key_reused",
                         "this Idempotency-Key was used for a different request; use a new key")
    if submission.status_code is None:
        return api_error(409, "in_progress", "a request with this Idempotency-Key is still being carried out "
                                             "or its answer was lost; read the resource instead")
    response = current_app.response_class(submission.body, status=submission.status_code,
                                          mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def api_error(status: int, code: str, message: str):
    return jsonify({"error": {"code": code, "message": message}}), status


def idempotent(view):
    """For API POSTs: with an `Idempotency-Key` header, a repeat gets the first answer, done once."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get("Idempotency-Key", "")
        if not key:
            return view(*args, **kwargs)
        if len(key) > MAX_KEY_LENGTH or not key.isprintable():
            return api_error(400, "bad_request", f"Idempotency-Key: at most {MAX_KEY_LENGTH} printable characters")
        try:
            row = claim(api_user(), "api", key, fingerprint())
        except AlreadyDone as done:
            return replay(done.submission)
        response = current_app.make_response(view(*args, **kwargs))
        if inspect(row).persistent and response.status_code < 500:
            finish(row, status_code=response.status_code, body=response.get_json())
            db.session.commit()
        return response
    return wrapper


KEEP_FOR = timedelta(days=7)


def forget_old() -> int:
    """Housekeeping: a repeat comes within seconds or minutes; a week-old key is no longer needed."""
    return db.session.execute(delete(Submission).where(Submission.created_at < utcnow() - KEEP_FOR)).rowcount


REPEATED_FORM = _l("This form was already sent; here is what it saved.")
