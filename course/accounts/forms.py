"""The account forms. Each validates what it can on its own; services check the rest."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, ValidationError

from course.accounts.passwords import MAX_LENGTH, password_problem
from course.core.names import NoInvisibleCharacters
from course.core.regions import DEFAULT_REGION, Region

EMAIL_REQUIRED = _l("Enter your email address")
EMAIL_FORMAT = _l("Enter an email address in the correct format, like name@example.com")


def email_field(label: str | object = _l("Email address")) -> EmailField:
    return EmailField(
        label,
        validators=[
            DataRequired(EMAIL_REQUIRED),
            Length(max=320, message=_l("Email address must be 320 characters or fewer")),
            Email(EMAIL_FORMAT, check_deliverability=False),
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )


def name_field() -> StringField:
    return StringField(
        _l("Full name"),
        description=_l("As you would like it printed on your certificate."),
        validators=[
            DataRequired(_l("Enter your full name")),
            Length(max=200, message=_l("Full name must be 200 characters or fewer")),
            NoInvisibleCharacters(),
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )


def region_field() -> RadioField:
    return RadioField(
        _l("Where do you live?"),
        description=_l("So that the phone numbers and advice match your country."),
        choices=[SelectChoice(region.value, region.label) for region in Region],
        default=DEFAULT_REGION.value,
        validators=[DataRequired(_l("Select where you live"))],
    )


def new_password_field(label: str | object = _l("Create a password")) -> PasswordField:
    return PasswordField(
        label,
        description=_l(
            "At least 8 characters. A few random words together make a strong password "
            "that is easy to remember."
        ),
        validators=[DataRequired(_l("Enter a password"))],
    )


class NewPasswordChecks:
    """Check a new password against the policy; the person's name and email count as guessable."""

    def personal_words(self) -> list[str]:
        return []

    def validate_password(self, field: Field) -> None:
        problem = password_problem(field.data or "", personal_words=self.personal_words())
        if problem:
            raise ValidationError(problem)


class RegistrationForm(NewPasswordChecks, FlaskForm):
    name = name_field()
    email = email_field()
    region = region_field()
    password = new_password_field()

    def personal_words(self) -> list[str]:
        return [self.name.data or "", self.email.data or ""]


class SignInForm(FlaskForm):
    email = email_field()
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(_l("Enter your password")),
            Length(max=MAX_LENGTH, message=_l("Password must be 128 characters or fewer")),
        ],
    )
    remember = BooleanField(_l("Keep me signed in on this device for 30 days"))


class TwoFactorCodeForm(FlaskForm):
    code = StringField(
        _l("Security code"),
        description=_l(
            "The 6-digit code from your authenticator app, or one of your recovery codes."
        ),
        validators=[
            DataRequired(_l("Enter the security code")),
            Length(max=20, message=_l("Enter the 6-digit code or a recovery code")),
        ],
    )


class ForgottenPasswordForm(FlaskForm):
    email = email_field()


class ResetPasswordForm(NewPasswordChecks, FlaskForm):
    password = new_password_field(_l("New password"))

    def __init__(self, *args: object, account_words: list[str] | None = None, **kwargs: object):
        super().__init__(*args, **kwargs)
        self.account_words = account_words or []

    def personal_words(self) -> list[str]:
        return self.account_words


class ProfileForm(FlaskForm):
    name = name_field()
    region = region_field()
    #: Its choices are the offered languages, set by the view; shown when there is more than one.
    language = SelectField(
        _l("Language of the site and its emails"),
        description=_l("The switcher at the top of every page changes it for this visit."),
        choices=[],
        default="",
    )


class ChangePasswordForm(ResetPasswordForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Enter your current password"))]
    )
    password = new_password_field(_l("New password"))


class ChangeEmailForm(FlaskForm):
    email = email_field(_l("New email address"))
    password = PasswordField(
        _l("Your password"),
        description=_l("To check it is you."),
        validators=[DataRequired(_l("Enter your password"))],
    )


class PasswordCheckForm(FlaskForm):
    password = PasswordField(
        _l("Your password"), validators=[DataRequired(_l("Enter your password"))]
    )


class TwoFactorSetupForm(FlaskForm):
    code = StringField(
        _l("Security code"),
        description=_l("Enter the 6-digit code your authenticator app shows now."),
        validators=[
            DataRequired(_l("Enter the security code")),
            Length(max=20, message=_l("Enter the 6-digit code your app shows")),
        ],
    )
    password = PasswordField(
        _l("Your password"),
        description=_l("To check it is you."),
        validators=[DataRequired(_l("Enter your password"))],
    )
