"""Everything the site holds about one person, as one JSON document they can download.

Each section comes from a read function of the feature that owns the data; this module only
arranges what those functions return. Secrets are never exported: not the password hash, the
two-factor secret, recovery codes, or the hashes of emailed tokens; and the codes in the links of
emails (a password reset, an invitation) are cut out, so a download shared with another service
cannot be used to take over the account.

What is found by the person's email address rather than tied to their account (invitations, and
the emails in the outbox) is included only once they have confirmed that address: anyone can
type any address when they register, and must not read what was sent to someone else. Until then
the document says so in its ``note``.

:data:`EXPORTED_TABLES` and :data:`NOT_EXPORTED` say, for every table that holds or points at a
person, where it appears in the export or why it does not. A test walks the schema and fails when
a table that could hold someone's data is in neither, so a new table cannot be forgotten here.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Table, select

from course.accounts import services as accounts
from course.accounts.models import User
from course.audit import services as audit
from course.catalogue.models import Module
from course.catalogue.question_types import question_type
from course.certificates import services as certificates
from course.core import mail
from course.core.database import utcnow
from course.extensions import db
from course.learning import services as learning
from course.learning.models import QuizAttempt
from course.organisations import invitations
from course.organisations import services as organisations

#: The version of the document's layout; it changes when a section or field changes meaning.
EXPORT_FORMAT = "ct-citizen-personal-data/1"

#: Every table (or ``table.column``) that holds a person's data, and the export section that
#: carries it.
EXPORTED_TABLES: dict[str, str] = {
    "users": "profile",
    "account_tokens": "profile (pending_email_change: the new address not yet confirmed)",
    "recovery_codes": "profile (two_factor.unused_recovery_codes: how many are left)",
    "lesson_views": "progress",
    "module_completions": "progress",
    "quiz_attempts": "quiz_attempts",
    "question_answers": "quiz_attempts (whether each question was answered right)",
    "certificates": "certificates",
    "memberships": "organisations",
    "invitations": "organisations (invitations sent to the person's email address, once it is "
    "confirmed)",
    "outbox_messages": "emails (once the person's email address is confirmed)",
    "audit_entries": "actions_on_your_account (entries whose target is the person or a "
    "certificate of theirs)",
}

#: Tables (or ``table.column``) that point at a person, or have a column that looks like personal
#: data, but hold nothing about that person to export, each with the reason.
NOT_EXPORTED: dict[str, str] = {
    "account_tokens.token_hash": "a secret: the hash of a link emailed to the person",
    "recovery_codes.code_hash": "a secret: the hash of a two-factor recovery code",
    "audit_entries.actor_id": "what a member of staff did, as actor: the site's record of their "
    "work, kept as the audit trail, not data about them",
    "audit_entries.actor_email": "a copy of the actor's address on entries about their work",
    "invitations.invited_by_id": "invitations a manager sent to other people: data about the "
    "people invited, exported to them",
    "module_drafts.updated_by_id": "the author's work, not data about them",
    "module_versions.published_by_id": "the author's work (who published a version of the "
    "course), not data about them",
    "media_files": "images an author uploaded for lessons: the author's work, under a random "
    "file name",
    "organisations": "an organisation's own details; the name of each organisation the person "
    "belongs to or is invited to appears in the organisations section",
    "certificate_pdfs": "the certificate as a PDF, which the learner downloads from their "
    "certificates page; what it prints is in the certificates section",
}

#: Column names that hold a person's name or address wherever they appear.
PERSONAL_COLUMN_NAMES = frozenset({"name", "holder_name", "email", "new_email", "recipient"})


def holds_personal_data(table: Table) -> list[str]:
    """The columns of ``table`` that point at a user or look like a person's name or address."""
    return [
        column.name
        for column in table.columns
        if column.name in PERSONAL_COLUMN_NAMES
        or column.name.endswith("_email")
        or any(key.target_fullname == "users.id" for key in column.foreign_keys)
    ]


