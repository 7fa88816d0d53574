"""The web quiz editor: authors add, edit, reorder and delete a module's questions in its draft.

Its form is built from each question type's field list, so every registered type (and one made up
here) is editable without a page of its own; what it stores is what ``quiz.yaml`` would give.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import func, select
from werkzeug.routing import Rule

from course import create_app
from course.accounts.models import Role
from course.audit.models import AuditEntry
from course.authoring.models import ModuleDraft
from course.catalogue.models import Module
from course.catalogue.question_types import (
    FieldIssue,
    FieldSpec,
    QuestionType,
    all_question_types,
    question_type,
    register,
    unregister,
)
from course.catalogue.yaml_source import SourceMap, load_yaml
from course.extensions import db
from tests.fixtures.authoring import module_id_of, save_draft_form
from tests.fixtures.clients import signed_in, signed_in_admin
from tests.fixtures.web import csrf_token_from

QUIZ = Path(__file__).parent.parent / "modules" / "01-understanding-the-threat" / "quiz.yaml"
EXAMPLE_QUESTIONS: list[SourceMap] = load_yaml(QUIZ.read_text(encoding="utf-8"))["questions"]


def example_of(type_name: str) -> SourceMap:
    """The first question of ``type_name`` in the real course's first quiz."""
    return next(question for question in EXAMPLE_QUESTIONS if question["type"] == type_name)


def form_data(schema: type[QuestionType], question: dict[str, Any]) -> dict[str, Any]:
    """What an author types into the editor to enter ``question`` (a quiz.yaml question)."""
    data: dict[str, Any] = {}
    for spec in schema.common_fields + schema.fields:
        value = question.get(spec.name)
        if value is None:
            continue
        if spec.kind == "text":
            data[spec.name] = str(value)
        elif spec.kind == "boolean":
            data[spec.name] = "true" if value else "false"
        elif spec.kind == "regions":
            data[spec.name] = [str(region) for region in value]
        elif spec.kind == "choices":
            for row, choice in enumerate(value, start=1):
                data[f"{spec.name}-{row}-text"] = choice["text"]
                if choice.get("correct"):
                    data[f"{spec.name}-{row}-correct"] = "true"
        elif spec.kind == "one_right_choice":
            for row, choice in enumerate(value, start=1):
                data[f"{spec.name}-{row}-text"] = choice["text"]
                if choice.get("correct"):
                    data[f"{spec.name}-right"] = str(row)
        elif spec.kind == "items":
            for row, item in enumerate(value, start=1):
                data[f"{spec.name}-{row}"] = str(item)
        elif spec.kind == "pairs":
            for row, pair in enumerate(value, start=1):
                data[f"{spec.name}-{row}-left"] = pair["left"]
                data[f"{spec.name}-{row}-right"] = pair["right"]
    return data


class FormValues(HTMLParser):
    """The values a browser would submit from the form of a page that posts to ``action``."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.values: dict[str, list[str]] = {}
        self._in_form = False
        self._done = False
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form" and attributes.get("action") == self.action and not self._done:
            self._in_form = True
        if not self._in_form:
            return
        if tag == "input":
            kind = attributes.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attributes:
                return
            self.values.setdefault(attributes["name"], []).append(attributes.get("value", ""))
        elif tag == "textarea":
            self._textarea = attributes["name"]
            self.values.setdefault(self._textarea, []).append("")

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea][-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "form" and self._in_form:
            self._in_form, self._done = False, True


def form_values(page: str, action: str) -> dict[str, list[str]]:
    parser = FormValues(action)
    parser.feed(page)
    return parser.values


def stored_questions(app: Flask, module_id: int) -> list[dict[str, Any]] | None:
    """The questions of the module's draft, or ``None`` while it has no draft."""
    with app.app_context():
        draft = db.session.scalar(select(ModuleDraft).where(ModuleDraft.module_id == module_id))
        return None if draft is None else draft.content["questions"]


def audit_actions(app: Flask) -> list[tuple[str, str]]:
    with app.app_context():
        return [
            (entry.action, entry.actor_email)
            for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]


