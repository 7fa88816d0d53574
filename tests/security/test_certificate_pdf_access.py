"""V4 Access control and V11 business logic: a certificate's PDF is rendered only for someone who
may download it, never while a write lock or transaction is held, and a revoked certificate's PDF
is not handed out at all.

Certificate codes are public (they are on every verification link), so anyone signed in can ask
for ``/certificates/<code>.pdf``. A PDF stored for an older template is rendered again on
download; that costs the server a WeasyPrint render, so it must happen only after the access
check, and with no transaction open, so that a slow render blocks no writer. Claiming a
certificate and correcting its name render its PDF too: only once what they wrote is committed.
"""

from __future__ import annotations

import itertools
import logging
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Select, delete, func, insert, select, update
from sqlalchemy.exc import OperationalError

from course.accounts.models import Role, User
from course.audit.models import AuditEntry
from course.catalogue.services import the_course
from course.certificates import pdf
from course.certificates import services as certificates
from course.certificates.models import Certificate, CertificatePdf
from course.core import pdf as pdf_renderer
from course.core.database import utcnow
from course.core.mail import OutboxMessage
from course.extensions import db
from tests.fixtures.certificates import pdf_link_on_page
from tests.fixtures.factories import STRONG_PASSWORD, make_user
from tests.fixtures.learning import complete_course
from tests.fixtures.pdf import pdf_text
from tests.fixtures.security_site import ADMIN, MANAGER, MEMBER, Site
from tests.fixtures.web import post_form, sign_in

_numbers = itertools.count(1)
REVOKED_ON = datetime(2027, 3, 4, 9, 30, tzinfo=UTC)
PASSWORD_ONLY_ADMIN = "admin signed in with a password only"


@dataclass(frozen=True)
class Held:
    """A certificate as its holder's requests name it."""

    id: int
    code: str
    display_code: str
    holder_id: int


def certified_person(site: Site) -> tuple[FlaskClient, Held]:
    """A new person holding a certificate (its PDF stored as issued), signed in."""
    email = f"holder{next(_numbers)}@example.org"
    with site.app.test_request_context():
        course = the_course()
        assert course is not None
        user = make_user(email=email, name="Rae Holder")
        complete_course(user, course)
        issued = certificates.issue_certificate(user, course, "Rae Holder")
        certificate = Held(issued.id, issued.code, issued.display_code, user.id)
        certificates.commit_and_store_pdf(issued)
    client = site.new_client()
    sign_in(client, email, STRONG_PASSWORD)
    return client, certificate


def stored_templates(site: Site, certificate_id: int) -> list[str]:
    with site.app.app_context():
        return sorted(
            db.session.scalars(
                select(CertificatePdf.template_version).where(
                    CertificatePdf.certificate_id == certificate_id
                )
            )
        )


def a_new_template(monkeypatch: pytest.MonkeyPatch) -> str:
    """A template version no PDF has been rendered for: every stored PDF is now stale."""
    version = f"later-{next(_numbers)}"
    monkeypatch.setattr(pdf, "TEMPLATE_VERSION", version)
    return version


