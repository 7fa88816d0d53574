"""Writing the audit log, and reading it a page at a time.

An entry is added to the session of the change it records, so it is committed with that change
or, when the request fails, rolled back with it: the log never shows a change that did not happen.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask import current_app, has_request_context, request
from flask_babel import force_locale
from flask_babel.speaklater import LazyString
from sqlalchemy import Text, cast, func, or_, select, update

from course.accounts.models import User
from course.audit.models import ERASING_PERSONAL_DATA, AuditEntry
from course.core.paging import Page
from course.extensions import db

PAGE_SIZE = 50


def record(
    action: str,
    *,
    actor: User | None,
    target_type: str,
    target_id: object,
    summary: str | LazyString,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor_label: str = "command line",
) -> AuditEntry:
    """Add an entry for ``action`` (a short code such as ``"user.role_changed"``) to the current
    transaction.

    :param actor: who acted; ``None`` for no account, shown as ``actor_label`` ("command line"
        unless said otherwise, such as "the account holder" for a deleted account).
    :param target_id: the id of what was acted on; stored as text.
    :param summary: what happened, in words. The log is one record read by every admin, so it is
        kept in the site's default language whatever the acting admin reads the site in: give a
        message marked with ``lazy_gettext`` (or English text), and it is written in that
        language here.
    :param before: the fields that changed, as they were (values must be JSON-serialisable).
    :param after: the same fields, as they are now.
    """
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        actor_email=actor.email if actor is not None else actor_label,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        summary=_in_the_logs_language(summary),
        before=before,
        after=after,
        ip_address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(entry)
    return entry


def _in_the_logs_language(summary: str | LazyString) -> str:
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return str(summary)


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


def entries_about(targets: dict[str, Iterable[object]]) -> list[AuditEntry]:
    """The entries whose target is one of ``targets``, oldest first.

    :param targets: ids by target type, such as ``{"user": [42], "certificate": [7, 9]}``.
    """
    conditions = [
        (AuditEntry.target_type == target_type) & AuditEntry.target_id.in_(ids)
        for target_type, ids in ((kind, [str(i) for i in ids]) for kind, ids in targets.items())
        if ids
    ]
    if not conditions:
        return []
    return list(
        db.session.scalars(
            select(AuditEntry).where(or_(*conditions)).order_by(AuditEntry.at, AuditEntry.id)
        )
    )


#: What an erased person's email address and name become in the log.
ERASED_PERSON = "[erased]"


def erase_person(person: User, certificate_ids: Iterable[int]) -> None:
    """Remove ``person``'s email address and names from the log when their account is deleted:
    as the actor, as the target, and inside summaries and before and after values, including the
    names printed on their certificates (``certificate_ids``), now or before a correction. The
    entries stay, so the log still shows what was done and when. This is the one change the log
    allows.
    """
    certificates = [str(number) for number in certificate_ids]
    printed_names = {
        value
        for entry in db.session.scalars(
            select(AuditEntry).where(
                AuditEntry.target_type == "certificate", AuditEntry.target_id.in_(certificates)
            )
        )
        for values in (entry.before, entry.after)
        if isinstance(values, dict)
        for key, value in values.items()
        if key == "holder_name" and isinstance(value, str)
    }
    words = sorted(
        {word.strip() for word in (person.email, person.name, *printed_names)} - {""},
        key=len,
        reverse=True,  # the longest first, so a full name goes before a part of it
    )
    words = [word for word in words if len(word) > 1]
    mentioned = [
        func.lower(column).contains(word.lower(), autoescape=True)
        for word in words
        for column in (
            AuditEntry.summary,
            cast(AuditEntry.before, Text),
            cast(AuditEntry.after, Text),
        )
    ]
    entries = list(db.session.scalars(select(AuditEntry).where(or_(*mentioned))))
    patterns = [re.compile(re.escape(word), re.I) for word in words]

    def scrubbed(value: Any) -> Any:
        if isinstance(value, str):
            for pattern in patterns:
                value = pattern.sub(ERASED_PERSON, value)
            return value
        if isinstance(value, dict):
            return {key: scrubbed(item) for key, item in value.items()}
        if isinstance(value, list):
            return [scrubbed(item) for item in value]
        return value

    db.session.flush()
    db.session.info[ERASING_PERSONAL_DATA] = True
    try:
        # Who acted and whom it was about: one statement each, however many entries.
        db.session.execute(
            update(AuditEntry)
            .where(or_(AuditEntry.actor_id == person.id, AuditEntry.actor_email == person.email))
            .values(actor_id=None, actor_email=ERASED_PERSON)
            .execution_options(synchronize_session=False)
        )
        db.session.execute(
            update(AuditEntry)
            .where(AuditEntry.target_type == "user", AuditEntry.target_id == str(person.id))
            .values(target_id=ERASED_PERSON)
            .execution_options(synchronize_session=False)
        )
        # Their words inside entries: only the entries that hold them.
        for entry in entries:
            db.session.execute(
                update(AuditEntry)
                .where(AuditEntry.id == entry.id)
                .values(
                    summary=scrubbed(entry.summary),
                    before=scrubbed(entry.before),
                    after=scrubbed(entry.after),
                )
                .execution_options(synchronize_session=False)
            )
    finally:
        db.session.info.pop(ERASING_PERSONAL_DATA, None)
    for loaded in list(db.session.identity_map.values()):
        if isinstance(loaded, AuditEntry):
            db.session.expire(loaded)
