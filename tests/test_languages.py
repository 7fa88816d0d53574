"""Choosing the site's language: the header's switcher (each language named in itself), then the
profile, then the browser's Accept-Language, else British English; <html lang> and dir follow,
right to left for Arabic; and no switcher while only one language is offered."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from course.accounts.models import User
from course.extensions import db
from tests.fixtures.clients import signed_in
from tests.fixtures.web import post_form

LANGUAGES = ("en_GB", "cy", "ar", "fr")
HTML_TAG = re.compile(r"<html lang=\"([a-z]+)\" dir=\"(ltr|rtl)\">")


@pytest.fixture
def multilingual(course_app: Flask) -> Iterator[Flask]:
    offered = course_app.config["LANGUAGES"]
    course_app.config["LANGUAGES"] = LANGUAGES
    yield course_app
    course_app.config["LANGUAGES"] = offered


def html_tag(client: FlaskClient, path: str = "/who-to-call", **headers: str) -> tuple[str, str]:
    page = client.get(path, headers=headers).get_data(as_text=True)
    found = HTML_TAG.search(page)
    assert found, page[:200]
    return found.group(1), found.group(2)


def test_the_switcher_names_each_language_in_itself_and_marks_the_current_one(
    multilingual: Flask,
) -> None:
    page = multilingual.test_client().get("/who-to-call").get_data(as_text=True)

    switcher = page.split('<nav class="language-switch" aria-label="Language">')[1].split("</nav>")[
        0
    ]
    assert (
        '<span class="language-switch__current" lang="en-GB" aria-current="true">English</span>'
        in switcher
    )
    for code, name in (("cy", "Cymraeg"), ("ar", "العربية"), ("fr", "Français")):
        assert f'href="/language/{code}" lang="{code}" hreflang="{code}">{name}</a>' in switcher


def test_choosing_a_language_keeps_it_and_goes_back_to_the_page(multilingual: Flask) -> None:
    client = multilingual.test_client()

    chosen = client.get("/language/cy", headers={"Referer": "http://localhost/who-to-call?a=1"})

    assert chosen.status_code == 302 and chosen.headers["Location"] == "/who-to-call?a=1"
    assert html_tag(client) == ("cy", "ltr")
    client.get("/language/ar")
    assert html_tag(client) == ("ar", "rtl")
    assert html_tag(client, "/modules/staying-safe/") == ("ar", "rtl")
    assert client.get("/language/de").status_code == 404
    assert html_tag(client) == ("ar", "rtl")
    elsewhere = client.get("/language/fr", headers={"Referer": "https://evil.example/x"})
    assert elsewhere.headers["Location"] == "/"
    assert client.get("/language/fr").headers["Location"] == "/"


def test_the_browser_decides_until_a_choice_is_made(multilingual: Flask) -> None:
    client = multilingual.test_client()

    assert html_tag(client, **{"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}) == ("fr", "ltr")
    assert html_tag(client, **{"Accept-Language": "de-DE,de;q=0.9"}) == ("en", "ltr")
    assert html_tag(client, **{"Accept-Language": "ar-EG"}) == ("ar", "rtl")
    client.get("/language/cy")
    assert html_tag(client, **{"Accept-Language": "fr-FR"}) == ("cy", "ltr")


def test_the_profile_language_comes_after_the_switcher_and_before_the_browser(
    multilingual: Flask,
) -> None:
    client = signed_in(multilingual, "lee@example.org")
    form = client.get("/account/profile").get_data(as_text=True)
    assert '<option selected value="">The one my browser asks for</option>' in form
    assert '<option value="cy">Cymraeg</option>' in form

    saved = post_form(
        client, "/account/profile", {"name": "Lee Learner", "region": "uk", "language": "ar"}
    )

    assert saved.status_code == 302
    with multilingual.app_context():
        user = db.session.scalar(select(User).where(User.email == "lee@example.org"))
        assert user is not None and user.language == "ar"
    assert html_tag(client, **{"Accept-Language": "fr"}) == ("ar", "rtl")
    client.get("/language/fr")
    assert html_tag(client) == ("fr", "ltr")
    refused = post_form(
        client, "/account/profile", {"name": "Lee Learner", "region": "uk", "language": "xx"}
    )
    assert refused.status_code == 200 and 'class="error-message"' in refused.get_data(as_text=True)
    with multilingual.app_context():
        user = db.session.scalar(select(User).where(User.email == "lee@example.org"))
        assert user is not None and user.language == "ar"


def test_with_one_language_there_is_no_switcher_and_no_profile_choice(course_app: Flask) -> None:
    course_app.config["LANGUAGES"] = ("en_GB",)
    page = course_app.test_client().get("/who-to-call").get_data(as_text=True)
    assert "language-switch" not in page
    client = signed_in(course_app, "lee@example.org")
    assert 'id="language"' not in client.get("/account/profile").get_data(as_text=True)
    saved = post_form(client, "/account/profile", {"name": "Lee Learner", "region": "uk"})
    assert saved.status_code == 302


def test_course_content_in_english_says_so_on_a_page_in_another_language(
    multilingual: Flask,
) -> None:
    client = multilingual.test_client()
    english = client.get("/modules/staying-safe/the-steps").get_data(as_text=True)
    assert '<div class="prose">' in english

    client.get("/language/ar")
    arabic = client.get("/modules/staying-safe/the-steps").get_data(as_text=True)

    assert '<div class="prose" lang="en" dir="ltr">' in arabic
    assert '<h1 class="heading-xl" lang="en" dir="ltr">The steps</h1>' in arabic
    module = client.get("/modules/staying-safe/").get_data(as_text=True)
    assert '<p class="lead" lang="en" dir="ltr">' in module


def test_an_email_to_someone_is_in_their_language_whoever_sends_it(multilingual: Flask) -> None:
    from course.catalogue.services import the_course
    from course.certificates import services as certificates
    from tests.fixtures.factories import make_user
    from tests.fixtures.learning import complete_course
    from tests.fixtures.mail import queued_emails

    with multilingual.test_request_context(headers={"Accept-Language": "en-GB"}):
        holder = make_user(email="camille@example.org", name="Camille")
        holder.language = "fr"
        english = make_user(email="lee@example.org", name="Lee")
        db.session.commit()
        course = the_course()
        assert course is not None
        for person in (holder, english):
            complete_course(person, course)
            certificate = certificates.issue_certificate(person, course, person.name)
            db.session.flush()
            certificates.revoke_certificate(certificate.code, "taken by someone else")
        db.session.commit()

        french = queued_emails("camille@example.org")
        others = queued_emails("lee@example.org")

    assert [email.subject for email in french] == [
        "Votre certificat CT Citizen",
        "Votre certificat CT Citizen a été révoqué",
    ]
    assert "Bonjour" in french[0].text_body
    assert [email.subject for email in others] == [
        "Your CT Citizen certificate",
        "Your CT Citizen certificate has been revoked",
    ]


@pytest.mark.parametrize(
    ("language", "title", "direction"),
    [
        ("ar", "شهادة إتمام", "rtl"),
        ("cy", "Tystysgrif cwblhau", "ltr"),
        (None, "Certificate of completion", "ltr"),
    ],
)
def test_a_certificate_is_printed_in_the_language_it_was_earned_in(
    multilingual: Flask, language: str | None, title: str, direction: str
) -> None:
    from course.catalogue.services import the_course
    from course.certificates import services as certificates
    from course.certificates.services import _certificate_html
    from tests.fixtures.factories import make_user
    from tests.fixtures.learning import complete_course
    from tests.fixtures.pdf import pdf_text, require_tools

    require_tools("pdftotext")
    with multilingual.test_request_context(headers={"Accept-Language": "en-GB"}):
        holder = make_user(email="holder@example.org", name="ليلى حداد")
        holder.language = language
        db.session.commit()
        course = the_course()
        assert course is not None
        complete_course(holder, course)
        certificate = certificates.issue_certificate(holder, course, holder.name)
        db.session.commit()
        html = _certificate_html(certificate)
        stored_language = certificate.language
        content = certificates.render_and_store_pdf(certificate)

    assert stored_language == (language or "en_GB")
    assert f'dir="{direction}"' in html.split(">", 2)[1]
    assert content is not None
    text = pdf_text(content)
    assert title in text or title[::-1] in text  # pdftotext may give Arabic in visual order


def test_an_organisations_reminders_go_to_each_member_in_their_language(
    multilingual: Flask,
) -> None:
    from course.catalogue.services import the_course
    from course.organisations.reminders import send_reminders
    from tests.fixtures.factories import make_org, make_user
    from tests.fixtures.mail import queued_emails

    with multilingual.test_request_context(headers={"Accept-Language": "en-GB"}):
        french = make_user(email="camille@example.org", name="Camille")
        french.language = "fr"
        english = make_user(email="lee@example.org", name="Lee")
        db.session.commit()
        organisation = make_org(name="Théâtre du Port", members=[french, english], due_days=30)
        send_reminders(organisation, the_course())  # type: ignore[arg-type]
        db.session.commit()
        [to_french] = queued_emails("camille@example.org")
        [to_english] = queued_emails("lee@example.org")

    assert to_french.subject == "Théâtre du Port vous demande de terminer CT Citizen"
    assert "Bonjour Camille" in to_french.text_body
    assert to_english.subject == "Théâtre du Port asks you to complete CT Citizen"
    assert "Hello Lee" in to_english.text_body


def test_registering_in_a_language_keeps_it_for_later_emails(multilingual: Flask) -> None:
    client = multilingual.test_client()
    client.get("/language/cy")

    post_form(
        client,
        "/register",
        {
            "name": "Gwen Jones",
            "email": "gwen@example.org",
            "password": "plum kettle orbit saddle",
            "confirm": "plum kettle orbit saddle",
            "region": "uk",
        },
    )

    with multilingual.app_context():
        user = db.session.scalar(select(User).where(User.email == "gwen@example.org"))
        assert user is not None and user.language == "cy"
