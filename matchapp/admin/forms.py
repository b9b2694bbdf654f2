"""Forms of the administration pages (every one a Flask-WTF form: CSRF on each)."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import BooleanField, EmailField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional

from ..accounts.forms import LANGUAGE_CHOICES, PasswordFields
from ..extensions import db
from ..formkit import Form, options
from ..models import ROLES, City, Company, Country
from ..templating import ROLE_LABELS


def role_choices():
    return options((role, ROLE_LABELS[role]) for role in ROLES)


def organisation_choices() -> list[SelectChoice]:
    """No organisation, then every company and every city, grouped; values "company:<ref>" and "city:<ref>"."""
    companies = db.session.execute(select(Company.ref, Company.name, Company.name_ja).order_by(Company.name)).all()
    cities = db.session.execute(select(City.ref, City.name, City.name_ja).order_by(City.name)).all()
    group_companies, group_cities = str(_l("Companies")), str(_l("Cities"))
    return ([SelectChoice("", str(_l("None (coordinators, administrators, financiers and consultants)")))]
            + [SelectChoice(f"company:{ref}", name_with_ja(name, name_ja), optgroup=group_companies)
               for ref, name, name_ja in companies]
            + [SelectChoice(f"city:{ref}", name_with_ja(name, name_ja), optgroup=group_cities)
               for ref, name, name_ja in cities])


def name_with_ja(name: str, name_ja: str) -> str:
    return f"{name} ({name_ja})" if name_ja else name


def organisation_value(user) -> str:
    if user.company is not None:
        return f"company:{user.company.ref}"
    return f"city:{user.city.ref}" if user.city is not None else ""


def chosen_organisation(value: str) -> tuple[Company | None, City | None]:
    """The company or city a choice names (one of the two at most)."""
    kind, _, ref = (value or "").partition(":")
    if kind == "company":
        return db.session.scalar(select(Company).where(Company.ref == ref)), None
    if kind == "city":
        return None, db.session.scalar(select(City).where(City.ref == ref))
    return None, None


def country_choices():
    countries = db.session.scalars(select(Country).order_by(Country.name_en)).all()
    return options((country.code, f"{country.name} ({country.code})") for country in countries)


class InviteForm(Form):
    email = EmailField(_l("E-mail"), filters=[lambda value: value.strip() if value else value], validators=[
        DataRequired(), Email(message=_l("Enter a valid e-mail address.")), Length(max=254)])
    name = StringField(_l("Name (optional)"), validators=[Optional(), Length(max=120)])
    role = SelectField(_l("Role"), choices=[], default="company")
    organisation = SelectField(_l("Organisation (required for company and city users)"), choices=[])
    language = SelectField(_l("Language of the invitation"), choices=LANGUAGE_CHOICES, default="en")
    submit = SubmitField(_l("Send the invitation"))

    def fill_choices(self) -> "InviteForm":
        self.role.choices, self.organisation.choices = role_choices(), organisation_choices()
        return self


class RoleForm(Form):
    role = SelectField(_l("Role"), choices=[])
    organisation = SelectField(_l("Organisation (required for company and city users)"), choices=[])
    submit = SubmitField(_l("Save role and organisation"))

    def fill_choices(self) -> "RoleForm":
        self.role.choices, self.organisation.choices = role_choices(), organisation_choices()
        return self


class ActionForm(Form):
    """A button that changes something (deactivate, reactivate, send again): only the CSRF token."""


class AcceptInvitationForm(PasswordFields, Form):
    submit = SubmitField(_l("Set my password and log in"))


class CompanyForm(Form):
    name = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=200)])
    name_ja = StringField(_l("Name (Japanese)"), validators=[Optional(), Length(max=200)])
    home_city = StringField(_l("Home city in Japan"), validators=[Optional(), Length(max=120)])
    submit = SubmitField(_l("Save"))


class CityForm(Form):
    name = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=200)])
    name_ja = StringField(_l("Name (Japanese)"), validators=[Optional(), Length(max=200)])
    country = SelectField(_l("Country"), choices=[])
    submit = SubmitField(_l("Save"))


class MergeForm(Form):
    into = SelectField(_l("Organisation to keep"), choices=[])
    confirm = BooleanField(_l("I understand: this record is deleted, and its users, listings, projects and event "
                              "invitations move to the one I keep."),
                           validators=[DataRequired(message=_l("Tick the box to confirm the merge."))])
    submit_merge = SubmitField(_l("Merge and delete this record"))

    def fill_choices(self, candidates) -> "MergeForm":
        self.into.choices = options([("", "—")] + [(c.ref, name_with_ja(c.name, c.name_ja)) for c in candidates])
        return self
