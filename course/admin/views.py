"""The admin area, for authors and admins, who must sign in with two factors to enter it."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from course.accounts.access import two_factor_required
from course.accounts.models import Role
from course.core.access import role_required
from course.core.paging import page_number
from course.organisations.management import organisation_directory

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@role_required(Role.ADMIN, Role.AUTHOR)
@two_factor_required
def index() -> str:
    return render_template("admin/index.html")


@bp.get("/organisations")
@role_required(Role.ADMIN)
@two_factor_required
def organisations() -> str:
    search = request.args.get("q", "")
    return render_template(
        "admin/organisations.html",
        page=organisation_directory(search, page_number(request.args.get("page"))),
        search=search,
    )
