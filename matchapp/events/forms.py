"""Forms for creating an event, and the labels of its choices."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, SelectMultipleField, StringField, SubmitField, TimeField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..formkit import Form, YearInRange, options
from ..idempotency import OneTimeToken

MODE_LABELS = {"online": _l("Online"), "hybrid": _l("Hybrid"), "on_site": _l("On site")}
OUTCOME_LABELS = {"held": _l("Held"), "no_show": _l("No-show"), "follow_up": _l("Held, follow-up agreed")}


class EventForm(OneTimeToken, Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    held_on = DateField(_l("Date"), validators=[DataRequired(), YearInRange()])
    first_slot = TimeField(_l("First meeting starts at (event's local time)"), validators=[DataRequired()])
    timezone = SelectField(_l("Time zone of the event"), choices=[])
    slot_minutes = IntegerField(_l("Minutes per meeting"), default=30, validators=[DataRequired(), NumberRange(10, 180)])
    slot_count = IntegerField(_l("Meetings per table"), default=6, validators=[DataRequired(), NumberRange(1, 40)])
    tables = IntegerField(_l("Tables (meetings held at the same time)"), default=3,
                          validators=[DataRequired(), NumberRange(1, 30)])
    mode = SelectField(_l("Format"), choices=options(MODE_LABELS.items()), default="online")
    place = StringField(_l("Place"), validators=[Optional(), Length(max=300)])
    url = StringField(_l("Meeting link"), validators=[Optional(), Length(max=500)])
    companies = SelectMultipleField(_l("Invited companies"), choices=[], validators=[Optional()])
    cities = SelectMultipleField(_l("Invited cities and agencies"), choices=[], validators=[Optional()])
    submit = SubmitField(_l("Create the event"))
