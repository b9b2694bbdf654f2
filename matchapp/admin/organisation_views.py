"""Organisation records: companies and cities listed, edited (names, home city, country) and merged."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ..accounts.auth import roles_required
from ..errors import refused
from ..extensions import db
from ..models import City, Company, Need, Technology, User
from . import bp, organisations
from .forms import CityForm, CompanyForm, MergeForm, country_choices


@bp.route("/admin/organisations")
@roles_required("admin")
def organisations_page():
    """Every company and city with what it holds, each linking to its edit and merge page."""
    return render_template("admin/organisations.html",
                           companies=with_counts(Company, Technology, "company_id"),
                           cities=with_counts(City, Need, "city_id"))


def with_counts(model, listing, column: str) -> list[tuple]:
    """(organisation, users, listings) by name, counted in SQL."""
    users = (select(func.count(User.id)).where(getattr(User, column) == model.id)
             .correlate(model).scalar_subquery())
    listings = (select(func.count(listing.id)).where(getattr(listing, column) == model.id)
                .correlate(model).scalar_subquery())
    return db.session.execute(select(model, users, listings).order_by(model.name)).all()


def record_or_404(model, ref: str):
    record = db.session.scalar(select(model).where(model.ref == ref))
    if record is None:
        abort(404)
    return record


@bp.route("/admin/companies/<ref>", methods=["GET", "POST"])
@roles_required("admin")
def edit_company(ref):
    company = record_or_404(Company, ref)
    form = CompanyForm(obj=company) if request.method == "GET" else CompanyForm()
    return edit(company, form, lambda: organisations.update_company(
        current_user, company, name=form.name.data, name_ja=form.name_ja.data or "",
        home_city=form.home_city.data or ""))


@bp.route("/admin/cities/<ref>", methods=["GET", "POST"])
@roles_required("admin")
def edit_city(ref):
    city = record_or_404(City, ref)
    form = CityForm(obj=city, country=city.country_code) if request.method == "GET" else CityForm()
    form.country.choices = country_choices()
    return edit(city, form, lambda: organisations.update_city(
        current_user, city, name=form.name.data, name_ja=form.name_ja.data or "", country_code=form.country.data))


def edit(record, form, save):
    """The edit page's save as the request's unit of work; field errors are shown on the form."""
    if form.validate_on_submit():
        try:
            changes = save()
            db.session.commit()
        except organisations.OrganisationError as error:
            db.session.rollback()
            getattr(form, error.field or "name").errors.append(str(error.message))
        else:
            flash(_("Saved.") if changes else _("Nothing was changed."), "success" if changes else "info")
            return redirect(edit_url(record), 303)
    return render_edit(record, form, merge_form(record), 400 if form.errors else 200)


def edit_url(record) -> str:
    if isinstance(record, Company):
        return url_for("admin.edit_company", ref=record.ref)
    return url_for("admin.edit_city", ref=record.ref)


def merge_form(record, formdata=None) -> MergeForm:
    return MergeForm(formdata=formdata).fill_choices(organisations.merge_candidates(type(record), record))


def render_edit(record, form, merge, status: int = 200):
    return render_template("admin/organisation.html", record=record, form=form, merge=merge,
                           is_company=isinstance(record, Company), holdings=organisations.holdings(record)), status


@bp.route("/admin/companies/<ref>/merge", methods=["POST"])
@roles_required("admin")
def merge_company(ref):
    """Merge this company (the duplicate) into the one chosen, and delete it."""
    return merge(record_or_404(Company, ref), organisations.merge_companies)


@bp.route("/admin/cities/<ref>/merge", methods=["POST"])
@roles_required("admin")
def merge_city(ref):
    """Merge this city (the duplicate) into the one chosen, and delete it."""
    return merge(record_or_404(City, ref), organisations.merge_cities)


def merge(duplicate, service):
    model = type(duplicate)
    form = merge_form(duplicate, request.form)
    survivor = db.session.scalar(select(model).where(model.ref == (request.form.get("into") or "")))
    if survivor is not None and survivor.id == duplicate.id:  # not among the choices: say why, not "not a choice"
        form.into.choices = [*form.into.choices, (duplicate.ref, duplicate.name)]
    if not form.validate_on_submit():
        for error in form.confirm.errors + form.into.errors:
            flash(str(error), "error")
        return refused(400, edit_url(duplicate), _("Back to the organisation"))
    name = duplicate.name
    try:
        service(current_user, duplicate, survivor)
        db.session.commit()
    except organisations.OrganisationError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return refused(error.status, edit_url(duplicate), _("Back to the organisation"))
    flash(_("%(duplicate)s was merged into %(survivor)s and deleted; its users, listings, projects and event "
            "invitations moved there.", duplicate=name, survivor=survivor.name), "success")
    return redirect(edit_url(survivor), 303)
