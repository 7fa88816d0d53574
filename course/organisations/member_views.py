"""Manager pages for one member (with pages that ask before removing them or handing over
management), for reminders and for closing the organisation."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from course.accounts.models import User
from course.catalogue import services as catalogue
from course.catalogue.outline import current_outline
from course.core.forms import ButtonForm
from course.core.paging import page_number
from course.learning import services as learning
from course.learning.services import CourseProgress
from course.organisations import memberships, reminders, sites
from course.organisations.access import manager_of_org
from course.organisations.forms import CloseForm, MemberSitesForm, TeamForm
from course.organisations.models import Membership, Site

bp = Blueprint("organisation_members", __name__)

# Removing a member and handing over management cannot be undone, so they have pages of their
# own that ask first (``remove`` and ``hand_over`` below), not buttons here.
MEMBER_ACTIONS = ("team", "make_manager", "remove_manager")


def _member_or_404(user_id: int) -> Membership:
    membership = memberships.member_in(g.organisation, user_id)
    if membership is None:
        abort(404)
    return membership


def visible_progress(member: User) -> CourseProgress | None:
    """The member's progress in each module, as their organisation's pages show it: hidden
    (``None``) until they confirm their email address, as in the member table."""
    outline = current_outline()
    if outline is None or not member.email_verified:
        return None
    return learning.course_progress(member, outline)


def _member_page(membership: Membership, team_form: TeamForm) -> str:
    own = memberships.membership_of(current_user, g.organisation)
    member = membership.user
    places = sites.site_places(membership)
    sites_form = MemberSitesForm(
        formdata=None,
        sites=[place.site_id for place in places],
        managing=[place.site_id for place in places if place.is_manager],
    ).offer(sites.sites_of(g.organisation))
    return render_template(
        "organisations/member.html",
        organisation=g.organisation,
        membership=membership,
        member=member,
        progress=visible_progress(member),
        team_form=team_form,
        places=places,
        sites_form=sites_form,
        form=ButtonForm(),
        can_transfer=own is not None and own.is_manager and own.user_id != membership.user_id,
        is_self=membership.user_id == current_user.id,
    )


@bp.route("/orgs/<int:organisation_id>/members/<int:user_id>", methods=["GET", "POST"])
@manager_of_org
def member(organisation_id: int, user_id: int) -> str | Response:
    membership = _member_or_404(user_id)
    here = url_for(".member", organisation_id=organisation_id, user_id=user_id)
    if request.method == "GET":
        return _member_page(membership, TeamForm(team=membership.team))
    action = request.form.get("action")
    if action not in MEMBER_ACTIONS:
        flash(_("Choose one of the buttons on this page."), "error")
        return redirect(here)
    name = membership.user.name
    if action == "team":
        team_form = TeamForm()
        if not team_form.validate_on_submit():
            return _member_page(membership, team_form)
        try:
            memberships.set_team(g.organisation, user_id, team_form.team.data)
        except memberships.ManagementError as refusal:
            flash(str(refusal), "error")
            return redirect(here)
        flash(
            _("%(name)s is now in %(team)s.", name=name, team=team_form.team.data)
            if team_form.team.data
            else _("%(name)s is no longer in a team.", name=name),
            "success",
        )
        return redirect(here)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        if action == "make_manager":
            memberships.make_manager(g.organisation, user_id)
            flash(_("%(name)s is now a manager.", name=name), "success")
        else:
            memberships.remove_manager(g.organisation, user_id)
            flash(_("%(name)s is no longer a manager.", name=name), "success")
    except memberships.ManagementError as refusal:
        flash(str(refusal), "error")
    return redirect(here)


def _confirmed(action: str) -> bool:
    """Whether the POST is the confirmation page's Yes button, which names ``action``: a post
    without it (from an old page, or a stray request) changes nothing."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    if request.form.get("action") == action:
        return True
    flash(_("Choose one of the buttons on this page."), "error")
    return False