def published_questions(app: Flask, module_id: int) -> list[dict[str, Any]]:
    from course.authoring.draft_document import document_of_version

    with app.app_context():
        module = db.session.get(Module, module_id)
        assert module is not None and module.current_version is not None
        return document_of_version(module.current_version)["questions"]


@pytest.fixture
def author(course_app: Flask) -> FlaskClient:
    return signed_in_admin(course_app, "author@example.org", role=Role.AUTHOR)


@pytest.fixture
def module_id(course_app: Flask) -> int:
    return module_id_of(course_app)


def questions_path(module_id: int, rest: str = "") -> str:
    return f"/admin/modules/{module_id}/questions/{rest}"


# Creating every type --------------------------------------------------------------------------


@pytest.mark.parametrize("type_name", sorted(all_question_types()))
def test_every_question_type_can_be_created_through_the_editor(
    course_app: Flask, author: FlaskClient, module_id: int, type_name: str
) -> None:
    schema = question_type(type_name)
    example = example_of(type_name)
    chooser = author.get(questions_path(module_id, "new")).get_data(as_text=True)
    assert f'href="{questions_path(module_id, "new/" + type_name)}"' in chooser
    before = published_questions(course_app, module_id)

    response = save_draft_form(
        author, questions_path(module_id, f"new/{type_name}"), form_data(schema, example)
    )

    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith(
        questions_path(module_id) + f"#question-{len(before) + 1}"
    )
    assert stored_questions(course_app, module_id) == [*before, schema.canonical(example)]
    assert audit_actions(course_app)[-1] == ("question.added", "author@example.org")
    listing = author.get(questions_path(module_id)).get_data(as_text=True)
    assert "is saved" in listing
    assert str(escape(example["id"])) in listing


# Editing what was imported --------------------------------------------------------------------


def test_editing_an_imported_question_shows_every_stored_value_and_saves_the_change(
    course_app: Flask, author: FlaskClient, module_id: int
) -> None:
    published = published_questions(course_app, module_id)
    for number, question in enumerate(published, start=1):
        path = questions_path(module_id, str(number))
        page = author.get(path).get_data(as_text=True)
        shown = form_values(page, path)
        expected = form_data(question_type(question["type"]), question)
        for name, value in expected.items():
            assert shown[name] == (value if isinstance(value, list) else [value]), (number, name)

    path = questions_path(module_id, "1")
    values = form_values(author.get(path).get_data(as_text=True), path)
    values["prompt"] = ["What should you do first in an attack, if you can?"]
    response = author.post(path, data=values)

    assert response.status_code == 302, response.get_data(as_text=True)
    stored = stored_questions(course_app, module_id)
    assert stored is not None
    assert stored[0] == {
        **published[0],
        "prompt": "What should you do first in an attack, if you can?",
    }
    assert stored[1:] == published[1:]
    assert audit_actions(course_app)[-1] == ("question.saved", "author@example.org")

    values = form_values(author.get(path).get_data(as_text=True), path)
    assert author.post(path, data=values).status_code == 302
    assert [action for action, _email in audit_actions(course_app)].count("question.saved") == 2


# Errors beside their fields -------------------------------------------------------------------


def _single_choice(**changes: Any) -> dict[str, Any]:
    data = form_data(question_type("single_choice"), example_of("single_choice"))
    data["id"] = "new-question"
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def _with(type_name: str, **changes: Any) -> dict[str, Any]:
    data = form_data(question_type(type_name), example_of(type_name))
    data["id"] = "new-question"
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


