"""Organisations: create and close, join by link with the learner's consent, leave, and the
manager's view of members' progress, computed with aggregate SQL (never a query per member)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, or_, select

from course.accounts.models import User
from course.catalogue.models import Course
from course.certificates.models import Certificate, CertificateStatus
from course.core.database import begin_write, utcnow
from course.extensions import db
from course.learning.models import LessonView, ModuleCompletion, QuizAttempt
from course.organisations.models import Membership, MembershipRole, Organisation, new_join_token

EXPIRING_WITHIN = timedelta(days=30)
PAGE_SIZE = 50
SORTABLE = ("name", "email", "team", "joined", "completed")


class MembershipError(Exception):
    """A membership change was refused; the message says why."""


def create_organisation(user: User, name: str, due_days: int | None) -> Organisation:
    """Create an organisation with ``user`` as its first manager."""
    organisation = Organisation(name=" ".join(name.split()), due_days=due_days)
    db.session.add(organisation)
    db.session.add(
        Membership(
            organisation=organisation,
            user_id=user.id,
            role=MembershipRole.MANAGER,
            due_at=due_date(organisation, utcnow()),
        )
    )
    db.session.flush()
    return organisation


def due_date(organisation: Organisation, joined_at: datetime) -> datetime | None:
    """When someone joining at ``joined_at`` should have finished the course, if ever."""
    return joined_at + timedelta(days=organisation.due_days) if organisation.due_days else None


def managed_organisation(user: User, organisation_id: int) -> Organisation | None:
    """The organisation if ``user`` manages it or is an admin; ``None`` hides it from the rest."""
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or not organisation.is_open:
        return None
    if user.has_role("admin"):
        return organisation
    membership = membership_of(user, organisation)
    return organisation if membership is not None and membership.is_manager else None


def membership_of(user: User, organisation: Organisation) -> Membership | None:
    return db.session.scalar(
        select(Membership).where(
            Membership.organisation_id == organisation.id, Membership.user_id == user.id
        )
    )


def memberships_of(user: User) -> list[Membership]:
    """Every open organisation ``user`` belongs to: all of them can see the user's progress."""
    return list(
        db.session.scalars(
            select(Membership)
            .join(Organisation)
            .where(Membership.user_id == user.id, Organisation.closed_at.is_(None))
            .order_by(Organisation.name)
        )
    )


def organisation_for_join_token(token: str) -> Organisation | None:
    organisation = db.session.scalar(select(Organisation).where(Organisation.join_token == token))
    if organisation is None or not organisation.is_open or not organisation.join_enabled:
        return None
    return organisation


def join(user: User, organisation: Organisation, team: str | None = None) -> Membership:
    """Add ``user`` to the organisation (once: joining again changes nothing)."""
    begin_write()
    existing = membership_of(user, organisation)
    if existing is not None:
        return existing
    now = utcnow()
    membership = Membership(
        organisation_id=organisation.id,
        user_id=user.id,
        team=team or None,
        joined_at=now,
        due_at=due_date(organisation, now),
    )
    db.session.add(membership)
    db.session.flush()
    return membership


def leave(user: User, organisation: Organisation) -> None:
    """Remove ``user`` from the organisation; their own progress and certificates stay theirs.

    :raises MembershipError: for the last manager, who must hand over first.
    """
    begin_write()
    membership = membership_of(user, organisation)
    if membership is None:
        return
    if (
        membership.is_manager
        and _manager_count(organisation) == 1
        and _member_count(organisation) > 1
    ):
        raise MembershipError(
            _l("You are the only manager. Make someone else a manager before you leave.")
        )
    db.session.delete(membership)


def _manager_count(organisation: Organisation) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(
                Membership.organisation_id == organisation.id,
                Membership.role == MembershipRole.MANAGER,
            )
        )
        or 0
    )


def _member_count(organisation: Organisation) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.organisation_id == organisation.id)
        )
        or 0
    )


def rotate_join_link(organisation: Organisation) -> None:
    """Replace the join link: the old one stops working at once."""
    organisation.join_token = new_join_token()
    organisation.join_enabled = True


def set_join_link_enabled(organisation: Organisation, enabled: bool) -> None:
    organisation.join_enabled = enabled


