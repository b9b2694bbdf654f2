"""Match pages: a need's technologies, a technology's needs, the coordinators' overview; 'no thanks'."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..accounts.auth import roles_required
from ..extensions import db
from ..listings.kinds import KINDS, get_visible
from ..introductions.services import prefetch_introductions
from ..models import City, Country, Dismissal, Sector
from . import best, cards, dismissals, store

bp = Blueprint("matching", __name__)


def listing_matches(kind: str, ref: str):
    """A listing's stored matches, best first, for anyone who may see the listing."""
    listing = get_visible(KINDS[kind], ref)
    if store.catch_up(listing):
        db.session.commit()
    return render_template("matching/for_listing.html", listing=listing, kind=KINDS[kind],
                           cards=cards.match_list(kind, listing))


@bp.route("/needs/<ref>/matches")
@login_required
def for_need(ref):
    return listing_matches("needs", ref)


@bp.route("/technologies/<ref>/matches")
@login_required
def for_technology(ref):
    return listing_matches("technologies", ref)


@bp.route("/matches")
@roles_required("coordinator", "admin")
def overview():
    """The best matches across the platform, best score first, a page at a time, filtered by
    country, sector and minimum score; an unusable filter is reported and the others are kept."""
    filters, errors = best.parse(request.args)
    for error in errors:
        flash(_("That filter could not be used: %(problem)s", problem=error.message), "error")
    page = best.best_matches(filters)
    prefetch_introductions((m.need_id, m.technology_id) for m in page.items)
    countries = db.session.scalars(select(Country).where(Country.code.in_(select(City.country_code)))).all()
    sectors = db.session.scalars(select(Sector).order_by(Sector.position)).all()
    dismissals = db.session.scalars(select(Dismissal).order_by(Dismissal.created_at.desc()).limit(20)).all()
    return render_template("matching/overview.html", page=page, filters=filters, countries=countries,
                           sectors=sectors, dismissals=dismissals), 400 if errors else 200


@bp.app_template_global("may_dismiss")
def may_dismiss(need, technology) -> bool:
    """Whether the reader gets a "No thanks" button: the handler's own rule."""
    return dismissals.dismissal_side(current_user, need, technology) is not None


@bp.route("/matches/<need_ref>/<tech_ref>/dismiss", methods=["POST"])
@login_required
def dismiss(need_ref, tech_ref):
    """'No thanks': either side (or staff) removes the pair for good, with an optional reason."""
    need = get_visible(KINDS["needs"], need_ref)
    tech = get_visible(KINDS["technologies"], tech_ref)
    try:
        side = dismissals.dismiss(current_user, need, tech, request.form.get("reason") or "")
    except dismissals.DismissalError as error:
        abort(error.status)
    db.session.commit()
    flash(_("Dismissed: this pair will not be proposed again."), "success")
    back = {"city": url_for("matching.for_need", ref=need.ref),
            "company": url_for("matching.for_technology", ref=tech.ref)}.get(side, url_for("matching.overview"))
    return redirect(back, 303)