ERROR_CASES = [
    ("single_choice", _single_choice(prompt="  "), "question-prompt", "Enter the question"),
    (
        "single_choice",
        _single_choice(**{f"choices-{row}-text": None for row in range(2, 5)}),
        "question-choices-1-text",
        "Write at least 2 choices",
    ),
    (
        "single_choice",
        _single_choice(**{"choices-right": None}),
        "question-choices-1-text",
        "Choose one right answer",
    ),
    (
        "single_choice",
        _single_choice(**{"choices-right": "6"}),
        "question-choices-1-text",
        "Write the text of each choice you mark as right",
    ),
    (
        "multiple_choice",
        _with("multiple_choice", **{f"choices-{row}-correct": None for row in range(1, 9)}),
        "question-choices-1-text",
        "Tick at least one right answer",
    ),
    (
        "ordering",
        _with("ordering", **{"items-4": "Low"}),
        "question-items-1",
        "Each item must be different: “Low” is there twice",
    ),
    (
        "matching",
        _with("matching", **{"pairs-2-right": ""}),
        "question-pairs-1-left",
        "Write both sides of every pair",
    ),
    (
        "true_false",
        _with("true_false", answer=None),
        "question-answer-true",
        "Choose whether the statement is true or false",
    ),
    (
        "single_choice",
        _single_choice(regions=["uk", "mars"]),
        "question-regions-uk",
        "Choose regions from the list",
    ),
    (
        "single_choice",
        _single_choice(id="first-step"),
        "question-id",
        "Another question of this module has this identifier",
    ),
    ("single_choice", _single_choice(id="Not A Slug"), "question-id", "Use lower-case letters"),
]


@pytest.mark.parametrize(
    ("type_name", "data", "anchor", "message"),
    ERROR_CASES,
    ids=[
        "missing-prompt",
        "one-choice",
        "no-right-choice",
        "right-choice-without-text",
        "no-right-choices",
        "duplicate-item",
        "pair-without-right",
        "no-answer",
        "unknown-region",
        "duplicate-id",
        "malformed-id",
    ],
)
def test_a_refused_question_shows_each_problem_at_its_field_and_changes_nothing(
    course_app: Flask,
    author: FlaskClient,
    module_id: int,
    type_name: str,
    data: dict[str, Any],
    anchor: str,
    message: str,
) -> None:
    entries_before = audit_actions(course_app)

    response = save_draft_form(author, questions_path(module_id, f"new/{type_name}"), data)

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page
    summary = page.split('class="error-summary__list"')[1].split("</ul>")[0]
    assert re.search(rf'<a href="#{anchor}">[^<]*{re.escape(message)}', summary), summary
    assert f'id="{anchor}"' in page
    field_of_anchor = anchor.removeprefix("question-").split("-")[0]
    assert re.search(
        rf'id="question-{field_of_anchor}[^"]*-error-\d+" class="error-message">'
        rf"[^<]*<span[^>]*>[^<]*</span>[^<]*{re.escape(message)}",
        page,
    )
    assert "<title>Error:" in page
    for file_words in ("correct: true", "(found", "missing ", "must be a list", "entries, not"):
        assert file_words not in summary, summary
    assert stored_questions(course_app, module_id) is None
    assert audit_actions(course_app) == entries_before


def test_single_choice_picks_its_one_right_answer_with_radio_buttons(
    author: FlaskClient, module_id: int
) -> None:
    page = author.get(questions_path(module_id, "new/single_choice")).get_data(as_text=True)
    multiple = author.get(questions_path(module_id, "new/multiple_choice")).get_data(as_text=True)

    radios = re.findall(r'<input[^>]*name="choices-right"[^>]*>', page)
    assert len(radios) == 8 and all('type="radio"' in radio for radio in radios)
    assert 'type="checkbox"' not in page.split('name="choices-1-text"')[1].split("</fieldset>")[0]
    assert "Choice 1 is the right answer" in page
    assert re.search(r'<input[^>]*name="choices-1-correct"[^>]*type="checkbox"', multiple)


def test_the_editor_and_the_file_validator_say_the_same_problem_in_their_own_words() -> None:
    question = load_yaml(
        "id: two-right\n"
        "type: single_choice\n"
        "prompt: Which?\n"
        "choices:\n"
        "  - {text: A, correct: true}\n"
        "  - {text: B, correct: true}\n"
        "explanation: Because.\n"
    )

    [issue] = question_type("single_choice").check(question)

    assert issue.message == "exactly one choice must be marked correct: true (found 2)"
    assert issue.author_message == "Choose one right answer"
    assert issue.line == 4 and issue.field == "choices"


