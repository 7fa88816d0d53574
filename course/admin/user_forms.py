"""Forms admins use on a person's page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from course.accounts.models import Role
from course.admin.user_administration import (
    HOLDER_NAME_MAX_LENGTH,
    REVOCATION_REASON_MAX_LENGTH,
)
from course.core.forms import single_spaced
from course.core.names import NoInvisibleCharacters

ROLE_LABELS = {
    Role.LEARNER: _l("Learner: takes the course"),
    Role.AUTHOR: _l("Author: writes and publishes the course"),
    Role.ADMIN: _l("Admin: looks after accounts, certificates and the course"),
}


class RoleForm(FlaskForm):
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()],
        validate_choice=False,
        validators=[DataRequired(_l("Choose a role"))],
    )

    def validate_role(self, field: SelectField) -> None:
        if field.data not in {role.value for role in Role}:
            raise ValidationError(_l("Choose learner, author or admin"))


class HolderNameForm(FlaskForm):
    holder_name = StringField(
        _l("Name to print"),
        filters=[single_spaced],
        validators=[
            DataRequired(_l("Enter the name to print on the certificate")),
            Length(
                max=HOLDER_NAME_MAX_LENGTH, message=_l("The name must be 200 characters or fewer")
            ),
            NoInvisibleCharacters(),
        ],
    )


class RevokeForm(FlaskForm):
    """Revoking takes two steps: the reason, then a page that says what will happen, whose
    button sends the reason again with ``confirmed``."""

    reason = TextAreaField(
        _l("Reason for revoking"),
        description=_l(
            "Emailed to the holder and shown on their dashboard, never on the public "
            "verification page. Up to 500 characters."
        ),
        validators=[
            DataRequired(_l("Give a reason for revoking the certificate")),
            Length(
                max=REVOCATION_REASON_MAX_LENGTH,
                message=_l("The reason must be 500 characters or fewer"),
            ),
        ],
    )
    confirmed = HiddenField()


class EraseAccountForm(FlaskForm):
    """An admin deletes an account on its holder's request: they type its email address to be
    sure it is the right one."""

    confirm_email = StringField(
        _l("Type the account's email address to confirm"),
        filters=[lambda value: value.strip().lower() if isinstance(value, str) else value],
        validators=[DataRequired(_l("Type the account's email address"))],
    )

    def __init__(self, *args: object, expected_email: str = "", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.expected_email = expected_email

    def validate_confirm_email(self, field: StringField) -> None:
        if field.data != self.expected_email:
            raise ValidationError(_l("That is not this account's email address"))
