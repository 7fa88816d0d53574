"""What the checks show: for admins, over every learner; for an organisation's managers, over
its members only. The course's knowledge gain and retention, then each module's gain,
discernment, forms and items. No learner's own answers are ever shown."""

from __future__ import annotations

from flask import Blueprint, Response, g, render_template, stream_with_context, url_for
from flask_login import current_user
from sqlalchemy import select

from course.accounts.access import staff_required
from course.accounts.models import Role
from course.audit.services import record
from course.catalogue.models import Module
from course.catalogue.services import the_course
from course.core.database import utcnow
from course.core.page_panels import register_panel
from course.extensions import db
from course.measurement.report import MIN_LEARNERS, MIN_LEARNERS_IN_ORGANISATION, course_report
from course.measurement.research_export import research_filename, research_rows
from course.organisations.access import manager_of_org
from course.organisations.models import Membership, Organisation

bp = Blueprint("admin_measurement", __name__)


def measured_modules() -> list[Module]:
    """The course's modules that have a measurement bank, in course order."""
    course = the_course()
    modules = list(course.listed_modules) if course is not None else []
    return [
        module
        for module in modules
        if module.current_version is not None and module.current_version.measurement
    ]


@bp.get("/admin/measurement/")
@staff_required(Role.ADMIN)
def index() -> str:
    return render_template(
        "measurement/admin/index.html",
        report=course_report(measured_modules()),
        minimum=MIN_LEARNERS,
    )


@bp.get("/admin/measurement/learning-checks.csv")
@staff_required(Role.ADMIN)
def research_file() -> Response:
    """Every check, anonymised, for researchers; each download is in the audit log."""
    record(
        "measurement.exported",
        actor=current_user,
        target_type="course",
        target_id="learning-checks",
        summary="Downloaded the anonymised file of learning checks",
    )
    db.session.commit()
    response = Response(stream_with_context(research_rows()), mimetype="text/csv")
    response.headers.set(
        "Content-Disposition", "attachment", filename=research_filename(utcnow().date().isoformat())
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/orgs/<int:organisation_id>/learning")
@manager_of_org
def organisation(organisation_id: int) -> str:
    """The same figures over the organisation's own members, from ten of them."""
    members = select(Membership.user_id).where(Membership.organisation_id == organisation_id)
    return render_template(
        "measurement/organisation.html",
        organisation=g.organisation,
        report=course_report(measured_modules(), members, MIN_LEARNERS_IN_ORGANISATION),
        minimum=MIN_LEARNERS_IN_ORGANISATION,
    )


def _organisation_panel(organisation: Organisation, **_values: object) -> str:
    if not measured_modules():
        return ""
    address = url_for("admin_measurement.organisation", organisation_id=organisation.id)
    return render_template("measurement/_organisation_link.html", address=address)


register_panel("organisation-page", "measurement", _organisation_panel)
