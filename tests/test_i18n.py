"""Every user-facing string goes through Flask-Babel, and the English catalogue is current."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import get_locale

from course.config import PROJECT_ROOT

TEMPLATES = PROJECT_ROOT / "templates"
CATALOGUE = PROJECT_ROOT / "course" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
CODE = "\x00"  # stands for any Jinja expression or statement
TEXT_ATTRIBUTES = ("alt", "title", "aria-label", "placeholder")


def untranslated_text(app: Flask, template_source: str) -> list[str]:
    """Literal words in a template outside ``_()`` calls and ``{% trans %}`` blocks."""
    pieces: list[str] = []
    in_trans_block = False
    previous_token = ""
    for _line, token_type, value in app.jinja_env.lex(template_source):
        if token_type == "whitespace":
            continue
        if token_type == "data":
            pieces.append(CODE if in_trans_block else value)
        else:
            if token_type == "name" and previous_token == "block_begin":
                in_trans_block = {"trans": True, "endtrans": False}.get(value, in_trans_block)
            if not pieces or pieces[-1] != CODE:
                pieces.append(CODE)
        previous_token = token_type
    markup = "".join(pieces)
    markup = re.sub(r"<!--.*?-->", "", markup, flags=re.S)
    found: list[str] = []
    for tag in re.findall(r"<[^>]*>", markup):
        for attribute in TEXT_ATTRIBUTES:
            for value in re.findall(rf'\s{attribute}="([^"]*)"', tag):
                if re.search(r"[A-Za-z]", value.replace(CODE, "")):
                    found.append(f'{attribute}="{value}"')
    text = re.sub(r"<[^>]*>", " ", markup)
    text = re.sub(r"&[a-z]+;|&#\d+;", " ", text)
    found += [word for word in re.findall(r"[A-Za-z][A-Za-z'’]*", text.replace(CODE, " "))]
    return found


@pytest.mark.parametrize(
    "template", sorted(str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*.html"))
)
def test_templates_have_no_text_outside_translation_calls(app: Flask, template: str) -> None:
    source = (TEMPLATES / template).read_text()

    assert untranslated_text(app, source) == []


def test_the_checker_finds_bare_text_and_attributes(app: Flask) -> None:
    source = (
        '<p>{{ _("Fine") }} Not fine</p><img alt="Bare" src="{{ x }}">'
        "{% trans %}Also fine{% endtrans %}"
    )

    assert untranslated_text(app, source) == ['alt="Bare"', "Not", "fine"]


def test_the_english_catalogue_holds_every_string_in_the_code(tmp_path: Path) -> None:
    extracted = tmp_path / "messages.pot"
    subprocess.run(  # noqa: S603 - fixed arguments
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "--no-location",
            "-o",
            str(extracted),
            ".",
        ],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
    )
    with extracted.open("rb") as stream:
        in_code = {message.id for message in read_po(stream) if message.id}
    with CATALOGUE.open("rb") as stream:
        in_catalogue = {message.id for message in read_po(stream) if message.id}

    assert in_code - in_catalogue == set(), "run `make messages` to update the catalogue"
    assert in_catalogue - in_code == set(), "run `make messages` to drop unused strings"


def test_the_interface_language_follows_the_browser_within_supported_languages(
    app: Flask, client: FlaskClient
) -> None:
    with app.test_request_context(headers={"Accept-Language": "fr-FR, en;q=0.5"}):
        assert str(get_locale()) == "fr"
    with app.test_request_context(headers={"Accept-Language": "en-US, cy;q=0.5"}):
        assert str(get_locale()) == "en_GB"
    with app.test_request_context(headers={"Accept-Language": "de"}):
        assert str(get_locale()) == "en_GB"

    assert '<html lang="cy" dir="ltr">' in client.get(
        "/", headers={"Accept-Language": "cy-GB"}
    ).get_data(as_text=True)


def offered_translations() -> list[str]:
    """The languages offered besides English, from the settings a fresh clone runs with."""
    from course.config import DefaultConfig

    return [code for code in DefaultConfig.LANGUAGES if not code.startswith("en")]


@pytest.mark.parametrize("language", offered_translations() or ["none offered"])
def test_every_offered_catalogue_is_complete_and_current(language: str) -> None:
    """A language is offered only with every message translated: none missing, none fuzzy (a
    guess made when the English changed), none stale (kept for English that is gone)."""
    if language == "none offered":
        pytest.skip("no language besides English is offered yet")
    with CATALOGUE.open("rb") as stream:
        english = {message.id for message in read_po(stream) if message.id}
    path = CATALOGUE.parents[2] / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as stream:
        catalogue = read_po(stream, locale=language)
    messages = [message for message in catalogue if message.id]

    def first(message_id: object) -> str:
        return message_id[0] if isinstance(message_id, tuple | list) else str(message_id)

    missing = [
        first(message.id)
        for message in messages
        if not all(message.string if isinstance(message.string, tuple) else [message.string])
    ]
    fuzzy = [first(message.id) for message in messages if message.fuzzy]
    stale = [first(message.id) for message in catalogue.obsolete.values()]
    ids = {message.id for message in messages}

    assert english - ids == set(), f"{language}: run `make messages`"
    assert ids - english == set(), f"{language}: messages for English that is gone"
    assert missing == [], f"{language}: {len(missing)} untranslated, such as {missing[:3]}"
    assert fuzzy == [], f"{language}: {len(fuzzy)} fuzzy, such as {fuzzy[:3]}"
    assert stale == [], f"{language}: {len(stale)} stale, such as {stale[:3]}"
