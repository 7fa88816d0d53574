"""A site's procedures (its annex): its managers write and publish versions and see who has
confirmed each; the people who work there read the current version and confirm it."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from course.core.access import login_required
from course.organisations import annex
from course.organisations.access import manager_of_site
from course.organisations.forms import AnnexForm, AttestationForm

bp = Blueprint("site_procedures", __name__)


@bp.get("/orgs/<int:organisation_id>/sites/<int:site_id>/procedures")
@manager_of_site
def versions(organisation_id: int, site_id: int) -> str:
    return render_template(
        "organisations/procedures.html",
        organisation=g.organisation,
        site=g.site,
        summaries=annex.version_summaries(g.site),
        members=annex.site_member_count(g.site),
    )


@bp.route("/orgs/<int:organisation_id>/sites/<int:site_id>/procedures/new", methods=["GET", "POST"])
@manager_of_site
def write(organisation_id: int, site_id: int) -> str | Response:
    """Write the next version, starting from the current one; preview it, then publish it."""
    current = annex.current_version(g.site)
    form = AnnexForm(data=current.sections if current and request.method == "GET" else None)
    preview = None
    if form.validate_on_submit():
        if request.form.get("action") == "publish":
            version = annex.publish(g.site, form.sections(), current_user)
            flash(
                _(
                    "Version %(number)d of the procedures for %(site)s is published. Everyone "
                    "at the site is asked to read and confirm it.",
                    number=version.number,
                    site=g.site.name,
                ),
                "success",
            )
            return redirect(
                url_for(
                    ".version",
                    organisation_id=organisation_id,
                    site_id=site_id,
                    number=version.number,
                )
            )
        preview = annex.rendered(form.sections())
    return render_template(
        "organisations/procedures_form.html",
        organisation=g.organisation,
        site=g.site,
        form=form,
        preview=preview,
        next_number=(current.number + 1) if current else 1,
        headings=annex.PROCEDURE_HEADINGS,
    )


@bp.get("/orgs/<int:organisation_id>/sites/<int:site_id>/procedures/<int:number>")
@manager_of_site
def version(organisation_id: int, site_id: int, number: int) -> str:
    found = annex.version_numbered(g.site, number)
    if found is None:
        abort(404)
    return render_template(
        "organisations/procedures_version.html",
        organisation=g.organisation,
        site=g.site,
        version=found,
        current=annex.current_version(g.site),
        headings=annex.PROCEDURE_HEADINGS,
    )


@bp.route("/account/sites/<int:site_id>/procedures", methods=["GET", "POST"])
@login_required
def read(site_id: int) -> str | Response:
    """The current procedures of a site the person works at, to read and confirm."""
    found = annex.annex_for(current_user, site_id)
    if found is None:
        abort(404)
    form = AttestationForm(version=found.version.number)
    form.understood.label.text = _(
        "I have read and understood version %(number)d of these procedures",
        number=found.version.number,
    )
    if form.validate_on_submit():
        read_version = str(form.version.data or "")
        try:
            annex.attest(current_user, site_id, int(read_version) if read_version.isdigit() else 0)
        except annex.AnnexError as refusal:
            flash(str(refusal), "error")
            return redirect(url_for(".read", site_id=site_id))
        flash(
            _(
                "Thank you. You have confirmed version %(number)d of the procedures for %(site)s.",
                number=found.version.number,
                site=found.site.name,
            ),
            "success",
        )
        return redirect(url_for("organisations.mine"))
    return render_template(
        "organisations/procedures_read.html",
        found=found,
        version=found.version,
        form=form,
        headings=annex.PROCEDURE_HEADINGS,
    )
