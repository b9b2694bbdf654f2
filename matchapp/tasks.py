"""The application's background jobs (see jobs.py for when and where they run)."""
from .extensions import db
from .jobs import job
from .models import OutboxEmail


@job
def send_email(email_id: int) -> None:
    """Send one outbox e-mail now; a failure leaves it queued for `flask send-mail` with a retry time."""
    from . import notifications
    email = db.session.get(OutboxEmail, email_id)
    if email is None or email.sent_at is not None or email.failed_at is not None:
        return
    notifications.deliver(email)
    db.session.commit()
