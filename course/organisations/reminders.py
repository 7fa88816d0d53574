"""Reminders to finish (or renew) the course, from an organisation to its members.

A member gets at most one reminder from an organisation every 7 days, whatever the manager clicks
and however often: the reminder is claimed with one conditional ``UPDATE`` of
``memberships.last_reminded_at`` and only the rows that update actually changed are emailed, so a
double click or two managers at once never send two. Only members whose email address is confirmed
are reminded. Everything is set-based: no query per member.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import force_locale, format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, exists, func, or_, select, true, update

from course.accounts.models import User
from course.catalogue.models import Course
from course.certificates.models import Certificate
from course.core.database import begin_write, utcnow
from course.core.i18n import offered_languages
from course.core.mail import queue_mail_merge
from course.core.paging import Page
from course.extensions import db
from course.organisations.annex import unconfirmed_site_names, unconfirmed_sites
from course.organisations.models import Membership, Organisation, Site
from course.organisations.sites import at_site

REMINDER_INTERVAL = timedelta(days=7)
PAGE_SIZE = 50


@dataclass(frozen=True)
class ReminderReport:
    """What one round of reminders did."""

    queued: int
    #: Members who would have been reminded but already had a reminder in the last 7 days.
    skipped: int


def needs_course(course: Course | None, now: datetime) -> ColumnElement[bool]:
    """True for a member who has no certificate for ``course`` that is valid and not expiring
    soon (within :data:`~course.certificates.models.RENEWAL_WINDOW`, 30 days): not complete,
    expired, revoked, or due for renewal."""
    if course is None:
        return true()
    return ~exists().where(
        Certificate.user_id == Membership.user_id,
        Certificate.course_id == course.id,
        Certificate.is_valid_at(now),
        ~Certificate.expires_soon_at(now),
    )


def needs_reminding(course: Course | None, now: datetime, site: Site | None) -> ColumnElement[bool]:
    """True for a member who needs the course (:func:`needs_course`) or has not confirmed the
    current procedures of a site they work at (of ``site`` alone, if given)."""
    return or_(needs_course(course, now), unconfirmed_sites(site.id if site else None) > 0)


def _members_of(organisation: Organisation, site: Site | None) -> list[ColumnElement[bool]]:
    """The organisation's members, or only those working at ``site``."""
    conditions = [Membership.organisation_id == organisation.id]
    if site is not None:
        conditions.append(at_site(site.id))
    return conditions


def _eligible(
    organisation: Organisation,
    course: Course | None,
    now: datetime,
    user_ids: list[int] | None,
    site: Site | None,
) -> list[ColumnElement[bool]]:
    confirmed = select(User.id).where(User.email_verified_at.is_not(None))
    conditions = [
        *_members_of(organisation, site),
        Membership.user_id.in_(confirmed.scalar_subquery()),
    ]
    if user_ids is None:
        conditions.append(needs_reminding(course, now, site))
    else:
        conditions.append(Membership.user_id.in_(user_ids))
    return conditions


def send_reminders(
    organisation: Organisation,
    course: Course | None,
    *,
    user_ids: list[int] | None = None,
    site: Site | None = None,
    now: datetime | None = None,
) -> ReminderReport:
    """Queue a reminder email to members of ``organisation`` (only those at ``site``, if given):
    those in ``user_ids``, or, when it is ``None``, everyone who has not completed the course,
    whose certificate expires within 30 days, or who has site procedures to confirm. The email
    names the sites whose procedures they have not confirmed.

    Refuses, by skipping them, members reminded by this organisation in the last 7 days; members
    whose email address is not confirmed and ids that are not members are left out altogether.
    """
    now = now or utcnow()
    begin_write()
    conditions = _eligible(organisation, course, now, user_ids, site)
    eligible = (
        db.session.scalar(select(func.count()).select_from(Membership).where(*conditions)) or 0
    )
    claimed = db.session.execute(
        update(Membership)
        .where(
            *conditions,
            or_(
                Membership.last_reminded_at.is_(None),
                Membership.last_reminded_at <= now - REMINDER_INTERVAL,
            ),
        )
        .values(last_reminded_at=now)
        .returning(Membership.id)
        .execution_options(synchronize_session=False)
    )
    claimed_ids = list(claimed.scalars())
    if claimed_ids:
        recipients = db.session.execute(
            select(Membership, User)
            .join(User, User.id == Membership.user_id)
            .where(Membership.id.in_(claimed_ids))
            .order_by(Membership.id)
        ).all()
        to_confirm = unconfirmed_site_names(claimed_ids, site)
        subject = _l("%(name)s asks you to complete CT Citizen", name=organisation.name)
        queue_mail_merge(
            subject,
            "organisation_reminder",
            {"organisation": organisation},
            (
                (
                    user.email,
                    {
                        "member_name": user.name,
                        "due_on": _due_on(membership, user.language),
                        # A merge field is a plain string: the names, or none.
                        "procedures_sites": ", ".join(to_confirm.get(membership.id, [])) or None,
                    },
                    user.language,
                )
                for membership, user in recipients
            ),
        )
    return ReminderReport(queued=len(claimed_ids), skipped=eligible - len(claimed_ids))


