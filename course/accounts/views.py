"""Account pages: register, confirm, sign in and out, reset a password, manage the account."""

from __future__ import annotations

import hashlib
import hmac

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from course.accounts import services
from course.accounts.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    ForgottenPasswordForm,
    PasswordCheckForm,
    ProfileForm,
    RegistrationForm,
    ResetPasswordForm,
    SignInForm,
    TwoFactorCodeForm,
    TwoFactorSetupForm,
)
from course.accounts.models import TokenPurpose
from course.accounts.sessions import (
    await_second_factor,
    registered_in_this_browser,
    remember_registration,
    sign_in,
    sign_out_everywhere,
    two_factor_passed,
    user_awaiting_second_factor,
)
from course.accounts.two_factor import provisioning_uri, qr_code_svg
from course.core.access import login_required, public, signed_in_account
from course.core.forms import ButtonForm
from course.core.i18n import language_name, offered_languages
from course.core.regions import Region, visitor_region
from course.core.urls import local_path_or_none
from course.extensions import limiter

bp = Blueprint("accounts", __name__)


def _email_in_form() -> str:
    # Keyed by a keyed hash, so the shared rate-limit storage (Redis) holds no email addresses.
    email = services.normalise_email(request.form.get("email", ""))
    digest = hmac.new(
        str(current_app.config["SECRET_KEY"]).encode(), email.encode(), hashlib.sha256
    )
    return "account:" + digest.hexdigest()


def _account_awaiting_code() -> str:
    awaiting = user_awaiting_second_factor()
    return f"two-factor:{awaiting[0].id}" if awaiting else "two-factor:none"


@bp.route("/register", methods=["GET", "POST"])
@public
@limiter.limit("10 per minute;50 per hour", methods=["POST"])
def register() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("accounts.account"))
    form = RegistrationForm(region=visitor_region().value)
    if form.validate_on_submit():
        page_language = str(get_locale())
        user = services.register(
            form.name.data,
            form.email.data,
            form.password.data,
            Region(form.region.data),
            language=None
            if page_language == current_app.config["BABEL_DEFAULT_LOCALE"]
            else page_language,
        )
        if user is not None:
            remember_registration(user)
        session["registered_email"] = services.normalise_email(form.email.data)
        return redirect(url_for("accounts.check_email"))
    return render_template("accounts/register.html", form=form)


@bp.get("/register/check-email")
@public
def check_email() -> str:
    return render_template("accounts/check_email.html", email=session.get("registered_email"))


@bp.route("/account/confirm/<token>", methods=["GET", "POST"])
@public
@limiter.limit("20 per minute", methods=["POST"])
def confirm_email(token: str) -> str | Response:
    form = ButtonForm()
    if form.validate_on_submit():
        user = services.confirm_email(token)
        if user is None:
            return render_template("accounts/link_expired.html", resend=True), 404
        if current_user.is_authenticated:
            destination = url_for("accounts.account")
        elif registered_in_this_browser(user):
            sign_in(user, remember=False, two_factor_passed=False)  # a new session: flash after
            destination = url_for("dashboard.index")
        else:
            destination = url_for("accounts.login")
        flash(_("Thank you. Your email address is confirmed."), "success")
        return redirect(destination)
    if services.find_usable_token(token, TokenPurpose.CONFIRM_EMAIL) is None:
        return render_template("accounts/link_expired.html", resend=True), 404
    return render_template("accounts/confirm_email.html", form=form)


