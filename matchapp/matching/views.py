"""Match pages: a need's technologies, a technology's needs, the coordinators' overview; 'no thanks'."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..accounts.auth import roles_required
from ..extensions import db
from ..listings.access import can_edit
from ..listings.kinds import KINDS, get_visible
from ..listings.search import FilterError, positive_int
from ..introductions.services import prefetch_introductions
from ..models import City, Country, Dismissal, Match, Need, Sector
from ..models.listings import need_sectors
from . import cards, outcomes, store

bp = Blueprint("matching", __name__)
BOTH_SIDES_LOADS = cards.OTHER_SIDE_LOADS["needs"] + cards.OTHER_SIDE_LOADS["technologies"]


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
    """The best recent matches across the platform, filtered by country, sector and minimum score."""
    country = (request.args.get("country") or "").upper()
    sector = request.args.get("sector") or ""
    status = 200
    try:
        min_score = positive_int(request.args.get("min_score") or None, "min_score", 50, 100)
        if country and db.session.get(Country, country) is None:
            raise FilterError("country", f"unknown country '{country}'")
        if sector and db.session.get(Sector, sector) is None:
            raise FilterError("sector", f"unknown sector '{sector}'")
    except FilterError as error:
        flash(_("That filter could not be used: %(problem)s", problem=error.message), "error")
        country, sector, min_score, status = "", "", 50, 400
    query = select(Match).join(Need, Match.need_id == Need.id).where(Match.score >= min_score)
    if country:
        query = query.where(Need.city.has(City.country_code == country))
    if sector:
        query = query.where(Need.id.in_(select(need_sectors.c.need_id).where(need_sectors.c.sector_code == sector)))
    matches = db.session.scalars(query.options(*BOTH_SIDES_LOADS)
                                 .order_by(Match.computed_at.desc(), Match.score.desc()).limit(100)).all()
    prefetch_introductions((m.need_id, m.technology_id) for m in matches)
    countries = db.session.scalars(select(Country).where(Country.code.in_(select(City.country_code)))).all()
    sectors = db.session.scalars(select(Sector).order_by(Sector.position)).all()
    dismissals = db.session.scalars(select(Dismissal).order_by(Dismissal.created_at.desc()).limit(20)).all()
    return render_template("matching/overview.html", matches=matches, countries=countries, sectors=sectors,
                           country=country, sector=sector, min_score=min_score, dismissals=dismissals), status


@bp.route("/matches/<need_ref>/<tech_ref>/dismiss", methods=["POST"])
@login_required
def dismiss(need_ref, tech_ref):
    """'No thanks': either side (or staff) removes the pair for good, with an optional reason."""
    need = get_visible(KINDS["needs"], need_ref)
    tech = get_visible(KINDS["technologies"], tech_ref)
    if current_user.is_staff:
        side = "coordinator"
    elif can_edit(current_user, need):
        side = "city"
    elif can_edit(current_user, tech):
        side = "company"
    else:
        abort(404)
    existing = db.session.scalar(select(Dismissal).where(Dismissal.need_id == need.id,
                                                         Dismissal.technology_id == tech.id))
    if existing is None:
        match = db.session.scalar(select(Match).where(Match.need_id == need.id, Match.technology_id == tech.id))
        db.session.add(Dismissal(need_id=need.id, technology_id=tech.id, user_id=current_user.id, side=side,
                                 reason=(request.form.get("reason") or "").strip()[:1000],
                                 score=match.score if match else None))
        outcomes.record(need.id, tech.id, "dismissed")
        if match is not None:
            db.session.delete(match)
        db.session.commit()
    flash(_("Dismissed: this pair will not be proposed again."), "success")
    back = {"city": url_for("matching.for_need", ref=need.ref),
            "company": url_for("matching.for_technology", ref=tech.ref)}.get(side, url_for("matching.overview"))
    return redirect(back, 303)
