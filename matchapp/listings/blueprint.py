"""The listings blueprint; its views live in views.py, saved.py and curation.py."""
from flask import Blueprint

bp = Blueprint("listings", __name__)


def load_views() -> Blueprint:
    from . import curation, saved, views  # noqa: F401  (modules register their routes on bp)
    return bp