def _due_on(membership: Membership, language: str | None) -> str | None:
    """The member's due date as their email will say it, in their language."""
    if membership.due_at is None:
        return None
    with force_locale(language) if language in offered_languages() else contextlib.nullcontext():
        return format_date(membership.due_at, "long")


def remind_every_open_organisation(
    course: Course | None, now: datetime | None = None
) -> list[tuple[Organisation, ReminderReport]]:
    """Queue the due reminders (members not complete, or whose certificate expires within 30
    days, and not reminded in the last 7 days) for every open organisation, committing after each
    organisation so a failure in one keeps the others' reminders."""
    now = now or utcnow()
    organisation_ids = list(
        db.session.scalars(
            select(Organisation.id)
            .where(Organisation.closed_at.is_(None))
            .order_by(Organisation.id)
        )
    )
    db.session.commit()
    results = []
    for organisation_id in organisation_ids:
        organisation = db.session.get(Organisation, organisation_id)
        if organisation is None or not organisation.is_open:
            continue
        report = send_reminders(organisation, course, now=now)
        db.session.commit()
        results.append((organisation, report))
    return results


@dataclass(frozen=True)
class ReminderRow:
    """One member as the reminders page lists them."""

    user_id: int
    name: str
    email: str
    email_verified: bool
    needs_course: bool
    last_reminded_at: datetime | None
    can_be_reminded: bool
    procedures_unconfirmed: bool = False


@dataclass(frozen=True)
class ReminderPage(Page[ReminderRow]):
    #: How many members a reminder to "everyone due" would reach now.
    due: int = 0


def reminder_page(
    organisation: Organisation,
    course: Course | None,
    page: int = 1,
    now: datetime | None = None,
    site: Site | None = None,
) -> ReminderPage:
    """One page of members (of ``site``, if given), by name, with whether each still needs the
    course or has site procedures to confirm, and when they were last reminded; and how many
    members a reminder to "everyone due" would reach now."""
    now = now or utcnow()
    needs = needs_course(course, now)
    query: Select = (
        select(
            Membership.user_id,
            User.name,
            User.email,
            User.email_verified_at,
            needs.label("needs_course"),
            Membership.last_reminded_at,
            (unconfirmed_sites(site.id if site else None) > 0).label("procedures"),
        )
        .join(User, User.id == Membership.user_id)
        .where(*_members_of(organisation, site))
    )
    total = (
        db.session.scalar(
            select(func.count()).select_from(Membership).where(*_members_of(organisation, site))
        )
        or 0
    )
    due = (
        db.session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(
                *_eligible(organisation, course, now, None, site),
                or_(
                    Membership.last_reminded_at.is_(None),
                    Membership.last_reminded_at <= now - REMINDER_INTERVAL,
                ),
            )
        )
        or 0
    )
    page = max(1, page)
    rows = db.session.execute(
        query.order_by(func.lower(User.name), Membership.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    cutoff = now - REMINDER_INTERVAL
    return ReminderPage(
        rows=[
            ReminderRow(
                user_id=user_id,
                name=name,
                email=email,
                email_verified=verified_at is not None,
                needs_course=bool(needs_row),
                last_reminded_at=reminded_at,
                can_be_reminded=verified_at is not None
                and (reminded_at is None or reminded_at <= cutoff),
                procedures_unconfirmed=bool(procedures),
            )
            for user_id, name, email, verified_at, needs_row, reminded_at, procedures in rows
        ],
        total=total,
        due=due,
        page=page,
        page_size=PAGE_SIZE,
    )
