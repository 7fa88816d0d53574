"""The admin area's home page, for authors and admins, who must sign in with two factors to enter
it. It links to each feature's admin pages, which live with their features."""

from __future__ import annotations

from flask import Blueprint, render_template

from course.accounts.access import staff_required
from course.accounts.models import Role

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@staff_required(Role.ADMIN, Role.AUTHOR)
def index() -> str:
    return render_template("admin/index.html")
