"""Translating on the web: each language's parts and their state, one part edited beside its
English, saved into the draft (checked, audited) and published like any change."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from course.accounts.models import Role
from course.audit.models import AuditEntry
from course.authoring.models import ModuleDraft
from course.catalogue.bundle import read_bundle
from course.catalogue.translations import english_parts, source_hash
from course.extensions import db
from tests.fixtures.apps import import_bundle
from tests.fixtures.authoring import module_id_of, publish, save_draft_form
from tests.fixtures.clients import signed_in_admin
from tests.fixtures.content_bundles import replace_in
from tests.fixtures.module_zips import upload
from tests.fixtures.translations import FIRST_MODULE, translate_into_welsh

WELSH_LESSON = (
    "## Pan fydd yn ddiogel\n\n::: region uk\nFfoniwch 999.\n:::\n\n::: region us\n"
    "Ffoniwch 911.\n:::\n\n::: region au\nFfoniwch 000.\n:::\n\n::: region eu\n"
    "Ffoniwch 112.\n:::\n"
)


@pytest.fixture
def welsh_app(app: Flask, bundle: Path) -> Flask:
    translate_into_welsh(app, bundle)
    import_bundle(app, bundle)
    return app


@pytest.fixture
def author(welsh_app: Flask) -> FlaskClient:
    return signed_in_admin(welsh_app, "author@example.org", role=Role.AUTHOR)


def translations_path(app: Flask, rest: str = "") -> str:
    return f"/admin/modules/{module_id_of(app)}/translations/{rest}"


def draft_translation(app: Flask) -> dict:  # type: ignore[type-arg]
    with app.app_context():
        draft = db.session.scalar(select(ModuleDraft))
        assert draft is not None
        return draft.content["translations"]["cy"]  # type: ignore[no-any-return]


def test_the_module_page_links_to_its_translations_and_each_language_is_counted(
    welsh_app: Flask, author: FlaskClient
) -> None:
    module_page = author.get(f"/admin/modules/{module_id_of(welsh_app)}/").get_data(as_text=True)
    index = author.get(translations_path(welsh_app))

    assert translations_path(welsh_app) in module_page
    text = index.get_data(as_text=True)
    assert index.status_code == 200
    cy_row = text.split('lang="cy">Cymraeg</a></td>')[1].split("</tr>")[0]
    assert [cell.strip() for cell in cy_row.split("<td>")[1:]] == ["3</td>", "0</td>", "7</td>"]
    assert 'lang="ar">العربية</a>' in text and 'lang="fr">Français</a>' in text


def test_the_language_page_lists_every_part_with_its_state(
    welsh_app: Flask, author: FlaskClient
) -> None:
    page = author.get(translations_path(welsh_app, "cy/")).get_data(as_text=True)

    assert page.count('tag--green">Up to date') == 3
    assert page.count('tag--grey">Not translated') == 7
    assert f'{translations_path(welsh_app, "cy/question:film-it")}">Quiz question</a>' in page


def test_a_part_is_shown_beside_its_english_in_fields_of_the_language(
    welsh_app: Flask, author: FlaskClient
) -> None:
    page = author.get(translations_path(welsh_app, "cy/question:first-step")).get_data(as_text=True)

    assert "What is the first thing to do if there is an attack" in page
    assert 'name="t-choices/0/text" lang="cy" dir="auto"' in page
    assert ">Gadael ar hyd y ffordd ddiogel</textarea>" in page
    assert "Choice 3" in page


def test_saving_a_translation_puts_it_in_the_draft_tied_to_the_english_and_audits_it(
    welsh_app: Flask, author: FlaskClient
) -> None:
    path = translations_path(welsh_app, "cy/question:film-it")

    response = save_draft_form(
        author,
        path,
        {
            "t-prompt": "Dylech chi ffilmio'r ymosodwr i helpu'r heddlu.",
            "t-explanation": "Mae ffilmio'n eich arafu. Ewch i ffwrdd, yna ffoniwch yr heddlu.",
        },
    )

    assert response.status_code == 302
    saved = draft_translation(welsh_app)["question:film-it"]
    assert saved["text"]["prompt"] == "Dylech chi ffilmio'r ymosodwr i helpu'r heddlu."
    with welsh_app.app_context():
        module = read_bundle_module(welsh_app)
        assert saved["translates"] == source_hash(english_parts(module)["question:film-it"])
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "module.translation_saved")
        )
        assert entry is not None and "cy translation of question:film-it" in entry.summary


def read_bundle_module(app: Flask):  # type: ignore[no-untyped-def]
    from tests.fixtures.apps import EXAMPLE_BUNDLE

    return read_bundle(EXAMPLE_BUNDLE).modules[0]


def test_an_empty_field_or_broken_markdown_is_refused_at_its_field_and_nothing_is_saved(
    welsh_app: Flask, author: FlaskClient
) -> None:
    path = translations_path(welsh_app, "cy/lesson:02-calling-for-help.md")

    response = save_draft_form(
        author, path, {"t-title": "", "t-markdown": "::: region uk\nFfoniwch 999.\n"}
    )

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Title: Enter the translation of this text" in page
    assert "Text (Markdown): Line 1:" in page
    assert "Ffoniwch 999." in page  # what was typed is kept
    with welsh_app.app_context():
        assert db.session.scalar(select(ModuleDraft)) is None


def test_a_stale_part_says_so_and_saving_it_brings_it_up_to_date(app: Flask, bundle: Path) -> None:
    translate_into_welsh(app, bundle)
    replace_in(bundle / FIRST_MODULE / "module.yaml", "title: Staying safe", "title: Safe")
    import_bundle(app, bundle)
    author = signed_in_admin(app, "author@example.org", role=Role.AUTHOR)
    path = translations_path(app, "cy/module")

    page = author.get(path).get_data(as_text=True)
    assert "Out of date" in page and "The English has changed since" in page
    save_draft_form(
        author,
        path,
        {
            "t-title": "Diogel",
            "t-summary": "Beth i'w wneud mewn ymosodiad.",
            "t-objectives/0": "Gwybod y camau i'w cymryd mewn ymosodiad.",
        },
    )

    after = author.get(path).get_data(as_text=True)
    assert "Up to date" in after and "The English has changed since" not in after


def test_a_published_translation_reaches_welsh_readers(
    welsh_app: Flask, author: FlaskClient
) -> None:
    save_draft_form(
        author,
        translations_path(welsh_app, "cy/lesson:02-calling-for-help.md"),
        {
            "t-title": "Galw am help",
            "t-markdown": WELSH_LESSON,
        },
    )
    publish(author, welsh_app)

    page = welsh_app.test_client().get(
        "/modules/staying-safe/calling-for-help", headers={"Accept-Language": "cy"}
    )

    assert '<h1 class="heading-xl">Galw am help</h1>' in page.get_data(as_text=True)
    assert "Ffoniwch 999." in page.get_data(as_text=True)


def test_a_language_or_part_that_is_not_there_is_not_found(
    welsh_app: Flask, author: FlaskClient
) -> None:
    assert author.get(translations_path(welsh_app, "de/")).status_code == 404
    assert author.get(translations_path(welsh_app, "../")).status_code == 404
    assert author.get(translations_path(welsh_app, "cy/question:nope")).status_code == 404


def test_a_save_from_an_out_of_date_page_is_refused(welsh_app: Flask, author: FlaskClient) -> None:
    path = translations_path(welsh_app, "cy/question:film-it")

    response = save_draft_form(
        author, path, {"revision": "7", "t-prompt": "x", "t-explanation": "y"}
    )

    assert response.status_code == 409
    with welsh_app.app_context():
        assert db.session.scalar(select(ModuleDraft)) is None


def test_a_translation_that_leaves_out_a_regions_passage_is_refused(
    welsh_app: Flask, author: FlaskClient
) -> None:
    only_the_uk = "## Pan fydd yn ddiogel\n\n::: region uk\nFfoniwch 999.\n:::\n"

    response = save_draft_form(
        author,
        translations_path(welsh_app, "cy/lesson:02-calling-for-help.md"),
        {"t-title": "Galw am help", "t-markdown": only_the_uk},
    )

    assert response.status_code == 400
    assert (
        "Text (Markdown): the region passages must be those of the English, in its order (uk; us; "
        "au; eu), not uk" in response.get_data(as_text=True)
    )


def test_a_zip_carries_the_translations_and_its_import_changes_nothing(
    welsh_app: Flask, author: FlaskClient
) -> None:
    module_id = module_id_of(welsh_app)
    exported = author.get(f"/admin/modules/{module_id}/versions/1/export")
    assert exported.status_code == 200
    with zipfile.ZipFile(io.BytesIO(exported.data)) as archive:
        names = set(archive.namelist())
    assert f"{FIRST_MODULE}/translations/cy/01-the-steps.md" in names
    assert f"{FIRST_MODULE}/translations/cy/quiz.yaml" in names

    response = upload(author, exported.data)

    assert response.status_code == 302
    with author.session_transaction() as session:
        messages = [message for _category, message in session.get("_flashes", [])]
    assert any("Nothing changed" in message for message in messages), messages
