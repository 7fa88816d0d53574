"""Each question type's grading: right, wrong, partial, empty, malformed and tampered answers."""

from __future__ import annotations

import random
from typing import Any

import pytest
from werkzeug.datastructures import MultiDict

from course.catalogue.question_types import question_type

SINGLE = {
    "id": "q",
    "type": "single_choice",
    "prompt": "P",
    "explanation": "E",
    "choices": [{"text": "Right", "correct": True}, {"text": "Wrong A"}, {"text": "Wrong B"}],
}
MULTIPLE = {
    "id": "q",
    "type": "multiple_choice",
    "prompt": "P",
    "explanation": "E",
    "choices": [
        {"text": "Right 1", "correct": True},
        {"text": "Right 2", "correct": True},
        {"text": "Wrong"},
    ],
}
TRUE_FALSE = {"id": "q", "type": "true_false", "prompt": "P", "explanation": "E", "answer": False}
ORDERING = {
    "id": "q",
    "type": "ordering",
    "prompt": "P",
    "explanation": "E",
    "items": ["A", "B", "C", "D"],
}
MATCHING = {
    "id": "q",
    "type": "matching",
    "prompt": "P",
    "explanation": "E",
    "pairs": [
        {"left": "999", "right": "UK"},
        {"left": "911", "right": "US"},
        {"left": "000", "right": "AU"},
    ],
}
SAMPLES = [SINGLE, MULTIPLE, TRUE_FALSE, ORDERING, MATCHING]


def present(data: dict[str, Any]) -> dict[str, Any]:
    return question_type(data["type"]).present(data, random.Random(7))


def grade(presented: dict[str, Any], form: dict[str, Any]) -> bool:
    kind = question_type(presented["type"])
    answer = kind.read_answer(presented, MultiDict(form), "question-1")
    return kind.is_correct(presented, answer)


def ids_of(presented: dict[str, Any], texts: list[str]) -> list[str]:
    return [choice["id"] for choice in presented["choices"] if choice["text"] in texts]


def test_single_choice() -> None:
    presented = present(SINGLE)
    [right] = ids_of(presented, ["Right"])
    [wrong] = ids_of(presented, ["Wrong A"])

    assert grade(presented, {"question-1": right})
    assert not grade(presented, {"question-1": wrong})
    assert not grade(presented, {})
    assert not grade(
        presented, {"question-1": [right, wrong]}
    )  # two answers to a one-answer question
    assert not grade(presented, {"question-1": "not-a-shown-id"})
    assert (
        question_type("single_choice").read_answer(
            presented, MultiDict({"question-1": "forged"}), "question-1"
        )
        is None
    )


def test_multiple_choice_needs_all_the_right_choices_and_no_wrong_one() -> None:
    presented = present(MULTIPLE)
    right = ids_of(presented, ["Right 1", "Right 2"])
    [wrong] = ids_of(presented, ["Wrong"])

    assert grade(presented, {"question-1": right})
    assert not grade(presented, {"question-1": right[:1]})  # partial
    assert not grade(presented, {"question-1": [*right, wrong]})
    assert not grade(presented, {})
    assert not grade(presented, {"question-1": [*right, "tampered"]})


def test_true_false() -> None:
    presented = present(TRUE_FALSE)

    assert grade(presented, {"question-1": "false"})
    assert not grade(presented, {"question-1": "true"})
    assert not grade(presented, {"question-1": "maybe"})
    assert not grade(presented, {})


def test_ordering_needs_every_position_right() -> None:
    presented = present(ORDERING)
    by_text = {item["text"]: item["id"] for item in presented["items"]}
    right = {
        f"question-1-{by_text[text]}": str(position)
        for position, text in enumerate("ABCD", start=1)
    }
    swapped = {**right, f"question-1-{by_text['A']}": "2", f"question-1-{by_text['B']}": "1"}

    assert [item["text"] for item in presented["items"]] != ["A", "B", "C", "D"]  # shown shuffled
    assert grade(presented, right)
    assert not grade(presented, swapped)
    assert not grade(presented, {key: value for key, value in list(right.items())[:2]})  # partial
    assert not grade(presented, {**right, f"question-1-{by_text['A']}": "9"})  # out of range
    assert not grade(presented, {**right, f"question-1-{by_text['A']}": "one"})


def test_matching_needs_every_pair_right() -> None:
    presented = present(MATCHING)
    lefts = {left["text"]: left["id"] for left in presented["lefts"]}
    rights = {right["text"]: right["id"] for right in presented["rights"]}
    pairs = [("999", "UK"), ("911", "US"), ("000", "AU")]
    right = {f"question-1-{lefts[left]}": rights[match] for left, match in pairs}

    assert grade(presented, right)
    assert not grade(presented, {**right, f"question-1-{lefts['999']}": rights["US"]})
    assert not grade(presented, dict(list(right.items())[:1]))
    assert not grade(presented, {**right, f"question-1-{lefts['999']}": "forged"})


@pytest.mark.parametrize("data", SAMPLES, ids=lambda d: d["type"])
def test_what_is_shown_before_submission_holds_no_answer_or_explanation(
    data: dict[str, Any],
) -> None:
    presented = present(data)

    shown = question_type(data["type"]).for_display(presented)

    text = repr(shown)
    assert "explanation" not in text and "'E'" not in text
    assert "correct" not in text and "'answer'" not in text


def test_choice_ids_are_random_for_every_attempt() -> None:
    first, second = present(SINGLE), present(SINGLE)

    assert {c["id"] for c in first["choices"]}.isdisjoint({c["id"] for c in second["choices"]})


@pytest.mark.parametrize("data", SAMPLES, ids=lambda d: d["type"])
def test_each_type_knows_a_right_and_a_wrong_answer_and_how_a_form_sends_them(
    data: dict[str, Any],
) -> None:
    kind = question_type(data["type"])
    presented = present(data)
    right, wrong = kind.correct_answer(presented), kind.wrong_answer(presented)

    assert grade(presented, MultiDict(kind.answer_fields(presented, right, "question-1")))
    assert not grade(presented, MultiDict(kind.answer_fields(presented, wrong, "question-1")))
    for answer in (right, wrong):
        form = MultiDict(kind.answer_fields(presented, answer, "question-1"))
        assert kind.read_answer(presented, form, "question-1") == answer
