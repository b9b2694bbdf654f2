"""Saving a change only if nobody else saved first (models with `VersionChecked`)."""
from sqlalchemy.orm.exc import StaleDataError

from .extensions import db


def save_if_unchanged(obj, expected_version: int | None = None, **values) -> bool:
    """Apply `values` to `obj` and flush; False, with the transaction rolled back, when someone else
    changed it since it was read (or since `expected_version`, the version a form was filled from)."""
    if expected_version is not None and obj.version != expected_version:
        return False
    for name, value in values.items():
        setattr(obj, name, value)
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        return False
    return True
