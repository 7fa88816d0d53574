"""What the checks show, for admins: the course's knowledge gain, then each module's gain,
discernment, forms and items. No learner's own answers are ever shown."""

from __future__ import annotations

from flask import Blueprint, render_template

from course.accounts.access import staff_required
from course.accounts.models import Role
from course.catalogue.services import the_course
from course.measurement.report import MIN_LEARNERS, course_report

bp = Blueprint("admin_measurement", __name__, url_prefix="/admin/measurement")


@bp.get("/")
@staff_required(Role.ADMIN)
def index() -> str:
    course = the_course()
    modules = list(course.listed_modules) if course is not None else []
    measured = [
        module
        for module in modules
        if module.current_version is not None and module.current_version.measurement
    ]
    return render_template(
        "measurement/admin/index.html", report=course_report(measured), minimum=MIN_LEARNERS
    )
