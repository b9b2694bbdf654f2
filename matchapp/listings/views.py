"""Browse, read, create, edit and change the status of technologies and needs."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from .. import bundle, idempotency
from ..extensions import db
from ..formkit import options
from ..models import CLOSED_STAGE, Country, Event, EventParticipant, Project, Sector
from ..models.reference import reference_options
from ..refs import unique_ref
from . import search, services
from .access import can_view
from .blueprint import bp
from .cards import listing_cards
from .forms import SaveSearchForm
from .kinds import get_editable, get_kind, get_visible, may_create

KIND_PATH = "/<any(technologies, needs):kind>"


def sector_options():
    return options(reference_options(Sector))


def country_options(blank=None):
    return options(([("", blank)] if blank is not None else []) + reference_options(Country))


def prepare_form(kind, form):
    """Fill the choices that come from the database."""
    form.sectors.choices = sector_options()
    if current_user.is_staff:
        owners = db.session.scalars(select(kind.owner_model).order_by(kind.owner_model.name))
        form.owner.choices = options([("", _("Choose an organisation"))] + [(o.ref, o.display_name) for o in owners])
    else:
        del form.owner  # owners list only their own organisation; a posted 'owner' is ignored
    if kind.name == "technologies":
        form.countries.choices = country_options()
        for row in form.deliveries:
            row.country.choices = country_options(blank=_("Choose a country"))
    return form


def chosen_owner(kind, form):
    """The user's own organisation, or for staff the one picked in the form (None: not chosen)."""
    if not current_user.is_staff:
        return getattr(current_user, kind.owner_key)
    ref = form.owner.data
    owner = db.session.scalar(select(kind.owner_model).where(kind.owner_model.ref == ref)) if ref else None
    if owner is None:
        form.owner.errors = list(form.owner.errors) + [_("Choose the organisation this listing belongs to.")]
    return owner


def apply_form(kind, listing, form) -> None:
    for key, value in form.listing_data().items():
        bundle.apply_field(listing, key, value, kind.name)


@bp.route(KIND_PATH)
@login_required
def browse(kind):
    """Search and filter listings; the filters live in the URL so a search can be shared or saved."""
    kind = get_kind(kind)
    status = 200
    try:
        filters = search.Filters.parse(request.args, kind.model)
    except search.FilterError as error:
        flash(_("That filter could not be used: %(problem)s", problem=error.message), "error")
        filters, status = search.Filters(), 400
    page = search.search(kind.model, filters, current_user)
    cards = listing_cards(kind, page.ids, lambda ids: search.rows(kind.model, ids))
    return render_template("listings/browse.html", kind=kind, page=page, cards=cards, filters=filters,
                           sectors=sector_options(), countries=country_options(blank=_("Any country")),
                           statuses=search.STATUSES[kind.model], save_form=SaveSearchForm(),
                           may_create=may_create(kind)), status


@bp.route(KIND_PATH + "/<ref>")
@login_required
def detail(kind, ref):
    kind = get_kind(kind)
    listing = get_visible(kind, ref)
    return render_template("listings/detail.html", kind=kind, listing=listing,
                           freshness=services.freshness(listing))


@bp.route(KIND_PATH + "/new", methods=["GET", "POST"])
@login_required
def create(kind):
    """A company lists a technology, a city posts a need; staff do either on someone's behalf."""
    kind = get_kind(kind)
    if not may_create(kind):
        abort(403)
    form = prepare_form(kind, kind.form())
    if form.validate_on_submit():
        owner = chosen_owner(kind, form)
        if owner is not None:
            claimed = idempotency.claim_form(current_user, form)
            listing = kind.model(ref=unique_ref(kind.model, form.title_alt.data or form.title.data, kind.name[:-1]),
                                 status="draft")
            db.session.add(listing)
            with db.session.no_autoflush:
                setattr(listing, kind.owner_key, owner)
                apply_form(kind, listing, form)
            db.session.flush()
            saved = (_("Saved."), "success")
            if form.save_publish.data:
                saved = publish_if_allowed(listing)
            services.changed(listing)
            idempotency.finish(claimed, url_for("listings.detail", kind=kind.name, ref=listing.ref))
            db.session.commit()
            flash(*saved)
            return redirect(url_for("listings.detail", kind=kind.name, ref=listing.ref))
    return render_template("listings/edit.html", kind=kind, form=form, listing=None), 400 if form.errors else 200


