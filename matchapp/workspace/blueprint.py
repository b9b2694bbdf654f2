"""The workspace blueprint; its views live in views.py (screening) and pipeline.py (projects, dashboard)."""
from flask import Blueprint

bp = Blueprint("workspace", __name__, url_prefix="/workspace")


def load_views() -> Blueprint:
    from . import pipeline, views  # noqa: F401  (modules register their routes on bp)
    return bp
