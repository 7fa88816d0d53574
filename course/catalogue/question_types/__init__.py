"""Question types: one module per type, holding everything about it, registered under its name.

A type says

- what a question of it holds and how that is checked (:attr:`~QuestionType.fields`,
  :meth:`~QuestionType.check`, :meth:`~QuestionType.canonical`): the content validator checks
  ``quiz.yaml`` with it, and the web editor builds its form from the fields, drawing each by its
  kind (:mod:`course.authoring.question_editor`), so a type needs no editor partial of its own;
- how one attempt shows it (:meth:`~QuestionType.present`, :meth:`~QuestionType.for_display`) and
  reads a learner's answer from the submitted form (:meth:`~QuestionType.read_answer`);
- how it is graded (:meth:`~QuestionType.is_correct`) and an answer put in words for the learner's
  data download (:meth:`~QuestionType.answer_in_words`);
- what a right and a wrong answer look like, and how a browser sends one
  (:meth:`~QuestionType.correct_answer`, :meth:`~QuestionType.wrong_answer`,
  :meth:`~QuestionType.answer_fields`), so tests and benchmarks answer any type alike;
- the partials that draw it on the quiz page and on the result page
  (:attr:`~QuestionType.quiz_template`, :attr:`~QuestionType.feedback_template`).

:func:`question_type` finds a type by name; :func:`all_question_types` lists them all. Each type's
class registers itself with :func:`register`. The built-in types are the modules named in
:data:`BUILT_IN`, imported at the end of this module: adding one is its module, its partials and
its name in that list. A type defined anywhere else registers itself on import and needs nothing
here.

The types live in the catalogue because the content validator needs their checks; presenting and
grading need nothing above the catalogue, so learning, authoring and privacy can all use them.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import import_module
from types import MappingProxyType
from typing import Any, ClassVar, TypeVar

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from course.catalogue.question_types.checks import (
    MAX_EXPLANATION_LENGTH,
    MAX_PROMPT_LENGTH,
    FieldIssue,
    text_issues,
)
from course.catalogue.yaml_source import SourceMap
from course.core.regions import REGION_CODES, Region

__all__ = [
    "BUILT_IN",
    "HIDDEN_UNTIL_SUBMITTED",
    "FieldIssue",
    "FieldSpec",
    "Presented",
    "QuestionType",
    "all_question_types",
    "new_option_id",
    "question_type",
    "register",
    "shuffled",
    "unregister",
]

#: A question as one attempt shows it: what the attempt stores, answer key and explanation included.
Presented = dict[str, Any]

#: The keys, at any depth of a presented question, that give its answer away: a type keeps its
#: answer key under one of these names, and pages get none of them before submission.
HIDDEN_UNTIL_SUBMITTED = ("explanation", "correct", "answer", "correct_order")


@dataclass(frozen=True)
class FieldSpec:
    """One field of a question type, as an editor would show it."""

    name: str
    label: LazyString  # shown in the web editor, in the author's language
    kind: str  # "text", "boolean", "choices", "one_right_choice", "items", "pairs", "regions"


class QuestionType:
    """What every question has and does; each type adds its own fields, presentation, grading
    and partials."""

    name: ClassVar[str]
    label: ClassVar[LazyString]
    fields: ClassVar[tuple[FieldSpec, ...]] = ()

    common_fields: ClassVar[tuple[FieldSpec, ...]] = (
        FieldSpec("id", _l("Identifier"), "text"),
        FieldSpec("prompt", _l("Question"), "text"),
        FieldSpec("explanation", _l("Explanation shown after answering"), "text"),
        FieldSpec("regions", _l("Only for these regions"), "regions"),
    )

    #: The partial that draws the question's inputs on the quiz page, and the one that shows what
    #: was answered against what was right on the result page.
    quiz_template: ClassVar[str]
    feedback_template: ClassVar[str]

    # What a question holds ----------------------------------------------------------------------

    @classmethod
    def check(cls, question: SourceMap) -> list[FieldIssue]:
        """Everything wrong with a question as ``quiz.yaml`` or the web editor gives it."""
        issues = text_issues(
            question,
            "prompt",
            MAX_PROMPT_LENGTH,
            missing=_("Enter the question"),
            too_long=_(
                "The question must be %(limit)d characters or fewer", limit=MAX_PROMPT_LENGTH
            ),
        )
        issues += text_issues(
            question,
            "explanation",
            MAX_EXPLANATION_LENGTH,
            missing=_("Explain the right answer: learners see this after they answer"),
            too_long=_(
                "The explanation must be %(limit)d characters or fewer",
                limit=MAX_EXPLANATION_LENGTH,
            ),
        )
        choose_regions = _("Choose regions from the list, or none for every region")
        regions = question.get("regions")
        if regions is not None:
            if not isinstance(regions, list) or not regions:
                issues.append(
                    FieldIssue(
                        question.line_of("regions"),
                        _("regions must be a list such as [uk, us]"),
                        "regions",
                        choose_regions,
                    )
                )
            else:
                for region in regions:
                    if str(region) not in {r.value for r in Region}:
                        issues.append(
                            FieldIssue(
                                question.line_of("regions"),
                                _(
                                    "unknown region %(region)r: use %(codes)s",
                                    region=region,
                                    codes=REGION_CODES,
                                ),
                                "regions",
                                choose_regions,
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

    @classmethod
    def translatable(cls, data: dict[str, Any]) -> dict[str, Any]:
        """The words of a stored question that a translation gives in another language, in the
        shape of the question's own data (see :mod:`course.catalogue.translations`): everything
        a learner reads, nothing that decides the answer."""
        return {
            "prompt": data["prompt"],
            **cls.translatable_own_fields(data),
            "explanation": data["explanation"],
        }

    @classmethod
    def translatable_own_fields(cls, data: dict[str, Any]) -> dict[str, Any]:
        """The words of the type's own fields, as :meth:`translatable` gives them."""
        return {}

    # How an attempt shows it --------------------------------------------------------------------

    @classmethod
    def present(cls, data: dict[str, Any], rng: random.Random) -> Presented:
        """What one attempt shows of a stored question (options shuffled, each with a random id),
        with its answer key and explanation, as the attempt stores it."""
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

    # Grading ------------------------------------------------------------------------------------

    @classmethod
    def is_correct(cls, presented: Presented, answer: Any) -> bool:
        raise NotImplementedError

    @classmethod
    def answer_in_words(cls, presented: Presented, answer: Any) -> Any:
        """An answer as the texts it picked rather than the attempt's random ids (``None`` for
        no answer): what a person reading their data download can understand."""
        raise NotImplementedError

    # What right and wrong answers look like -----------------------------------------------------

    @classmethod
    def correct_answer(cls, presented: Presented) -> Any:
        """The right answer, as :meth:`read_answer` returns it."""
        raise NotImplementedError

    @classmethod
    def wrong_answer(cls, presented: Presented) -> Any:
        """A complete answer that is wrong, as :meth:`read_answer` returns it."""
        raise NotImplementedError

    @classmethod
    def answer_fields(cls, presented: Presented, answer: Any, field: str) -> list[tuple[str, str]]:
        """The form fields (name, value) a browser sends for ``answer`` to the question named
        ``field``: what :meth:`read_answer` reads back as ``answer``."""
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