@bp.route(KIND_PATH + "/<ref>/edit", methods=["GET", "POST"])
@login_required
def edit(kind, ref):
    """Edit a listing; a save based on a version someone else has since replaced is refused (409)."""
    kind = get_kind(kind)
    listing = get_editable(kind, ref)
    if request.method == "GET":
        data = bundle.export_entry(kind.name, listing)
        data["owner"] = data.pop(kind.owner_key)
        form = kind.form(data=dict(data, version=listing.version))
    else:
        form = kind.form()
    prepare_form(kind, form)
    if form.validate_on_submit():
        if form.version.data != str(listing.version):
            return edit_conflict(kind, form, listing)
        owner = chosen_owner(kind, form) if current_user.is_staff else getattr(listing, kind.owner_key)
        if owner is not None:
            try:
                setattr(listing, kind.owner_key, owner)
                apply_form(kind, listing, form)
                services.confirm(listing)
                saved = (_("Saved."), "success")
                if form.save_publish.data and listing.status == "draft":
                    saved = publish_if_allowed(listing)
                services.changed(listing)  # flushes: the version check happens here
                db.session.commit()
            except StaleDataError:  # someone saved between our read and our write
                db.session.rollback()
                return edit_conflict(kind, form, db.session.get(kind.model, listing.id))
            flash(*saved)
            return redirect(url_for("listings.detail", kind=kind.name, ref=listing.ref))
    return render_template("listings/edit.html", kind=kind, form=form, listing=listing), 400 if form.errors else 200


def publish_if_allowed(listing) -> tuple[str, str]:
    """"Save and publish": the draft is kept even when publishing is refused; the message says which."""
    try:
        services.transition(listing, "publish", by=current_user)
    except services.ListingError as error:
        return _("Saved as a draft. %(reason)s", reason=error.message), "error"
    return _("Saved."), "success"


def edit_conflict(kind, form, listing):
    """Keep what the user typed, explain, and let a second save knowingly replace the newer version."""
    form.version.data = str(listing.version)
    flash(_("Someone else saved this listing while you were editing it, so your changes were not saved. "
            "Compare with the current version (it opens in a new tab); saving again replaces it with this form."),
          "error")
    return render_template("listings/edit.html", kind=kind, form=form, listing=listing, conflict=True), 409


@bp.route(KIND_PATH + "/<ref>/<any(publish, archive, unpublish, close, discuss, reopen, confirm):action>",
          methods=["POST"])
@login_required
def change_status(kind, ref, action):
    """Publish, archive, close, reopen or confirm a listing (owner or staff)."""
    kind = get_kind(kind)
    listing = get_editable(kind, ref)
    try:
        if action == "confirm":
            services.confirm(listing)
        else:
            services.transition(listing, action, by=current_user)
        services.changed(listing)
    except services.ListingError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("listings.detail", kind=kind.name, ref=ref)), 303
    db.session.commit()
    flash(services.ACTION_MESSAGES[action], "success")
    return redirect(url_for("listings.detail", kind=kind.name, ref=ref)), 303


@bp.route("/organisations/<any(companies, cities):group>/<ref>")
@login_required
def organisation(group, ref):
    """An organisation's profile with the listings the viewer may see."""
    kind = get_kind("technologies" if group == "companies" else "needs")
    owner = db.session.scalar(select(kind.owner_model).where(kind.owner_model.ref == ref))
    if owner is None:
        abort(404)
    listings = [l for l in (owner.technologies if group == "companies" else owner.needs) if can_view(current_user, l)]
    projects, events = partner_city_work(owner) if group == "cities" and current_user.is_staff else ([], [])
    return render_template("listings/organisation.html", kind=kind, owner=owner, listings=listings, group=group,
                           projects=projects, events=events)


def partner_city_work(city) -> tuple[list, list]:
    """For coordinators: the partner city's active projects and the events it is invited to."""
    projects = db.session.scalars(select(Project).where(Project.city_id == city.id, Project.stage != CLOSED_STAGE)
                                  .order_by(Project.updated_at.desc())).all()
    events = db.session.scalars(select(Event).join(EventParticipant).where(EventParticipant.city_id == city.id)
                                .order_by(Event.held_on.desc())).all()
    return projects, events
