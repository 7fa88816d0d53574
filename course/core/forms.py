"""Forms and field filters every feature uses."""

from __future__ import annotations

from flask_wtf import FlaskForm


class ButtonForm(FlaskForm):
    """A form with only a CSRF token: for actions taken with one button, such as "Join",
    "Sign out" or "Start the quiz"."""


def single_spaced(value: object) -> object:
    """Trim a text field and make each run of spaces one space."""
    return " ".join(value.split()) if isinstance(value, str) else value
