"""Form helpers shared by every feature's forms."""
from wtforms import SelectChoice, SelectMultipleField, widgets


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
