"""A matching question: match each left-hand text with its right-hand text."""

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
from course.catalogue.question_types.checks import (
    MAX_TEXT_LENGTH,
    FieldIssue,
    duplicates,
    list_issues,
    text_issues,
)
from course.catalogue.yaml_source import SourceMap


@register
class Matching(QuestionType):
    """Two to eight pairs; learners see both sides shuffled (the right-hand side out of the
    pairs' order), each left-hand text gets one of the right-hand texts from a list, and the
    answer is right when every pair is."""

    name = "matching"
    label = _l("Match the pairs")
    fields = (FieldSpec("pairs", _l("Pairs (left and right)"), "pairs"),)
    quiz_template = "learning/questions/_matching.html"
    feedback_template = "learning/questions/_matching_feedback.html"

    @classmethod
    def check_own_fields(cls, question: SourceMap) -> list[FieldIssue]:
        def check_pair(pair: Any, line: int) -> list[FieldIssue]:
            if not isinstance(pair, SourceMap):
                return [FieldIssue(line, _("each pair needs left and right"))]
            both_sides = _("Write both sides of every pair")
            too_long = _(
                "Each side of a pair must be %(limit)d characters or fewer", limit=MAX_TEXT_LENGTH
            )
            issues = text_issues(pair, "left", MAX_TEXT_LENGTH, both_sides, too_long)
            issues += text_issues(pair, "right", MAX_TEXT_LENGTH, both_sides, too_long)
            for key in pair:
                if key not in {"left", "right"}:
                    issues.append(
                        FieldIssue(pair.line_of(key), _("unknown field %(key)r in a pair", key=key))
                    )
            return issues

        issues = list_issues(
            question,
            "pairs",
            2,
            8,
            check_pair,
            too_few=_("Write at least 2 pairs"),
            too_many=_("Write no more than 8 pairs"),
        )
        pairs = question.get("pairs")
        if isinstance(pairs, list) and all(isinstance(p, dict) for p in pairs):
            for side in ("left", "right"):
                for text in duplicates([str(pair.get(side, "")).strip() for pair in pairs]):
                    issues.append(
                        FieldIssue(
                            question.line_of("pairs"),
                            _("the %(side)s text %(text)r appears twice", side=side, text=text),
                            "pairs",
                            _(
                                "Each pair needs its own left side: “%(text)s” is there twice",
                                text=text,
                            )
                            if side == "left"
                            else _(
                                "Each pair needs its own right side: “%(text)s” is there twice",
                                text=text,
                            ),
                        )
                    )
        return issues

    @classmethod
    def canonical_own_fields(cls, question: dict[str, Any]) -> dict[str, Any]:
        return {
            "pairs": [
                {"left": str(pair["left"]).strip(), "right": str(pair["right"]).strip()}
                for pair in question["pairs"]
            ]
        }

    @classmethod
    def translatable_own_fields(cls, data: dict[str, Any]) -> dict[str, Any]:
        return {"pairs": [{"left": pair["left"], "right": pair["right"]} for pair in data["pairs"]]}

    @classmethod
    def present_own(cls, data: dict[str, Any], rng: random.Random) -> dict[str, Any]:
        lefts, rights, correct = [], [], {}
        for pair in data["pairs"]:
            left_id, right_id = new_option_id(), new_option_id()
            lefts.append({"id": left_id, "text": pair["left"]})
            rights.append({"id": right_id, "text": pair["right"]})
            correct[left_id] = right_id
        return {
            "lefts": shuffled(lefts, rng),
            "rights": shuffled(rights, rng, avoid_original=True),
            "correct": correct,
        }

    @classmethod
    def read_answer(cls, presented: Presented, form: MultiDict[str, str], field: str) -> Any:
        """Each left-hand id with the right-hand id matched to it."""
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

    @classmethod
    def correct_answer(cls, presented: Presented) -> Any:
        return dict(presented["correct"])

    @classmethod
    def wrong_answer(cls, presented: Presented) -> Any:
        """Every left-hand text matched with the next pair's right-hand text."""
        lefts = list(presented["correct"])
        rights = [presented["correct"][left] for left in lefts]
        return dict(zip(lefts, rights[1:] + rights[:1], strict=True))

    @classmethod
    def answer_fields(cls, presented: Presented, answer: Any, field: str) -> list[tuple[str, str]]:
        return [(f"{field}-{left_id}", right_id) for left_id, right_id in answer.items()]
