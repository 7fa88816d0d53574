"""What single and multiple choice questions share: choices to pick from, some marked correct."""

from __future__ import annotations

import random
from typing import Any, ClassVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from course.catalogue.question_types import (
    FieldSpec,
    Presented,
    QuestionType,
    new_option_id,
    shuffled,
)
from course.catalogue.question_types.checks import (
    MAX_TEXT_LENGTH,
    FieldIssue,
    duplicates,
    list_issues,
    text_issues,
)
from course.catalogue.yaml_source import SourceList, SourceMap


class ChoiceQuestion(QuestionType):
    """Two to eight choices, between ``min_correct`` and ``max_correct`` of them right; learners
    see them shuffled, each with a random id."""

    #: Several right choices are ticked; a type with one right choice picks it with buttons
    #: (``"one_right_choice"``).
    fields = (FieldSpec("choices", _l("Choices (tick the right ones)"), "choices"),)
    quiz_template = "learning/questions/_choices.html"
    feedback_template = "learning/questions/_choices_feedback.html"
    min_correct: ClassVar[int]
    max_correct: ClassVar[int]
    #: Whether learners may pick more than one choice (boxes to tick rather than buttons).
    multiple: ClassVar[bool]

    @classmethod
    def check_own_fields(cls, question: SourceMap) -> list[FieldIssue]:
        def check_choice(choice: Any, line: int) -> list[FieldIssue]:
            if not isinstance(choice, SourceMap):
                return [
                    FieldIssue(line, _("each choice needs text (and correct: true on right ones)"))
                ]
            issues = text_issues(
                choice,
                "text",
                MAX_TEXT_LENGTH,
                missing=_("Write the text of each choice you mark as right"),
                too_long=_(
                    "Each choice must be %(limit)d characters or fewer", limit=MAX_TEXT_LENGTH
                ),
            )
            if "correct" in choice and not isinstance(choice["correct"], bool):
                issues.append(
                    FieldIssue(choice.line_of("correct"), _("correct must be true or false"))
                )
            for key in choice:
                if key not in {"text", "correct"}:
                    issues.append(
                        FieldIssue(
                            choice.line_of(key), _("unknown field %(key)r in a choice", key=key)
                        )
                    )
            return issues

        issues = list_issues(
            question,
            "choices",
            2,
            8,
            check_choice,
            too_few=_("Write at least 2 choices"),
            too_many=_("Write no more than 8 choices"),
        )
        choices = question.get("choices")
        if isinstance(choices, SourceList) and all(isinstance(c, SourceMap) for c in choices):
            correct = sum(1 for choice in choices if choice.get("correct") is True)
            if not cls.min_correct <= correct <= cls.max_correct:
                if cls.max_correct == 1:
                    message = _(
                        "exactly one choice must be marked correct: true (found %(found)d)",
                        found=correct,
                    )
                    for_author = _("Choose one right answer")
                else:
                    message = _(
                        "at least one choice must be marked correct: true (found %(found)d)",
                        found=correct,
                    )
                    for_author = _("Tick at least one right answer")
                issues.append(
                    FieldIssue(question.line_of("choices"), message, "choices", for_author)
                )
            for text in duplicates([str(choice.get("text", "")).strip() for choice in choices]):
                issues.append(
                    FieldIssue(
                        question.line_of("choices"),
                        _("the choice %(text)r appears twice", text=text),
                        "choices",
                        _("Each choice must be different: “%(text)s” is there twice", text=text),
                    )
                )
        return issues

    @classmethod
    def canonical_own_fields(cls, question: dict[str, Any]) -> dict[str, Any]:
        return {
            "choices": [
                {
                    "text": str(choice["text"]).strip(),
                    **({"correct": True} if choice.get("correct") else {}),
                }
                for choice in question["choices"]
            ]
        }

    @classmethod
    def translatable_own_fields(cls, data: dict[str, Any]) -> dict[str, Any]:
        return {"choices": [{"text": choice["text"]} for choice in data["choices"]]}

    @classmethod
    def present_own(cls, data: dict[str, Any], rng: random.Random) -> dict[str, Any]:
        choices = [
            {"id": new_option_id(), "text": choice["text"], "correct": bool(choice.get("correct"))}
            for choice in data["choices"]
        ]
        return {"multiple": cls.multiple, "choices": shuffled(choices, rng)}

    @classmethod
    def answer_in_words(cls, presented: Presented, answer: Any) -> Any:
        texts = {choice["id"]: choice["text"] for choice in presented["choices"]}
        if isinstance(answer, list):
            return [texts.get(choice_id) for choice_id in answer]
        return texts.get(answer) if answer is not None else None

    @classmethod
    def right_ids(cls, presented: Presented) -> list[str]:
        """The ids of the right choices, in the order they are shown."""
        return [choice["id"] for choice in presented["choices"] if choice["correct"]]

    @classmethod
    def wrong_ids(cls, presented: Presented) -> list[str]:
        """The ids of the wrong choices, in the order they are shown."""
        return [choice["id"] for choice in presented["choices"] if not choice["correct"]]
