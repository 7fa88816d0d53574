"""The manager's member table: what they asked for (:class:`MemberFilters`), one line per member
(:class:`MemberRow`), and the SQL behind it (:class:`MemberReport`), which the summary counts, the
completion chart and the CSV export in ``reports.py`` share. :func:`member_page` reads one page of
it. Everything is aggregate SQL: the number of queries never depends on the number of members."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select

from course.accounts.models import User
from course.catalogue.models import Course
from course.certificates.codes import formatted
from course.certificates.models import Certificate
from course.core.database import utcnow
from course.core.paging import Page
from course.extensions import db
from course.learning.models import ModuleCompletion
from course.organisations.annex import sites_with_procedures, unconfirmed_sites
from course.organisations.models import Membership, MembershipRole, Organisation, Site, SiteMember
from course.organisations.sites import at_site

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


#: The table's words for a member's certificate: a certificate's status
#: (:meth:`Certificate.status_at`), with "expiring" for a valid one that expires soon
#: (:meth:`Certificate.expires_soon_at`) and "none" when there is none.
CERTIFICATE_STATUSES = ("none", "valid", "expiring", "expired", "revoked")
#: The order of the table's certificate column, from the most in need of action to the least.
CERTIFICATE_ORDER = ("none", "revoked", "expired", "expiring", "valid")
PROGRESS_STATUSES = ("completed", "in_progress", "not_started")
#: "procedures": has not confirmed the current procedures of a site they work at (of the site
#: the table is narrowed to, if it is).
STATUS_FILTERS = (*CERTIFICATE_STATUSES, *PROGRESS_STATUSES, "overdue", "procedures")


@dataclass(frozen=True)
class MemberFilters:
    """What the manager asked the member table for: search, site, team, status and sort order.

    Built from a query string with :meth:`from_query`, which drops anything it does not know, so a
    hand-edited address shows the table with sensible defaults rather than an error.
    """

    search: str = ""
    #: A site's id; a site manager's table always has their site here (see the site pages).
    site: int | None = None
    team: str = ""
    status: str = ""
    sort: str = "name"
    descending: bool = False

    @classmethod
    def from_query(cls, args: Mapping[str, str]) -> MemberFilters:
        status = args.get("status", "")
        sort = args.get("sort", "name")
        site = args.get("site", "")
        return cls(
            search=args.get("q", "").strip()[:200],
            site=int(site) if site.isdigit() and len(site) < 10 else None,
            team=args.get("team", "").strip()[:100],
            status=status if status in STATUS_FILTERS else "",
            sort=sort if sort in SORTABLE else "name",
            descending=args.get("order") == "desc",
        )

    def query_args(self) -> dict[str, str]:
        """The filters as query-string arguments, leaving out the defaults."""
        values = {
            "q": self.search,
            "site": str(self.site or ""),
            "team": self.team,
            "status": self.status,
        }
        if self.sort != "name":
            values["sort"] = self.sort
        if self.descending:
            values["order"] = "desc"
        return {key: value for key, value in values.items() if value}


def teams_of(organisation: Organisation, site: Site | None = None) -> list[str]:
    """The teams the organisation's members (or a site's) are in, in alphabetical order, for the
    filter."""
    query = select(Membership.team).where(
        Membership.organisation_id == organisation.id, Membership.team.is_not(None)
    )
    if site is not None:
        query = query.where(at_site(site.id))
    return list(db.session.scalars(query.distinct().order_by(Membership.team)))


@dataclass(frozen=True)
class MemberRow:
    """One line of the manager's table."""

    membership_id: int
    user_id: int
    name: str
    email: str
    team: str | None
    #: The sites the member works at, by name, separated by semicolons ("" for none).
    sites: str
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
    #: How many of the member's sites have procedures, and how many of those they have not
    #: confirmed the current version of.
    sites_with_procedures: int = 0
    procedures_unconfirmed: int = 0

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
        self.sites = (
            select(func.aggregate_strings(Site.name, "; "))
            .select_from(SiteMember)
            .join(Site, Site.id == SiteMember.site_id)
            .where(SiteMember.membership_id == Membership.id)
            .scalar_subquery()
        )
        self.has_activity = User.last_activity_at.is_not(None)
        # A learner holds at most one certificate that is not superseded: renewal supersedes the
        # last one, and a revoked one cannot be renewed.
        self.certificate_join = and_(
            Certificate.user_id == member,
            Certificate.course_id == self.course_id,
            Certificate.superseded_at.is_(None),
        )
        has_certificate = Certificate.id.is_not(None)
        self.certificate_status = case(
            (~self.visible, None),
            (~has_certificate, "none"),
            (Certificate.expires_soon_at(now), "expiring"),
            else_=Certificate.status_at(now),
        )
        self.certificate_rank = case(
            {word: rank for rank, word in enumerate(CERTIFICATE_ORDER)},
            value=self.certificate_status,
        )
        self.completed = and_(self.visible, has_certificate, Certificate.is_valid_at(now))
        self.expiring = and_(self.visible, has_certificate, Certificate.expires_soon_at(now))
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
        if filters.site is not None:
            query = query.where(at_site(filters.site))
        if filters.team:
            query = query.where(Membership.team == filters.team)
        if filters.status in CERTIFICATE_STATUSES:
            query = query.where(self.certificate_status == filters.status)
        elif filters.status == "completed":
            query = query.where(self.completed)
        elif filters.status == "in_progress":
            query = query.where(self.in_progress)
        elif filters.status == "not_started":
            query = query.where(~self.visible | and_(~self.completed, ~self.has_activity))
        elif filters.status == "overdue":
            query = query.where(self.overdue)
        elif filters.status == "procedures":
            query = query.where(unconfirmed_sites(filters.site) > 0)
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

    def row_columns(self, site_id: int | None = None) -> list[Any]:
        """The table's columns; the procedures counted are those of site ``site_id`` alone when
        the table is narrowed to it."""
        return [
            Membership.id,
            Membership.user_id,
            Membership.role,
            Membership.team,
            self.sites,
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
            self.certificate_status,
            sites_with_procedures(site_id),
            unconfirmed_sites(site_id),
        ]

    def rows(self, filters: MemberFilters) -> Select:
        """Every column of the table for the filtered members, in order."""
        columns = self.row_columns(filters.site)
        return self.ordered(self.filtered(columns, filters, certificate=True), filters)

    def member_row(self, row: Any) -> MemberRow:
        return _member_row(row, len(self.required_ids))


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
            report.filtered(report.row_columns(filters.site), filters, certificate=True).where(
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


def _member_row(row: Any, modules_total: int) -> MemberRow:
    (
        membership_id,
        user_id,
        role,
        team,
        sites,
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
        certificate_status,
        with_procedures,
        unconfirmed,
    ) = row
    visible = verified_at is not None  # progress shows only once the member's email is confirmed
    has_certificate = visible and certificate_id is not None
    return MemberRow(
        membership_id=membership_id,
        user_id=user_id,
        name=name,
        email=email,
        team=team,
        sites=sites or "",
        joined_at=joined_at,
        due_at=due_at,
        is_manager=role == MembershipRole.MANAGER,
        email_verified=visible,
        modules_completed=(completed or 0) if visible else None,
        modules_total=modules_total,
        last_activity=last_activity if visible else None,
        certificate_status=certificate_status,
        certificate_code=formatted(code) if has_certificate else None,
        certificate_expires_at=expires_at if has_certificate else None,
        sites_with_procedures=with_procedures or 0,
        procedures_unconfirmed=unconfirmed or 0,
    )
