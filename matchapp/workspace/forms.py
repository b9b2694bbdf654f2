"""Forms of the coordinators' workspace."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, DecimalField, HiddenField, IntegerField, SelectField, StringField, SubmitField, \
    TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..formkit import Form, YearInRange, options
from ..introductions.forms import ATTACHMENT_TYPES

NOT_NEGATIVE = _l("Give a number of 0 or more.")
DETAIL_LABELS = {
    "title": _l("Title"), "description": _l("Description"), "expected_co2_t": _l("Expected CO2 reduction (t/year)"),
    "co2_basis": _l("Basis of the CO2 estimate"), "investment_jpy": _l("Investment (JPY)"),
    "subsidy_jpy": _l("Subsidy sought (JPY)"), "next_step": _l("Next step"),
    "next_step_due": _l("Due date of the next step"), "next_step_owner_id": _l("Owner of the next step"),
    "notes": _l("Notes"),
}


class ProjectDetailsForm(Form):
    version = HiddenField()
    title = StringField(DETAIL_LABELS["title"], validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(DETAIL_LABELS["description"], validators=[Optional(), Length(max=10000)])
    expected_co2_t = DecimalField(DETAIL_LABELS["expected_co2_t"], places=None,
                                  validators=[Optional(), NumberRange(min=0, max=10**9, message=NOT_NEGATIVE)])
    co2_basis = StringField(DETAIL_LABELS["co2_basis"], validators=[Optional(), Length(max=500)])
    investment_jpy = IntegerField(DETAIL_LABELS["investment_jpy"],
                                  validators=[Optional(), NumberRange(min=0, max=10**15, message=NOT_NEGATIVE)])
    subsidy_jpy = IntegerField(DETAIL_LABELS["subsidy_jpy"],
                               validators=[Optional(), NumberRange(min=0, max=10**15, message=NOT_NEGATIVE)])
    next_step = StringField(DETAIL_LABELS["next_step"], validators=[Optional(), Length(max=300)])
    next_step_due = DateField(DETAIL_LABELS["next_step_due"], validators=[Optional(), YearInRange()])
    next_step_owner = SelectField(DETAIL_LABELS["next_step_owner_id"], coerce=str, validate_choice=True)
    notes = TextAreaField(DETAIL_LABELS["notes"], validators=[Optional(), Length(max=10000)])
    submit = SubmitField(_l("Save the project"))


class DocumentForm(Form):
    file = FileField(_l("Document (at most 2 MB)"), validators=[
        FileRequired(_l("Choose a file to upload.")),
        FileAllowed(ATTACHMENT_TYPES, _l("Attach a PDF, image, Office document, CSV or text file."))])
    submit = SubmitField(_l("Add the document"))


SCREENING_TECHNOLOGIES = [("general", _l("Other technologies")), ("solar", _l("Solar")),
                          ("small_hydro", _l("Small hydro"))]


class ScreeningForm(Form):
    technology = SelectField(_l("Technology type"), choices=options(SCREENING_TECHNOLOGIES))
    life_years = DecimalField(_l("Legal useful life (years)"), default=15, places=None,
                              validators=[DataRequired(), NumberRange(min=1, max=100)])
    annual_savings_jpy = IntegerField(_l("Annual savings (JPY, optional)"),
                                      validators=[Optional(), NumberRange(min=1, max=10**15)])
    submit = SubmitField(_l("Run the JCM screening"))
