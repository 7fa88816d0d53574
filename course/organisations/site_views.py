"""Site pages. Organisation managers add, change and delete sites and say who works at each and
who manages it; a site's page, member table, downloads and reminders are for them and for that
site's own managers, who see nothing else of the organisation."""

from __future__ import annotations

from dataclasses import replace

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
from werkzeug.wrappers import Response

from course.catalogue import services as catalogue
from course.core.downloads import private_download
from course.core.forms import ButtonForm
from course.organisations import annex, certificate_zip, member_table, memberships, reports, sites
from course.organisations.access import manager_of_org, manager_of_site
from course.organisations.forms import MemberSitesForm, SiteForm
from course.organisations.member_views import reminders_page, visible_progress
from course.organisations.models import Site
from course.organisations.views import member_table_page

bp = Blueprint("organisation_sites", __name__)

#: Where a site's member table leads (see organisations/_member_table.html).
SITE_TABLE = {
    "page": "organisation_sites.site",
    "member": "organisation_sites.member",
    "csv": "organisation_sites.members_csv",
    "certificates": "organisation_sites.certificates_zip",
    "reminders": "organisation_sites.send_reminders",
}


def _site_or_404(site_id: int) -> Site:
    site = sites.site_in(g.organisation, site_id)
    if site is None:
        abort(404)
    return site


def _site_address(site: Site) -> str:
    return url_for("organisation_sites.site", organisation_id=site.organisation_id, site_id=site.id)


@bp.route("/orgs/<int:organisation_id>/sites/new", methods=["GET", "POST"])
@manager_of_org
def add(organisation_id: int) -> str | Response:
    form = SiteForm()
    if form.validate_on_submit():
        try:
            site = sites.add_site(g.organisation, form.name.data, form.address.data, form.tier)
        except memberships.ManagementError as refusal:
            form.name.errors = [str(refusal)]
        else:
            flash(_("%(name)s has been added.", name=site.name), "success")
            return redirect(_site_address(site))
    return render_template("organisations/site_form.html", organisation=g.organisation, form=form)


@bp.route("/orgs/<int:organisation_id>/sites/<int:site_id>/edit", methods=["GET", "POST"])
@manager_of_org
def edit(organisation_id: int, site_id: int) -> str | Response:
    site = _site_or_404(site_id)
    form = SiteForm(obj=site if request.method == "GET" else None)
    if request.method == "GET":
        form.capacity_tier.data = site.capacity_tier.value
    if form.validate_on_submit():
        try:
            sites.change_site(site, form.name.data, form.address.data, form.tier)
        except memberships.ManagementError as refusal:
            form.name.errors = [str(refusal)]
        else:
            flash(_("%(name)s has been saved.", name=site.name), "success")
            return redirect(_site_address(site))
    return render_template(
        "organisations/site_form.html", organisation=g.organisation, site=site, form=form
    )


@bp.route("/orgs/<int:organisation_id>/sites/<int:site_id>/delete", methods=["GET", "POST"])
@manager_of_org
def delete(organisation_id: int, site_id: int) -> str | Response:
    """Ask before deleting a site; only the Yes button deletes it."""
    site = _site_or_404(site_id)
    form = ButtonForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        if request.form.get("action") != "delete":  # not the Yes button: change nothing
            flash(_("Choose one of the buttons on this page."), "error")
            return redirect(url_for(".delete", organisation_id=organisation_id, site_id=site_id))
        name = site.name
        sites.delete_site(site)
        flash(
            _("%(name)s has been deleted. Its members are still in the organisation.", name=name),
            "success",
        )
        return redirect(url_for("organisations.manage", organisation_id=organisation_id))
    return render_template(
        "organisations/site_delete.html", organisation=g.organisation, site=site, form=form
    )


@bp.get("/orgs/<int:organisation_id>/sites/<int:site_id>/")
@manager_of_site
def site(organisation_id: int, site_id: int) -> str:
    args = {"organisation_id": organisation_id, "site_id": site_id}
    return render_template(
        "organisations/site.html",
        **member_table_page(SITE_TABLE, args, site=g.site),
        site=g.site,
        runs_organisation=g.runs_organisation,
        tier_names=sites.TIER_NAMES,
        procedures=next(iter(annex.version_summaries(g.site)), None),
    )


@bp.get("/orgs/<int:organisation_id>/sites/<int:site_id>/members/<int:user_id>")
@manager_of_site
def member(organisation_id: int, user_id: int, site_id: int) -> str:
    """A site member's progress, for the site's managers; the organisation's managers change
    memberships from the organisation's member page, linked from here."""
    membership = memberships.member_in(g.organisation, user_id)
    if membership is None or site_id not in {
        place.site_id for place in sites.site_places(membership)
    }:
        abort(404)
    member = membership.user
    return render_template(
        "organisations/site_member.html",
        organisation=g.organisation,
        site=g.site,
        runs_organisation=g.runs_organisation,
        membership=membership,
        member=member,
        progress=visible_progress(member),
    )


@bp.get("/orgs/<int:organisation_id>/sites/<int:site_id>/members.csv")
@manager_of_site
def members_csv(organisation_id: int, site_id: int) -> Response:
    filters = replace(member_table.MemberFilters.from_query(request.args), site=site_id)
    lines = reports.member_csv(g.organisation, catalogue.the_course(), filters)
    return private_download(lines, "text/csv", reports.csv_filename(g.organisation, site=g.site))


@bp.get("/orgs/<int:organisation_id>/sites/<int:site_id>/certificates.zip")
@manager_of_site
def certificates_zip(organisation_id: int, site_id: int) -> Response:
    """Every current certificate of the site's members, as one zip of PDFs."""
    chunks = certificate_zip.certificates_zip(g.organisation, catalogue.the_course(), site=g.site)
    filename = certificate_zip.zip_filename(g.organisation, site=g.site)
    return private_download(chunks, "application/zip", filename)


@bp.route("/orgs/<int:organisation_id>/sites/<int:site_id>/reminders", methods=["GET", "POST"])
@manager_of_site
def send_reminders(organisation_id: int, site_id: int) -> str | Response:
    return reminders_page(
        url_for(".send_reminders", organisation_id=organisation_id, site_id=site_id),
        back=_site_address(g.site),
        site=g.site,
    )


@bp.post("/orgs/<int:organisation_id>/members/<int:user_id>/sites")
@manager_of_org
def member_sites(organisation_id: int, user_id: int) -> Response:
    """Set the sites a member works at and those they manage (from the member's page)."""
    back = url_for("organisation_members.member", organisation_id=organisation_id, user_id=user_id)
    if memberships.member_in(g.organisation, user_id) is None:
        abort(404)
    form = MemberSitesForm().offer(sites.sites_of(g.organisation))
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        flash(_("Choose sites from this organisation's list."), "error")
        return redirect(back)
    try:
        sites.place_member(g.organisation, user_id, form.sites.data, form.managing.data)
    except memberships.ManagementError as refusal:
        flash(str(refusal), "error")
    else:
        flash(_("The member's sites have been saved."), "success")
    return redirect(back)