def unaccounted_columns(tables: list[Table]) -> list[str]:
    """``table.column`` for every personal-looking column of ``tables`` that neither registry
    covers, by its table or by its own name; the ``users`` table must be exported."""
    missing = [
        f"{table.name}.{column}"
        for table in tables
        for column in holds_personal_data(table)
        if not {table.name, f"{table.name}.{column}"} & (EXPORTED_TABLES.keys() | NOT_EXPORTED)
    ]
    if any(table.name == "users" for table in tables) and "users" not in EXPORTED_TABLES:
        missing.append("users")
    return missing


def personal_data_export(user: User, now: datetime | None = None) -> dict[str, Any]:
    """Everything held about ``user``, as JSON-ready data (strings, numbers, lists, mappings).

    Dates and times are ISO 8601 in UTC. Nothing about any other person is included, and no
    secret: not the password hash, the two-factor secret, recovery codes or token hashes. Until
    the person confirms their email address, nothing found by that address is included (the
    invitations and emails sent to it), and ``note`` says so.
    """
    now = now or utcnow()
    held_certificates = certificates.certificates_of(user)
    # Anyone can register any address: what was sent to it is shown only once it is confirmed.
    address_confirmed = user.email_verified
    emails = mail.messages_to(user.email) if address_confirmed else []
    return {
        "format": EXPORT_FORMAT,
        "exported_at": _when(now),
        "note": None if address_confirmed else _unconfirmed_address_note(),
        "profile": _profile(user, now),
        "progress": _progress(user),
        "quiz_attempts": [_attempt(attempt) for attempt in learning.attempts_of(user)],
        "certificates": [
            {
                "code": certificate.display_code,
                "course": certificate.course.title,
                "name_printed": certificate.holder_name,
                "issued_at": _when(certificate.issued_at),
                "expires_at": _when(certificate.expires_at),
                "status": certificate.status_at(now).value,
                "superseded_at": _when(certificate.superseded_at),
                "revoked_at": _when(certificate.revoked_at),
                "revocation_reason": certificate.revocation_reason,
                "module_versions": [dict(earned) for earned in certificate.module_versions],
            }
            for certificate in sorted(held_certificates, key=lambda held: held.issued_at)
        ],
        "organisations": _organisations(user, with_invitations=address_confirmed),
        "emails": [
            {
                "created_at": _when(message.created_at),
                "subject": message.subject,
                "status": _delivery_status(message),
                "sent_at": _when(message.sent_at),
                "text": _without_link_codes(message.text_body),
            }
            for message in emails
        ],
        "actions_on_your_account": [
            {
                "at": _when(entry.at),
                "action": entry.action,
                "target": "account" if entry.target_type == "user" else entry.target_type,
                "summary": entry.summary,
            }
            for entry in audit.entries_about(
                {
                    "user": [user.id],
                    "certificate": [certificate.id for certificate in held_certificates],
                }
            )
        ],
    }


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _unconfirmed_address_note() -> str:
    return _(
        "Your email address is not confirmed yet, so this file leaves out the invitations and "
        "emails sent to it: anyone can type any address when they register. Confirm your "
        "address from your account page, then download your data again."
    )


def _profile(user: User, now: datetime) -> dict[str, Any]:
    change = accounts.pending_email_change(user, now)
    return {
        "name": user.name,
        "email": user.email,
        "region": user.region.value,
        "role": user.role.value,
        "created_at": _when(user.created_at),
        "email_confirmed_at": _when(user.email_verified_at),
        "pending_email_change": (
            {"new_email": change.new_email, "requested_at": _when(change.created_at)}
            if change is not None
            else None
        ),
        "two_factor": {
            "on": user.two_factor_enabled,
            "since": _when(user.totp_enabled_at),
            "unused_recovery_codes": accounts.unused_recovery_code_count(user),
        },
        "last_activity_at": _when(user.last_activity_at),
    }


