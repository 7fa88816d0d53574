"""The manager's reports on an organisation: the summary counts, completions over the last year,
and the member table as a CSV file streamed in batches. Each is a fixed number of aggregate
queries, whatever the number of members."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, and_, case, func, literal_column, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from course.accounts.models import User
from course.catalogue.models import Course
from course.certificates.models import Certificate
from course.core.charts import bar_geometry
from course.core.database import utcnow
from course.core.spreadsheets import spreadsheet_csv
from course.core.urls import absolute_url
from course.extensions import db
from course.organisations.member_table import MemberFilters, MemberReport, MemberRow
from course.organisations.models import Membership, Organisation, Site
from course.organisations.sites import at_site

CHART_MONTHS = 12
CSV_BATCH = 1000


@dataclass(frozen=True)
class OrganisationSummary:
    """How many members are where. ``completed``, ``in_progress`` and ``not_started`` add up to
    ``members``; members whose email is not confirmed count as not started, as the table hides
    their progress."""

    members: int
    completed: int
    in_progress: int
    not_started: int
    overdue: int
    expiring: int


@dataclass(frozen=True)
class ChartBar:
    month: datetime
    completed: int
    x: float
    y: float
    height: float


@dataclass(frozen=True)
class CompletionChart:
    """The cumulative number of members who had completed the course by the end of each of the
    last twelve months, with the geometry of an SVG bar chart of it."""

    bars: list[ChartBar]
    highest: int
    width: int = 640
    height: int = 240
    left: int = 48
    bottom: int = 200
    top: int = 20
    bar_width: float = 0.0


@dataclass(frozen=True)
class OrganisationOverview:
    summary: OrganisationSummary
    chart: CompletionChart


def organisation_overview(
    organisation: Organisation,
    course: Course | None,
    now: datetime | None = None,
    site: Site | None = None,
) -> OrganisationOverview:
    """The summary counts and the completion chart (of the members at ``site``, if given), from
    two aggregate queries.

    In the chart a member counts from the month of their first certificate for the course, and
    keeps counting after it expires (the chart shows how many have ever completed; the summary
    shows who holds a valid certificate now). Revoked certificates do not count, and members
    whose email is not confirmed are left out, like the table.
    """
    report = MemberReport(organisation.id, course, now or utcnow())

    def counted(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    members, completed, in_progress, overdue, expiring = db.session.execute(
        report.filtered(
            [
                func.count(),
                counted(report.completed),
                counted(report.in_progress),
                counted(report.overdue),
                counted(report.expiring),
            ],
            MemberFilters(site=site.id if site else None),
            certificate=True,
        )
    ).one()
    summary = OrganisationSummary(
        members=members,
        completed=completed,
        in_progress=in_progress,
        not_started=members - completed - in_progress,
        overdue=overdue,
        expiring=expiring,
    )
    # Driven by the certificates, which are fewer than the members.
    first = (
        select(func.min(Certificate.issued_at).label("at"))
        .join(
            Membership,
            and_(
                Membership.organisation_id == organisation.id,
                Membership.user_id == Certificate.user_id,
            ),
        )
        .join(User, User.id == Certificate.user_id)
        .where(
            Certificate.course_id == report.course_id,
            Certificate.revoked_at.is_(None),
            User.email_verified_at.is_not(None),
            *([at_site(site.id)] if site else []),
        )
        .group_by(Certificate.user_id)
        .subquery()
    )
    month = _year_month(first.c.at).label("first_month")
    firsts = dict(
        db.session.execute(
            select(month, func.count()).group_by(literal_column("first_month"))
        ).all()
    )
    return OrganisationOverview(summary=summary, chart=_chart(firsts, report.now))


def _chart(firsts: dict[str, int], now: datetime) -> CompletionChart:
    """The chart from the number of members per month of first completion (``"YYYY-MM"``)."""
    months = _month_starts(now, CHART_MONTHS)
    totals = [
        sum(count for key, count in firsts.items() if key <= f"{month:%Y-%m}") for month in months
    ]
    geometry, bar_width = bar_geometry(totals)
    bars = [
        ChartBar(month=month, completed=total, x=place.x, y=place.y, height=place.height)
        for month, total, place in zip(months, totals, geometry, strict=True)
    ]
    return CompletionChart(bars=bars, highest=max(totals, default=0), bar_width=bar_width)


def _month_starts(now: datetime, count: int) -> list[datetime]:
    year, month = now.year, now.month
    starts = []
    for _ in range(count):
        starts.append(datetime(year, month, 1, tzinfo=UTC))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


class _year_month(FunctionElement[str]):
    """A timestamp's year and month in UTC, as ``"YYYY-MM"``."""

    inherit_cache = True
    type = String()


