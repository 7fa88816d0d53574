"""A true or false question: is the statement true?"""

from __future__ import annotations

import random
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from course.catalogue.question_types import FieldSpec, Presented, QuestionType, register
from course.catalogue.question_types.checks import FieldIssue
from course.catalogue.yaml_source import SourceMap


@register
class TrueFalse(QuestionType):
    name = "true_false"
    label = _l("True or false")
    fields = (FieldSpec("answer", _l("The statement is true"), "boolean"),)
    quiz_template = "learning/questions/_true_false.html"
    feedback_template = "learning/questions/_true_false_feedback.html"

    @classmethod
    def check_own_fields(cls, question: SourceMap) -> list[FieldIssue]:
        if not isinstance(question.get("answer"), bool):
            return [
                FieldIssue(
                    question.line_of("answer"),
                    _("answer must be true or false"),
                    "answer",
                    _("Choose whether the statement is true or false"),
                )
            ]
        return []

    @classmethod
    def canonical_own_fields(cls, question: dict[str, Any]) -> dict[str, Any]:
        return {"answer": bool(question["answer"])}

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

    @classmethod
    def correct_answer(cls, presented: Presented) -> Any:
        return presented["answer"]

    @classmethod
    def wrong_answer(cls, presented: Presented) -> Any:
        return not presented["answer"]

    @classmethod
    def answer_fields(cls, presented: Presented, answer: Any, field: str) -> list[tuple[str, str]]:
        return [(field, "true" if answer else "false")]
