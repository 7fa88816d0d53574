"""Forms for managing an organisation's members and closing it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional

from course.organisations.management import TEAM_MAX_LENGTH, normalised_team


class TeamForm(FlaskForm):
    team = StringField(
        _l("Team or site"),
        description=_l("For example, Box office or Leeds. Leave empty for none."),
        filters=[normalised_team],
        validators=[
            Optional(),
            Length(
                max=TEAM_MAX_LENGTH,
                message=_l("The team must be 100 characters or fewer"),
            ),
        ],
    )


class CloseForm(FlaskForm):
    name = StringField(
        _l("Type the name of the organisation to confirm"),
        validators=[DataRequired(_l("Type the name of the organisation to confirm"))],
    )