@compiles(_year_month, "sqlite")
def _year_month_sqlite(element: _year_month, compiler: Any, **kw: Any) -> str:
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)})"


@compiles(_year_month)
def _year_month_default(element: _year_month, compiler: Any, **kw: Any) -> str:
    return f"to_char(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC', 'YYYY-MM')"


def download_filename(
    organisation: Organisation,
    what: str,
    suffix: str,
    now: datetime | None = None,
    site: Site | None = None,
) -> str:
    """``harbour-arts-centre-members-2026-12-05.csv``: the organisation (and the site, if
    given), what, and the day."""
    named = f"{organisation.name} {site.name}" if site else organisation.name
    slug = re.sub(r"[^a-z0-9]+", "-", named.lower()).strip("-")[:80]
    return f"{slug or 'organisation'}-{what}-{(now or utcnow()):%Y-%m-%d}.{suffix}"


def csv_filename(
    organisation: Organisation, now: datetime | None = None, site: Site | None = None
) -> str:
    return download_filename(organisation, "members", "csv", now, site=site)


def member_csv(
    organisation: Organisation,
    course: Course | None,
    filters: MemberFilters,
    now: datetime | None = None,
) -> Iterator[str]:
    """The filtered member table as CSV text, a batch of rows at a time, from one query whose
    rows are fetched :data:`CSV_BATCH` at a time: memory stays flat however many members there
    are. Progress shows only for members whose email is confirmed, as in the table."""
    report = MemberReport(organisation.id, course, now or utcnow())
    statement = report.rows(filters).execution_options(yield_per=CSV_BATCH)
    # Building every link through the URL map costs more than the rest of the row; build one
    # and put each code into it.
    placeholder = "CODE"
    link = absolute_url("certificates.verify", code=placeholder)
    header = [
        _l("Name"),
        _l("Email"),
        _l("Team"),
        _l("Sites"),
        _l("Joined"),
        _l("Modules completed"),
        _l("Modules total"),
        _l("Last activity"),
        _l("Certificate status"),
        _l("Certificate code"),
        _l("Certificate expires"),
        _l("Verification link"),
        _l("Due date"),
        _l("Overdue"),
        _l("Site procedures confirmed"),
    ]
    words: dict[Any, str] = {
        "none": str(_l("none")),
        "valid": str(_l("valid")),
        "expiring": str(_l("expiring")),
        "expired": str(_l("expired")),
        "revoked": str(_l("revoked")),
        "superseded": str(_l("superseded")),
        None: str(_l("email not confirmed")),
    }
    words[True], words[False] = str(_l("yes")), str(_l("no"))

    def verification_link(member: MemberRow) -> str:
        if not member.certificate_code:
            return ""
        return link.replace(placeholder, quote(member.certificate_code, safe="-"))

    def rows() -> Iterator[list[str]]:
        for row in db.session.execute(statement):
            member = report.member_row(row)
            yield [
                *_csv_cells(member, words),
                verification_link(member),
                _iso_date(member.due_at),
                words[member.is_overdue_at(report.now)],
                # Empty when none of the member's sites has procedures to confirm.
                words[member.procedures_unconfirmed == 0] if member.sites_with_procedures else "",
            ]

    return spreadsheet_csv(header, rows(), CSV_BATCH)


def _csv_cells(member: MemberRow, words: dict[Any, str]) -> list[str]:
    visible = member.email_verified
    return [
        member.name,
        member.email,
        member.team or "",
        member.sites,
        _iso_date(member.joined_at),
        str(member.modules_completed) if visible else "",
        str(member.modules_total),
        _iso_date(member.last_activity),
        words[member.certificate_status],
        member.certificate_code or "",
        _iso_date(member.certificate_expires_at),
    ]


def _iso_date(moment: datetime | None) -> str:
    return moment.date().isoformat() if moment else ""
