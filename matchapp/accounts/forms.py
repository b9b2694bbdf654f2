"""Forms for registration, login and the profile page."""
import zoneinfo

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from ..formkit import Form, options
from .services import MIN_PASSWORD_LENGTH, AccountError, check_password_strength


LANGUAGE_CHOICES = options([("ja", "日本語"), ("en", "English")])
COMMON_TIMEZONES = [
    "Asia/Tokyo", "Asia/Ho_Chi_Minh", "Asia/Bangkok", "Asia/Manila", "Asia/Jakarta",
    "Asia/Makassar", "Asia/Phnom_Penh", "Asia/Yangon", "Asia/Vientiane", "Asia/Kuala_Lumpur",
    "Asia/Ulaanbaatar", "Asia/Dhaka", "Asia/Colombo", "Asia/Tashkent", "Pacific/Palau",
    "Pacific/Port_Moresby", "Indian/Maldives", "UTC",
]


def timezone_choices(current: str | None = None) -> list[tuple[str, str]]:
    zones = list(COMMON_TIMEZONES)
    if current and current not in zones and current in zoneinfo.available_timezones():
        zones.insert(0, current)
    return options((z, z.replace("_", " ")) for z in zones)


def not_common(form, field) -> None:
    """Refuse common and easily guessed passwords, with the service's message."""
    try:
        check_password_strength(field.data or "")
    except AccountError as error:
        raise ValidationError(str(error.message)) from None


class PasswordFields:
    """Password with confirmation, shared by registration, password change and reset."""

    password = PasswordField(_l("Password"), validators=[
        DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200,
                               message=_l("Use at least %(min)d characters for the password.")), not_common])
    confirm = PasswordField(_l("Repeat the password"), validators=[
        DataRequired(), EqualTo("password", message=_l("The two passwords do not match."))])


class RegistrationForm(PasswordFields, Form):
    role = RadioField(_l("I represent"), default="company", choices=options([
        ("company", _l("a Japanese company offering technologies")),
        ("city", _l("an overseas city or agency with needs")),
    ]), validators=[DataRequired()])
    email = EmailField(_l("E-mail"), validators=[
        DataRequired(), Email(message=_l("Enter a valid e-mail address.")), Length(max=254)])
    organisation_name = StringField(_l("Organisation name (English)"), validators=[DataRequired(), Length(max=200)])
    organisation_name_ja = StringField(_l("Organisation name (Japanese, optional)"), validators=[Optional(), Length(max=200)])
    home_city = StringField(_l("Home city in Japan"), validators=[Optional(), Length(max=120)])
    country = SelectField(_l("Country"), validators=[Optional()], choices=[])
    language = SelectField(_l("Preferred language"), choices=LANGUAGE_CHOICES, default="en")
    submit = SubmitField(_l("Create account"))


class ConfirmAddressForm(Form):
    submit = SubmitField(_l("Confirm my e-mail address"))


class LoginForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me logged in"))
    submit = SubmitField(_l("Log in"))


class PasswordResetRequestForm(Form):
    email = EmailField(_l("E-mail"), filters=[lambda value: value.strip() if value else value], validators=[
        DataRequired(), Email(message=_l("Enter a valid e-mail address.")), Length(max=254)])
    submit = SubmitField(_l("Send me a reset link"))


class PasswordResetForm(PasswordFields, Form):
    submit = SubmitField(_l("Set the new password"))


class ProfileForm(Form):
    name = StringField(_l("Your name"), validators=[Optional(), Length(max=120)])
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    timezone = SelectField(_l("Time zone"), choices=[])
    submit = SubmitField(_l("Save profile"))


class PasswordChangeForm(PasswordFields, Form):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    submit_password = SubmitField(_l("Change password"))


class TokenForm(Form):
    name = StringField(_l("Token name (e.g. the script that uses it)"), validators=[DataRequired(), Length(max=120)])
    submit_token = SubmitField(_l("Create API token"))
