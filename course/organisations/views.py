"""Organisation pages: create one, manage it, join by link, and a learner's own memberships."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from course.catalogue import services as catalogue
from course.core.access import login_required, public
from course.core.database import utcnow
from course.core.downloads import private_download
from course.core.forms import ButtonForm
from course.core.page_panels import register_panel
from course.core.paging import page_number
from course.organisations import (
    annex,
    certificate_zip,
    invitations,
    member_table,
    memberships,
    reports,
    sites,
)
from course.organisations.access import manager_of_org
from course.organisations.forms import OrganisationForm
from course.organisations.models import Site

bp = Blueprint("organisations", __name__)


@bp.route("/orgs/new", methods=["GET", "POST"])
@login_required
def create() -> str | Response:
    form = OrganisationForm()
    if form.validate_on_submit():
        organisation = memberships.create_organisation(
            current_user, form.name.data, form.due_days.data
        )
        flash(
            _(
                "%(name)s has been created. Share its join link with your staff.",
                name=organisation.name,
            ),
            "success",
        )
        return redirect(url_for("organisations.manage", organisation_id=organisation.id))
    return render_template("organisations/create.html", form=form)


@bp.get("/orgs/<int:organisation_id>/")
@manager_of_org
def manage(organisation_id: int) -> str:
    return render_template(
        "organisations/manage.html",
        **member_table_page(ORGANISATION_TABLE, {"organisation_id": organisation_id}),
        form=ButtonForm(),
        site_summaries=sites.site_summaries(g.organisation),
        tier_names=sites.TIER_NAMES,
    )


def member_table_page(
    endpoints: dict[str, str], args: dict[str, int], site: Site | None = None
) -> dict[str, Any]:
    """What organisations/_member_table.html and the summary above it need, for the organisation
    in ``g.organisation`` or for one of its sites: the table is then narrowed to the site (which
    the address does not repeat), and its filters offer no choice of site."""
    course = catalogue.the_course()
    filters = member_table.MemberFilters.from_query(request.args)
    if site is not None:
        filters = replace(filters, site=site.id)
    filter_args = filters.query_args()
    if site is not None:
        filter_args.pop("site", None)
    return {
        "organisation": g.organisation,
        "page": member_table.member_page(
            g.organisation, course, filters, page=page_number(request.args.get("page"))
        ),
        "query": request.args,
        "filters": filters,
        "filter_args": filter_args,
        "teams": member_table.teams_of(g.organisation, site),
        "sites": [] if site else sites.sites_of(g.organisation),
        "table": endpoints | {"args": args},
        "overview": reports.organisation_overview(g.organisation, course, site=site),
        "now": utcnow(),
    }


#: Where the organisation's member table leads (see organisations/_member_table.html).
ORGANISATION_TABLE = {
    "page": "organisations.manage",
    "member": "organisation_members.member",
    "csv": "organisations.members_csv",
    "certificates": "organisations.certificates_zip",
    "reminders": "organisation_members.send_reminders",
}


@bp.post("/orgs/<int:organisation_id>/join-link")
@manager_of_org
def join_link(organisation_id: int) -> Response:
    if ButtonForm().validate_on_submit():
        action = request.form.get("action")
        if action == "rotate":
            memberships.rotate_join_link(g.organisation)
            flash(_("There is a new join link. The old one no longer works."), "success")
        elif action in ("disable", "enable"):
            memberships.set_join_link_enabled(g.organisation, action == "enable")
            flash(
                _("The join link is on.") if action == "enable" else _("The join link is off."),
                "success",
            )
    return redirect(url_for("organisations.manage", organisation_id=organisation_id))


@bp.route("/join/<token>", methods=["GET", "POST"])
@public
def join(token: str) -> str | Response:
    organisation = memberships.organisation_for_join_token(token)
    if organisation is None:
        abort(404)
    if not current_user.is_authenticated:
        return render_template("organisations/join.html", organisation=organisation, form=None)
    form = ButtonForm()
    if form.validate_on_submit():
        invitations.join_by_link(current_user, organisation)
        flash(
            _("You have joined %(name)s. It can now see your progress.", name=organisation.name),
            "success",
        )
        return redirect(url_for("organisations.mine"))
    already = memberships.membership_of(current_user, organisation) is not None
    return render_template(
        "organisations/join.html", organisation=organisation, form=form, already=already
    )


@bp.get("/account/organisations")
@login_required
def mine() -> str:
    return render_template(
        "organisations/mine.html",
        memberships=memberships.memberships_of(current_user),
        managed_sites=sites.sites_managed_by(current_user),
        annexes=annex.annexes_for(current_user),
        form=ButtonForm(),
    )


@bp.post("/account/organisations/<int:organisation_id>/leave")
@login_required
def leave(organisation_id: int) -> Response:
    membership = next(
        (
            m
            for m in memberships.memberships_of(current_user)
            if m.organisation_id == organisation_id
        ),
        None,
    )
    if membership is None:
        abort(404)
    if ButtonForm().validate_on_submit():
        try:
            memberships.leave(current_user, membership.organisation)
        except memberships.MembershipError as refusal:
            flash(str(refusal), "error")
        else:
            flash(
                _(
                    "You have left %(name)s. It can no longer see your progress.",
                    name=membership.organisation.name,
                ),
                "success",
            )
    return redirect(url_for("organisations.mine"))


@bp.get("/orgs/<int:organisation_id>/members.csv")
@manager_of_org
def members_csv(organisation_id: int) -> Response:
    filters = member_table.MemberFilters.from_query(request.args)
    lines = reports.member_csv(g.organisation, catalogue.the_course(), filters)
    return private_download(lines, "text/csv", reports.csv_filename(g.organisation))


@bp.get("/orgs/<int:organisation_id>/certificates.zip")
@manager_of_org
def certificates_zip(organisation_id: int) -> Response:
    """Every member's current certificate, as one zip of PDFs."""
    chunks = certificate_zip.certificates_zip(g.organisation, catalogue.the_course())
    return private_download(chunks, "application/zip", certificate_zip.zip_filename(g.organisation))


def _navigation_link(here: str | None = None) -> str:
    """ "Your organisations" in the site's navigation, for someone who manages one."""
    if not current_user.is_authenticated or not memberships.manages_any(current_user):
        return ""
    return render_template("organisations/_navigation_link.html", here=here or "")


register_panel("site-nav", "organisations", _navigation_link)