def new_option_id() -> str:
    """A random id for an option of one attempt, so ids say nothing about the answer."""
    return secrets.token_hex(4)


def shuffled(items: list[Any], rng: random.Random, avoid_original: bool = False) -> list[Any]:
    """A shuffled copy; with ``avoid_original``, never the given order (which may be the answer)."""
    result = list(items)
    for _attempt in range(10):
        rng.shuffle(result)
        if not avoid_original or result != items or len(set(map(repr, items))) < 2:
            break
    return result


# The registry -------------------------------------------------------------------------------

_REGISTRY: dict[str, type[QuestionType]] = {}

TypeClass = TypeVar("TypeClass", bound=type[QuestionType])


def register(cls: TypeClass) -> TypeClass:
    """Register a question type under its ``name`` (use it as the class's decorator).

    :raises ValueError: when another type is already registered under that name.
    """
    registered = _REGISTRY.get(cls.name)
    if registered is not None and registered is not cls:
        raise ValueError(f"another question type is registered as {cls.name!r}: {registered!r}")
    _REGISTRY[cls.name] = cls
    return cls


def unregister(name: str) -> None:
    """Forget the type registered under ``name``, if any (a test's own type, once it is done)."""
    _REGISTRY.pop(name, None)


def question_type(name: str) -> type[QuestionType]:
    """The type registered under ``name``.

    :raises KeyError: when no type is registered under it.
    """
    return _REGISTRY[name]


def all_question_types() -> Mapping[str, type[QuestionType]]:
    """Every registered type by name (read-only), in the order they were registered: the order
    authors are offered them."""
    return MappingProxyType(_REGISTRY)


#: The modules of the built-in types, in the order authors are offered them. Each registers its
#: type when imported; they are imported here, last, because each imports the base class above.
BUILT_IN = ("single_choice", "multiple_choice", "true_false", "ordering", "matching")

for _module in BUILT_IN:
    import_module(f"{__name__}.{_module}")
