"""Invitation pages: managers invite by email (one person or a CSV file) and resend or withdraw;
the invited person accepts after signing in with the invited address, confirmed, or registers
through the invitation with that address."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from course.accounts import services as accounts
from course.accounts.forms import RegistrationForm
from course.core.access import public
from course.core.forms import ButtonForm
from course.core.paging import page_number
from course.core.regions import Region
from course.extensions import limiter
from course.organisations import invitations, sites
from course.organisations.access import manager_of_org
from course.organisations.forms import InvitationForm, InvitationUploadForm
from course.organisations.models import Invitation

bp = Blueprint("invitations", __name__)


@bp.get("/orgs/<int:organisation_id>/invitations")
@manager_of_org
def index(organisation_id: int) -> tuple[str, int]:
    return _invitations_page(_invitation_form(formdata=None), InvitationUploadForm(formdata=None))


def _invitation_form(**kwargs: object) -> InvitationForm:
    return InvitationForm(**kwargs).offer(sites.sites_of(g.organisation))


def _invitations_page(
    invite_form: InvitationForm, upload_form: InvitationUploadForm, status: int = 200
) -> tuple[str, int]:
    pending = invitations.pending_invitations(
        g.organisation,
        search=request.args.get("q", ""),
        page=page_number(request.args.get("page")),
    )
    return render_template(
        "organisations/invitations.html",
        organisation=g.organisation,
        invite_form=invite_form,
        upload_form=upload_form,
        pending=pending,
        csv_example=invitations.CSV_EXAMPLE,
        button_form=ButtonForm(),
        query=request.args,
    ), status


@bp.post("/orgs/<int:organisation_id>/invitations")
@manager_of_org
def invite_one(organisation_id: int) -> Response | tuple[str, int]:
    form = _invitation_form()
    if not form.validate_on_submit():
        return _invitations_page(form, InvitationUploadForm(formdata=None), 400)
    checked = invitations.check_request(
        1, form.email.data, form.name.data, form.team.data, form.site.data
    )
    if isinstance(checked, invitations.RowResult):
        form.email.errors.append(checked.reason)
        return _invitations_page(form, InvitationUploadForm(formdata=None), 400)
    result = invitations.invite(g.organisation, current_user, [checked]).results[0]
    if result.outcome == invitations.Outcome.INVALID:  # the site was deleted meanwhile
        form.site.errors.append(result.reason)
        return _invitations_page(form, InvitationUploadForm(formdata=None), 400)
    messages = {
        invitations.Outcome.INVITED: (
            _("We have emailed an invitation to %(email)s.", email=result.email),
            "success",
        ),
        invitations.Outcome.ALREADY_MEMBER: (
            _("%(email)s is already a member.", email=result.email),
            "info",
        ),
        invitations.Outcome.ALREADY_INVITED: (
            _(
                "%(email)s has been invited already. %(reason)s",
                email=result.email,
                reason=result.reason,
            ),
            "info",
        ),
    }
    flash(*messages[result.outcome])
    return redirect(url_for("invitations.index", organisation_id=organisation_id))


@bp.post("/orgs/<int:organisation_id>/invitations/upload")
@manager_of_org
def upload(organisation_id: int) -> tuple[str, int]:
    form = InvitationUploadForm()
    if not form.validate_on_submit():
        return _invitations_page(_invitation_form(formdata=None), form, 400)
    with form.file.data.stream as uploaded:
        content = uploaded.read(invitations.MAX_UPLOAD_BYTES + 1)
    try:
        people, problems = invitations.read_invitation_csv(content)
    except invitations.UploadRefused as refusal:
        form.file.errors.append(str(refusal))
        return _invitations_page(_invitation_form(formdata=None), form, 400)
    report = invitations.invite(g.organisation, current_user, people)
    report.results = sorted(report.results + problems, key=lambda result: result.line)
    return render_template(
        "organisations/invitation_report.html",
        organisation=g.organisation,
        report=report,
        filename=form.file.data.filename,
        outcomes=invitations.Outcome,
        labels=invitations.OUTCOME_LABELS,
    ), 200


@bp.post(
    "/orgs/<int:organisation_id>/invitations/<int:invitation_id>/<any(resend, withdraw):action>"
)
@manager_of_org
def change(organisation_id: int, invitation_id: int, action: str) -> Response:
    if ButtonForm().validate_on_submit():
        try:
            if action == "resend":
                invitation = invitations.resend(g.organisation, current_user, invitation_id)
                flash(
                    _("We have sent the invitation to %(email)s again.", email=invitation.email),
                    "success",
                )
            else:
                invitation = invitations.withdraw(g.organisation, invitation_id)
                flash(
                    _("The invitation to %(email)s is withdrawn.", email=invitation.email),
                    "success",
                )
        except LookupError:
            abort(404)
        except invitations.InvitationRefused as refusal:
            flash(str(refusal), "error")
    return redirect(url_for("invitations.index", organisation_id=organisation_id))


@bp.route("/join/invitation/<token>", methods=["GET", "POST"])
@public
@limiter.limit("30 per minute")
def accept(token: str) -> str | Response | tuple[str, int]:
    """The invitation, and *Join* for the account it was sent to; any other account (another
    address, or the invited one not yet confirmed) is told why it cannot join and what to do."""
    invitation = invitations.usable_invitation(token)
    if invitation is None:
        return render_template("organisations/invitation_unusable.html"), 404
    if not current_user.is_authenticated:
        return _invitation_page(invitation, token)
    form = ButtonForm()
    if form.validate_on_submit():
        try:
            membership = invitations.accept(current_user, token)
        except invitations.NotTheInvitedAccount as refused:
            return _invitation_page(invitation, token, refusal=refused.reason), 403
        if membership is None:
            return render_template("organisations/invitation_unusable.html"), 404
        flash(
            _(
                "You have joined %(name)s. It can now see your progress.",
                name=invitation.organisation.name,
            ),
            "success",
        )
        return redirect(url_for("organisations.mine"))
    return _invitation_page(
        invitation,
        token,
        form=form,
        refusal=invitations.acceptance_refusal(current_user, invitation),
    )


def _invitation_page(
    invitation: Invitation,
    token: str,
    form: ButtonForm | None = None,
    refusal: invitations.AcceptanceRefusal | None = None,
) -> str:
    return render_template(
        "organisations/invitation.html",
        invitation=invitation,
        token=token,
        form=form,
        refusal=refusal,
        refusals=invitations.AcceptanceRefusal,
    )


@bp.route("/join/invitation/<token>/register", methods=["GET", "POST"])
@public
@limiter.limit("10 per minute", methods=["POST"])
def register(token: str) -> str | Response | tuple[str, int]:
    """Create an account through an invitation: the new account joins the organisation, which the
    page says plainly before anything is submitted. Only the invited address may be used."""
    invitation = invitations.usable_invitation(token)
    if invitation is None:
        return render_template("organisations/invitation_unusable.html"), 404
    if current_user.is_authenticated:
        return redirect(url_for("invitations.accept", token=token))
    form = RegistrationForm()
    if request.method == "GET":
        form.email.data = invitation.email
        form.name.data = invitation.name
    if form.validate_on_submit():
        try:
            invitations.register_and_accept(
                token, form.name.data, form.email.data, form.password.data, Region(form.region.data)
            )
        except invitations.InvitationRefused as refusal:
            form.email.errors.append(str(refusal))
        else:
            session["registered_email"] = accounts.normalise_email(form.email.data)
            return redirect(url_for("accounts.check_email"))
    return render_template(
        "organisations/invitation_register.html", invitation=invitation, form=form
    )
