"""Error pages for the site and JSON errors for the API, handled in one place."""
from flask import current_app, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError

from .extensions import db


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, code: str, message: str):
    if wants_json():
        return jsonify({"error": {"code": code, "message": message}}), status
    return render_template("errors/error.html", status=status, message=message), status


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
    return error_response(status, (error.name or "error").lower().replace(" ", "_"), message)


def handle_csrf_error(error: CSRFError):
    return error_response(400, "csrf", _("The form expired or was sent from another site. Please try again."))


def handle_server_error(error: Exception):
    """Roll back so one failed request cannot leave a half-written transaction behind."""
    db.session.rollback()
    return error_response(500, "internal_error", _("Something went wrong on our side. Please try again later."))


def handle_stale_data(error: StaleDataError):
    """A save from a stale copy (version counter): nothing was written; say so instead of a 500."""
    db.session.rollback()
    return error_response(409, "conflict", _("Someone else changed this record at the same time. "
                                             "Nothing was saved; reload the page and try again."))


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
    app.register_error_handler(StaleDataError, handle_stale_data)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_server_error)
    if not app.debug and not app.testing:
        app.register_error_handler(Exception, handle_server_error)
