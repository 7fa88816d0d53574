"""Public course pages: the overview and who to call."""

from __future__ import annotations

from flask import Blueprint, render_template

from course.core.access import public
from course.core.regions import Region
from course.learning.who_to_call import CONTACTS_BY_REGION

bp = Blueprint("learning", __name__)


@bp.get("/")
@public
def overview() -> str:
    return render_template("learning/overview.html")


@bp.get("/who-to-call")
@public
def who_to_call() -> str:
    return render_template(
        "learning/who_to_call.html", regions=list(Region), contacts_by_region=CONTACTS_BY_REGION
    )
