"""ASVS V5 (output encoding and injection prevention): stored XSS outside authoring.

Text people type (their name, the name on a certificate, an organisation's name, teams, the names
and addresses in an invitation file) is shown back to other people: managers, admins, anyone who
verifies a certificate. Every payload below is stored in every such field, and every page that
shows the field is read with an HTML parser: no script element, no ``on*`` attribute, no
``javascript:`` or ``data:`` URL, no style, svg, math, iframe or object may come out of it (a
text search would miss an attribute the payload opened). The payload must still be shown, as
text, so a page that simply leaves it out does not pass. The PDF prints it literally.

Proved elsewhere and not repeated here:

- ``tests/test_authoring.py::test_stored_xss_posted_straight_to_the_lesson_save_comes_out_inert``
  and ``::test_stored_xss_in_module_details_is_shown_escaped`` (authoring; the payload list and
  the parser they use, from ``tests/fixtures/hostile_content.py``, are reused here),
- ``tests/test_certificate_pdf.py::test_a_name_full_of_markup_prints_as_text_and_fetches_nothing``.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from course.catalogue.services import the_course
from course.certificates.codes import new_code
from course.certificates.models import Certificate
from course.core.database import utcnow
from course.core.mail import render_html_email
from course.extensions import db
from course.organisations import memberships as organisations
from course.organisations.models import Membership, MembershipRole, Organisation
from tests.fixtures.factories import STRONG_PASSWORD, make_user
from tests.fixtures.hostile_content import XSS_PAYLOADS, ActiveContent
from tests.fixtures.mail import link_in, queued_emails
from tests.fixtures.organisations import upload
from tests.fixtures.pdf import pdf_text
from tests.fixtures.security_site import ADMIN, ANONYMOUS, MANAGER, Site, build_site
from tests.fixtures.web import post_form, sign_in

PAYLOADS = [
    *XSS_PAYLOADS,
    '"><script>alert(1)</script>',
    "' onmouseover='alert(1)",
    "</title><script>alert(1)</script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<style>@import 'https://example.org/x.css';</style>",
    "javascript:alert(1)",
    "<a href=javascript&colon;alert(1)>x</a>",
    "{{ 7 * 7 }}<b>{% raw %}</b>",
]
IDS = [f"payload-{number}" for number in range(len(PAYLOADS))]


class _Text(HTMLParser):
    """The text a person reads, attribute values included (a name prefilled in a field)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parts.extend(value for name, value in attrs if name == "value" and value)


def shown_text(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    return "".join("".join(parser.parts).split())


class _ActiveContentBesidesCharts(ActiveContent):
    """The hostile-content parser, allowing the site's own bar charts (``macros/charts.html``):
    an ``<svg class="chart" role="img">`` drawn from numbers and month names."""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "svg" and ("class", "chart") in attrs and ("role", "img") in attrs:
            return
        super().handle_starttag(tag, attrs)


def active_content(page: str) -> list[str]:
    parser = _ActiveContentBesidesCharts()
    parser.feed(page)
    return parser.found


def main_of(page: str) -> str:
    return page.split("<main", 1)[1].split("</main>", 1)[0]


def assert_inert(page: str, payload: str, where: str, *, shown: bool = True) -> None:
    """The page's main content runs nothing, its title is plain text, and it shows ``payload``
    (when ``shown``) as text."""
    main = main_of(page)
    assert active_content(main) == [], where
    title = page.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "<" not in title, where
    if shown:
        assert "".join(payload.split()) in shown_text(main), where


@dataclass
class Hostile:
    """One payload stored in every field, and the rows that hold it."""

    payload: str
    email: str
    user_id: int
    organisation_id: int
    certificate_id: int
    code: str
    join_path: str
    client: FlaskClient | None = None
    uploaded_report: str = ""
    invitation_path: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class HostileSite:
    site: Site
    people: list[Hostile]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileSite]:
    site = build_site(tmp_path_factory.mktemp("xss"))
    people: list[Hostile] = []
    with site.app.test_request_context():
        course = the_course()
        assert course is not None
        for number, payload in enumerate(PAYLOADS):
            email = f"xss{number}@example.org"
            user = make_user(email=email, name=payload)
            # A member of the site's organisation, in a team named with the payload ...
            db.session.add(
                Membership(
                    organisation_id=site.ids["organisation_id"], user_id=user.id, team=payload
                )
            )
            # ... the manager of an organisation named with it ...
            organisation = organisations.create_organisation(user, payload, 30)
            # ... and holder of a certificate printed with it.
            certificate = Certificate(
                user_id=user.id,
                course_id=course.id,
                sequence=1,
                code=new_code(),
                holder_name=payload,
                issued_at=utcnow() - timedelta(days=1),
                expires_at=utcnow() + timedelta(days=364),
                module_versions=[],
            )
            db.session.add(certificate)
            db.session.commit()
            people.append(
                Hostile(
                    payload=payload,
                    email=email,
                    user_id=user.id,
                    organisation_id=organisation.id,
                    certificate_id=certificate.id,
                    code=certificate.code,
                    join_path=f"/join/{organisation.join_token}",
                )
            )
    for person in people:
        person.client = site.new_client()
        sign_in(person.client, person.email, STRONG_PASSWORD)
        # Their own organisation invites someone by file: the name and team from the file, and
        # a row whose "email address" is the payload itself (reported back as invalid).
        content = _csv_file(
            [
                [f"invited-{person.user_id}@example.org", person.payload, person.payload[:100]],
                [person.payload, "Someone", ""],
            ]
        )
        response = upload(person.client, person.organisation_id, content)
        assert response.status_code == 200, response.get_data(as_text=True)
        person.uploaded_report = response.get_data(as_text=True)
        with site.app.app_context():
            message = queued_emails(to=f"invited-{person.user_id}@example.org")[-1]
            person.invitation_path = link_in(message, "/join/invitation/").split("localhost")[-1]
            person.extra["email_html"] = message.html_body
            person.extra["email_subject"] = message.subject
    yield HostileSite(site=site, people=people)
    with site.app.app_context():
        db.session.remove()
        db.engine.dispose()


