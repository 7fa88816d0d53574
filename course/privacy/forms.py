"""Forms for deleting an account."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Optional


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(_l("Enter your password to delete your account"))],
    )
    code = StringField(
        _l("Security code"),
        description=_l("The 6-digit code from your authenticator app, or a recovery code."),
        validators=[Optional()],
    )
