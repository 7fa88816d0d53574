"""Every open organisation, for admins signed in with two factors: its member and manager counts,
and a link to manage it."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from course.accounts.access import staff_required
from course.accounts.models import Role
from course.core.paging import page_number
from course.organisations.directory import organisation_directory

bp = Blueprint("admin_organisations", __name__, url_prefix="/admin/organisations")


@bp.get("")
@staff_required(Role.ADMIN)
def index() -> str:
    search = request.args.get("q", "")
    return render_template(
        "organisations/directory.html",
        page=organisation_directory(search, page_number(request.args.get("page"))),
        search=search,
    )
