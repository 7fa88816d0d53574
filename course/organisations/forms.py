"""Forms for organisations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from course.accounts.forms import email_field
from course.core.forms import single_spaced
from course.core.names import NoInvisibleCharacters
from course.organisations.memberships import (
    TEAM_INVISIBLE_CHARACTER,
    TEAM_MAX_LENGTH,
    normalised_team,
)


class OrganisationForm(FlaskForm):
    name = StringField(
        _l("Name of the organisation"),
        validators=[
            DataRequired(_l("Enter the name of the organisation")),
            Length(max=200, message=_l("The name must be 200 characters or fewer")),
            NoInvisibleCharacters(),
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


def team_field(description: str | object | None = None) -> StringField:
    return StringField(
        _l("Team or site"),
        description=description,
        filters=[normalised_team],
        validators=[
            Optional(),
            Length(max=TEAM_MAX_LENGTH, message=_l("The team must be 100 characters or fewer")),
            NoInvisibleCharacters(TEAM_INVISIBLE_CHARACTER),
        ],
    )


class InvitationForm(FlaskForm):
    """Invite one person by email."""

    email = email_field()
    name = StringField(
        _l("Name"),
        validators=[
            Optional(),
            Length(max=200, message=_l("The name must be 200 characters or fewer")),
            NoInvisibleCharacters(),
        ],
        filters=[single_spaced],
    )
    team = team_field()


class InvitationUploadForm(FlaskForm):
    """Invite many people from a CSV file."""

    file = FileField(
        _l("CSV file"),
        description=_l(
            "A first line naming the columns: email, and optionally name and team (or site). "
            "Up to 50,000 people and 8 MB."
        ),
        validators=[FileRequired(_l("Choose a CSV file to upload"))],
    )


class TeamForm(FlaskForm):
    """Set or clear a member's team."""

    team = team_field(_l("For example, Box office or Leeds. Leave empty for none."))


class CloseForm(FlaskForm):
    name = StringField(
        _l("Type the name of the organisation to confirm"),
        validators=[DataRequired(_l("Type the name of the organisation to confirm"))],
    )