def test_an_empty_identifier_is_made_from_the_question_and_kept_unique(
    course_app: Flask, author: FlaskClient, module_id: int
) -> None:
    path = questions_path(module_id, "new/single_choice")
    data = _single_choice(id="", prompt="Where is the safest place to go? Think first.")

    first = save_draft_form(author, path, data)
    second = save_draft_form(author, path, data)

    assert first.status_code == second.status_code == 302
    stored = stored_questions(course_app, module_id)
    assert stored is not None
    assert [question["id"] for question in stored[-2:]] == [
        "where-is-the-safest-place",
        "where-is-the-safest-place-2",
    ]
    listing = author.get(questions_path(module_id)).get_data(as_text=True)
    assert "with the identifier where-is-the-safest-place-2 made from its words" in listing


def test_a_refused_question_shows_the_identifier_made_for_it_to_change(
    course_app: Flask, author: FlaskClient, module_id: int
) -> None:
    path = questions_path(module_id, "new/single_choice")
    data = _single_choice(id="", prompt="Où est la sortie ?", **{"choices-right": None})

    page = save_draft_form(author, path, data).get_data(as_text=True)

    assert "Choose one right answer" in page
    assert form_values(page, path)["id"] == ["ou-est-la-sortie"]
    assert stored_questions(course_app, module_id) is None


@pytest.mark.parametrize(
    ("prompt", "taken", "expected"),
    [
        ("What do you do first when you find a suspicious item?", set(), "what-do-you-do-first"),
        ("Run, hide, tell!", {"run-hide-tell", "run-hide-tell-2"}, "run-hide-tell-3"),
        ("Ça va? Déjà vu", set(), "ca-va-deja-vu"),
        ("ما هو رقم الطوارئ؟", set(), "question"),
        ("   ", set(), ""),
        ("Supercalifragilisticexpialidocious " * 3, set(), "supercalifragilisticexpialidocious"),
    ],
)
def test_identifiers_made_from_questions_are_slugs_of_their_first_words(
    prompt: str, taken: set[str], expected: str
) -> None:
    from course.authoring.question_editor import derived_question_id

    assert derived_question_id(prompt, taken) == expected


def test_a_refused_question_keeps_what_the_author_typed(
    course_app: Flask, author: FlaskClient, module_id: int
) -> None:
    data = _single_choice(prompt="", explanation="My careful explanation")

    page = save_draft_form(author, questions_path(module_id, "new/single_choice"), data).get_data(
        as_text=True
    )

    shown = form_values(page, questions_path(module_id, "new/single_choice"))
    assert shown["explanation"] == ["My careful explanation"]
    assert shown["choices-1-text"] == [data["choices-1-text"]]
    assert shown["choices-right"] == [data["choices-right"]]


def test_unknown_question_types_and_numbers_are_not_found(
    author: FlaskClient, module_id: int
) -> None:
    assert author.get(questions_path(module_id, "new/essay")).status_code == 404
    token = csrf_token_from(
        author.get(questions_path(module_id, "new/single_choice")).get_data(as_text=True)
    )
    assert (
        author.post(questions_path(module_id, "new/essay"), data={"csrf_token": token}).status_code
        == 404
    )
    assert author.get(questions_path(module_id, "8")).status_code == 404
    assert author.get(questions_path(module_id, "0")).status_code == 404
    assert author.get(questions_path(module_id, "8/delete")).status_code == 404
    assert author.get("/admin/modules/9999/questions/").status_code == 404


def test_changes_without_a_valid_form_token_are_refused(
    course_app: Flask, author: FlaskClient, module_id: int
) -> None:
    path = questions_path(module_id, "new/single_choice")
    data = {"revision": "0", **_single_choice(prompt="Typed before the page expired")}

    response = author.post(path, data=data)

    assert response.status_code == 400
    assert stored_questions(course_app, module_id) is None
    move = author.post(questions_path(module_id, "1/move"), data={"direction": "down"})
    assert move.status_code == 400
    assert author.post(questions_path(module_id, "1/delete"), data={}).status_code == 400
    assert stored_questions(course_app, module_id) is None


# Two authors at once --------------------------------------------------------------------------


