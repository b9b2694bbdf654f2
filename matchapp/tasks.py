"""The application's background jobs (see jobs.py for when and where they run).

Each is idempotent: run twice, or again after a crash, it finds its work done or redoes it whole.
Each is one unit of work: the services it calls never commit; the job does, once, at its end
(the mail sender is the exception by design: every message sent is committed on its own).
"""
from .extensions import db
from .jobs import job


@job
def send_email(email_id: int) -> None:
    """Send one outbox e-mail now (if no other sender holds it); a failure stays queued for a retry."""
    from . import notifications
    notifications.send_pending(1, only=email_id)


@job
def send_password_reset(email: str) -> None:
    """A reset link for `email`, if an account uses it (the request never says)."""
    from .accounts import reset
    reset.send_to_address(email)
    db.session.commit()


@job
def send_outbox() -> None:
    """Every minute: send what is due in the outbox (safe with several workers)."""
    from . import notifications
    notifications.send_pending()


@job
def housekeeping() -> None:
    """Hourly: remind before introduction requests expire, expire overdue ones, forget old submission keys."""
    from . import idempotency
    from .introductions import services as introductions
    introductions.housekeeping()
    idempotency.forget_old()
    db.session.commit()


@job
def send_digests() -> None:
    """Weekly: the digest of new good matches."""
    from . import notifications
    notifications.build_digests()
    db.session.commit()


@job
def rescore_listings(items: list) -> None:
    """A listing changed: its sentence vectors, then the stored matches of the pairs it is part of.

    `items`: [["technologies" | "needs", id], ...]. Recomputing is idempotent.
    """
    from .matching import store
    from .models import Need, Technology
    models = {"technologies": Technology, "needs": Need}
    listings = [listing for kind, listing_id in items
                if (listing := db.session.get(models[kind], listing_id)) is not None]
    if listings:
        store.listings_changed(listings)
        db.session.commit()


@job
def rescore_cities(city_ids: list, countries: list) -> None:
    """A city's partnerships or a country's JCM status changed: its needs' stored matches again."""
    from .matching import store
    store.rescore_cities(city_ids, countries)
    db.session.commit()


@job
def import_upload(upload_id: int) -> None:
    """Import a confirmed upload, with progress the page shows; all of it or nothing."""
    from .listings import curation
    curation.run_import(upload_id)


@job
def rematch() -> None:
    from .matching import store
    store.rematch()
    db.session.commit()
