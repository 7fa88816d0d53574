"""Writing the audit log, and reading it a page at a time.

An entry is added to the session of the change it records, so it is committed with that change
or, when the request fails, rolled back with it: the log never shows a change that did not happen.
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from sqlalchemy import func, or_, select

from course.accounts.models import User
from course.audit.models import AuditEntry
from course.core.paging import Page
from course.extensions import db

PAGE_SIZE = 50


def record(
    action: str,
    *,
    actor: User | None,
    target_type: str,
    target_id: object,
    summary: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an entry for ``action`` (a short code such as ``"user.role_changed"``) to the current
    transaction.

    :param actor: who acted; ``None`` for the command line, shown as "command line".
    :param target_id: the id of what was acted on; stored as text.
    :param before: the fields that changed, as they were (values must be JSON-serialisable).
    :param after: the same fields, as they are now.
    """
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        actor_email=actor.email if actor is not None else "command line",
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        summary=summary,
        before=before,
        after=after,
        ip_address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(entry)
    return entry


def audit_log(search: str = "", action: str = "", page: int = 1) -> Page[AuditEntry]:
    """One page of the log, newest first.

    :param search: text found in the actor's email, the action, the target or the summary
        (any case; ``%`` and ``_`` match only themselves).
    :param action: only entries with exactly this action, when given.
    """
    query = select(AuditEntry)
    text = search.strip().lower()
    if text:
        query = query.where(
            or_(
                *(
                    func.lower(column).contains(text, autoescape=True)
                    for column in (
                        AuditEntry.actor_email,
                        AuditEntry.action,
                        AuditEntry.target_type + " " + AuditEntry.target_id,
                        AuditEntry.summary,
                    )
                )
            )
        )
    if action:
        query = query.where(AuditEntry.action == action)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, page)
    rows = db.session.scalars(
        query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return Page(list(rows), total, page, PAGE_SIZE)


def actions_recorded() -> list[str]:
    """Every action code that appears in the log, for the filter."""
    return list(
        db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
    )
