"""ASVS V4 (access control) and V8 (data protection): a quiz never gives its answers away.

Before an attempt is submitted, nothing a learner receives (the quiz page, the page that says a
question was left unanswered, their data download) may show which option is right, the feedback
or the explanation, whether in text, attributes, hidden inputs, comments or the order the options
are shown in. After submission the result page shows them, to the attempt's owner only.

Every check runs for every type in the question-type registry
(``course.catalogue.question_types.all_question_types()``): a new type is checked as soon as it
is registered, and fails here until it has a decision below about what its display order may
reveal (its sample question is built from its fields).

Proved elsewhere and not repeated here:

- ``tests/test_learning_flow.py::test_quiz_pages_never_contain_answers_or_explanations`` (the
  example course's quiz page),
- ``tests/test_learning_flow.py::test_nobody_else_can_see_or_submit_an_attempt`` (another learner
  gets 404 for the attempt and its result),
- ``tests/security/test_access_matrix.py`` (who reaches the quiz routes at all).
"""

from __future__ import annotations

import copy
import json
import random
import re
from collections import Counter
from collections.abc import Callable
from html.parser import HTMLParser
from itertools import permutations
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from course.catalogue.question_types import (
    HIDDEN_UNTIL_SUBMITTED,
    QuestionType,
    all_question_types,
    question_type,
)
from course.extensions import db
from course.learning.models import QuizAttempt
from tests.fixtures.security_site import LEARNER, MEMBER, Site, csrf_token_for
from tests.fixtures.web import csrf_token_from, post_form

TYPES = sorted(all_question_types())
EXPLANATION = "Explanation that only shows after submitting"


def _sample_field(schema: type[QuestionType], kind: str) -> Any:
    """A value for one field of a type, built from the kind of field it is (what the web editor
    knows of it), with more than one option right where the type allows it."""
    if kind in ("choices", "one_right_choice"):
        several = getattr(schema, "max_correct", 1) > 1
        return [
            {"text": "Option Alpha", "correct": True},
            {"text": "Option Bravo"},
            {"text": "Option Charlie", **({"correct": True} if several else {})},
            {"text": "Option Delta"},
        ]
    if kind == "boolean":
        return False
    if kind == "items":
        return ["Step Alpha", "Step Bravo", "Step Charlie", "Step Delta"]
    if kind == "pairs":
        return [
            {"left": "Left Alpha", "right": "Right Alpha"},
            {"left": "Left Bravo", "right": "Right Bravo"},
            {"left": "Left Charlie", "right": "Right Charlie"},
        ]
    raise AssertionError(f"no sample for a {kind!r} field: add one to this test ({schema.name})")


def sample_question(type_name: str) -> dict[str, Any]:
    """A valid stored question of ``type_name``, as the catalogue would hold it."""
    schema = question_type(type_name)
    data: dict[str, Any] = {
        "id": f"sample-{type_name}",
        "type": type_name,
        "prompt": f"Sample {type_name} question",
        "explanation": f"{EXPLANATION} ({type_name}).",
    }
    for spec in schema.fields:
        data[spec.name] = _sample_field(schema, spec.kind)
    return schema.canonical(data)


def test_every_question_type_has_a_sample() -> None:
    for type_name in TYPES:
        question = sample_question(type_name)
        assert question_type(type_name).present(question, random.Random(1))["type"] == type_name


# What a page gives away ---------------------------------------------------------------------


class _Giveaways(HTMLParser):
    """Collects what in a quiz form could carry an answer: attributes beyond the plain ones a
    form needs, hidden inputs, comments, and every start tag with its attributes."""

    PLAIN_ATTRIBUTES = frozenset(
        {"class", "id", "name", "type", "value", "for", "method", "novalidate", "tabindex"}
        | {"aria-describedby", "aria-labelledby", "role", "checked", "selected"}
    )

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        names = {name for name, _value in attrs}
        for name in names - self.PLAIN_ATTRIBUTES:
            self.found.append(f"<{tag} {name}>")
        if tag == "input" and dict(attrs).get("type") == "hidden":
            if dict(attrs).get("name") != "csrf_token":
                self.found.append(f"hidden input {dict(attrs).get('name')}")
        for name, value in attrs:
            if value and re.search(r"correct|answer|explanation|right|wrong", value, re.I):
                if not (name == "class" and value.startswith("choice")):
                    self.found.append(f"<{tag} {name}={value!r}>")

    def handle_comment(self, data: str) -> None:
        self.found.append(f"<!--{data}-->")


def quiz_form(page: str) -> str:
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    return main[main.index("<form") : main.index("</form>")]


def giveaways(form_html: str) -> list[str]:
    parser = _Giveaways()
    parser.feed(form_html)
    return parser.found


