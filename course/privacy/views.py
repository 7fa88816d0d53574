"""The pages that say who runs the course, what it keeps about you, and how accessible it is."""

from __future__ import annotations

from flask import Blueprint, render_template

from course.core.access import public

bp = Blueprint("privacy", __name__)


@bp.get("/privacy")
@public
def privacy() -> str:
    return render_template("privacy/privacy.html")


@bp.get("/accessibility")
@public
def accessibility() -> str:
    return render_template("privacy/accessibility.html")


@bp.get("/about")
@public
def about() -> str:
    return render_template("privacy/about.html")
