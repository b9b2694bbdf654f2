"""'No thanks': who may dismiss a pair, and dismissing it (never proposed again)."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..domain import DomainError
from ..extensions import db
from ..introductions.services import side_for
from ..listings.access import can_view
from ..models import Dismissal, Match
from . import outcomes


class DismissalError(DomainError):
    pass


def dismissal_side(user, need, technology) -> str | None:
    """'city', 'company' or 'coordinator' when `user` may dismiss the pair, else None.

    The one rule for both the "No thanks" button and its handler: the pair's two
    organisations and staff, when they can see both listings.
    """
    if not (can_view(user, need) and can_view(user, technology)):
        return None
    return side_for(user, need, technology)


def dismiss(user, need, technology, reason: str = "") -> str:
    """Dismiss the pair for good (not committed); returns the side that did. Dismissing twice is a no-op."""
    side = dismissal_side(user, need, technology)
    if side is None:
        raise DismissalError(_l("No such need or technology."), 404)
    existing = db.session.scalar(select(Dismissal).where(Dismissal.need_id == need.id,
                                                         Dismissal.technology_id == technology.id))
    if existing is not None:
        return side
    match = db.session.scalar(select(Match).where(Match.need_id == need.id, Match.technology_id == technology.id))
    db.session.add(Dismissal(need_id=need.id, technology_id=technology.id, user_id=user.id, side=side,
                             reason=(reason or "").strip()[:1000], score=match.score if match else None))
    outcomes.record(need.id, technology.id, "dismissed")
    if match is not None:
        db.session.delete(match)
    return side
