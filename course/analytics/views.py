"""Analytics pages for admins: every module at a glance, then one module in detail."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from course.accounts.access import staff_required
from course.accounts.models import Role
from course.analytics.services import (
    OUTLIER_HIGH_PERCENT,
    OUTLIER_LOW_PERCENT,
    OUTLIER_MIN_ANSWERS,
    course_analytics,
    find_module,
    module_analytics,
    percent,
)
from course.catalogue.services import the_course

bp = Blueprint("admin_analytics", __name__, url_prefix="/admin/analytics")

OUTLIER_RULE = {
    "minimum": OUTLIER_MIN_ANSWERS,
    "low": OUTLIER_LOW_PERCENT,
    "high": OUTLIER_HIGH_PERCENT,
}


@bp.get("/")
@staff_required(Role.ADMIN)
def index() -> str:
    course = the_course()
    modules = course_analytics(course) if course is not None else []
    return render_template("analytics/index.html", modules=modules)


@bp.get("/<slug>")
@staff_required(Role.ADMIN)
def module(slug: str) -> str:
    course = the_course()
    found = find_module(course, slug) if course is not None else None
    if found is None:
        abort(404)
    return render_template(
        "analytics/module.html",
        analytics=module_analytics(found),
        rule=OUTLIER_RULE,
        percent=percent,
    )
