"""A single choice question: pick the one right choice."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from course.catalogue.question_types import FieldSpec, Presented, register
from course.catalogue.question_types._choices import ChoiceQuestion


@register
class SingleChoice(ChoiceQuestion):
    name = "single_choice"
    label = _l("Single choice")
    fields = (FieldSpec("choices", _l("Choices (choose the right one)"), "one_right_choice"),)
    min_correct = 1
    max_correct = 1
    multiple = False

    @classmethod
    def read_answer(cls, presented: Presented, form: MultiDict[str, str], field: str) -> Any:
        shown = {choice["id"] for choice in presented["choices"]}
        picked = form.getlist(field)
        if len(picked) != 1 or picked[0] not in shown:
            return None
        return picked[0]

    @classmethod
    def is_correct(cls, presented: Presented, answer: Any) -> bool:
        return answer is not None and {answer} == set(cls.right_ids(presented))

    @classmethod
    def correct_answer(cls, presented: Presented) -> Any:
        return cls.right_ids(presented)[0]

    @classmethod
    def wrong_answer(cls, presented: Presented) -> Any:
        """The first wrong choice shown."""
        return cls.wrong_ids(presented)[0]

    @classmethod
    def answer_fields(cls, presented: Presented, answer: Any, field: str) -> list[tuple[str, str]]:
        return [(field, answer)]
