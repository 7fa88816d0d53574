"""The learner's home: progress through the course and the next step."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from course.catalogue.outline import current_outline
from course.certificates import services as certificates
from course.core.access import login_required
from course.learning import services as learning
from course.organisations import annex, memberships, sites

bp = Blueprint("dashboard", __name__)


@bp.get("/dashboard")
@login_required
def index() -> str:
    course = current_outline()
    progress = learning.course_progress(current_user, course) if course else None
    standing = certificates.standing(current_user, course, progress=progress) if course else None
    return render_template(
        "dashboard/index.html",
        course=course,
        progress=progress,
        standing=standing,
        managed=memberships.managed_by(current_user),
        managed_sites=sites.sites_managed_by(current_user),
        annexes_to_read=[
            found for found in annex.annexes_for(current_user) if not found.attested_at
        ],
    )
