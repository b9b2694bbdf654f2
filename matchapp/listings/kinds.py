"""The two kinds of listing and what differs between them, so views are written once."""
from dataclasses import dataclass

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..models import City, Company, Need, Technology
from .access import can_edit, can_view
from .forms import NeedForm, TechnologyForm


@dataclass(frozen=True)
class Kind:
    name: str
    model: type
    form: type
    owner_key: str
    owner_model: type
    owner_role: str
    label: object
    publish_status: str


KINDS = {
    "technologies": Kind("technologies", Technology, TechnologyForm, "company", Company, "company",
                         _l("Technologies"), "published"),
    "needs": Kind("needs", Need, NeedForm, "city", City, "city", _l("Needs"), "open"),
}


def get_kind(name: str) -> Kind:
    if name not in KINDS:
        abort(404)
    return KINDS[name]


def get_visible(kind: Kind, ref: str):
    """The listing if the current user may see it; 404 otherwise, so drafts stay secret."""
    listing = db.session.scalar(select(kind.model).where(kind.model.ref == ref))
    if listing is None or not can_view(current_user, listing):
        abort(404)
    return listing


def get_editable(kind: Kind, ref: str):
    """The listing if the current user may edit it; 403 when they may only see it."""
    listing = get_visible(kind, ref)
    if not can_edit(current_user, listing):
        abort(403)
    return listing


def may_create(kind: Kind) -> bool:
    return current_user.is_staff or current_user.role == kind.owner_role
