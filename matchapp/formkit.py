"""Form helpers shared by every feature's forms."""
from wtforms import SelectChoice, SelectMultipleField, widgets


def options(pairs) -> list[SelectChoice]:
    """Choices for select and radio fields from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes: easier than a multi-select on phones and with a keyboard."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()
