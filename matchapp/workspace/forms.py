"""Forms of the coordinators' workspace."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, DecimalField, HiddenField, IntegerField, SelectField, StringField, SubmitField, \
    TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..formkit import Form, YearInRange

NOT_NEGATIVE = _l("Give a number of 0 or more.")


class ProjectDetailsForm(Form):
    version = HiddenField()
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=10000)])
    expected_co2_t = DecimalField(_l("Expected CO2 reduction (t/year)"), places=None,
                                  validators=[Optional(), NumberRange(min=0, max=10**9, message=NOT_NEGATIVE)])
    co2_basis = StringField(_l("Basis of the CO2 estimate"), validators=[Optional(), Length(max=500)])
    investment_jpy = IntegerField(_l("Investment (JPY)"), validators=[Optional(), NumberRange(min=0, max=10**15, message=NOT_NEGATIVE)])
    subsidy_jpy = IntegerField(_l("Subsidy sought (JPY)"), validators=[Optional(), NumberRange(min=0, max=10**15, message=NOT_NEGATIVE)])
    next_step = StringField(_l("Next step"), validators=[Optional(), Length(max=300)])
    next_step_due = DateField(_l("Due date of the next step"), validators=[Optional(), YearInRange()])
    next_step_owner = SelectField(_l("Owner of the next step"), coerce=str, validate_choice=True)
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=10000)])
    submit = SubmitField(_l("Save the project"))
