"""Administration: user accounts and invitations, organisation records (edit, merge) and the audit log.

Administrators only (coordinators get 403). Services live beside the pages that call them:
accounts in accounts/services.py, organisations in organisations.py, the audit log's
query in auditlog.py; each view is one unit of work and commits once.
"""
from flask import Blueprint

bp = Blueprint("admin", __name__)


def load_views() -> Blueprint:
    from . import audit_views, organisation_views, reference_views, user_views  # noqa: F401  (they register routes on bp)
    return bp
