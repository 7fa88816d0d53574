"""Forms for organisations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional, StopValidation

from course.accounts.forms import email_field
from course.core.forms import MultiCheckboxField, single_spaced
from course.core.names import NoInvisibleCharacters
from course.organisations.annex import PROCEDURE_HEADINGS, PROCEDURE_HINTS, section_problem
from course.organisations.memberships import (
    TEAM_INVISIBLE_CHARACTER,
    TEAM_MAX_LENGTH,
    normalised_team,
)
from course.organisations.models import CapacityTier, ProcedureKind, Site
from course.organisations.sites import ADDRESS_MAX_LENGTH, NAME_MAX_LENGTH, TIER_NAMES


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
        _l("Team"),
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
    # Checked when inviting, as a CSV file's site column is: a site deleted since the page was
    # shown gets the same clear message.
    site = SelectField(_l("Site"), choices=[SelectChoice("", _l("No site"))], validate_choice=False)

    def offer(self, sites: list[Site]) -> InvitationForm:
        """Offer the organisation's sites (by name, as a CSV file names them too)."""
        self.site.choices = [
            SelectChoice("", _l("No site")),
            *(SelectChoice(site.name, site.name) for site in sites),
        ]
        return self


class InvitationUploadForm(FlaskForm):
    """Invite many people from a CSV file."""

    file = FileField(
        _l("CSV file"),
        description=_l(
            "A first line naming the columns: email, and optionally name, team and site "
            "(a site's name as this organisation lists it). Up to 50,000 people and 8 MB."
        ),
        validators=[FileRequired(_l("Choose a CSV file to upload"))],
    )


class TeamForm(FlaskForm):
    """Set or clear a member's team."""

    team = team_field(_l("For example, Box office or Security. Leave empty for none."))


class CloseForm(FlaskForm):
    name = StringField(
        _l("Type the name of the organisation to confirm"),
        validators=[DataRequired(_l("Type the name of the organisation to confirm"))],
    )


class SiteForm(FlaskForm):
    """A site's name, address and capacity."""

    name = StringField(
        _l("Name of the site"),
        description=_l("For example, Harbour Theatre or Leeds warehouse."),
        filters=[single_spaced],
        validators=[
            DataRequired(_l("Enter the name of the site")),
            Length(
                max=NAME_MAX_LENGTH,
                message=_l("The name must be %(max)d characters or fewer", max=NAME_MAX_LENGTH),
            ),
            NoInvisibleCharacters(),
        ],
    )
    address = TextAreaField(
        _l("Address"),
        validators=[
            DataRequired(_l("Enter the site's address")),
            Length(
                max=ADDRESS_MAX_LENGTH,
                message=_l(
                    "The address must be %(max)d characters or fewer", max=ADDRESS_MAX_LENGTH
                ),
            ),
            NoInvisibleCharacters(),
        ],
    )
    capacity_tier = RadioField(
        _l("How many people can be at the site at once"),
        description=_l(
            "The bands of the Terrorism (Protection of Premises) Act 2025. Choose the most "
            "people the site can hold, not how many usually come."
        ),
        choices=[SelectChoice(tier.value, label) for tier, label in TIER_NAMES.items()],
        validate_choice=False,
        validators=[
            DataRequired(_l("Choose how many people the site can hold")),
            AnyOf(
                [tier.value for tier in CapacityTier],
                message=_l("Choose one of the three capacity bands"),
            ),
        ],
    )

    @property
    def tier(self) -> CapacityTier:
        return CapacityTier(self.capacity_tier.data)


class MemberSitesForm(FlaskForm):
    """The sites a member works at and the ones they manage."""

    sites = MultiCheckboxField(_l("Works at"), coerce=int)
    managing = MultiCheckboxField(
        _l("Site manager of"),
        description=_l(
            "A site manager sees and reminds that site's members, and nothing else of the "
            "organisation. They must also work at the site."
        ),
        coerce=int,
    )

    def offer(self, sites: list[Site]) -> MemberSitesForm:
        choices = [SelectChoice(site.id, site.name) for site in sites]
        self.sites.choices = choices
        self.managing.choices = list(choices)
        return self


def _procedure_field(kind: ProcedureKind) -> TextAreaField:
    def check(_form: FlaskForm, field: TextAreaField) -> None:
        problem = section_problem(field.data or "")
        if problem:
            raise StopValidation(problem)

    return TextAreaField(
        PROCEDURE_HEADINGS[kind],
        description=PROCEDURE_HINTS[kind],
        validators=[check],
    )


class AnnexForm(FlaskForm):
    """A site's procedures, one Markdown text for each of the four kinds."""

    evacuation = _procedure_field(ProcedureKind.EVACUATION)
    invacuation = _procedure_field(ProcedureKind.INVACUATION)
    lockdown = _procedure_field(ProcedureKind.LOCKDOWN)
    communication = _procedure_field(ProcedureKind.COMMUNICATION)

    def sections(self) -> dict[str, str]:
        return {kind.value: self[kind.value].data or "" for kind in ProcedureKind}

    def procedure_fields(self) -> list[TextAreaField]:
        return [self[kind.value] for kind in ProcedureKind]


class AttestationForm(FlaskForm):
    """A member confirms they have read and understood one version of their site's procedures."""

    version = HiddenField()
    understood = BooleanField(
        validators=[DataRequired(_l("Tick the box to confirm you have read and understood them"))]
    )
