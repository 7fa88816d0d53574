"""The manager's reports: summary counts, completions by month, the filtered and sorted member
table, and the CSV export (streamed, safe to open in a spreadsheet, only for the organisation's
managers)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import event

from course.catalogue.services import the_course
from course.certificates.codes import formatted
from course.certificates.models import Certificate
from course.core.database import utcnow
from course.extensions import db
from course.organisations import reports
from course.organisations.models import Membership, Organisation
from tests.fixtures.clients import signed_in
from tests.fixtures.factories import make_user
from tests.fixtures.organisations import add_member, create_org, join_path, seed
from tests.fixtures.pdf import pdf_text
from tests.fixtures.web import post_form

NAMES = [
    "Bea Boss",
    "Val Valid",
    "Eve Expiring",
    "Ola Expired",
    "Rex Revoked",
    "Ivy Inprogress",
    "Nat Notstarted",
    "Una Unconfirmed",
]
CHART_NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)


def member_names(page: str) -> list[str]:
    """The names in the member table, in the order shown."""
    table = page[page.index('id="members-caption"') :]
    table = table[: table.index("</table>")]
    return [name for _at, name in sorted((table.index(n), n) for n in NAMES if n in table)]


def csv_rows(response) -> list[list[str]]:  # noqa: ANN001
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def test_the_summary_counts_members_at_each_stage(course_app: Flask) -> None:
    manager, organisation_id = seed(course_app)
    with course_app.app_context():
        organisation = db.session.get(Organisation, organisation_id)
        assert organisation is not None
        summary = reports.organisation_overview(organisation, the_course()).summary

    assert summary == reports.OrganisationSummary(
        members=8, completed=2, in_progress=3, not_started=3, overdue=3, expiring=1
    )
    page = manager.get(f"/orgs/{organisation_id}/").get_data(as_text=True)
    shown = dict(
        re.findall(
            r'report-summary__label">([^<]+)</dt>\s*<dd class="report-summary__value">(\d+)', page
        )
    )
    assert shown == {
        "Members": "8",
        "Completed": "2",
        "In progress": "3",
        "Not started": "3",
        "Overdue": "3",
        "Certificates expiring within 30 days": "1",
    }


def test_the_chart_counts_members_completed_by_the_end_of_each_month(course_app: Flask) -> None:
    _manager, organisation_id = seed(course_app, CHART_NOW)
    with course_app.app_context():
        organisation = db.session.get(Organisation, organisation_id)
        assert organisation is not None
        chart = reports.organisation_overview(organisation, the_course(), CHART_NOW).chart

    # Ola (May 2025, before the window) and Eve (July 2025) from the start, Val from March 2026;
    # Rex's certificate was revoked and Una has not confirmed her email address.
    assert [bar.month.strftime("%Y-%m") for bar in chart.bars][::11] == ["2025-07", "2026-06"]
    assert [bar.completed for bar in chart.bars] == [2] * 8 + [3] * 4
    assert chart.highest == 3
    assert all(bar.y + bar.height == chart.bottom for bar in chart.bars)


def test_the_page_shows_the_chart_as_an_accessible_image_and_a_table(course_app: Flask) -> None:
    manager, organisation_id = seed(course_app)

    page = manager.get(f"/orgs/{organisation_id}/").get_data(as_text=True)

    assert 'role="img" aria-labelledby="chart-title chart-desc"' in page
    assert '<title id="chart-title">' in page and '<desc id="chart-desc">' in page
    table = page[page.index('id="completions-table"') :]
    table = table[: table.index("</table>")]
    counts = [int(count) for count in re.findall(r"<td>(\d+)</td>", table)]
    assert len(counts) == 12 and counts[-1] == 3 and counts == sorted(counts)
    assert "style=" not in page and "<script>" not in page


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("status=completed", ["Val Valid", "Eve Expiring"]),
        ("status=in_progress", ["Ola Expired", "Rex Revoked", "Ivy Inprogress"]),
        ("status=not_started", ["Bea Boss", "Nat Notstarted", "Una Unconfirmed"]),
        ("status=overdue", ["Ola Expired", "Ivy Inprogress", "Una Unconfirmed"]),
        ("status=none", ["Bea Boss", "Ivy Inprogress", "Nat Notstarted"]),
        ("status=valid", ["Val Valid"]),
        ("status=expiring", ["Eve Expiring"]),
        ("status=expired", ["Ola Expired"]),
        ("status=revoked", ["Rex Revoked"]),
        ("team=Box+office", ["Ola Expired", "Nat Notstarted"]),
        ("team=Bar&status=overdue", ["Ivy Inprogress", "Una Unconfirmed"]),
        ("team=Bar&status=completed&q=VAL", ["Val Valid"]),
        ("q=example.org&status=expired", ["Ola Expired"]),
        ("q=%25", []),  # a percent sign is searched for, not a wildcard
        ("q=ivy_", []),
    ],
)
def test_the_table_filters_by_status_team_and_search(
    course_app: Flask, query: str, names: list[str]
) -> None:
    manager, organisation_id = seed(course_app)

    page = manager.get(f"/orgs/{organisation_id}/?{query}").get_data(as_text=True)

    assert member_names(page) == sorted(names)
    number = len(names)
    assert f"{number} member{'s' if number != 1 else ''}</p>" in page


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("sort=name", sorted(NAMES)),
        ("sort=name&order=desc", sorted(NAMES, reverse=True)),
        (
            "sort=certificate",
            ["Bea Boss", "Ivy Inprogress", "Nat Notstarted", "Rex Revoked", "Ola Expired"]
            + ["Eve Expiring", "Val Valid", "Una Unconfirmed"],
        ),
        (
            "sort=expires",
            ["Ola Expired", "Eve Expiring", "Val Valid", "Rex Revoked", "Bea Boss"]
            + ["Ivy Inprogress", "Nat Notstarted", "Una Unconfirmed"],
        ),
        (
            "sort=due",
            ["Ola Expired", "Val Valid", "Una Unconfirmed", "Ivy Inprogress", "Eve Expiring"]
            + ["Rex Revoked", "Bea Boss", "Nat Notstarted"],
        ),
        (
            "sort=activity",
            ["Ola Expired", "Eve Expiring", "Val Valid", "Rex Revoked", "Ivy Inprogress"]
            + ["Bea Boss", "Nat Notstarted", "Una Unconfirmed"],
        ),
        (
            "sort=activity&order=desc",
            ["Ivy Inprogress", "Rex Revoked", "Val Valid", "Eve Expiring", "Ola Expired"]
            + ["Bea Boss", "Nat Notstarted", "Una Unconfirmed"],
        ),
        (
            "sort=team",
            ["Val Valid", "Eve Expiring", "Rex Revoked", "Ivy Inprogress", "Una Unconfirmed"]
            + ["Ola Expired", "Nat Notstarted", "Bea Boss"],
        ),
        (
            "sort=joined&order=desc",
            ["Bea Boss", "Val Valid", "Eve Expiring", "Ola Expired", "Rex Revoked"]
            + ["Ivy Inprogress", "Nat Notstarted", "Una Unconfirmed"],
        ),
        ("sort=email", sorted(NAMES, key=str.lower)),
        ("sort=completed", NAMES[:7] + ["Una Unconfirmed"]),
    ],
)
def test_the_table_sorts_by_any_column_with_empty_values_last(
    course_app: Flask, query: str, names: list[str]
) -> None:
    manager, organisation_id = seed(course_app)

    page = manager.get(f"/orgs/{organisation_id}/?{query}").get_data(as_text=True)

    assert member_names(page) == names


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "page=-5",
        "page=99999999999999999999",
        "page=0",
        "page=7",
        "sort=zzz",
        "sort=__class__&order=sideways",
        "status=zzz",
        "status=",
        "q=%25_%5C",
        "team=" + "x" * 500,
    ],
)
def test_bad_query_strings_fall_back_to_defaults(course_app: Flask, query: str) -> None:
    manager, organisation_id = seed(course_app)

    response = manager.get(f"/orgs/{organisation_id}/?{query}")
    export = manager.get(f"/orgs/{organisation_id}/members.csv?{query}")

    assert response.status_code == 200 and export.status_code == 200
    if query.startswith(("page", "sort", "status")):
        assert member_names(response.get_data(as_text=True)) == sorted(NAMES)
        assert len(csv_rows(export)) == 1 + len(NAMES)


def test_the_table_shows_due_dates_and_flags_overdue_members(course_app: Flask) -> None:
    manager, organisation_id = seed(course_app)

    page = manager.get(f"/orgs/{organisation_id}/?sort=due").get_data(as_text=True)

    table = page[page.index('id="members-caption"') :]
    rows = re.findall(r'<tr role="row">(.*?)</tr>', table, re.S)
    flagged = [row for row in rows if 'tag tag--red">Overdue' in row]
    assert [member_names(f'id="members-caption"{row}</table>') for row in flagged] == [
        ["Ola Expired"],
        ["Una Unconfirmed"],
        ["Ivy Inprogress"],
    ]
    assert "Due date" in page


def test_the_csv_export_has_every_column_for_the_filtered_members(course_app: Flask) -> None:
    manager, organisation_id = seed(course_app)
    with course_app.app_context():
        valid = db.session.scalar(
            db.select(Certificate).where(Certificate.holder_name == "Val Valid")
        )
        assert valid is not None
        code = formatted(valid.code)
    page = manager.get(f"/orgs/{organisation_id}/?team=Bar&status=completed").get_data(as_text=True)
    link = re.search(r'href="([^"]*members\.csv[^"]*)"', page)
    assert link is not None

    response = manager.get(link.group(1).replace("&amp;", "&"))

    assert response.status_code == 200 and response.is_streamed
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith(
        "attachment; filename=harbour-arts-centre-members-"
    )
    assert response.headers["Cache-Control"] == "no-store"
    header, *rows = csv_rows(response)
    assert header == [
        "Name",
        "Email",
        "Team",
        "Sites",
        "Joined",
        "Modules completed",
        "Modules total",
        "Last activity",
        "Certificate status",
        "Certificate code",
        "Certificate expires",
        "Verification link",
        "Due date",
        "Overdue",
        "Site procedures confirmed",
    ]
    assert [row[0] for row in rows] == ["Eve Expiring", "Val Valid"]
    val = rows[1]
    assert val[1:4] == ["val-valid@example.org", "Bar", ""]
    assert val[5:7] == ["0", "2"] and val[8:10] == ["valid", code]
    assert val[11] == f"http://localhost/verify/{code}"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", val[4]) and val[13] == "no"
    assert rows[0][8] == "expiring"


def test_the_csv_hides_the_progress_of_unconfirmed_members_and_flags_overdue(
    course_app: Flask,
) -> None:
    manager, organisation_id = seed(course_app)

    rows = csv_rows(manager.get(f"/orgs/{organisation_id}/members.csv?status=overdue"))

    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"Ola Expired", "Ivy Inprogress", "Una Unconfirmed"}
    una = by_name["Una Unconfirmed"]
    assert una[5] == "" and una[7] == "" and una[8] == "email not confirmed"
    assert una[9] == "" and una[11] == "" and una[13] == "yes"
    assert by_name["Ola Expired"][8] == "expired"


def test_csv_cells_that_would_run_as_formulas_are_neutralised(course_app: Flask) -> None:
    manager = signed_in(course_app, "bea@example.org", name="Bea Boss")
    organisation_id = create_org(manager)
    dangerous = ['=HYPERLINK("http://evil.example","click")', "+1", "@x", "-2", "\tTab", "\rCR"]
    with course_app.app_context():
        for number, name in enumerate(dangerous):
            user = make_user(email=f"d{number}@example.org", name=name)
            db.session.add(
                Membership(organisation_id=organisation_id, user_id=user.id, team="=cmd|'/c calc'")
            )
        db.session.commit()

    rows = csv_rows(manager.get(f"/orgs/{organisation_id}/members.csv"))

    assert sorted(row[0] for row in rows[1:-1]) == sorted("'" + name for name in dangerous)
    assert {row[2] for row in rows[1:-1]} == {"'=cmd|'/c calc'"}
    assert rows[-1][0] == "Bea Boss"  # a plain name is left alone


def test_the_page_and_the_csv_take_the_same_number_of_queries_for_any_number_of_members(
    course_app: Flask,
) -> None:
    manager, organisation_id = seed(course_app)

    def queries_for(path: str) -> int:
        statements: list[str] = []
        with course_app.app_context():
            engine = db.engine
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            manager.get(path).get_data()
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    paths = [
        f"/orgs/{organisation_id}/",
        f"/orgs/{organisation_id}/?status=overdue&sort=activity",
        f"/orgs/{organisation_id}/members.csv",
        f"/orgs/{organisation_id}/members.csv?status=in_progress&sort=certificate",
    ]
    few = [queries_for(path) for path in paths]
    with course_app.app_context():
        now = utcnow()
        for number in range(30):
            add_member(
                organisation_id,
                f"Extra {number}",
                team="Bar",
                due_in_days=-1,
                now=now,
                read_days_ago=number,
                certificate={"issued": 10, "expires": 300} if number % 3 == 0 else None,
            )
    many = [queries_for(path) for path in paths]

    assert few == many


def test_only_the_organisations_managers_can_download_its_csv(course_app: Flask) -> None:
    manager, organisation_id = seed(course_app)
    other = signed_in(course_app, "other@example.org")
    create_org(other, "Other place")
    learner = signed_in(course_app, "learner@example.org")
    post_form(learner, join_path(course_app, organisation_id), {})
    stranger = signed_in(course_app, "stranger@example.org")
    path = f"/orgs/{organisation_id}/members.csv"

    assert manager.get(path).status_code == 200
    assert other.get(path).status_code == 404
    assert learner.get(path).status_code == 404
    assert stranger.get(path).status_code == 404
    anonymous = course_app.test_client().get(path)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_the_csv_starts_with_a_byte_order_mark_so_excel_reads_names_as_utf_8(
    course_app: Flask,
) -> None:
    manager, organisation_id = seed(course_app)

    export = manager.get(f"/orgs/{organisation_id}/members.csv")

    assert export.get_data().startswith(b"\xef\xbb\xbfName,Email,")
    assert export.get_data().count(b"\xef\xbb\xbf") == 1


def test_every_current_certificate_downloads_as_one_zip_of_pdfs(course_app: Flask) -> None:
    manager, organisation_id = seed(course_app)

    response = manager.get(f"/orgs/{organisation_id}/certificates.zip")

    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "harbour-arts-centre-certificates-" in response.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        names = archive.namelist()
        assert [name.split(" - ")[0] for name in names] == ["Eve Expiring", "Val Valid"]
        assert all(archive.read(name).startswith(b"%PDF") for name in names)
        assert "Val Valid" in pdf_text(archive.read(names[1]))
    with course_app.app_context():
        codes = {
            certificate.display_code
            for certificate in db.session.scalars(
                db.select(Certificate).where(
                    Certificate.holder_name.in_(["Val Valid", "Eve Expiring"])
                )
            )
        }
    assert {name.split(" - ")[1].removesuffix(".pdf") for name in names} == codes


def test_an_organisation_without_certificates_gets_an_empty_zip(course_app: Flask) -> None:
    manager = signed_in(course_app, "boss@example.org")
    organisation_id = create_org(manager)

    response = manager.get(f"/orgs/{organisation_id}/certificates.zip")

    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        assert archive.namelist() == []
