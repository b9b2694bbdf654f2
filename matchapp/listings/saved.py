"""Saved searches: keep a filter, see what was published since."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select, true

from .. import audit, idempotency
from ..extensions import db
from ..models import Need, SavedSearch, SearchHit, Technology
from .access import visible_condition
from . import search
from .blueprint import bp
from .forms import SaveSearchForm
from .kinds import get_kind

MAX_SAVED = 50


@bp.route("/searches")
@login_required
def saved_searches():
    searches = db.session.scalars(select(SavedSearch).where(SavedSearch.user_id == current_user.id)
                                  .order_by(SavedSearch.created_at.desc())).all()
    return render_template("listings/searches.html", searches=searches,
                           hits={saved.id: visible_hits(saved, current_user) for saved in searches})


def visible_hits(saved: SavedSearch, user) -> list[tuple[SearchHit, object]]:
    """The search's hits whose listing the user may still see (archived or made private: left out), with it."""
    model = get_kind(saved.kind).model
    refs = [hit.listing_ref for hit in saved.hits]
    where = [c for c in [visible_condition(model, user)] if c is not True]
    listings = {listing.ref: listing for listing in db.session.scalars(
        select(model).where(model.ref.in_(refs), *where))} if refs else {}
    return [(hit, listings[hit.listing_ref]) for hit in saved.hits if hit.listing_ref in listings]


@bp.route("/<any(technologies, needs):kind>/searches", methods=["POST"])
@login_required
def save_search(kind):
    """Save the filters in the query string under a name."""
    kind = get_kind(kind)
    form = SaveSearchForm()
    try:
        filters = search.Filters.parse(request.args, kind.model)
    except search.FilterError as error:
        flash(error.message, "error")
        return redirect(url_for("listings.browse", kind=kind.name), 303)
    count = db.session.scalar(select(func.count(SavedSearch.id)).where(SavedSearch.user_id == current_user.id))
    if not form.validate_on_submit():
        flash(_("Give the search a name to save it."), "error")
    elif count >= MAX_SAVED:
        flash(_("You can keep at most %(n)d saved searches.", n=MAX_SAVED), "error")
    else:
        claimed = idempotency.claim_form(current_user, form)
        db.session.add(SavedSearch(user_id=current_user.id, kind=kind.name, name=form.name.data.strip(),
                                   q=filters.q, sector=filters.sector or None, country=filters.country or None,
                                   jcm_only=filters.jcm, language=filters.language))
        idempotency.finish(claimed, url_for("listings.saved_searches"))
        db.session.commit()
        flash(_("Search saved. New listings that match it will appear under Saved searches."), "success")
        return redirect(url_for("listings.saved_searches"), 303)
    return redirect(url_for("listings.browse", kind=kind.name, **filters.as_args()), 303)


def own_search(search_id: int) -> SavedSearch:
    saved = db.session.get(SavedSearch, search_id)
    if saved is None or saved.user_id != current_user.id:
        abort(404)
    return saved


@bp.route("/searches/<int:search_id>/delete", methods=["POST"])
@login_required
def delete_search(search_id):
    saved = own_search(search_id)
    audit.record("delete", f"saved search {saved.id}", saved.name)
    db.session.delete(saved)
    db.session.commit()
    flash(_("Search deleted."), "success")
    return redirect(url_for("listings.saved_searches"), 303)


@bp.route("/searches/<int:search_id>/seen", methods=["POST"])
@login_required
def mark_seen(search_id):
    for hit in own_search(search_id).hits:
        hit.seen = True
    db.session.commit()
    return redirect(url_for("listings.saved_searches"), 303)


def unseen_hits_query(user):
    """Counts the new listings waiting in the user's saved searches that the user may still see (the badge)."""
    counts = []
    for kind, model in (("technologies", Technology), ("needs", Need)):
        visible = visible_condition(model, user)
        counts.append(select(func.count(SearchHit.id)).join(SavedSearch).join(model, model.ref == SearchHit.listing_ref)
                      .where(SavedSearch.user_id == user.id, SavedSearch.kind == kind, SearchHit.seen.is_(False),
                             true() if visible is True else visible).scalar_subquery())
    return select(counts[0] + counts[1])