def _progress(user: User) -> list[dict[str, Any]]:
    """Per module the person has begun: the lessons read, with when, and when it was completed."""
    views = learning.lesson_views_of(user)
    completions = {completion.module_id: completion for completion in learning.completions_of(user)}
    module_ids = {view.module_id for view in views} | completions.keys()
    modules = db.session.scalars(
        select(Module).where(Module.id.in_(module_ids)).order_by(Module.position)
    )
    progress = []
    for module in modules:
        version = module.current_version
        lesson_titles = {lesson.slug: lesson.title for lesson in version.lessons} if version else {}
        completion = completions.get(module.id)
        progress.append(
            {
                "module": module.slug,
                "title": version.title if version else None,
                "lessons_viewed": [
                    {
                        "lesson": view.lesson_slug,
                        "title": lesson_titles.get(view.lesson_slug),
                        "viewed_at": _when(view.viewed_at),
                    }
                    for view in views
                    if view.module_id == module.id
                ],
                "completed_at": _when(completion.completed_at) if completion else None,
                "completed_on_version": completion.module_version.number if completion else None,
            }
        )
    return progress


def _attempt(attempt: QuizAttempt) -> dict[str, Any]:
    """One quiz attempt as it was shown and answered, from the snapshot it stored.

    An attempt not yet submitted is shown as the quiz page shows it, without the right answers
    or explanations: a download must not give away the answers of an open quiz.
    """
    answers = attempt.answers or [None] * len(attempt.questions)
    results = attempt.results or [None] * len(attempt.questions)
    shown = [
        question if attempt.is_submitted else question_type(question["type"]).for_display(question)
        for question in attempt.questions
    ]
    return {
        "module": attempt.module.slug,
        "title": attempt.module_version.title,
        "version": attempt.module_version.number,
        "region": attempt.region,
        "started_at": _when(attempt.started_at),
        "submitted_at": _when(attempt.submitted_at),
        "score_percent": attempt.score_percent,
        "pass_mark": attempt.pass_mark,
        "passed": attempt.passed,
        "questions": [
            {
                "prompt": question["prompt"],
                "as_shown": as_shown,
                "your_answer": question_type(question["type"]).answer_in_words(question, answer),
                "right": result,
            }
            for question, as_shown, answer, result in zip(
                attempt.questions, shown, answers, results, strict=True
            )
        ],
    }


def _organisations(user: User, *, with_invitations: bool) -> dict[str, Any]:
    """The person's memberships, and with ``with_invitations`` the invitations sent to their
    address."""
    sent_to_them = invitations.invitations_to(user.email) if with_invitations else []
    return {
        "memberships": [
            {
                "organisation": membership.organisation.name,
                "role": membership.role.value,
                "team": membership.team,
                "joined_at": _when(membership.joined_at),
                "due_at": _when(membership.due_at),
                "last_reminded_at": _when(membership.last_reminded_at),
                "organisation_closed_at": _when(membership.organisation.closed_at),
            }
            for membership in organisations.every_membership_of(user)
        ],
        "invitations": [
            {
                "organisation": invitation.organisation.name,
                "name": invitation.name,
                "team": invitation.team,
                "sent_at": _when(invitation.sent_at),
                "times_sent": invitation.times_sent,
                "accepted_at": _when(invitation.accepted_at),
            }
            for invitation in sent_to_them
        ],
    }


def _delivery_status(message: mail.OutboxMessage) -> str:
    if message.sent_at is not None:
        return "sent"
    if message.given_up_at is not None:
        return "given_up"
    return "waiting"


def _without_link_codes(text: str) -> str:
    """``text`` with the secret code of every link to a page that takes one (a reset, a
    confirmation, an invitation) replaced by a note: such a link may still work."""
    prefixes = sorted(
        (
            rule.rule.split("<token>")[0]
            for rule in current_app.url_map.iter_rules()
            if "token" in rule.arguments
        ),
        key=len,
        reverse=True,
    )
    if not prefixes:
        return text
    pattern = "(" + "|".join(map(re.escape, prefixes)) + r")[A-Za-z0-9_\-]+"
    return re.sub(pattern, lambda found: found.group(1) + _("[code removed]"), text)
