"""``GET /healthz``: whether this instance can serve requests, for load balancers and monitors."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from course.core.access import public
from course.core.security import allow_plain_http
from course.extensions import db, limiter

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
@public
@limiter.exempt
@allow_plain_http
def healthz() -> tuple[Response, int]:
    """200 ``{"status": "ok"}`` when the database answers, else 503 with no detail."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        log.exception("Health check: the database did not answer")
        db.session.rollback()
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok"), 200
