"""Forms every feature uses."""

from __future__ import annotations

from flask_wtf import FlaskForm


class ActionForm(FlaskForm):
    """Only a CSRF token: for actions taken with one button, such as "Join", "Sign out" or
    "Start the quiz"."""