def option_ids(question: dict[str, Any]) -> list[str]:
    """The random ids of everything a question shows (choices, items, left and right texts)."""
    ids: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("id"), str) and "text" in value:
                ids.append(value["id"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(question)
    return ids


def rekeyed(question: dict[str, Any]) -> dict[str, Any]:
    """The same presented question with a different answer key and explanation: every value
    hidden until submission changed, everything shown left as it was."""

    def change(value: Any) -> Any:
        if isinstance(value, bool):
            return not value
        if isinstance(value, str):
            return value + " (changed)"
        if isinstance(value, list):
            return list(reversed(value)) if len(set(map(repr, value))) > 1 else value
        if isinstance(value, dict):
            keys, values = list(value), list(value.values())
            return dict(zip(keys, values[1:] + values[:1], strict=True))
        return value

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                key: change(item) if key in HIDDEN_UNTIL_SUBMITTED else walk(item)
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    changed = walk(copy.deepcopy(question))
    assert changed != question, "the sample question has no answer key to change"
    return changed


# Pages -------------------------------------------------------------------------------------


def _set_questions(site: Site, attempt_id: int, questions: list[dict[str, Any]]) -> None:
    with site.app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        assert attempt is not None and attempt.submitted_at is None
        attempt.questions = questions
        db.session.commit()


def _attempt_path(site: Site) -> str:
    return f"/modules/{site.ids['slug']}/quiz/{site.ids['attempt_id']}"


def pages_before_submitting(site: Site, client: FlaskClient) -> dict[str, str]:
    """Everything the learner can get while the attempt is open."""
    path = _attempt_path(site)
    quiz = client.get(path)
    token = csrf_token_from(quiz.get_data(as_text=True))
    unanswered = client.post(path, data={"csrf_token": token})
    result = client.get(f"{path}/result")
    download = client.post("/account/data", data={"csrf_token": csrf_token_for(client)})
    assert quiz.status_code == 200
    assert unanswered.status_code == 200, "an empty submission is refused and shown again"
    assert result.status_code == 302 and result.headers["Location"] == path
    assert download.status_code == 200 and download.mimetype == "application/json"
    return {
        "quiz page": quiz.get_data(as_text=True),
        "unanswered page": unanswered.get_data(as_text=True),
        "data download": download.get_data(as_text=True),
    }


@pytest.mark.parametrize("type_name", TYPES)
def test_nothing_before_submission_shows_the_explanation_or_the_key(
    site: Site, type_name: str
) -> None:
    question = question_type(type_name).present(sample_question(type_name), random.Random(7))
    _set_questions(site, site.ids["attempt_id"], [question])

    received = pages_before_submitting(site, site.clients[LEARNER])

    for name, body in received.items():
        assert EXPLANATION not in body, name
        assert "Correct answer" not in body and "The statement is" not in body, name
    for name in ("quiz page", "unanswered page"):
        form = quiz_form(received[name])
        assert giveaways(form) == [], name
        assert all(option_id in form for option_id in option_ids(question)), "options are shown"
    download = json.loads(received["data download"])
    [shown] = [
        attempt
        for attempt in download["quiz_attempts"]
        if attempt["submitted_at"] is None and attempt["questions"]
    ]
    for key in HIDDEN_UNTIL_SUBMITTED:
        assert f'"{key}"' not in json.dumps(shown["questions"]), key


@pytest.mark.parametrize("type_name", TYPES)
def test_the_quiz_page_is_the_same_whatever_the_answer_key(site: Site, type_name: str) -> None:
    """Two questions that show the same options in the same order but have different answers
    (and explanations) give byte-identical forms: nothing in the page depends on the key."""
    question = question_type(type_name).present(sample_question(type_name), random.Random(3))
    learner = site.clients[LEARNER]
    forms = []
    for variant in (question, rekeyed(question)):
        _set_questions(site, site.ids["attempt_id"], [variant])
        page = learner.get(_attempt_path(site)).get_data(as_text=True)
        forms.append(re.sub(r'name="csrf_token"[^>]*>', "", quiz_form(page)))

    assert forms[0] == forms[1]


@pytest.mark.parametrize("type_name", TYPES)
def test_every_option_is_marked_up_alike_right_or_wrong(site: Site, type_name: str) -> None:
    question = question_type(type_name).present(sample_question(type_name), random.Random(5))
    _set_questions(site, site.ids["attempt_id"], [question])
    form = quiz_form(site.clients[LEARNER].get(_attempt_path(site)).get_data(as_text=True))
    parser = _Giveaways()
    parser.feed(form)

    ids = option_ids(question)
    shapes: Counter[tuple[str, tuple[tuple[str, str], ...]]] = Counter()
    for tag, attrs in parser.tags:
        if not any((value or "").startswith("question-1-") for _name, value in attrs):
            continue
        shape = []
        for name, value in attrs:
            for option_id in ids:
                value = (value or "").replace(option_id, "ID")
            shape.append((name, re.sub(r"\b(true|false|\d+)\b", "#", value)))
        shapes[(tag, tuple(sorted(shape)))] += 1

    assert shapes, "the options carry their ids"
    # Each kind of element (an input, a label, a select) looks the same for every option.
    assert len({tag for tag, _shape in shapes}) == len(shapes), shapes


# The order options are shown in -----------------------------------------------------------


def _choice_position_of_right_answer(shown: dict[str, Any], key: dict[str, Any]) -> object:
    right = {choice["id"] for choice in key["choices"] if choice["correct"]}
    return tuple(index for index, choice in enumerate(shown["choices"]) if choice["id"] in right)


def _order_shown_against_the_key(shown: dict[str, Any], key: dict[str, Any]) -> object:
    return tuple(key["correct_order"].index(item["id"]) for item in shown["items"])


def _pairing_shown_against_the_key(shown: dict[str, Any], key: dict[str, Any]) -> object:
    rights = [right["id"] for right in shown["rights"]]
    return tuple(rights.index(key["correct"][left["id"]]) for left in shown["lefts"])


#: For each type, what the learner sees of the key through the order of the options, and the
#: arrangements they must never see (an order that is itself the answer).
DISPLAY_ORDER: dict[str, tuple[Callable[[dict, dict], object], Callable[[int], set[object]]]] = {
    "single_choice": (_choice_position_of_right_answer, lambda n: set()),
    "multiple_choice": (_choice_position_of_right_answer, lambda n: set()),
    "true_false": (lambda shown, key: (), lambda n: set()),  # nothing is put in an order
    "ordering": (_order_shown_against_the_key, lambda n: {tuple(range(n))}),
    "matching": (_pairing_shown_against_the_key, lambda n: set()),
}


def test_every_question_type_has_a_decision_about_its_display_order() -> None:
    assert set(DISPLAY_ORDER) == set(all_question_types())


@pytest.mark.parametrize("type_name", TYPES)
def test_the_order_options_are_shown_in_does_not_give_the_answer(type_name: str) -> None:
    """Over many attempts the options' order tells nothing: the right answer's place is spread
    across the possible places, and an order that is the answer is never shown."""
    kind = question_type(type_name)
    arrangement, forbidden = DISPLAY_ORDER[type_name]
    rng = random.Random(2026)
    seen: Counter[object] = Counter()
    draws = 1200
    size = 0
    for _ in range(draws):
        presented = kind.present(sample_question(type_name), rng)
        shown = kind.for_display(presented)
        size = len(option_ids(shown))
        seen[arrangement(shown, presented)] += 1

    assert not set(seen) & forbidden(_options_in_order(type_name, size)), seen
    if type_name in ("single_choice", "ordering", "matching"):
        possible = _possible_arrangements(type_name, size) - forbidden(
            _options_in_order(type_name, size)
        )
        assert set(seen) == possible, seen
        fair = draws / len(possible)
        assert all(0.6 * fair < count < 1.4 * fair for count in seen.values()), seen
    elif type_name == "multiple_choice":
        assert len(seen) > 1, seen


def _options_in_order(type_name: str, shown_ids: int) -> int:
    """How many options take part in the order (a matching question shows two per pair)."""
    return shown_ids // 2 if type_name == "matching" else shown_ids


def _possible_arrangements(type_name: str, shown_ids: int) -> set[object]:
    n = _options_in_order(type_name, shown_ids)
    if type_name == "single_choice":
        return {(index,) for index in range(n)}
    return set(permutations(range(n)))


# After submission --------------------------------------------------------------------------


def test_the_result_shows_feedback_only_after_submission_and_only_to_the_owner(
    site: Site,
) -> None:
    owner = site.fresh_client(LEARNER)
    stranger = site.fresh_client(LEARNER)
    member = site.clients[MEMBER]
    slug = site.ids["slug"]
    started = post_form(owner, f"/modules/{slug}/quiz/start", {}, form_page=f"/modules/{slug}/quiz")
    path = started.headers["Location"]
    attempt_id = int(path.rsplit("/", 1)[1])
    with site.app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        assert attempt is not None
        explanations = [question["explanation"] for question in attempt.questions]

    before = owner.get(f"{path}/result")
    page = owner.get(path).get_data(as_text=True)
    form: dict[str, Any] = {"csrf_token": csrf_token_from(page)}
    for number, question in enumerate(attempt.questions, start=1):
        form.update(_any_answer(number, question))
    submitted = owner.post(path, data=form)
    after = owner.get(f"{path}/result")

    assert before.status_code == 302 and before.headers["Location"] == path
    assert submitted.status_code == 302 and submitted.headers["Location"] == f"{path}/result"
    assert after.status_code == 200
    assert all(explanation in after.get_data(as_text=True) for explanation in explanations)
    for other in (stranger, member):
        refused = other.get(f"{path}/result")
        assert refused.status_code == 404
        assert not any(text in refused.get_data(as_text=True) for text in explanations)
    with site.app.app_context():
        graded = db.session.scalar(select(QuizAttempt).where(QuizAttempt.id == attempt_id))
        assert graded is not None and graded.submitted_at is not None


def _any_answer(number: int, question: dict[str, Any]) -> dict[str, list[str]]:
    """A complete answer to the question, as the form sends it (a wrong one: the test is about
    what the result shows, not the score)."""
    kind = question_type(question["type"])
    fields = kind.answer_fields(question, kind.wrong_answer(question), f"question-{number}")
    return MultiDict(fields).to_dict(flat=False)
