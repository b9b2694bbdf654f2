"""Error pages for the site and JSON errors for the API, handled in one place.

Every request carries an id (the proxy's `X-Request-ID` when it sends a plain one, else
a new one), returned in the `X-Request-ID` header. An unhandled error is logged with its
traceback and that id, and the error page shows the id so that a user can quote it.
"""
import re
import uuid
from urllib.parse import urlsplit

from flask import (current_app, flash, g, has_request_context, jsonify, make_response, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError

from . import idempotency
from .domain import DomainError
from .extensions import db


REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def assign_request_id() -> None:
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex[:16]


def request_id() -> str:
    return g.get("request_id", "") if has_request_context() else ""


def send_request_id(response):
    if request_id():
        response.headers["X-Request-ID"] = request_id()
    return response


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, code: str, message: str):
    reference = request_id() if status >= 500 else ""
    if wants_json():
        body = {"code": code, "message": message}
        return jsonify({"error": {**body, "request_id": reference} if reference else body}), status
    return render_template("errors/error.html", status=status, message=message, reference=reference), status


def refused(status: int, back: str, label: str | None = None):
    """A refused form action: the page itself, with the flashed reason and a way back, and the 4xx status.

    A redirect answered with 400 or 409 is not followed by browsers: people saw a bare
    "Redirecting..." page and never the message.
    """
    return render_template("errors/refused.html", back=back, label=label or _("Back")), status


def handle_http_error(error: HTTPException):
    messages = {
        400: _("The request could not be understood."),
        403: _("You do not have permission to see this page."),
        404: _("We could not find that page."),
        405: _("That action is not allowed here."),
        413: _("The upload is too large."),
        429: _("Too many attempts. Please wait a minute and try again."),
    }
    status = error.code or 500
    message = messages.get(status, error.description or _("Something went wrong."))
    body, status = error_response(status, (error.name or "error").lower().replace(" ", "_"), message)
    # The exception's own headers say what to do next: Allow on a 405 (RFC 9110), Retry-After on a 429.
    kept = [(name, value) for name, value in error.get_headers() if name.lower() != "content-type"]
    return body, status, kept


def handle_csrf_error(error: CSRFError):
    return error_response(400, "csrf", _("The form expired or was sent from another site. Please try again."))


def handle_domain_error(error: DomainError):
    """A refusal no view answered itself: a JSON error for the API, the reason and a way back for the site."""
    db.session.rollback()
    if wants_json():
        body = {"code": error.code, "message": str(error.message)}
        if error.field:
            body["field"] = error.field
        return jsonify({"error": body}), error.status
    flash(str(error.message), "error")
    return refused(error.status, same_site_referrer())


def same_site_referrer() -> str:
    """Where the user came from, if it is a page of this site; else the dashboard."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/"):
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return url_for("main.dashboard")


def handle_server_error(error: Exception):
    """Log the error with its traceback and the request id; roll back so nothing stays half-written."""
    original = getattr(error, "original_exception", None) or error
    current_app.logger.error("unhandled error in %s %s [request %s]", request.method, request.path, request_id(),
                             exc_info=(type(original), original, original.__traceback__))
    db.session.rollback()
    return error_response(500, "internal_error", _("Something went wrong on our side. Please try again later."))


def handle_stale_data(error: StaleDataError):
    """A save from a stale copy (version counter): nothing was written; say so instead of a 500."""
    db.session.rollback()
    return error_response(409, "conflict", _("Someone else changed this record at the same time. "
                                             "Nothing was saved; reload the page and try again."))


def handle_integrity_error(error: IntegrityError):
    """Two identical creates at the same moment: the database's unique constraint stopped the second.

    The check before the insert passed for both; nothing of this request was written.
    """
    db.session.rollback()
    twin = idempotency.earlier_for_request()
    if twin is not None:  # the same form or API call, sent twice at once: answer with the first's result
        return idempotency.replay(twin)
    current_app.logger.info("refused by a constraint [request %s]: %s", request_id(), str(error.orig)[:200])
    return error_response(409, "conflict", _("This was created or changed by someone else at the same moment. "
                                             "Nothing was saved; reload the page to see it."))


def handle_database_unavailable(error: OperationalError):
    """The database is busy (SQLite lock held past the busy timeout) or unreachable: a clear 503.

    The transaction is rolled back, so nothing is half-written; the client may retry.
    """
    db.session.rollback()
    current_app.logger.warning("database unavailable: %s", str(error.orig)[:200])
    response, status = error_response(503, "database_unavailable",
                                      _("The database is busy. Please try again in a moment."))
    response = make_response(response, status)
    response.headers["Retry-After"] = "2"
    return response


def register(app) -> None:
    app.before_request(assign_request_id)
    app.after_request(send_request_id)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(StaleDataError, handle_stale_data)
    app.register_error_handler(IntegrityError, handle_integrity_error)
    app.register_error_handler(idempotency.AlreadyDone, lambda done: idempotency.replay(done.submission))
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_server_error)
    if not app.debug and not app.testing:
        app.register_error_handler(Exception, handle_server_error)
