"""How each question type is shown to learners and graded, registered per type name.

The catalogue's schema (:mod:`course.catalogue.question_types`) says what a question holds; a
behaviour here turns a stored question into what one attempt shows (:meth:`present`: choices
shuffled, each with a random id), reads a learner's answer from the submitted form
(:meth:`read_answer`, which ignores anything that is not one of the ids shown), and grades it
(:meth:`is_correct`). Before submission, templates only ever get :meth:`for_display`, which holds
no correct answer and no explanation.
"""

from __future__ import annotations

import random
import secrets
from typing import Any, ClassVar

from werkzeug.datastructures import MultiDict

Presented = dict[str, Any]
HIDDEN_UNTIL_SUBMITTED = ("explanation", "correct", "answer", "correct_order")


def _new_id() -> str:
    return secrets.token_hex(4)


def _shuffled(items: list[Any], rng: random.Random, avoid_original: bool = False) -> list[Any]:
    """A shuffled copy; with ``avoid_original``, never the given order (which may be the answer)."""
    shuffled = list(items)
    for _ in range(10):
        rng.shuffle(shuffled)
        if not avoid_original or shuffled != items or len(set(map(repr, items))) < 2:
            break
    return shuffled


class QuestionBehaviour:
    name: ClassVar[str]
    #: The partials (``templates/learning/questions/``) that render the question's inputs, and
    #: what was answered against what was right.
    template: ClassVar[str]
    feedback_template: ClassVar[str]

    @classmethod
    def present(cls, data: dict[str, Any], rng: random.Random) -> Presented:
        presented = {
            "key": data["id"],
            "type": cls.name,
            "prompt": data["prompt"],
            "explanation": data["explanation"],
        }
        presented.update(cls.present_own(data, rng))
        return presented

    @classmethod
    def present_own(cls, data: dict[str, Any], rng: random.Random) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def for_display(cls, presented: Presented) -> Presented:
        """The question without anything that gives the answer away."""
        return _without_answers(presented)

    @classmethod
    def read_answer(cls, presented: Presented, form: MultiDict[str, str], field: str) -> Any:
        """The answer in the form, or ``None`` if the question was not answered (or the form
        names choices that were never shown)."""
        raise NotImplementedError

    @classmethod
    def is_correct(cls, presented: Presented, answer: Any) -> bool:
        raise NotImplementedError

    @classmethod
    def answer_in_words(cls, presented: Presented, answer: Any) -> Any:
        """An answer as the texts it picked rather than the attempt's random ids (``None`` for
        no answer): what a person reading their data download can understand."""
        raise NotImplementedError


def _without_answers(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: _without_answers(item)
            for key, item in value.items()
            if key not in HIDDEN_UNTIL_SUBMITTED
        }
    if isinstance(value, list):
        return [_without_answers(item) for item in value]
    return value


QUESTION_BEHAVIOURS: dict[str, type[QuestionBehaviour]] = {}


def behaviour(cls: type[QuestionBehaviour]) -> type[QuestionBehaviour]:
    """Register how a question type behaves, under the type's name."""
    QUESTION_BEHAVIOURS[cls.name] = cls
    return cls


def behaviour_for(type_name: str) -> type[QuestionBehaviour]:
    return QUESTION_BEHAVIOURS[type_name]


@behaviour
class SingleChoice(QuestionBehaviour):
    name = "single_choice"
    template = "learning/questions/_choices.html"
    feedback_template = "learning/questions/_choices_feedback.html"
    multiple: ClassVar[bool] = False

    @classmethod
    def present_own(cls, data: dict[str, Any], rng: random.Random) -> dict[str, Any]:
        choices = [
            {"id": _new_id(), "text": choice["text"], "correct": bool(choice.get("correct"))}
            for choice in data["choices"]
        ]
        return {"multiple": cls.multiple, "choices": _shuffled(choices, rng)}

    @classmethod
    def read_answer(cls, presented: Presented, form: MultiDict[str, str], field: str) -> Any:
        shown = {choice["id"] for choice in presented["choices"]}
        picked = form.getlist(field)
        if len(picked) != 1 or picked[0] not in shown:
            return None
        return picked[0]

    @classmethod
    def is_correct(cls, presented: Presented, answer: Any) -> bool:
        correct = {choice["id"] for choice in presented["choices"] if choice["correct"]}
        return answer is not None and {answer} == correct

    @classmethod
    def answer_in_words(cls, presented: Presented, answer: Any) -> Any:
        texts = {choice["id"]: choice["text"] for choice in presented["choices"]}
        if isinstance(answer, list):
            return [texts.get(choice_id) for choice_id in answer]
        return texts.get(answer) if answer is not None else None


