"""Who may see and edit which listing: one place for the rules, used by pages and API.

Drafts and archived technologies are seen only by their organisation and staff;
published technologies and open, in-discussion or closed needs by every user.
Only the owning organisation or a coordinator/admin edits.
"""
from sqlalchemy import or_

from ..models import Need, Technology

PUBLIC_STATUSES = {Technology: ("published",), Need: ("open", "in_discussion", "closed")}


def owns(user, listing) -> bool:
    if isinstance(listing, Technology):
        return user.company_id is not None and user.company_id == listing.company_id
    return user.city_id is not None and user.city_id == listing.city_id


def can_view(user, listing) -> bool:
    if not user.is_authenticated:
        return False
    return listing.status in PUBLIC_STATUSES[type(listing)] or user.is_staff or owns(user, listing)


def can_edit(user, listing) -> bool:
    return user.is_authenticated and (user.is_staff or owns(user, listing))


def visible_condition(model, user):
    """SQL condition equivalent to can_view for rows of `model`."""
    if user.is_staff:
        return True
    public = model.status.in_(PUBLIC_STATUSES[model])
    if model is Technology and user.company_id is not None:
        return or_(public, Technology.company_id == user.company_id)
    if model is Need and user.city_id is not None:
        return or_(public, Need.city_id == user.city_id)
    return public
