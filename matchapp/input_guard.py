"""Input every database can store: a NUL character is refused up front, alike on SQLite and PostgreSQL.

PostgreSQL cannot store NUL (0x00) in text at all and raises a DataError deep inside a
request; SQLite would store it. Checking once, before any view runs, gives the same clear
400 on both. File contents (attachments, uploads) are not text fields and are not checked.
"""
from flask import Flask, request
from flask_babel import gettext as _
from sqlalchemy.exc import DataError

from .errors import error_response
from .extensions import db

NUL = "\x00"


def contains_nul(value) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(contains_nul(item) for item in value)
    return False


def request_has_nul() -> bool:
    if NUL in request.path or any(contains_nul(values) for _key, values in request.args.lists()):
        return True
    if request.method in ("POST", "PUT", "PATCH"):
        if request.is_json:
            return contains_nul(request.get_json(silent=True))
        return any(contains_nul(key) or contains_nul(values) for key, values in request.form.lists())
    return False


def refuse_nul():
    if request_has_nul():
        return error_response(400, "bad_request", _("The request contains a NUL character, which cannot be stored."))
    return None


def handle_data_error(error: DataError):
    """A value the database refuses (too long, out of range) that validation missed: a 400, not a 500."""
    db.session.rollback()
    return error_response(400, "bad_request", _("A value in the request cannot be stored."))


def register(app: Flask) -> None:
    app.before_request(refuse_nul)
    app.register_error_handler(DataError, handle_data_error)
