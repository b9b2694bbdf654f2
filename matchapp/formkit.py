"""Form helpers shared by every feature's forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (FieldList, FormField, PasswordField, SelectChoice, SelectMultipleField, StringField,
                     TextAreaField, ValidationError, widgets)

from .text import breaks_a_line

SINGLE_LINE_MESSAGE = _l("Write this on one line, without line breaks or control characters.")
FIRST_YEAR, LAST_YEAR = 1900, 2100


class YearInRange:
    """A date or time between FIRST_YEAR and LAST_YEAR: year 1 or 9999 overflows when moved between time zones."""

    def __call__(self, form, field):
        if field.data is not None and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
            raise ValidationError(_l("Choose a date between %(first)d and %(last)d.", first=FIRST_YEAR,
                                     last=LAST_YEAR))


class Form(FlaskForm):
    """Every form's base: single-line text fields refuse line breaks and control characters."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in single_line_fields(self):
            if isinstance(field.data, str) and breaks_a_line(field.data):
                field.errors = [*field.errors, SINGLE_LINE_MESSAGE]
                valid = False
        if not valid:
            refresh_list_errors(self)
        return valid


def refresh_list_errors(fields) -> None:
    """Field lists keep a copy of their entries' errors from validation: bring it up to date."""
    for field in fields:
        if isinstance(field, FormField):
            refresh_list_errors(field.form)
        elif isinstance(field, FieldList):
            refresh_list_errors(field.entries)
            errors = [entry.errors for entry in field.entries]
            field.errors = errors if any(errors) else []


def single_line_fields(fields):
    """Every one-line text field among `fields` (a form), those of sub-forms and field lists included."""
    for field in fields:
        if isinstance(field, FormField):
            yield from single_line_fields(field.form)
        elif isinstance(field, FieldList):
            yield from single_line_fields(field.entries)
        elif isinstance(field, StringField) and not isinstance(field, (TextAreaField, PasswordField)):
            yield field


def options(pairs) -> list[SelectChoice]:
    """Choices for select and radio fields from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes: easier than a multi-select on phones and with a keyboard."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


# Ids are INTEGER columns: PostgreSQL's range, which SQLite's is wider than.
MAX_ID = 2**31 - 1


def id_argument(values, name: str) -> int | None:
    """An id from request arguments or form values; None when missing, malformed or out of range."""
    value = values.get(name, type=int)
    return value if value is not None and 0 < value <= MAX_ID else None
