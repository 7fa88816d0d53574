"""Forms and field filters every feature uses."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget


class ButtonForm(FlaskForm):
    """A form with only a CSRF token: for actions taken with one button, such as "Join",
    "Sign out" or "Start the quiz"."""


class MultiCheckboxField(SelectMultipleField):
    """Any number of its choices, as a group of checkboxes: the form macro renders it as a
    fieldset whose legend is the label, as the GOV.UK checkboxes pattern does."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def single_spaced(value: object) -> object:
    """Trim a text field and make each run of spaces one space."""
    return " ".join(value.split()) if isinstance(value, str) else value
