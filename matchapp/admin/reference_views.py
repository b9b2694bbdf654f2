"""Reference data pages: sectors, countries (with their JCM signing dates) and the JCM rules."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import DateField, DecimalField, IntegerField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..accounts.auth import roles_required
from ..errors import refused
from ..extensions import db
from ..formkit import Form, YearInRange
from ..models import Country, JcmRule, Sector
from ..workspace.next_steps import local_today
from . import bp, reference


class SectorForm(Form):
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=120)])
    name_ja = StringField(_l("Name (Japanese)"), validators=[DataRequired(), Length(max=120)])
    description_en = StringField(_l("Description (English)"), validators=[Optional(), Length(max=255)])
    description_ja = StringField(_l("Description (Japanese)"), validators=[Optional(), Length(max=255)])
    submit = SubmitField(_l("Save"))


class CountryForm(Form):
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=120)])
    name_ja = StringField(_l("Name (Japanese)"), validators=[DataRequired(), Length(max=120)])
    timezone = StringField(_l("Time zone"), validators=[Optional(), Length(max=64)])
    jcm_signed = StringField(_l("JCM signed on (YYYY-MM-DD or YYYY-MM; empty: not a partner)"),
                             validators=[Optional(), Length(max=10)])
    submit = SubmitField(_l("Save"))


class RuleForm(Form):
    effective_from = DateField(_l("In force from"), validators=[DataRequired(), YearInRange()])
    technology = StringField(_l("Technology type"), default="general", validators=[DataRequired(), Length(max=40)])
    country = StringField(_l("Country (ISO code; empty: every country)"), validators=[Optional(), Length(max=2)])
    threshold_jpy_per_t = IntegerField(_l("Cost-effectiveness threshold (JPY/tCO2)"),
                                       validators=[DataRequired(), NumberRange(min=1, max=10**9)])
    max_rate = DecimalField(_l("Maximum subsidy rate (0–1)"), places=None,
                            validators=[DataRequired(), NumberRange(min=0.01, max=1)])
    max_subsidy_jpy = IntegerField(_l("Maximum subsidy (JPY)"), validators=[DataRequired(), NumberRange(min=1, max=10**15)])
    min_payback_years = DecimalField(_l("Minimum payback (years)"), places=None,
                                     validators=[Optional(), NumberRange(min=0, max=100)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Add the rule"))


def _or_404(model, code):
    record = db.session.get(model, code)
    if record is None:
        abort(404)
    return record


@bp.route("/admin/reference")
@roles_required("admin")
def reference_data():
    return render_template("admin/reference.html",
                           sectors=db.session.scalars(select(Sector).order_by(Sector.position)).all(),
                           partners=db.session.scalars(select(Country).where(Country.jcm_signed.is_not(None))
                                                       .order_by(Country.name_en)).all(),
                           rules=db.session.scalars(select(JcmRule).order_by(JcmRule.technology, JcmRule.country,
                                                                             JcmRule.effective_from.desc())).all(),
                           rule_form=RuleForm(), today=local_today(current_user))


def _save(form, record, label, template, save):
    """One edit as the request's unit of work; a refusal is shown on its field, with a 400."""
    if form.validate_on_submit():
        try:
            changed = save()
            db.session.commit()
        except reference.ReferenceError as error:
            db.session.rollback()
            getattr(form, error.field or "name_en").errors.append(str(error.message))
        else:
            flash(_("Saved.") if changed else _("Nothing was changed."), "success" if changed else "info")
            return redirect(url_for("admin.reference_data"), 303)
    return render_template(template, form=form, record=record, label=label), 400 if form.errors else 200


@bp.route("/admin/sectors/<code>", methods=["GET", "POST"])
@roles_required("admin")
def edit_sector(code):
    sector = _or_404(Sector, code)
    form = SectorForm(obj=sector) if request.method == "GET" else SectorForm()
    return _save(form, sector, sector.code, "admin/reference_edit.html", lambda: reference.update_sector(
        current_user, sector, name_en=form.name_en.data, name_ja=form.name_ja.data,
        description_en=form.description_en.data, description_ja=form.description_ja.data))


@bp.route("/admin/countries/<code>", methods=["GET", "POST"])
@roles_required("admin")
def edit_country(code):
    country = _or_404(Country, code.upper())
    form = CountryForm(obj=country) if request.method == "GET" else CountryForm()
    return _save(form, country, country.code, "admin/reference_edit.html", lambda: reference.update_country(
        current_user, country, form.name_en.data, form.name_ja.data, form.timezone.data, form.jcm_signed.data))


@bp.route("/admin/jcm-rules", methods=["POST"])
@roles_required("admin")
def add_rule():
    form = RuleForm()
    back = url_for("admin.reference_data")
    if not form.validate_on_submit():
        for name, errors in form.errors.items():
            for error in errors:
                flash(f"{getattr(form, name).label.text}: {error}", "error")
        return refused(400, back, _("Back to the reference data"))
    try:
        reference.add_rule(current_user, form.effective_from.data, form.technology.data, form.country.data,
                           form.threshold_jpy_per_t.data, float(form.max_rate.data), form.max_subsidy_jpy.data,
                           float(form.min_payback_years.data or 0), form.note.data)
        db.session.commit()
    except reference.ReferenceError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return refused(400, back, _("Back to the reference data"))
    flash(_("The rule was added."), "success")
    return redirect(back, 303)


@bp.route("/admin/jcm-rules/<int:rule_id>/delete", methods=["POST"])
@roles_required("admin")
def delete_rule(rule_id):
    rule = _or_404(JcmRule, rule_id)
    back = url_for("admin.reference_data")
    try:
        reference.delete_rule(current_user, rule, local_today(current_user))
        db.session.commit()
    except reference.ReferenceError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return refused(409, back, _("Back to the reference data"))
    flash(_("The rule was deleted."), "success")
    return redirect(back, 303)