def another_writer_can_lock(certificate_id: int | None, holder_id: int | None = None) -> bool:
    """Whether another connection could, right now, lock the certificate (and its holder's account,
    when given) for writing at once.

    SQLite has one write lock for the whole database: try to take it, without waiting.
    PostgreSQL locks rows: try to lock those rows, without waiting. (A certificate being issued is
    not visible to others until committed: the issuing transaction locks its holder's row.)
    """
    engine = db.engine
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        assert database
        probe = sqlite3.connect(Path(database), timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            probe.close()
    rows = [(Certificate, certificate_id), (User, holder_id)]
    with engine.connect() as probe:
        try:
            for model, row_id in rows:
                if row_id is not None:
                    probe.execute(
                        select(model.id).where(model.id == row_id).with_for_update(nowait=True)
                    )
            return True
        except OperationalError:
            return False
        finally:
            probe.rollback()


class RenderWatch:
    """Counts WeasyPrint renders, and records what the request held while each one ran."""

    def __init__(
        self,
        monkeypatch: pytest.MonkeyPatch,
        certificate_id: int | None,
        meanwhile: Callable[[int], None] | None = None,
        holder_id: int | None = None,
    ) -> None:
        self.html: list[str] = []
        self.in_transaction: list[bool] = []
        self.others_could_write: list[bool] = []
        render = pdf.render_pdf

        def watched(html: str, static_folder: Path, *args: object) -> bytes:
            self.html.append(html)
            self.in_transaction.append(db.session().in_transaction())
            self.others_could_write.append(another_writer_can_lock(certificate_id, holder_id))
            content = render(html, static_folder, *args)  # type: ignore[arg-type]
            if meanwhile is not None:
                meanwhile(len(self.html))
            return content

        monkeypatch.setattr(pdf, "render_pdf", watched)

    @property
    def calls(self) -> int:
        return len(self.html)


# 1. A stale PDF is rendered only for someone who may download it, outside any transaction.


@pytest.mark.parametrize("visitor", [MEMBER, MANAGER, PASSWORD_ONLY_ADMIN])
def test_a_stale_pdf_is_not_rendered_for_someone_who_may_not_download_it(
    site: Site, monkeypatch: pytest.MonkeyPatch, visitor: str
) -> None:
    holder, certificate = certified_person(site)
    new_template = a_new_template(monkeypatch)
    if visitor == PASSWORD_ONLY_ADMIN:
        email = f"password-only-admin{next(_numbers)}@example.org"
        with site.app.app_context():
            make_user(email=email, role=Role.ADMIN)
        client = site.new_client()
        sign_in(client, email, STRONG_PASSWORD)
    else:
        client = site.clients[visitor]
    watch = RenderWatch(monkeypatch, certificate.id)

    by_code = [
        client.get(f"/certificates/{certificate.display_code}.pdf"),
        client.get(f"/certificates/{certificate.code}.pdf"),
    ]

    assert [response.status_code for response in by_code] == [404, 404]
    assert all(response.mimetype == "text/html" for response in by_code)
    assert watch.calls == 0
    assert new_template not in stored_templates(site, certificate.id)


def test_the_holders_stale_pdf_is_rendered_once_with_no_transaction_open(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    holder, certificate = certified_person(site)
    new_template = a_new_template(monkeypatch)
    path = pdf_link_on_page(holder)
    assert path == f"/certificates/{certificate.display_code}.pdf"
    watch = RenderWatch(monkeypatch, certificate.id)

    first = holder.get(path)
    again = holder.get(path)

    assert first.status_code == again.status_code == 200
    assert first.data.startswith(b"%PDF-") and again.data == first.data
    assert watch.calls == 1
    assert watch.in_transaction == [False], "rendered inside a database transaction"
    assert watch.others_could_write == [True], "rendered while holding a write lock"
    assert new_template in stored_templates(site, certificate.id)
    with site.app.app_context():
        stored = db.session.scalar(
            select(CertificatePdf.content).where(
                CertificatePdf.certificate_id == certificate.id,
                CertificatePdf.template_version == new_template,
            )
        )
    assert stored == first.data


def test_a_pdf_another_request_stored_while_rendering_is_the_one_kept(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    holder, certificate = certified_person(site)
    new_template = a_new_template(monkeypatch)
    theirs = b"%PDF- stored by another request"

    def another_request_stores_one(_render: int) -> None:
        with db.engine.begin() as other:
            other.execute(
                insert(CertificatePdf).values(
                    certificate_id=certificate.id,
                    template_version=new_template,
                    content=theirs,
                    rendered_at=utcnow(),
                )
            )

    RenderWatch(monkeypatch, certificate.id, meanwhile=another_request_stores_one)

    response = holder.get(f"/certificates/{certificate.display_code}.pdf")

    assert response.status_code == 200 and response.data == theirs
    assert stored_templates(site, certificate.id).count(new_template) == 1


def test_a_name_corrected_while_rendering_is_rendered_again(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    holder, certificate = certified_person(site)
    a_new_template(monkeypatch)

    def an_admin_corrects_the_name(render: int) -> None:
        if render == 1:
            with db.engine.begin() as other:
                other.execute(
                    update(Certificate)
                    .where(Certificate.id == certificate.id)
                    .values(holder_name="Rae Corrected")
                )

    watch = RenderWatch(monkeypatch, certificate.id, meanwhile=an_admin_corrects_the_name)

    response = holder.get(f"/certificates/{certificate.display_code}.pdf")

    assert response.status_code == 200
    assert watch.calls == 2 and "Rae Corrected" in watch.html[1]
    assert watch.in_transaction == [False, False]


def test_a_certificate_erased_while_rendering_keeps_no_pdf(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    holder, certificate = certified_person(site)
    a_new_template(monkeypatch)

    def the_holder_deletes_their_account(_render: int) -> None:
        with db.engine.begin() as other:
            other.execute(
                update(Certificate)
                .where(Certificate.id == certificate.id)
                .values(holder_name="", erased_at=utcnow())
            )
            other.execute(
                delete(CertificatePdf).where(CertificatePdf.certificate_id == certificate.id)
            )

    RenderWatch(monkeypatch, certificate.id, meanwhile=the_holder_deletes_their_account)

    response = holder.get(f"/certificates/{certificate.display_code}.pdf")

    assert response.status_code == 404
    assert stored_templates(site, certificate.id) == []


# 2. Claiming a certificate and correcting its name render the PDF once their writes are committed.


def finished_learner(site: Site) -> tuple[FlaskClient, str, int]:
    """A new person who has completed the course, signed in: (client, email, user id)."""
    email = f"learner{next(_numbers)}@example.org"
    with site.app.app_context():
        course = the_course()
        assert course is not None
        user = make_user(email=email, name="Rae Learner")
        complete_course(user, course)
        user_id = user.id
    client = site.new_client()
    sign_in(client, email, STRONG_PASSWORD)
    return client, email, user_id


def claim(client: FlaskClient, name: str = "Rae Learner"):  # type: ignore[no-untyped-def]
    return post_form(
        client, "/certificates/issue", {"holder_name": name}, form_page="/certificates/"
    )


def certificate_of(site: Site, user_id: int) -> int:
    with site.app.app_context():
        [certificate_id] = db.session.scalars(
            select(Certificate.id).where(Certificate.user_id == user_id)
        )
        return certificate_id


def stored_pdf(site: Site, certificate_id: int) -> bytes | None:
    with site.app.app_context():
        return db.session.scalar(
            select(CertificatePdf.content).where(
                CertificatePdf.certificate_id == certificate_id,
                CertificatePdf.template_version == pdf.TEMPLATE_VERSION,
            )
        )


def committed(statement: Select[Any]) -> object:
    """What another connection reads: only what has been committed."""
    with db.engine.connect() as other:
        return other.scalar(statement)


def test_claiming_a_certificate_renders_its_pdf_only_once_the_claim_is_committed(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    learner, email, user_id = finished_learner(site)
    seen_by_others: list[tuple[object, object]] = []

    def what_others_see(_render: int) -> None:
        certificates_held = select(func.count()).where(Certificate.user_id == user_id)
        emails_queued = select(func.count()).where(OutboxMessage.recipient == email)
        seen_by_others.append((committed(certificates_held), committed(emails_queued)))

    watch = RenderWatch(monkeypatch, None, meanwhile=what_others_see, holder_id=user_id)

    response = claim(learner)

    assert response.status_code == 302
    assert watch.calls == 1 and "Rae Learner" in watch.html[0]
    assert watch.in_transaction == [False], "rendered inside a database transaction"
    assert watch.others_could_write == [True], "rendered while holding a write lock"
    assert seen_by_others == [(1, 1)], (
        "rendered before the certificate and its email were committed"
    )
    content = stored_pdf(site, certificate_of(site, user_id))
    assert content is not None and "Rae Learner" in pdf_text(content)


def test_correcting_the_name_renders_the_pdf_only_once_the_correction_is_committed(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    _holder, certificate = certified_person(site)
    user_page = f"/admin/users/{certificate.holder_id}"
    seen_by_others: list[tuple[object, object]] = []

    def what_others_see(_render: int) -> None:
        printed_name = select(Certificate.holder_name).where(Certificate.id == certificate.id)
        audited = select(func.count()).where(
            AuditEntry.action == "certificate.name_corrected",
            AuditEntry.target_id == str(certificate.id),
        )
        seen_by_others.append((committed(printed_name), committed(audited)))

    watch = RenderWatch(monkeypatch, certificate.id, meanwhile=what_others_see)

    response = post_form(
        site.clients[ADMIN],
        f"{user_page}/certificates/{certificate.id}/name",
        {f"name-{certificate.id}-holder_name": "Rae Corrected"},
        form_page=user_page,
    )

    assert response.status_code == 302
    assert watch.calls == 1 and "Rae Corrected" in watch.html[0]
    assert watch.in_transaction == [False], "rendered inside a database transaction"
    assert watch.others_could_write == [True], "rendered while holding a write lock"
    assert seen_by_others == [("Rae Corrected", 1)], "rendered before the correction was committed"
    content = stored_pdf(site, certificate.id)
    assert content is not None and "Rae Corrected" in pdf_text(content)
    assert stored_templates(site, certificate.id) == [pdf.TEMPLATE_VERSION]


def test_a_claim_whose_pdf_fails_to_render_still_issues_the_certificate(
    site: Site, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    learner, email, user_id = finished_learner(site)
    working_render = pdf.render_pdf

    def failing_render(*_args: object) -> bytes:
        raise pdf_renderer.PdfRenderError("the certificate took too long to render")

    monkeypatch.setattr(pdf, "render_pdf", failing_render)

    with caplog.at_level(logging.ERROR, logger="course.certificates"):
        response = claim(learner)

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/certificates/complete")
    certificate_id = certificate_of(site, user_id)
    assert stored_pdf(site, certificate_id) is None
    assert any(
        f"certificate {certificate_id} could not be rendered" in record.getMessage()
        for record in caplog.records
    )
    with site.app.app_context():
        assert db.session.scalar(select(func.count()).where(OutboxMessage.recipient == email)) == 1
    assert "Your certificate is ready" in learner.get("/certificates/complete").get_data(
        as_text=True
    )

    monkeypatch.setattr(pdf, "render_pdf", working_render)
    watch = RenderWatch(monkeypatch, certificate_id)
    download = learner.get(pdf_link_on_page(learner))

    assert download.status_code == 200 and download.data.startswith(b"%PDF-")
    assert watch.calls == 1 and watch.in_transaction == [False]
    assert stored_pdf(site, certificate_id) == download.data


# 3. A revoked certificate's PDF is gone: refused to its holder and to admins, with the reason.


def revoke(site: Site, certificate: Held, reason: str) -> None:
    with site.app.test_request_context():
        certificates.revoke_certificate(certificate.code, reason, now=REVOKED_ON)
        db.session.commit()


REVOKED_MESSAGE = (
    "This certificate was revoked on 4 March 2027: Shared the account with a colleague. "
    "It is no longer valid."
)


def page_text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_a_revoked_certificates_pdf_is_gone_however_its_code_is_written(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    holder, certificate = certified_person(site)
    link = pdf_link_on_page(holder)  # from the page as it was before the revocation
    revoke(site, certificate, "Shared the account with a colleague.")
    watch = RenderWatch(monkeypatch, certificate.id)

    by_link = holder.get(link)
    by_stored_code = holder.get(f"/certificates/{certificate.code}.pdf")

    for response in (by_link, by_stored_code):
        assert response.status_code == 410
        assert response.mimetype == "text/html"
        text = page_text(response.get_data(as_text=True))
        assert "This certificate was revoked" in text
        assert REVOKED_MESSAGE in text
    assert watch.calls == 0


def test_an_admin_is_refused_a_revoked_certificates_pdf_too(site: Site) -> None:
    _holder, certificate = certified_person(site)
    revoke(site, certificate, "Shared the account with a colleague.")

    response = site.clients[ADMIN].get(f"/certificates/{certificate.display_code}.pdf")

    assert response.status_code == 410
    assert REVOKED_MESSAGE in page_text(response.get_data(as_text=True))


def test_someone_else_still_gets_404_for_a_revoked_certificate(site: Site) -> None:
    _holder, certificate = certified_person(site)
    revoke(site, certificate, "Shared the account with a colleague.")

    response = site.clients[MEMBER].get(f"/certificates/{certificate.display_code}.pdf")

    assert response.status_code == 404
    assert "Shared the account" not in response.get_data(as_text=True)


def test_the_certificates_page_shows_a_revoked_certificate_without_a_download(
    site: Site,
) -> None:
    holder, certificate = certified_person(site)
    revoke(site, certificate, "Shared the account with a colleague.")

    page = holder.get("/certificates/").get_data(as_text=True)

    assert f"/certificates/{certificate.display_code}.pdf" not in page
    assert "Download the PDF" not in page
    assert "Revoked" in page and REVOKED_MESSAGE in page_text(page)


def test_the_reason_is_shown_to_the_holder_as_text_and_never_on_the_verify_page(
    site: Site,
) -> None:
    holder, certificate = certified_person(site)
    revoke(site, certificate, 'Sold it <script>alert("x")</script>')

    refused = holder.get(f"/certificates/{certificate.display_code}.pdf").get_data(as_text=True)
    verified = site.new_client().get(f"/verify/{certificate.display_code}")

    assert "&lt;script&gt;" in refused and "<script>alert" not in refused
    assert verified.status_code == 200
    verified_page = verified.get_data(as_text=True)
    assert "This certificate has been revoked" in verified_page
    assert "Sold it" not in verified_page


def test_an_expired_or_superseded_certificates_pdf_still_downloads_for_its_holder(
    site: Site,
) -> None:
    expired_holder, expired = certified_person(site)
    superseded_holder, superseded = certified_person(site)
    with site.app.app_context():
        db.session.execute(
            update(Certificate)
            .where(Certificate.id == expired.id)
            .values(expires_at=utcnow() - timedelta(days=3))
        )
        db.session.execute(
            update(Certificate)
            .where(Certificate.id == superseded.id)
            .values(superseded_at=utcnow())
        )
        db.session.commit()

    for holder, certificate in ((expired_holder, expired), (superseded_holder, superseded)):
        response = holder.get(f"/certificates/{certificate.display_code}.pdf")
        assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    assert pdf_link_on_page(expired_holder) == f"/certificates/{expired.display_code}.pdf"
