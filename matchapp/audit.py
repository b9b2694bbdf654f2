"""Recording sensitive actions in the audit log (added to the caller's transaction)."""
from flask import has_request_context, request
from flask_login import current_user

from .extensions import db
from .models import AuditEvent


def record(action: str, target: str = "", detail: str = "", user=None) -> None:
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user
    ip = (request.remote_addr or "")[:64] if has_request_context() else "cli"
    db.session.add(AuditEvent(action=action[:40], target=target[:200], detail=detail[:2000], ip=ip,
                              user_id=user.id if user is not None else None))