@dataclass(frozen=True)
class MemberRow:
    """One line of the manager's table."""

    user_id: int
    name: str
    email: str
    team: str | None
    joined_at: datetime
    is_manager: bool
    email_verified: bool
    modules_completed: int | None  # None until the member's email is confirmed
    modules_total: int
    last_activity: datetime | None
    certificate_status: str | None
    certificate_expires_at: datetime | None


@dataclass(frozen=True)
class MemberPage:
    rows: list[MemberRow]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def member_page(
    organisation: Organisation,
    course: Course | None,
    *,
    search: str = "",
    team: str = "",
    sort: str = "name",
    descending: bool = False,
    page: int = 1,
    now: datetime | None = None,
) -> MemberPage:
    """One page of the member table, filtered and sorted in SQL, with progress and certificate
    status from grouped subqueries joined once."""
    now = now or utcnow()
    required_ids = [module.id for module in course.required_modules] if course else []
    completed = (
        select(ModuleCompletion.user_id, func.count().label("completed"))
        .where(ModuleCompletion.module_id.in_(required_ids))
        .group_by(ModuleCompletion.user_id)
        .subquery()
    )
    read_at = (
        select(LessonView.user_id, func.max(LessonView.viewed_at).label("at"))
        .group_by(LessonView.user_id)
        .subquery()
    )
    answered_at = (
        select(QuizAttempt.user_id, func.max(QuizAttempt.submitted_at).label("at"))
        .group_by(QuizAttempt.user_id)
        .subquery()
    )
    latest = (
        select(Certificate.user_id, func.max(Certificate.sequence).label("sequence"))
        .where(Certificate.course_id == (course.id if course else -1))
        .group_by(Certificate.user_id)
        .subquery()
    )
    query: Select = (
        select(
            Membership,
            User.name,
            User.email,
            User.email_verified_at,
            func.coalesce(completed.c.completed, 0),
            read_at.c.at,
            answered_at.c.at,
            Certificate,
        )
        .join(User, User.id == Membership.user_id)
        .outerjoin(completed, completed.c.user_id == User.id)
        .outerjoin(read_at, read_at.c.user_id == User.id)
        .outerjoin(answered_at, answered_at.c.user_id == User.id)
        .outerjoin(latest, latest.c.user_id == User.id)
        .outerjoin(
            Certificate,
            and_(
                Certificate.user_id == latest.c.user_id,
                Certificate.sequence == latest.c.sequence,
                Certificate.course_id == (course.id if course else -1),
            ),
        )
        .where(Membership.organisation_id == organisation.id)
    )
    if search.strip():
        pattern = f"%{search.strip().lower()}%"
        query = query.where(or_(func.lower(User.name).like(pattern), User.email.like(pattern)))
    if team.strip():
        query = query.where(Membership.team == team.strip())
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    order = {
        "name": func.lower(User.name),
        "email": User.email,
        "team": Membership.team,
        "joined": Membership.joined_at,
        "completed": func.coalesce(completed.c.completed, 0),
    }[sort if sort in SORTABLE else "name"]
    query = query.order_by(order.desc() if descending else order.asc(), Membership.id)
    page = max(1, page)
    rows = db.session.execute(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return MemberPage(
        rows=[_member_row(row, len(required_ids), now) for row in rows],
        total=total,
        page=page,
        page_size=PAGE_SIZE,
    )


def _member_row(row, modules_total: int, now: datetime) -> MemberRow:  # type: ignore[no-untyped-def]
    membership, name, email, verified_at, completed, read_at, answered_at, certificate = row
    visible = verified_at is not None  # progress shows only once the member's email is confirmed
    activity = [moment for moment in (read_at, answered_at) if moment is not None]
    status = _certificate_status(certificate, now) if visible else None
    return MemberRow(
        user_id=membership.user_id,
        name=name,
        email=email,
        team=membership.team,
        joined_at=membership.joined_at,
        is_manager=membership.is_manager,
        email_verified=visible,
        modules_completed=completed if visible else None,
        modules_total=modules_total,
        last_activity=max(activity) if visible and activity else None,
        certificate_status=status,
        certificate_expires_at=certificate.expires_at if visible and certificate else None,
    )


def _certificate_status(certificate: Certificate | None, now: datetime) -> str:
    if certificate is None:
        return "none"
    status = certificate.status_at(now)
    if status == CertificateStatus.VALID and certificate.expires_at - now <= EXPIRING_WITHIN:
        return "expiring"
    return status.value