@bp.post("/account/confirm-again")
@login_required
@limiter.limit("3 per hour", key_func=signed_in_account)
def resend_confirmation() -> Response:
    form = ButtonForm()
    if form.validate_on_submit() and not current_user.email_verified:
        services.send_confirmation_email(current_user)
        flash(_("We have sent a new link to %(email)s.", email=current_user.email), "success")
    return redirect(url_for("accounts.account"))


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit("20 per minute", methods=["POST"])
@limiter.limit("5 per minute;30 per hour", key_func=_email_in_form, methods=["POST"])
def login() -> str | Response:
    next_path = local_path_or_none(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_path or url_for("dashboard.index"))
    form = SignInForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.form_errors.append(
                _("The email address or password is not correct. Check them and try again.")
            )
        elif user.two_factor_enabled:
            await_second_factor(user, remember=form.remember.data)
            return redirect(url_for("accounts.two_factor_challenge", next=next_path))
        else:
            sign_in(user, remember=form.remember.data, two_factor_passed=False)
            return redirect(next_path or url_for("dashboard.index"))
    return render_template("accounts/login.html", form=form)


@bp.route("/login/two-factor", methods=["GET", "POST"])
@public
@limiter.limit("5 per minute;20 per hour", key_func=_account_awaiting_code, methods=["POST"])
def two_factor_challenge() -> str | Response:
    awaiting = user_awaiting_second_factor()
    if awaiting is None:
        flash(_("Sign in again: the time to enter your security code ran out."), "error")
        return redirect(url_for("accounts.login"))
    user, remember = awaiting
    form = TwoFactorCodeForm()
    if form.validate_on_submit():
        if services.verify_second_factor(user, form.code.data):
            sign_in(user, remember=remember, two_factor_passed=True)
            next_path = local_path_or_none(request.args.get("next"))
            return redirect(next_path or url_for("dashboard.index"))
        form.code.errors.append(_("The security code is not correct, or has been used already."))
    return render_template("accounts/two_factor_challenge.html", form=form)


@bp.post("/logout")
@public
def logout() -> Response:
    form = ButtonForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        sign_out_everywhere(current_user)
        flash(_("You have signed out."), "success")
    return redirect(url_for("learning.overview"))


@bp.route("/password/forgotten", methods=["GET", "POST"])
@public
@limiter.limit("10 per minute", methods=["POST"])
@limiter.limit("3 per hour", key_func=_email_in_form, methods=["POST"])
def forgotten_password() -> str | Response:
    form = ForgottenPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        session["reset_email"] = services.normalise_email(form.email.data)
        return redirect(url_for("accounts.reset_email_sent"))
    return render_template("accounts/forgotten_password.html", form=form)