@bp.route("/orgs/<int:organisation_id>/members/<int:user_id>/remove", methods=["GET", "POST"])
@manager_of_org
def remove(organisation_id: int, user_id: int) -> str | Response:
    """Ask before removing a member; only the Yes button removes them."""
    membership = _member_or_404(user_id)
    name = membership.user.name
    back = url_for(".member", organisation_id=organisation_id, user_id=user_id)
    if request.method == "POST":
        if not _confirmed("remove"):
            return redirect(url_for(".remove", organisation_id=organisation_id, user_id=user_id))
        try:
            memberships.remove_member(g.organisation, user_id, current_user)
        except memberships.ManagementError as refusal:
            flash(str(refusal), "error")
            return redirect(back)
        flash(
            _(
                "%(name)s has been removed. Their own progress and certificates stay theirs.",
                name=name,
            ),
            "success",
        )
        return redirect(url_for("organisations.manage", organisation_id=organisation_id))
    try:
        memberships.check_removal(g.organisation, membership, current_user)
    except memberships.ManagementError as refusal:
        flash(str(refusal), "error")
        return redirect(back)
    return render_template(
        "organisations/remove_member.html",
        organisation=g.organisation,
        membership=membership,
        member=membership.user,
        back=back,
        form=ButtonForm(),
    )


@bp.route("/orgs/<int:organisation_id>/members/<int:user_id>/hand-over", methods=["GET", "POST"])
@manager_of_org
def hand_over(organisation_id: int, user_id: int) -> str | Response:
    """Ask before handing management over to a member; only the Yes button hands it over."""
    membership = _member_or_404(user_id)
    name = membership.user.name
    back = url_for(".member", organisation_id=organisation_id, user_id=user_id)
    if request.method == "POST":
        if not _confirmed("hand_over"):
            return redirect(url_for(".hand_over", organisation_id=organisation_id, user_id=user_id))
        try:
            memberships.transfer_management(g.organisation, current_user, user_id)
        except memberships.ManagementError as refusal:
            flash(str(refusal), "error")
            return redirect(back)
        flash(_("%(name)s is now a manager and you are no longer one.", name=name), "success")
        if current_user.has_role("admin"):
            return redirect(back)
        return redirect(url_for("organisations.mine"))
    try:
        memberships.check_hand_over(g.organisation, current_user, user_id)
    except memberships.ManagementError as refusal:
        flash(str(refusal), "error")
        return redirect(back)
    return render_template(
        "organisations/hand_over.html",
        organisation=g.organisation,
        member=membership.user,
        back=back,
        form=ButtonForm(),
    )


@bp.route("/orgs/<int:organisation_id>/close", methods=["GET", "POST"])
@manager_of_org
def close(organisation_id: int) -> str | Response:
    form = CloseForm()
    if form.validate_on_submit():
        try:
            memberships.close_organisation(g.organisation, form.name.data)
        except memberships.ManagementError as refusal:
            form.name.errors = [str(refusal)]
        else:
            flash(
                _(
                    "%(name)s is closed. Its members keep their progress and certificates.",
                    name=g.organisation.name,
                ),
                "success",
            )
            return redirect(url_for("organisations.mine"))
    return render_template("organisations/close.html", organisation=g.organisation, form=form)


@bp.route("/orgs/<int:organisation_id>/reminders", methods=["GET", "POST"])
@manager_of_org
def send_reminders(organisation_id: int) -> str | Response:
    return reminders_page(
        url_for(".send_reminders", organisation_id=organisation_id),
        back=url_for("organisations.manage", organisation_id=organisation_id),
    )


def reminders_page(here: str, back: str, site: Site | None = None) -> str | Response:
    """The reminders page of ``g.organisation``, or of one of its sites: send to everyone due,
    or to the chosen members, then come back ``here``."""
    form = ButtonForm()
    course = catalogue.the_course()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        action = request.form.get("action")
        if action == "due":
            report = reminders.send_reminders(g.organisation, course, site=site)
        elif action == "selected":
            chosen = request.form.getlist("user_id", type=int)
            if not chosen:
                flash(_("Choose at least one member to remind."), "error")
                return redirect(here)
            report = reminders.send_reminders(g.organisation, course, user_ids=chosen, site=site)
        else:
            flash(_("Choose one of the buttons on this page."), "error")
            return redirect(here)
        flash(
            ngettext("%(num)d reminder queued.", "%(num)d reminders queued.", report.queued)
            + " "
            + ngettext(
                "%(num)d skipped because they had a reminder in the last 7 days.",
                "%(num)d skipped because they had a reminder in the last 7 days.",
                report.skipped,
            ),
            "success",
        )
        return redirect(here)
    page = reminders.reminder_page(
        g.organisation, course, page=page_number(request.args.get("page")), site=site
    )
    return render_template(
        "organisations/reminders.html",
        organisation=g.organisation,
        site=site,
        back=back,
        page=page,
        form=form,
        pages_endpoint=request.endpoint,
        pages_args=request.view_args,
    )
