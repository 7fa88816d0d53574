"""Question types: what each type's data holds and how it is checked.

Each type is a class registered under its name. The content validator uses it to check a
question from ``quiz.yaml``; the web editor will use its field list to build its form. How a type
is shown to learners and graded lives in :mod:`course.learning.question_behaviour`, registered
under the same name. Adding a type means one class here and one there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from course.catalogue.yaml_source import SourceList, SourceMap
from course.core.regions import Region

MAX_PROMPT_LENGTH = 500
MAX_TEXT_LENGTH = 300
MAX_EXPLANATION_LENGTH = 1500


@dataclass(frozen=True)
class FieldIssue:
    """A problem in one question: at a line of its file, and in which of its fields (what the web
    editor shows it beside)."""

    line: int
    message: str
    field: str = ""


@dataclass(frozen=True)
class FieldSpec:
    """One field of a question type, as an editor would show it."""

    name: str
    label: LazyString  # shown in the web editor, in the author's language
    kind: str  # "text", "boolean", "choices", "items", "pairs", "regions"


class QuestionSchema:
    """The fields every question has; subclasses add their own and check them."""

    name: ClassVar[str]
    label: ClassVar[LazyString]
    fields: ClassVar[tuple[FieldSpec, ...]] = ()

    common_fields: ClassVar[tuple[FieldSpec, ...]] = (
        FieldSpec("id", _l("Identifier"), "text"),
        FieldSpec("prompt", _l("Question"), "text"),
        FieldSpec("explanation", _l("Explanation shown after answering"), "text"),
        FieldSpec("regions", _l("Only for these regions"), "regions"),
    )

    @classmethod
    def check(cls, question: SourceMap) -> list[FieldIssue]:
        issues = _text_issues(question, "prompt", MAX_PROMPT_LENGTH)
        issues += _text_issues(question, "explanation", MAX_EXPLANATION_LENGTH)
        regions = question.get("regions")
        if regions is not None:
            if not isinstance(regions, list) or not regions:
                issues.append(
                    FieldIssue(
                        question.line_of("regions"),
                        _("regions must be a list such as [uk, us]"),
                        "regions",
                    )
                )
            else:
                for region in regions:
                    if str(region) not in {r.value for r in Region}:
                        issues.append(
                            FieldIssue(
                                question.line_of("regions"),
                                _("unknown region %(region)r: use uk, us, au or eu", region=region),
                                "regions",
                            )
                        )
        known = {spec.name for spec in cls.common_fields + cls.fields} | {"type"}
        for key in question:
            if key not in known:
                issues.append(
                    FieldIssue(
                        question.line_of(key),
                        _("unknown field %(key)r for a %(type)s question", key=key, type=cls.name),
                        key,
                    )
                )
        return issues + cls.check_own_fields(question)

    @classmethod
    def check_own_fields(cls, question: SourceMap) -> list[FieldIssue]:
        return []

    @classmethod
    def canonical(cls, question: dict[str, Any]) -> dict[str, Any]:
        """The question as stored and exported: known fields only, in a fixed order."""
        data: dict[str, Any] = {"id": str(question["id"]).strip(), "type": cls.name}
        if question.get("regions"):
            data["regions"] = [str(region) for region in question["regions"]]
        data["prompt"] = str(question["prompt"]).strip()
        data.update(cls.canonical_own_fields(question))
        data["explanation"] = str(question["explanation"]).strip()
        return data

    @classmethod
    def canonical_own_fields(cls, question: dict[str, Any]) -> dict[str, Any]:
        return {}


QUESTION_TYPES: dict[str, type[QuestionSchema]] = {}


def question_type(schema: type[QuestionSchema]) -> type[QuestionSchema]:
    """Register a question type under its ``name``."""
    QUESTION_TYPES[schema.name] = schema
    return schema


def _text_issues(data: SourceMap, key: str, limit: int) -> list[FieldIssue]:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return [FieldIssue(data.line_of(key), _("missing %(field)s", field=key), key)]
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return [FieldIssue(data.line_of(key), _("%(field)s must be text", field=key), key)]
    if len(str(value)) > limit:
        return [
            FieldIssue(
                data.line_of(key),
                _("%(field)s is longer than %(limit)d characters", field=key, limit=limit),
                key,
            )
        ]
    return []


def _list_issues(
    data: SourceMap,
    key: str,
    smallest: int,
    largest: int,
    check_item: Callable[[Any, int], list[FieldIssue]],
) -> list[FieldIssue]:
    items = data.get(key)
    if not isinstance(items, SourceList):
        return [FieldIssue(data.line_of(key), _("%(field)s must be a list", field=key), key)]
    issues: list[FieldIssue] = []
    if not smallest <= len(items) <= largest:
        issues.append(
            FieldIssue(
                data.line_of(key),
                _(
                    "%(field)s must have %(smallest)d to %(largest)d entries, not %(count)d",
                    field=key,
                    smallest=smallest,
                    largest=largest,
                    count=len(items),
                ),
                key,
            )
        )
    for index, item in enumerate(items):
        issues += [replace(issue, field=key) for issue in check_item(item, items.line_of(index))]
    return issues


def _duplicates(texts: list[str]) -> set[str]:
    seen: set[str] = set()
    return {text for text in texts if text in seen or seen.add(text)}  # type: ignore[func-returns-value]


class _ChoiceQuestion(QuestionSchema):
    fields = (FieldSpec("choices", _l("Choices (mark the correct ones)"), "choices"),)
    min_correct: ClassVar[int]
    max_correct: ClassVar[int]

    @classmethod
    def check_own_fields(cls, question: SourceMap) -> list[FieldIssue]:
        def check_choice(choice: Any, line: int) -> list[FieldIssue]:
            if not isinstance(choice, SourceMap):
                return [
                    FieldIssue(line, _("each choice needs text (and correct: true on right ones)"))
                ]
            issues = _text_issues(choice, "text", MAX_TEXT_LENGTH)
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

        issues = _list_issues(question, "choices", 2, 8, check_choice)
        choices = question.get("choices")
        if isinstance(choices, SourceList) and all(isinstance(c, SourceMap) for c in choices):
            correct = sum(1 for choice in choices if choice.get("correct") is True)
            if not cls.min_correct <= correct <= cls.max_correct:
                message = (
                    _(
                        "exactly one choice must be marked correct: true (found %(found)d)",
                        found=correct,
                    )
                    if cls.max_correct == 1
                    else _(
                        "at least one choice must be marked correct: true (found %(found)d)",
                        found=correct,
                    )
                )
                issues.append(FieldIssue(question.line_of("choices"), message, "choices"))
            for text in _duplicates([str(choice.get("text", "")).strip() for choice in choices]):
                issues.append(
                    FieldIssue(
                        question.line_of("choices"),
                        _("the choice %(text)r appears twice", text=text),
                        "choices",
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


@question_type
class SingleChoice(_ChoiceQuestion):
    name = "single_choice"
    label = _l("Single choice")
    min_correct = 1
    max_correct = 1


@question_type
class MultipleChoice(_ChoiceQuestion):
    name = "multiple_choice"
    label = _l("Multiple choice")
    min_correct = 1
    max_correct = 8


@question_type
class TrueFalse(QuestionSchema):
    name = "true_false"
    label = _l("True or false")
    fields = (FieldSpec("answer", _l("The statement is true"), "boolean"),)

    @classmethod
    def check_own_fields(cls, question: SourceMap) -> list[FieldIssue]:
        if not isinstance(question.get("answer"), bool):
            return [
                FieldIssue(question.line_of("answer"), _("answer must be true or false"), "answer")
            ]
        return []

    @classmethod
    def canonical_own_fields(cls, question: dict[str, Any]) -> dict[str, Any]:
        return {"answer": bool(question["answer"])}


@question_type
class Ordering(QuestionSchema):
    name = "ordering"
    label = _l("Put in order")
    fields = (FieldSpec("items", _l("Items, in the correct order"), "items"),)

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

        issues = _list_issues(question, "items", 3, 8, check_item)
        items = question.get("items")
        if isinstance(items, list):
            for text in _duplicates([str(item).strip() for item in items]):
                issues.append(
                    FieldIssue(
                        question.line_of("items"),
                        _("the item %(text)r appears twice", text=text),
                        "items",
                    )
                )
        return issues

    @classmethod
    def canonical_own_fields(cls, question: dict[str, Any]) -> dict[str, Any]:
        return {"items": [str(item).strip() for item in question["items"]]}


@question_type
class Matching(QuestionSchema):
    name = "matching"
    label = _l("Match the pairs")
    fields = (FieldSpec("pairs", _l("Pairs (left and right)"), "pairs"),)

    @classmethod
    def check_own_fields(cls, question: SourceMap) -> list[FieldIssue]:
        def check_pair(pair: Any, line: int) -> list[FieldIssue]:
            if not isinstance(pair, SourceMap):
                return [FieldIssue(line, _("each pair needs left and right"))]
            issues = _text_issues(pair, "left", MAX_TEXT_LENGTH) + _text_issues(
                pair, "right", MAX_TEXT_LENGTH
            )
            for key in pair:
                if key not in {"left", "right"}:
                    issues.append(
                        FieldIssue(pair.line_of(key), _("unknown field %(key)r in a pair", key=key))
                    )
            return issues

        issues = _list_issues(question, "pairs", 2, 8, check_pair)
        pairs = question.get("pairs")
        if isinstance(pairs, list) and all(isinstance(p, dict) for p in pairs):
            for side in ("left", "right"):
                for text in _duplicates([str(pair.get(side, "")).strip() for pair in pairs]):
                    issues.append(
                        FieldIssue(
                            question.line_of("pairs"),
                            _("the %(side)s text %(text)r appears twice", side=side, text=text),
                            "pairs",
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
