"""Forms for claiming and checking certificates."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from course.core.names import NoInvisibleCharacters


class ClaimForm(FlaskForm):
    holder_name = StringField(
        _l("Name to print on your certificate"),
        description=_l("Check the spelling: this is how your name will appear."),
        validators=[
            DataRequired(_l("Enter the name to print on your certificate")),
            Length(max=200, message=_l("The name must be 200 characters or fewer")),
            NoInvisibleCharacters(),
        ],
    )


class CorrectNameForm(ClaimForm):
    """The holder corrects the name printed on one of their certificates, saying why."""

    reason = TextAreaField(
        _l("Why does it need correcting?"),
        description=_l("For example: a spelling mistake, or I changed my name."),
        validators=[
            DataRequired(_l("Say why the name needs correcting")),
            Length(max=500, message=_l("The reason must be 500 characters or fewer")),
        ],
    )


class VerifyForm(FlaskForm):
    """A search form sent by GET, so it needs no CSRF token."""

    class Meta:
        csrf = False

    code = StringField(
        _l("Certificate code"),
        description=_l(
            "It is printed on the certificate, for example ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345."
        ),
        validators=[
            DataRequired(_l("Enter the certificate code")),
            Length(max=80, message=_l("A certificate code is 28 letters and numbers")),
        ],
    )
