"""Forms for creating and editing technologies and needs, and for saving a search."""
from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, EmailField, FieldList, FormField, HiddenField, IntegerField, SelectField,
                     SelectMultipleField, StringField, SubmitField, TextAreaField)
from wtforms import Form as SubForm
from wtforms.fields import DecimalField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from ..formkit import Form, MultiCheckboxField, options
from ..idempotency import OneTimeToken
from ..models import CURRENCIES

# Matching reads any of these (a multilingual sentence encoder); the interface stays Japanese and English.
LISTING_LANGUAGES = options([("ja", "日本語"), ("en", "English"), ("th", "ไทย"), ("vi", "Tiếng Việt"),
                             ("id", "Bahasa Indonesia"), ("zh", "中文"), ("ko", "한국어")])
FUNDING_LABELS = {
    "city_to_city": _l("City-to-City feasibility study"),
    "jcm_subsidy": _l("JCM equipment subsidy"),
    "jica": _l("JICA"),
    "adb": _l("ADB"),
    "own_budget": _l("Own budget"),
}
MAX_AMOUNT = 10**15


class DeliveryForm(SubForm):
    """One place already delivered; a row with no country is ignored."""

    country = SelectField(_l("Country"), choices=[], validators=[Optional()])
    city = StringField(_l("City"), validators=[Optional(), Length(max=120)])
    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(min=1950, max=2100)])


def check_range(low_field, high_field):
    if low_field.data is not None and high_field.data is not None and low_field.data > high_field.data:
        high_field.errors.append(_l("The upper bound must not be lower than the lower bound."))
        return False
    return True


class ListingForm(OneTimeToken, Form):
    """Fields every listing has."""

    owner = SelectField(_l("Organisation"), choices=[], validators=[Optional()])
    language = SelectField(_l("Language of the main text"), choices=LISTING_LANGUAGES, default="ja")
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)])
    title_alt = StringField(_l("Title in the other language"), validators=[Optional(), Length(max=200)])
    description_alt = TextAreaField(_l("Description in the other language"), validators=[Optional(), Length(max=20000)])
    sectors = MultiCheckboxField(_l("Sectors"), choices=[], validators=[DataRequired(message=_l("Choose at least one sector."))])
    contact_name = StringField(_l("Contact person"), validators=[Optional(), Length(max=120)])
    contact_email = EmailField(_l("Contact e-mail"), validators=[
        Optional(), Email(message=_l("Enter a valid e-mail address.")), Length(max=254)])
    version = HiddenField()  # the version the form was read from; see views.edit
    save_draft = SubmitField(_l("Save as draft"))
    save_publish = SubmitField(_l("Save and publish"))

    def listing_data(self) -> dict:
        """The submitted values keyed like the bundle format."""
        data = {name: getattr(self, name).data for name in self.bundle_fields}
        for name, value in data.items():
            if isinstance(value, str):
                data[name] = value.strip()
        return data

    bundle_fields = ("language", "title", "description", "title_alt", "description_alt", "sectors",
                     "contact_name", "contact_email")


class TechnologyForm(ListingForm):
    summary = TextAreaField(_l("Summary (one or two sentences)"), validators=[Optional(), Length(max=500)])
    summary_alt = TextAreaField(_l("Summary in the other language"), validators=[Optional(), Length(max=500)])
    countries = SelectMultipleField(_l("Target countries (none chosen: any country)"), choices=[], validators=[Optional()])
    deliveries = FieldList(FormField(DeliveryForm), min_entries=3, max_entries=20)
    co2_reduction_t = DecimalField(_l("Expected CO2 reduction (t/year)"), places=None,
                                   validators=[Optional(), NumberRange(min=0, max=MAX_AMOUNT)])
    co2_basis = TextAreaField(_l("Basis of the CO2 estimate"), validators=[Optional(), Length(max=5000)])
    cost_min = IntegerField(_l("Indicative cost from"), validators=[Optional(), NumberRange(min=0, max=MAX_AMOUNT)])
    cost_max = IntegerField(_l("Indicative cost up to"), validators=[Optional(), NumberRange(min=0, max=MAX_AMOUNT)])
    cost_currency = SelectField(_l("Currency"), choices=options((c, c) for c in CURRENCIES), default="JPY")
    jcm_experience = BooleanField(_l("We have delivered a JCM-subsidised project"))

    bundle_fields = ListingForm.bundle_fields + ("summary", "summary_alt", "countries", "co2_basis", "cost_min",
                                                 "cost_max", "cost_currency", "jcm_experience")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return check_range(self.cost_min, self.cost_max) and valid

    def listing_data(self) -> dict:
        data = super().listing_data()
        data["co2_reduction_t"] = float(self.co2_reduction_t.data) if self.co2_reduction_t.data is not None else None
        data["deliveries"] = [{"country": row.country.data, "city": (row.city.data or "").strip(), "year": row.year.data}
                              for row in self.deliveries if row.country.data]
        return data


class NeedForm(ListingForm):
    site = StringField(_l("Site (e.g. an industrial park)"), validators=[Optional(), Length(max=200)])
    scale = StringField(_l("Scale (e.g. 263 ha, 60 tenants, 500 t/day)"), validators=[Optional(), Length(max=200)])
    budget_min = IntegerField(_l("Budget from"), validators=[Optional(), NumberRange(min=0, max=MAX_AMOUNT)])
    budget_max = IntegerField(_l("Budget up to"), validators=[Optional(), NumberRange(min=0, max=MAX_AMOUNT)])
    budget_currency = SelectField(_l("Currency"), choices=options((c, c) for c in CURRENCIES), default="USD")
    timeline = StringField(_l("Timeline (e.g. study in 2027, works from 2028)"), validators=[Optional(), Length(max=200)])
    funding = MultiCheckboxField(_l("Preferred funding"), choices=options(FUNDING_LABELS.items()), validators=[Optional()])

    bundle_fields = ListingForm.bundle_fields + ("site", "scale", "budget_min", "budget_max", "budget_currency",
                                                 "timeline", "funding")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return check_range(self.budget_min, self.budget_max) and valid


class SaveSearchForm(OneTimeToken, Form):
    name = StringField(_l("Name this search"), validators=[DataRequired(), Length(max=120)])
    submit = SubmitField(_l("Save search"))
