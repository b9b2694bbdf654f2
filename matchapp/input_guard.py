"""Input every database can store: a NUL character is refused up front, alike on SQLite and PostgreSQL.

PostgreSQL cannot store NUL (0x00) in text at all and raises a DataError deep inside a
request; SQLite would store it. Checking once, before any view runs, gives the same clear
400 on both. File contents (attachments, uploads) are not text fields and are not checked.
JSON nested deeper than any request of the API needs is refused here too: walking (or
even parsing) thousands of levels exhausts Python's recursion limit.
"""
from flask import Flask, request
from flask_babel import gettext as _
from sqlalchemy.exc import DataError

from .errors import error_response
from .extensions import db

NUL = "\x00"
MAX_JSON_DEPTH = 32


class TooDeep(ValueError):
    """JSON nested more than MAX_JSON_DEPTH levels."""


def contains_nul(value) -> bool:
    """Whether any string in `value` (nested lists and dicts walked without recursion) holds a NUL."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise TooDeep()
        if isinstance(item, str):
            if NUL in item:
                return True
        elif isinstance(item, dict):
            stack.extend((part, depth + 1) for pair in item.items() for part in pair)
        elif isinstance(item, list):
            stack.extend((part, depth + 1) for part in item)
    return False


def request_has_nul() -> bool:
    if NUL in request.path or any(contains_nul(values) for _key, values in request.args.lists()):
        return True
    if request.method in ("POST", "PUT", "PATCH"):
        if request.is_json:
            try:
                return contains_nul(request.get_json(silent=True))
            except RecursionError:  # too deep for the JSON parser itself
                raise TooDeep() from None
        return any(contains_nul(key) or contains_nul(values) for key, values in request.form.lists())
    return False


def refuse_nul():
    try:
        has_nul = request_has_nul()
    except TooDeep:
        return error_response(400, "bad_request", _("The JSON body is nested more than %(depth)d levels deep.",
                                                    depth=MAX_JSON_DEPTH))
    if has_nul:
        return error_response(400, "bad_request", _("The request contains a NUL character, which cannot be stored."))
    return None


def handle_data_error(error: DataError):
    """A value the database refuses (too long, out of range) that validation missed: a 400, not a 500."""
    db.session.rollback()
    return error_response(400, "bad_request", _("A value in the request cannot be stored."))


def register(app: Flask) -> None:
    app.before_request(refuse_nul)
    app.register_error_handler(DataError, handle_data_error)