@bp.get("/password/email-sent")
@public
def reset_email_sent() -> str:
    return render_template("accounts/reset_email_sent.html", email=session.get("reset_email"))


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
@limiter.limit("20 per minute", methods=["POST"])
def reset_password(token: str) -> str | Response:
    found = services.find_usable_token(token, TokenPurpose.RESET_PASSWORD)
    if found is None:
        return render_template("accounts/link_expired.html", resend=False), 404
    form = ResetPasswordForm(account_words=[found.user.name, found.user.email])
    if form.validate_on_submit():
        services.reset_password(token, form.password.data)
        session.clear()
        flash(_("Your password has been changed. Sign in with your new password."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


@bp.get("/account/")
@login_required
def account() -> str:
    return render_template(
        "accounts/account.html",
        confirm_form=ButtonForm(),
        recovery_codes_left=services.unused_recovery_code_count(current_user),
    )


@bp.route("/account/profile", methods=["GET", "POST"])
@login_required
def profile() -> str | Response:
    form = ProfileForm(
        name=current_user.name,
        region=current_user.region,
        # "" for following the browser, which the form's choices name.
        language=current_user.language or "",
    )
    form.language.choices = [
        SelectChoice("", _("The one my browser asks for")),
        *(SelectChoice(code, language_name(code)) for code in offered_languages()),
    ]
    if form.validate_on_submit():
        services.update_profile(
            current_user, form.name.data, Region(form.region.data), form.language.data or None
        )
        flash(_("Your details have been saved."), "success")
        return redirect(url_for("accounts.account"))
    return render_template("accounts/profile.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> str | Response:
    form = ChangePasswordForm(account_words=[current_user.name, current_user.email])
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
        except services.AccountError as refusal:
            form.current_password.errors.append(str(refusal))
        else:
            # Every other session has ended; this one carries on with the new token, having
            # passed two factors only if it had before.
            sign_in(current_user, remember=False, two_factor_passed=two_factor_passed())
            flash(
                _("Your password has been changed. You have been signed out everywhere else."),
                "success",
            )
            return redirect(url_for("accounts.account"))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
@limiter.limit("5 per hour", key_func=signed_in_account, methods=["POST"])
def change_email() -> str | Response:
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            services.request_email_change(current_user, form.email.data, form.password.data)
        except services.AccountError as refusal:
            form.form_errors.append(str(refusal))
        else:
            flash(
                _(
                    "We have sent a link to %(email)s. Follow it to finish changing your address.",
                    email=services.normalise_email(form.email.data),
                ),
                "success",
            )
            return redirect(url_for("accounts.account"))
    return render_template("accounts/change_email.html", form=form)


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
@public
@limiter.limit("20 per minute", methods=["POST"])
def confirm_email_change(token: str) -> str | Response:
    found = services.find_usable_token(token, TokenPurpose.CHANGE_EMAIL)
    if found is None:
        return render_template("accounts/link_expired.html", resend=False), 404
    form = ButtonForm()
    if form.validate_on_submit():
        user = services.confirm_email_change(token)
        if user is None:
            return render_template("accounts/link_expired.html", resend=False), 404
        flash(_("Your email address is now %(email)s.", email=user.email), "success")
        return redirect(
            url_for("accounts.account" if current_user.is_authenticated else "accounts.login")
        )
    return render_template("accounts/confirm_new_email.html", form=form, new_email=found.new_email)


@bp.route("/account/two-factor/set-up", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per minute", key_func=signed_in_account, methods=["POST"])
def two_factor_setup() -> str | Response:
    if current_user.two_factor_enabled:
        return redirect(url_for("accounts.account"))
    secret = services.two_factor_setup_secret(current_user)
    form = TwoFactorSetupForm()
    if form.validate_on_submit():
        try:
            codes = services.enable_two_factor(current_user, form.password.data, form.code.data)
        except services.AccountError as refusal:
            form.form_errors.append(str(refusal))
        else:
            # Every other session and "remember me" cookie has ended; this one passed both.
            sign_in(current_user, remember=False, two_factor_passed=True)
            return _show_recovery_codes(codes)
    uri = provisioning_uri(secret, current_user.email)
    return render_template(
        "accounts/two_factor_setup.html",
        form=form,
        secret=secret,
        qr_code=qr_code_svg(uri, _("QR code to add CT Citizen to your authenticator app")),
    )


@bp.route("/account/two-factor/recovery-codes", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", key_func=signed_in_account, methods=["POST"])
def replace_recovery_codes() -> str | Response:
    if not current_user.two_factor_enabled:
        return redirect(url_for("accounts.account"))
    form = PasswordCheckForm()
    if form.validate_on_submit():
        try:
            codes = services.replace_recovery_codes(current_user, form.password.data)
        except services.AccountError as refusal:
            form.password.errors.append(str(refusal))
        else:
            return _show_recovery_codes(codes)
    return render_template("accounts/replace_recovery_codes.html", form=form)


def _show_recovery_codes(codes: list[str]) -> Response:
    """The page that shows new recovery codes, once: sent in answer to the form that made them,
    never kept in the session cookie, and never stored by the browser or a proxy."""
    response = make_response(render_template("accounts/recovery_codes.html", codes=codes))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/two-factor/turn-off", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", key_func=signed_in_account, methods=["POST"])
def two_factor_disable() -> str | Response:
    if not current_user.two_factor_enabled:
        return redirect(url_for("accounts.account"))
    form = PasswordCheckForm()
    if form.validate_on_submit():
        try:
            services.disable_two_factor(current_user, form.password.data)
        except services.AccountError as refusal:
            form.password.errors.append(str(refusal))
        else:
            flash(_("Two-factor sign-in is off."), "success")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/two_factor_disable.html", form=form, user=current_user)
