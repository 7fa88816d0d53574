"""The audit log, for admins signed in with two factors: who did what, when, before and after."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from course.accounts.access import staff_required
from course.accounts.models import Role
from course.audit.changes import field_changes
from course.audit.services import actions_recorded, audit_log
from course.core.paging import page_number

bp = Blueprint("admin_audit", __name__, url_prefix="/admin/audit")


@bp.get("/")
@staff_required(Role.ADMIN)
def index() -> str:
    search = request.args.get("q", "")
    actions = actions_recorded()
    action = request.args.get("action", "")
    if action not in actions:
        action = ""
    return render_template(
        "audit/index.html",
        page=audit_log(search, action, page_number(request.args.get("page"))),
        search=search,
        action=action,
        actions=actions,
        field_changes=field_changes,
    )