@behaviour
class MultipleChoice(SingleChoice):
    name = "multiple_choice"
    multiple = True

    @classmethod
    def read_answer(cls, presented: Presented, form: MultiDict[str, str], field: str) -> Any:
        shown = {choice["id"] for choice in presented["choices"]}
        picked = form.getlist(field)
        if not picked or any(choice_id not in shown for choice_id in picked):
            return None
        return sorted(set(picked))

    @classmethod
    def is_correct(cls, presented: Presented, answer: Any) -> bool:
        correct = {choice["id"] for choice in presented["choices"] if choice["correct"]}
        return isinstance(answer, list) and set(answer) == correct


@behaviour
class TrueFalse(QuestionBehaviour):
    name = "true_false"
    template = "learning/questions/_true_false.html"
    feedback_template = "learning/questions/_true_false_feedback.html"

    @classmethod
    def present_own(cls, data: dict[str, Any], rng: random.Random) -> dict[str, Any]:
        return {"answer": bool(data["answer"])}

    @classmethod
    def read_answer(cls, presented: Presented, form: MultiDict[str, str], field: str) -> Any:
        picked = form.getlist(field)
        if len(picked) != 1 or picked[0] not in ("true", "false"):
            return None
        return picked[0] == "true"

    @classmethod
    def is_correct(cls, presented: Presented, answer: Any) -> bool:
        return isinstance(answer, bool) and answer == presented["answer"]

    @classmethod
    def answer_in_words(cls, presented: Presented, answer: Any) -> Any:
        return answer if isinstance(answer, bool) else None


@behaviour
class Ordering(QuestionBehaviour):
    """Each item gets a position from a list; correct when every position is right."""

    name = "ordering"
    template = "learning/questions/_ordering.html"
    feedback_template = "learning/questions/_ordering_feedback.html"

    @classmethod
    def present_own(cls, data: dict[str, Any], rng: random.Random) -> dict[str, Any]:
        items = [{"id": _new_id(), "text": text} for text in data["items"]]
        return {
            "items": _shuffled(items, rng, avoid_original=True),
            "correct_order": [item["id"] for item in items],
        }

    @classmethod
    def read_answer(cls, presented: Presented, form: MultiDict[str, str], field: str) -> Any:
        positions: dict[str, int] = {}
        count = len(presented["items"])
        for item in presented["items"]:
            value = form.get(f"{field}-{item['id']}", "")
            if not value.isdigit() or not 1 <= int(value) <= count:
                return None
            positions[item["id"]] = int(value)
        return positions

    @classmethod
    def is_correct(cls, presented: Presented, answer: Any) -> bool:
        if not isinstance(answer, dict):
            return False
        return all(
            answer.get(item_id) == position
            for position, item_id in enumerate(presented["correct_order"], start=1)
        )

    @classmethod
    def answer_in_words(cls, presented: Presented, answer: Any) -> Any:
        """The items' texts in the order the learner put them."""
        if not isinstance(answer, dict):
            return None
        texts = {item["id"]: item["text"] for item in presented["items"]}
        return [texts.get(item_id) for item_id, _ in sorted(answer.items(), key=lambda p: p[1])]


@behaviour
class Matching(QuestionBehaviour):
    """Each left-hand text gets one of the right-hand texts from a list."""

    name = "matching"
    template = "learning/questions/_matching.html"
    feedback_template = "learning/questions/_matching_feedback.html"

    @classmethod
    def present_own(cls, data: dict[str, Any], rng: random.Random) -> dict[str, Any]:
        lefts, rights, correct = [], [], {}
        for pair in data["pairs"]:
            left_id, right_id = _new_id(), _new_id()
            lefts.append({"id": left_id, "text": pair["left"]})
            rights.append({"id": right_id, "text": pair["right"]})
            correct[left_id] = right_id
        return {
            "lefts": _shuffled(lefts, rng),
            "rights": _shuffled(rights, rng, avoid_original=True),
            "correct": correct,
        }

    @classmethod
    def read_answer(cls, presented: Presented, form: MultiDict[str, str], field: str) -> Any:
        shown_rights = {right["id"] for right in presented["rights"]}
        matches: dict[str, str] = {}
        for left in presented["lefts"]:
            value = form.get(f"{field}-{left['id']}", "")
            if value not in shown_rights:
                return None
            matches[left["id"]] = value
        return matches

    @classmethod
    def is_correct(cls, presented: Presented, answer: Any) -> bool:
        return isinstance(answer, dict) and answer == presented["correct"]

    @classmethod
    def answer_in_words(cls, presented: Presented, answer: Any) -> Any:
        """Each left-hand text with the right-hand text the learner matched to it."""
        if not isinstance(answer, dict):
            return None
        lefts = {left["id"]: left["text"] for left in presented["lefts"]}
        rights = {right["id"]: right["text"] for right in presented["rights"]}
        return [
            {"left": lefts.get(left_id), "right": rights.get(right_id)}
            for left_id, right_id in answer.items()
        ]
