"""Forms for organisations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class OrganisationForm(FlaskForm):
    name = StringField(
        _l("Name of the organisation"),
        validators=[
            DataRequired(_l("Enter the name of the organisation")),
            Length(max=200, message=_l("The name must be 200 characters or fewer")),
        ],
    )
    due_days = IntegerField(
        _l("Days to finish the course"),
        description=_l(
            "How many days after joining members should finish. Leave empty for no deadline."
        ),
        validators=[
            Optional(),
            NumberRange(min=1, max=3650, message=_l("Enter a number of days from 1 to 3650")),
        ],
    )
