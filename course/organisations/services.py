"""Organisations: create and close, join by link with the learner's consent, leave, and the
manager's view of members' progress, computed with aggregate SQL (never a query per member)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, func, or_, select

from course.accounts.models import User
from course.catalogue.models import Course
from course.certificates.codes import formatted
from course.certificates.models import Certificate, CertificateStatus
from course.core.database import begin_write, utcnow
from course.core.paging import Page
from course.extensions import db
from course.learning.models import ModuleCompletion
from course.organisations.models import Membership, MembershipRole, Organisation, new_join_token

EXPIRING_WITHIN = timedelta(days=30)
PAGE_SIZE = 50
SORTABLE = (
    "name",
    "email",
    "team",
    "joined",
    "completed",
    "activity",
    "certificate",
    "expires",
    "due",
)


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


def managed_organisation(
    user: User, organisation_id: int, *, as_admin: bool = False
) -> Organisation | None:
    """The organisation if ``user`` manages it, or is an admin acting as one (``as_admin``: only
    after signing in with two factors); ``None`` hides it from everyone else."""
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or not organisation.is_open:
        return None
    if as_admin and user.has_role("admin"):
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


def every_membership_of(user: User) -> list[Membership]:
    """Every membership of ``user``, in closed organisations as well as open ones, by the
    organisation's name: what is held about them, rather than who can see it now."""
    return list(
        db.session.scalars(
            select(Membership)
            .join(Organisation)
            .where(Membership.user_id == user.id)
            .order_by(Organisation.name, Membership.id)
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
        and manager_count(organisation) == 1
        and _member_count(organisation) > 1
    ):
        raise MembershipError(
            _l("You are the only manager. Make someone else a manager before you leave.")
        )
    db.session.delete(membership)


def manager_count(organisation: Organisation) -> int:
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


CERTIFICATE_STATUSES = ("none", "valid", "expiring", "expired", "revoked")
PROGRESS_STATUSES = ("completed", "in_progress", "not_started")
STATUS_FILTERS = (*CERTIFICATE_STATUSES, *PROGRESS_STATUSES, "overdue")


@dataclass(frozen=True)
class MemberFilters:
    """What the manager asked the member table for: search, team, status and sort order.

    Built from a query string with :meth:`from_query`, which drops anything it does not know, so a
    hand-edited address shows the table with sensible defaults rather than an error.
    """

    search: str = ""
    team: str = ""
    status: str = ""
    sort: str = "name"
    descending: bool = False

    @classmethod
    def from_query(cls, args: Mapping[str, str]) -> MemberFilters:
        status = args.get("status", "")
        sort = args.get("sort", "name")
        return cls(
            search=args.get("q", "").strip()[:200],
            team=args.get("team", "").strip()[:100],
            status=status if status in STATUS_FILTERS else "",
            sort=sort if sort in SORTABLE else "name",
            descending=args.get("order") == "desc",
        )

    def query_args(self) -> dict[str, str]:
        """The filters as query-string arguments, leaving out the defaults."""
        values = {"q": self.search, "team": self.team, "status": self.status}
        if self.sort != "name":
            values["sort"] = self.sort
        if self.descending:
            values["order"] = "desc"
        return {key: value for key, value in values.items() if value}


@dataclass(frozen=True)
class MemberRow:
    """One line of the manager's table."""

    membership_id: int
    user_id: int
    name: str
    email: str
    team: str | None
    joined_at: datetime
    due_at: datetime | None
    is_manager: bool
    email_verified: bool
    modules_completed: int | None  # None until the member's email is confirmed
    modules_total: int
    last_activity: datetime | None
    certificate_status: str | None
    certificate_code: str | None
    certificate_expires_at: datetime | None

    @property
    def is_completed(self) -> bool:
        return self.certificate_status in ("valid", "expiring")

    def is_overdue_at(self, now: datetime) -> bool:
        """Past the due date without a valid certificate (hidden progress counts as not done)."""
        return self.due_at is not None and self.due_at < now and not self.is_completed


class MemberReport:
    """The SQL for one organisation's members and their progress, shared by the table, the
    summary and the CSV export. Every per-member figure is a correlated subquery on an indexed
    column, so the database computes it only for the rows a query needs (one page, usually), and
    the number of queries never depends on the number of members.

    Progress shows only once a member's email is confirmed: for the others every progress
    expression is NULL, so they neither sort nor filter by what the table hides.
    """

    def __init__(self, organisation_id: int, course: Course | None, now: datetime) -> None:
        self.organisation_id = organisation_id
        self.course_id = course.id if course else -1
        self.required_ids = [module.id for module in course.required_modules] if course else []
        self.now = now
        self.visible = User.email_verified_at.is_not(None)
        member = Membership.user_id
        self.completed_modules = case(
            (
                self.visible,
                select(func.count())
                .select_from(ModuleCompletion)
                .where(
                    ModuleCompletion.user_id == member,
                    ModuleCompletion.module_id.in_(self.required_ids),
                )
                .scalar_subquery(),
            ),
            else_=None,
        )
        self.last_activity = case((self.visible, User.last_activity_at), else_=None)
        self.has_activity = User.last_activity_at.is_not(None)
        # A learner holds at most one certificate that is not superseded: renewal supersedes the
        # last one, and a revoked one cannot be renewed.
        self.certificate_join = and_(
            Certificate.user_id == member,
            Certificate.course_id == self.course_id,
            Certificate.superseded_at.is_(None),
        )
        expiring_from = now + EXPIRING_WITHIN
        self.certificate_status = case(
            (~self.visible, None),
            (Certificate.id.is_(None), "none"),
            (Certificate.revoked_at.is_not(None), "revoked"),
            (Certificate.expires_at <= now, "expired"),
            (Certificate.expires_at <= expiring_from, "expiring"),
            else_="valid",
        )
        self.certificate_rank = case(
            (~self.visible, None),
            (Certificate.id.is_(None), 0),
            (Certificate.revoked_at.is_not(None), 1),
            (Certificate.expires_at <= now, 2),
            (Certificate.expires_at <= expiring_from, 3),
            else_=4,
        )
        self.completed = and_(
            self.visible,
            Certificate.id.is_not(None),
            Certificate.revoked_at.is_(None),
            Certificate.expires_at > now,
        )
        self.expiring = and_(self.completed, Certificate.expires_at <= expiring_from)
        self.in_progress = and_(self.visible, ~self.completed, self.has_activity)
        self.overdue = and_(
            Membership.due_at.is_not(None), Membership.due_at < now, ~self.completed
        )

    def _needs_certificate(self, filters: MemberFilters) -> bool:
        return bool(filters.status) or filters.sort in ("certificate", "expires")

    def filtered(
        self, columns: Sequence[Any], filters: MemberFilters, *, certificate: bool = False
    ) -> Select:
        """``columns`` for the members that pass ``filters`` (in no order); ``certificate`` joins
        each member's current certificate even when the filters do not need it."""
        query = (
            select(*columns)
            .select_from(Membership)
            .join(User, User.id == Membership.user_id)
            .where(Membership.organisation_id == self.organisation_id)
        )
        if certificate or self._needs_certificate(filters):
            query = query.outerjoin(Certificate, self.certificate_join)
        if filters.search:
            typed = filters.search.lower()
            pattern = (
                "%" + typed.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            )
            query = query.where(
                or_(
                    func.lower(User.name).like(pattern, escape="\\"),
                    func.lower(User.email).like(pattern, escape="\\"),
                )
            )
        if filters.team:
            query = query.where(Membership.team == filters.team)
        if filters.status in ("none", "valid", "expired", "revoked", "expiring"):
            query = query.where(self.certificate_status == filters.status)
        elif filters.status == "completed":
            query = query.where(self.completed)
        elif filters.status == "in_progress":
            query = query.where(self.in_progress)
        elif filters.status == "not_started":
            query = query.where(~self.visible | and_(~self.completed, ~self.has_activity))
        elif filters.status == "overdue":
            query = query.where(self.overdue)
        return query

    def ordered(self, query: Select, filters: MemberFilters) -> Select:
        """``query`` in the manager's order; empty values last either way, ties by joining order."""
        key = {
            "name": func.lower(User.name),
            "email": User.email,
            "team": Membership.team,
            "joined": Membership.joined_at,
            "completed": self.completed_modules,
            "activity": self.last_activity,
            "certificate": self.certificate_rank,
            "expires": case((self.visible, Certificate.expires_at), else_=None),
            "due": Membership.due_at,
        }[filters.sort]
        direction = key.desc() if filters.descending else key.asc()
        return query.order_by(key.is_(None), direction, Membership.id)

    def row_columns(self) -> list[Any]:
        return [
            Membership.id,
            Membership.user_id,
            Membership.role,
            Membership.team,
            Membership.joined_at,
            Membership.due_at,
            User.name,
            User.email,
            User.email_verified_at,
            self.completed_modules,
            self.last_activity,
            Certificate.id,
            Certificate.code,
            Certificate.expires_at,
            Certificate.revoked_at,
            Certificate.superseded_at,
        ]

    def rows(self, filters: MemberFilters) -> Select:
        """Every column of the table for the filtered members, in order."""
        return self.ordered(self.filtered(self.row_columns(), filters, certificate=True), filters)

    def member_row(self, row: Any) -> MemberRow:
        return _member_row(row, len(self.required_ids), self.now)


def member_page(
    organisation: Organisation,
    course: Course | None,
    filters: MemberFilters | None = None,
    *,
    page: int = 1,
    now: datetime | None = None,
) -> Page[MemberRow]:
    """One page of the member table, filtered and sorted in SQL, in three queries whatever the
    number of members: the count, the page's membership ids in order, then those rows' columns."""
    filters = filters or MemberFilters()
    report = MemberReport(organisation.id, course, now or utcnow())
    total = (
        db.session.scalar(
            select(func.count()).select_from(report.filtered([Membership.id], filters).subquery())
        )
        or 0
    )
    page = min(max(1, page), max(1, -(-total // PAGE_SIZE)))
    ids = list(
        db.session.scalars(
            report.ordered(report.filtered([Membership.id], filters), filters)
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
    )
    rows = {
        row[0]: report.member_row(row)
        for row in db.session.execute(
            report.filtered(report.row_columns(), filters, certificate=True).where(
                Membership.id.in_(ids)
            )
        )
    }
    return Page(
        rows=[rows[membership_id] for membership_id in ids if membership_id in rows],
        total=total,
        page=page,
        page_size=PAGE_SIZE,
    )


def _member_row(row: Any, modules_total: int, now: datetime) -> MemberRow:
    (
        membership_id,
        user_id,
        role,
        team,
        joined_at,
        due_at,
        name,
        email,
        verified_at,
        completed,
        last_activity,
        certificate_id,
        code,
        expires_at,
        revoked_at,
        superseded_at,
    ) = row
    visible = verified_at is not None  # progress shows only once the member's email is confirmed
    has_certificate = visible and certificate_id is not None
    return MemberRow(
        membership_id=membership_id,
        user_id=user_id,
        name=name,
        email=email,
        team=team,
        joined_at=joined_at,
        due_at=due_at,
        is_manager=role == MembershipRole.MANAGER,
        email_verified=visible,
        modules_completed=(completed or 0) if visible else None,
        modules_total=modules_total,
        last_activity=last_activity if visible else None,
        certificate_status=(
            _certificate_status(expires_at, revoked_at, superseded_at, now, certificate_id)
            if visible
            else None
        ),
        certificate_code=formatted(code) if has_certificate else None,
        certificate_expires_at=expires_at if has_certificate else None,
    )


def _certificate_status(
    expires_at: datetime | None,
    revoked_at: datetime | None,
    superseded_at: datetime | None,
    now: datetime,
    certificate_id: int | None = None,
) -> str:
    """The table's word for a certificate: none, valid, expiring (within 30 days), expired,
    revoked or superseded; the same rules as :class:`MemberReport`'s SQL."""
    if certificate_id is None or expires_at is None:
        return "none"
    if revoked_at is not None:
        return CertificateStatus.REVOKED.value
    if superseded_at is not None:
        return CertificateStatus.SUPERSEDED.value
    if now >= expires_at:
        return CertificateStatus.EXPIRED.value
    if expires_at - now <= EXPIRING_WITHIN:
        return "expiring"
    return CertificateStatus.VALID.value