def test_a_save_from_an_out_of_date_page_is_refused_with_409_and_changes_nothing(
    course_app: Flask, author: FlaskClient, module_id: int
) -> None:
    other = signed_in_admin(course_app, "other@example.org", role=Role.AUTHOR)
    path = questions_path(module_id, "1")
    opened = author.get(path).get_data(as_text=True)
    mine = form_values(opened, path)
    assert (
        save_draft_form(
            other, questions_path(module_id, "2/move"), {"direction": "up"}, path
        ).status_code
        == 302
    )
    after_other = stored_questions(course_app, module_id)
    entries = audit_actions(course_app)

    mine["prompt"] = ["My reworded prompt"]
    response = author.post(path, data=mine)

    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Your changes were not saved: other@example.org saved this module" in page
    assert form_values(page, path)["prompt"] == ["My reworded prompt"]
    assert stored_questions(course_app, module_id) == after_other
    assert audit_actions(course_app) == entries


def test_moving_or_deleting_from_an_out_of_date_page_is_refused(
    course_app: Flask, author: FlaskClient, module_id: int
) -> None:
    listing = author.get(questions_path(module_id)).get_data(as_text=True)
    stale = {"csrf_token": csrf_token_from(listing), "revision": "0"}
    assert (
        save_draft_form(
            author,
            questions_path(module_id, "1/move"),
            {"direction": "down"},
            questions_path(module_id),
        ).status_code
        == 302
    )
    after_move = stored_questions(course_app, module_id)

    moved = author.post(questions_path(module_id, "1/move"), data={**stale, "direction": "down"})
    deleted = author.post(questions_path(module_id, "1/delete"), data=stale)

    assert moved.status_code == 409
    assert deleted.status_code == 409
    assert "Your changes were not saved" in deleted.get_data(as_text=True)
    assert stored_questions(course_app, module_id) == after_move


# Reordering and deleting ----------------------------------------------------------------------


def test_questions_move_up_and_down_without_javascript(
    course_app: Flask, author: FlaskClient, module_id: int
) -> None:
    published = published_questions(course_app, module_id)
    listing = author.get(questions_path(module_id)).get_data(as_text=True)
    assert listing.count('name="direction" value="up"') == len(published) - 1
    assert listing.count('name="direction" value="down"') == len(published) - 1
    assert not re.search(r"<script(?![^>]*\bsrc=)", listing), "no inline script"

    response = save_draft_form(
        author,
        questions_path(module_id, "1/move"),
        {"direction": "down"},
        questions_path(module_id),
    )
    assert response.status_code == 302
    assert [q["id"] for q in stored_questions(course_app, module_id) or []][:2] == [
        published[1]["id"],
        published[0]["id"],
    ]
    save_draft_form(
        author, questions_path(module_id, "2/move"), {"direction": "up"}, questions_path(module_id)
    )
    assert stored_questions(course_app, module_id) == published
    assert "Question 2 is now question 1." in author.get(questions_path(module_id)).get_data(
        as_text=True
    )
    page = questions_path(module_id)
    assert (
        save_draft_form(
            author, questions_path(module_id, "1/move"), {"direction": "sideways"}, page
        ).status_code
        == 400
    )
    assert audit_actions(course_app)[-1][0] == "question.moved"


def test_deleting_a_question_asks_first_then_removes_it_from_the_draft_only(
    course_app: Flask, author: FlaskClient, module_id: int
) -> None:
    published = published_questions(course_app, module_id)
    confirm_path = questions_path(module_id, "1/delete")
    confirm = author.get(confirm_path).get_data(as_text=True)
    assert str(escape(published[0]["prompt"])) in confirm
    assert stored_questions(course_app, module_id) is None

    response = save_draft_form(author, confirm_path, {})

    assert response.status_code == 302
    assert stored_questions(course_app, module_id) == published[1:]
    assert published_questions(course_app, module_id) == published
    assert f"The question {published[0]['id']} is deleted." in author.get(
        questions_path(module_id)
    ).get_data(as_text=True)
    assert audit_actions(course_app)[-1] == ("question.deleted", "author@example.org")