def _csv_file(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["email", "name", "team"])
    writer.writerows(rows)
    return buffer.getvalue().encode()


@pytest.fixture(params=range(len(PAYLOADS)), ids=IDS)
def person(request: pytest.FixtureRequest, hostile: HostileSite) -> Hostile:
    return hostile.people[request.param]


def get_ok(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


# The person's own pages --------------------------------------------------------------------


def test_a_persons_own_pages_show_their_name_as_text(person: Hostile) -> None:
    assert person.client is not None
    for path, shown in [
        ("/account/profile", True),
        ("/account/", True),
        ("/certificates/", True),
        ("/account/organisations", True),
        ("/dashboard", False),
    ]:
        assert_inert(get_ok(person.client, path), person.payload, path, shown=shown)


def test_the_verify_page_shows_the_printed_name_as_text(
    hostile: HostileSite, person: Hostile
) -> None:
    visitor = hostile.site.clients[ANONYMOUS]

    page = get_ok(visitor, f"/verify/{person.code}")
    as_json = visitor.get(f"/verify/{person.code}", headers={"Accept": "application/json"})

    assert_inert(page, person.payload, "verify")
    assert as_json.get_json()["holder_name"] == person.payload
    assert as_json.mimetype == "application/json"


def test_a_typed_code_is_echoed_as_text(hostile: HostileSite, person: Hostile) -> None:
    """What someone types into the verify form comes back in the field, not as markup."""
    response = hostile.site.clients[ANONYMOUS].get("/verify", query_string={"code": person.payload})

    assert response.status_code == 404
    assert_inert(response.get_data(as_text=True), person.payload, "verify form")


# Organisations ------------------------------------------------------------------------------


def test_the_managers_table_and_member_page_show_names_and_teams_as_text(
    hostile: HostileSite, person: Hostile
) -> None:
    manager = hostile.site.clients[MANAGER]
    organisation_id = hostile.site.ids["organisation_id"]

    table = get_ok(manager, f"/orgs/{organisation_id}/?q={person.email}")
    member = get_ok(manager, f"/orgs/{organisation_id}/members/{person.user_id}")
    by_team = manager.get(f"/orgs/{organisation_id}/", query_string={"team": person.payload})

    assert_inert(table, person.payload, "member table")
    assert_inert(member, person.payload, "member page")
    for step in ("remove", "hand-over"):
        confirmation = get_ok(manager, f"/orgs/{organisation_id}/members/{person.user_id}/{step}")
        assert_inert(confirmation, person.payload, f"{step} confirmation page")
    assert by_team.status_code == 200
    assert_inert(by_team.get_data(as_text=True), person.payload, "filtered by team")


def test_the_csv_export_is_an_attachment_that_no_browser_renders(hostile: HostileSite) -> None:
    manager = hostile.site.clients[MANAGER]

    response = manager.get(f"/orgs/{hostile.site.ids['organisation_id']}/members.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_an_organisations_own_pages_show_its_name_as_text(person: Hostile) -> None:
    assert person.client is not None
    organisation_id = person.organisation_id
    for path in (
        f"/orgs/{organisation_id}/",
        f"/orgs/{organisation_id}/invitations",
        f"/orgs/{organisation_id}/reminders",
        f"/orgs/{organisation_id}/close",
    ):
        assert_inert(get_ok(person.client, path), person.payload, path)


def test_the_invitation_report_shows_names_and_bad_addresses_as_text(person: Hostile) -> None:
    assert "1 person invited." in person.uploaded_report
    assert "This is not a valid email address." in person.uploaded_report
    assert_inert(person.uploaded_report, person.payload, "invitation report")


def test_join_and_invitation_pages_show_the_organisation_as_text(
    hostile: HostileSite, person: Hostile
) -> None:
    visitor = hostile.site.new_client()
    signed_in = hostile.site.fresh_client("learner")

    for client, path in [
        (visitor, person.join_path),
        (signed_in, person.join_path),
        (visitor, person.invitation_path),
        (signed_in, person.invitation_path),
        (visitor, person.invitation_path + "/register"),
    ]:
        assert_inert(get_ok(client, path), person.payload, path)


def styled_elements(page: str) -> list[str]:
    """Each ``style`` attribute with its element, in order: an email's layout is styled inline."""
    parser = ActiveContent()
    parser.feed(page)
    return [found for found in parser.found if found.endswith(" style=")]


def test_the_invitation_email_shows_the_organisation_as_text(
    hostile: HostileSite, person: Hostile
) -> None:
    body = person.extra["email_html"].split("<body", 1)[1]
    with hostile.site.app.test_request_context():
        plain = render_html_email(
            "organisation_invitation",
            subject="An invitation",
            organisation_name="Town Library",
            inviter_name="Ada Lovelace",
            invitee_name="Grace Hopper",
            expires_on=date(2027, 1, 1),
            course_minutes=95,
            token="a-token",
        ).split("<body", 1)[1]

    # The only active content is the layout's own inline styles, exactly as for a plain name.
    assert [found for found in active_content(body) if not found.endswith(" style=")] == []
    assert styled_elements(body) == styled_elements(plain)
    assert "".join(person.payload.split()) in shown_text(body)
    assert "\n" not in person.extra["email_subject"]


# Admin pages --------------------------------------------------------------------------------


def test_admin_user_pages_show_names_as_text(hostile: HostileSite, person: Hostile) -> None:
    admin = hostile.site.clients[ADMIN]

    listed = get_ok(admin, f"/admin/users/?q={person.email}")
    user_page = get_ok(admin, f"/admin/users/{person.user_id}")
    organisations_page = admin.get("/admin/organisations", query_string={"q": person.payload})

    assert_inert(listed, person.payload, "user list")
    assert_inert(user_page, person.payload, "user page")
    assert organisations_page.status_code == 200
    assert_inert(organisations_page.get_data(as_text=True), person.payload, "organisations")


def test_audit_entries_show_changed_names_as_text(hostile: HostileSite, person: Hostile) -> None:
    admin = hostile.site.clients[ADMIN]
    user_page = f"/admin/users/{person.user_id}"
    corrected = f"{person.payload} (corrected)"

    response = post_form(
        admin,
        f"{user_page}/certificates/{person.certificate_id}/name",
        {f"name-{person.certificate_id}-holder_name": corrected},
        form_page=user_page,
    )

    assert response.status_code == 302, response.get_data(as_text=True)
    with hostile.site.app.app_context():
        certificate = db.session.get(Certificate, person.certificate_id)
        assert certificate is not None
        assert certificate.holder_name == " ".join(corrected.split())
    flashed = get_ok(admin, user_page)
    assert_inert(flashed, corrected, "user page after correcting")
    log = admin.get("/admin/audit/", query_string={"q": f"certificate {person.certificate_id}"})
    page = get_ok(admin, f"/admin/audit/?action=certificate.name_corrected&q={person.email}")
    assert log.status_code == 200
    # The log shows the name before and after as text (a long one as its changed lines).
    assert_inert(page, " ".join(corrected.split()), "audit log")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")
def test_the_pdf_prints_the_name_literally(hostile: HostileSite, person: Hostile) -> None:
    assert person.client is not None
    with hostile.site.app.app_context():
        name = db.session.scalar(
            select(Certificate.holder_name).where(Certificate.id == person.certificate_id)
        )
        assert name is not None

    response = person.client.get(f"/certificates/{person.code}.pdf")

    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    assert "".join(name.split()) in "".join(pdf_text(response.data).split())


def test_the_site_organisation_lists_every_hostile_member(hostile: HostileSite) -> None:
    """The table lists the members (so the checks above look at rows that are there)."""
    with hostile.site.app.app_context():
        count = len(
            list(
                db.session.scalars(
                    select(Membership).where(
                        Membership.organisation_id == hostile.site.ids["organisation_id"],
                        Membership.role == MembershipRole.MEMBER,
                    )
                )
            )
        )
        names = set(db.session.scalars(select(Organisation.name)))
    assert count >= len(PAYLOADS)
    assert set(PAYLOADS) <= names
