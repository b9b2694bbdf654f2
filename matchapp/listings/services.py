"""Listing life cycle: create, edit, publish, archive, confirm; keeps search text current."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import bundle, signals
from ..extensions import db
from ..models import Need, SavedSearch, SearchHit, Technology
from ..models.base import as_utc, utcnow
from . import search
from .access import can_view, owns
from ..domain import DomainError

# action: (allowed from, resulting status) per listing type
TRANSITIONS = {
    Technology: {"publish": (("draft", "archived"), "published"), "archive": (("draft", "published"), "archived"),
                 "unpublish": (("published",), "draft")},
    Need: {"publish": (("draft", "closed"), "open"), "close": (("draft", "open", "in_discussion"), "closed"),
           "discuss": (("open",), "in_discussion"), "reopen": (("in_discussion", "closed"), "open"),
           "unpublish": (("open",), "draft")},
}


ACTION_LABELS = {
    "publish": _l("Publish"),
    "archive": _l("Archive"),
    "unpublish": _l("Back to draft"),
    "close": _l("Close"),
    "discuss": _l("Mark as in discussion"),
    "reopen": _l("Reopen"),
    "confirm": _l("Confirm it is still current"),
}
ACTION_MESSAGES = {
    "publish": _l("The listing is published."),
    "archive": _l("The listing is archived."),
    "unpublish": _l("The listing is back to draft."),
    "close": _l("The need is closed."),
    "discuss": _l("The need is marked as in discussion."),
    "reopen": _l("The need is open again."),
    "confirm": _l("Thank you: the listing is confirmed as current."),
}


@dataclass
class Freshness:
    confirmed_at: datetime
    due_on: datetime
    stale_on: datetime
    due: bool
    stale: bool


def freshness(listing) -> Freshness:
    """When the listing was confirmed, when its owner is asked again, and when it stops being matched."""
    confirmed = as_utc(listing.confirmed_at or utcnow())
    due_on = confirmed + timedelta(days=current_app.config["LISTING_FRESH_DAYS"])
    stale_on = due_on + timedelta(days=current_app.config["LISTING_GRACE_DAYS"])
    now = utcnow()
    return Freshness(confirmed, due_on, stale_on, now >= due_on, now >= stale_on)


class ListingError(DomainError):
    """A status change the listing's state (or the user's unconfirmed address) does not allow: 409."""

    def __init__(self, message):
        super().__init__(message, 409)


def transition(listing, action: str, by=None) -> None:
    """Change a listing's status by a named action; ListingError when not allowed now.

    `by`: the user asking; one whose e-mail address is not confirmed yet may not make a listing public.
    """
    allowed = TRANSITIONS[type(listing)].get(action)
    if allowed is None:
        raise ListingError(_l("Unknown action."))
    sources, target = allowed
    if target in ("published", "open") and by is not None and by.email_verified_at is None:
        raise ListingError(_l("Confirm your e-mail address before publishing: open the link we sent you, or "
                              "ask for a new one on your dashboard."))
    if listing.status not in sources:
        raise ListingError(_l("This listing cannot be changed that way in its current state."))
    was_public = listing.status in search.DEFAULT_STATUSES[type(listing)]
    listing.status = target
    if target in ("published", "open"):
        listing.confirmed_at = utcnow()
    db.session.flush()
    if not was_public and target in search.DEFAULT_STATUSES[type(listing)]:
        record_search_hits(listing)


def changed(listing) -> None:
    """After a create, edit or status change: flush (the version check happens here) and announce it."""
    db.session.flush()
    signals.listing_changed.send(listing)


def confirm(listing) -> None:
    """The owner says the listing is still current: it is matched again for another year."""
    listing.confirmed_at = utcnow()


def record_search_hits(listing) -> int:
    """Store a hit for every other user's saved search that this newly public listing matches."""
    kind = "technologies" if isinstance(listing, Technology) else "needs"
    count = 0
    for saved in db.session.scalars(select(SavedSearch).where(SavedSearch.kind == kind)):
        if owns(saved.user, listing) or not can_view(saved.user, listing):
            continue
        if not search.matches(listing, search.Filters(**saved.filters()), saved.user):
            continue
        known = db.session.scalar(select(SearchHit.id).where(SearchHit.search_id == saved.id,
                                                              SearchHit.listing_ref == listing.ref))
        if known is None:
            db.session.add(SearchHit(search=saved, listing_ref=listing.ref, listing_title=listing.title))
            count += 1
    return count


def is_public(listing) -> bool:
    return listing.status in search.DEFAULT_STATUSES[type(listing)]


def record_hits_if_public(listing) -> None:
    """For imports: a new listing that arrives already public is announced to saved searches."""
    if is_public(listing):
        record_search_hits(listing)


def available_actions(listing) -> list[tuple[str, object]]:
    """(action, label) pairs the listing's status allows now, for its owner's buttons."""
    actions = [(action, ACTION_LABELS[action]) for action, (sources, _target) in TRANSITIONS[type(listing)].items()
               if listing.status in sources]
    if is_public(listing):
        actions.append(("confirm", ACTION_LABELS["confirm"]))
    return actions


def import_bundle(data, progress=None):
    """Import a bundle with everything a listing change brings: saved-search hits and match updates.

    `progress(n)`: called as the listings' sentence vectors are computed, n listings at a time.
    """
    from ..matching import store  # here, not at the top: matching reads listings through this module
    return bundle.import_bundle(data, on_new_listing=record_hits_if_public,
                                on_listings=lambda listings: store.listings_changed(listings, progress))