def test_the_list_warns_when_a_region_has_fewer_questions_than_an_attempt_draws(
    course_app: Flask, author: FlaskClient, module_id: int
) -> None:
    listing = author.get(questions_path(module_id)).get_data(as_text=True)
    assert "7 questions in all." in listing
    assert "Each attempt draws 5 questions" in listing
    assert "Too few questions" not in listing

    save_draft_form(author, questions_path(module_id, "1/delete"), {})

    listing = author.get(questions_path(module_id)).get_data(as_text=True)
    for region in ("United Kingdom", "United States", "Australia", "European Union"):
        assert (
            f"Too few questions for {region}: 4 apply there, but each attempt draws 5." in listing
        )


# A new type needs no new page -----------------------------------------------------------------


class Agreement(QuestionType):
    """A made-up type: a claim to judge, with the reasons in order (existing kinds only)."""

    name = "agreement"
    label = "Agree or disagree, with reasons"
    fields: ClassVar[tuple[FieldSpec, ...]] = (
        FieldSpec("agree", "Experts agree", "boolean"),
        FieldSpec("reasons", "Reasons, most important first", "items"),
        FieldSpec("sources", "Sources and what they say", "pairs"),
    )

    @classmethod
    def check_own_fields(cls, question: SourceMap) -> list[FieldIssue]:
        issues = []
        if not isinstance(question.get("agree"), bool):
            issues.append(FieldIssue(1, "say whether experts agree", "agree"))
        if len(question.get("reasons") or []) < 1:
            issues.append(FieldIssue(1, "give at least one reason", "reasons"))
        return issues

    @classmethod
    def canonical_own_fields(cls, question: dict[str, Any]) -> dict[str, Any]:
        return {
            "agree": question["agree"],
            "reasons": list(question["reasons"]),
            "sources": [dict(pair) for pair in question.get("sources") or []],
        }


@pytest.fixture
def agreement_type() -> Iterator[None]:
    """:class:`Agreement` registered for one test only."""
    register(Agreement)
    try:
        yield
    finally:
        unregister(Agreement.name)


@pytest.mark.usefixtures("agreement_type")
def test_a_newly_registered_question_type_gets_a_working_editor_without_a_new_page(
    course_app: Flask, author: FlaskClient, module_id: int
) -> None:
    path = questions_path(module_id, "new/agreement")
    assert "Agree or disagree, with reasons" in author.get(
        questions_path(module_id, "new")
    ).get_data(as_text=True)
    page = author.get(path).get_data(as_text=True)
    for label in ("Experts agree", "Reasons, most important first", "Sources and what they say"):
        assert label in page

    refused = save_draft_form(
        author, path, {"id": "agreed", "prompt": "Claim", "explanation": "Why"}
    )
    assert refused.status_code == 200
    assert '<a href="#question-agree-true">' in refused.get_data(as_text=True)
    assert '<a href="#question-reasons-1">' in refused.get_data(as_text=True)

    question = {
        "id": "agreed",
        "type": "agreement",
        "prompt": "Most reports to the police come from the public.",
        "agree": True,
        "reasons": ["People see more", "Police ask for it"],
        "sources": [{"left": "Police", "right": "Public reports help"}],
        "explanation": "Public reports help investigations.",
        "regions": ["uk"],
    }
    saved = save_draft_form(author, path, form_data(Agreement, question))
    assert saved.status_code == 302, saved.get_data(as_text=True)
    stored = stored_questions(course_app, module_id)
    assert stored is not None and stored[-1] == Agreement.canonical(question)

    number = len(stored)
    edit_path = questions_path(module_id, str(number))
    shown = form_values(author.get(edit_path).get_data(as_text=True), edit_path)
    assert shown["agree"] == ["true"]
    assert shown["reasons-2"] == ["Police ask for it"]
    assert shown["sources-1-right"] == ["Public reports help"]
    assert shown["regions"] == ["uk"]


# Stored cross-site scripting ------------------------------------------------------------------


PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "<svg onload=alert(1)>",
    '<math><mi xlink:href="javascript:alert(1)">',
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markup_posted_to_the_editor_is_only_ever_shown_escaped(
    course_app: Flask, author: FlaskClient, module_id: int, payload: str
) -> None:
    token = csrf_token_from(
        author.get(questions_path(module_id, "new/single_choice")).get_data(as_text=True)
    )
    data = {
        "csrf_token": token,
        "revision": "0",
        "id": "xss-question",
        "prompt": payload,
        "choices-1-text": payload,
        "choices-right": "1",
        "choices-2-text": "A safe choice",
        "explanation": payload,
    }
    assert author.post(questions_path(module_id, "new/single_choice"), data=data).status_code == 302
    refused = author.post(
        questions_path(module_id, "new/single_choice"),
        data={**data, "revision": "1", "id": payload},
    )
    assert refused.status_code == 200

    number = len(stored_questions(course_app, module_id) or [])
    pages = [
        refused.get_data(as_text=True),
        author.get(questions_path(module_id)).get_data(as_text=True),
        author.get(questions_path(module_id, str(number))).get_data(as_text=True),
        author.get(questions_path(module_id, f"{number}/delete")).get_data(as_text=True),
    ]
    for page in pages:
        if payload.startswith("<"):
            assert payload not in page
            assert str(escape(payload)) in page
        assert not re.search(r'(href|src|action)="\s*javascript:', page, re.I)
        assert "onerror=alert" not in page.replace(str(escape(payload)), "")
        assert "<svg" not in page and "<math" not in page and "<script>alert" not in page


# Access ---------------------------------------------------------------------------------------


def editor_routes() -> list[tuple[str, str]]:
    """Every (method, endpoint) of the question editor."""
    app = create_app({"SECRET_KEY": "routes", "DATABASE_URL": "sqlite://"})
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] != "admin_questions":
            continue
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            found.append((method, rule.endpoint))
    return sorted(found)


ROUTES = editor_routes()


def test_the_access_matrix_covers_every_editor_page() -> None:
    assert {endpoint for _method, endpoint in ROUTES} == {
        "admin_questions.index",
        "admin_questions.choose_type",
        "admin_questions.new",
        "admin_questions.edit",
        "admin_questions.move",
        "admin_questions.delete",
    }
    assert len(ROUTES) == 9


@pytest.mark.parametrize(("method", "endpoint"), ROUTES)
def test_only_authors_and_admins_with_two_factors_reach_the_question_editor(
    course_app: Flask, author: FlaskClient, module_id: int, method: str, endpoint: str
) -> None:
    clients = {
        "anonymous": course_app.test_client(),
        "learner": signed_in(course_app, "learner@example.org"),
        "author without two factors": signed_in(
            course_app, "author1@example.org", role=Role.AUTHOR
        ),
        "author": author,
        "admin": signed_in_admin(course_app, "chief@example.org"),
    }
    url_rule: Rule = next(r for r in course_app.url_map.iter_rules() if r.endpoint == endpoint)
    values = {"module_id": module_id, "number": 1, "type_name": "true_false"}
    with course_app.test_request_context():
        path = url_for(endpoint, **{k: v for k, v in values.items() if k in url_rule.arguments})

    def attempt(client: FlaskClient):  # type: ignore[no-untyped-def]
        if method == "GET":
            return client.get(path)
        token = csrf_token_from(client.get("/").get_data(as_text=True))
        with course_app.app_context():
            revision = db.session.scalar(
                select(func.coalesce(func.max(ModuleDraft.revision), 0)).where(
                    ModuleDraft.module_id == module_id
                )
            )
        return client.post(
            path, data={"csrf_token": token, "revision": str(revision), "direction": "down"}
        )

    responses = {who: attempt(client) for who, client in clients.items()}

    assert responses["anonymous"].status_code == 302
    assert "/login" in responses["anonymous"].headers["Location"]
    assert responses["learner"].status_code == 403
    assert responses["author without two factors"].status_code == 302
    assert "/two-factor" in responses["author without two factors"].headers["Location"]
    for who in ("author", "admin"):
        assert responses[who].status_code in (200, 302), (who, responses[who].status_code)
