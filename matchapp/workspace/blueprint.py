"""The workspace blueprint; views in views.py (screening), pipeline.py (projects, figures), reports.py."""
from flask import Blueprint

bp = Blueprint("workspace", __name__, url_prefix="/workspace")


def load_views() -> Blueprint:
    from . import announcements, pipeline, reports, views  # noqa: F401  (modules register their routes on bp)
    return bp
