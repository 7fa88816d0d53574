"""An ordering question: put the items in the right order."""

from __future__ import annotations

import random
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from course.catalogue.question_types import (
    FieldSpec,
    Presented,
    QuestionType,
    new_option_id,
    register,
    shuffled,
)
from course.catalogue.question_types.checks import FieldIssue, duplicates, list_issues
from course.catalogue.yaml_source import SourceMap


@register
class Ordering(QuestionType):
    """Three to eight items, stored in the right order and shown shuffled out of it; each gets
    a position from a list, and the answer is right when every position is."""

    name = "ordering"
    label = _l("Put in order")
    fields = (FieldSpec("items", _l("Items, in the correct order"), "items"),)
    quiz_template = "learning/questions/_ordering.html"
    feedback_template = "learning/questions/_ordering_feedback.html"

    @classmethod
    def check_own_fields(cls, question: SourceMap) -> list[FieldIssue]:
        def check_item(item: Any, line: int) -> list[FieldIssue]:
            if (
                not isinstance(item, str | int | float)
                or isinstance(item, bool)
                or not str(item).strip()
            ):
                return [FieldIssue(line, _("each item must be text"))]
            return []

        issues = list_issues(
            question,
            "items",
            3,
            8,
            check_item,
            too_few=_("Write at least 3 items"),
            too_many=_("Write no more than 8 items"),
        )
        items = question.get("items")
        if isinstance(items, list):
            for text in duplicates([str(item).strip() for item in items]):
                issues.append(
                    FieldIssue(
                        question.line_of("items"),
                        _("the item %(text)r appears twice", text=text),
                        "items",
                        _("Each item must be different: “%(text)s” is there twice", text=text),
                    )
                )
        return issues

    @classmethod
    def canonical_own_fields(cls, question: dict[str, Any]) -> dict[str, Any]:
        return {"items": [str(item).strip() for item in question["items"]]}

    @classmethod
    def translatable_own_fields(cls, data: dict[str, Any]) -> dict[str, Any]:
        return {"items": list(data["items"])}

    @classmethod
    def present_own(cls, data: dict[str, Any], rng: random.Random) -> dict[str, Any]:
        items = [{"id": new_option_id(), "text": text} for text in data["items"]]
        return {
            "items": shuffled(items, rng, avoid_original=True),
            "correct_order": [item["id"] for item in items],
        }

    @classmethod
    def read_answer(cls, presented: Presented, form: MultiDict[str, str], field: str) -> Any:
        """Each item's id with the position given to it."""
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
        return [
            texts.get(item_id) for item_id, _position in sorted(answer.items(), key=lambda p: p[1])
        ]

    @classmethod
    def correct_answer(cls, presented: Presented) -> Any:
        return {
            item_id: position
            for position, item_id in enumerate(presented["correct_order"], start=1)
        }

    @classmethod
    def wrong_answer(cls, presented: Presented) -> Any:
        """The right order reversed."""
        return {
            item_id: position
            for position, item_id in enumerate(reversed(presented["correct_order"]), start=1)
        }

    @classmethod
    def answer_fields(cls, presented: Presented, answer: Any, field: str) -> list[tuple[str, str]]:
        return [(f"{field}-{item_id}", str(position)) for item_id, position in answer.items()]
