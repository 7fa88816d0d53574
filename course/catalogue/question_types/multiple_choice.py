"""A multiple choice question: tick every right choice and no wrong one."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from course.catalogue.question_types import Presented, register
from course.catalogue.question_types._choices import ChoiceQuestion


@register
class MultipleChoice(ChoiceQuestion):
    name = "multiple_choice"
    label = _l("Multiple choice")
    min_correct = 1
    max_correct = 8
    multiple = True

    @classmethod
    def read_answer(cls, presented: Presented, form: MultiDict[str, str], field: str) -> Any:
        """The ids ticked, sorted."""
        shown = {choice["id"] for choice in presented["choices"]}
        picked = form.getlist(field)
        if not picked or any(choice_id not in shown for choice_id in picked):
            return None
        return sorted(set(picked))

    @classmethod
    def is_correct(cls, presented: Presented, answer: Any) -> bool:
        return isinstance(answer, list) and set(answer) == set(cls.right_ids(presented))

    @classmethod
    def correct_answer(cls, presented: Presented) -> Any:
        return sorted(cls.right_ids(presented))

    @classmethod
    def wrong_answer(cls, presented: Presented) -> Any:
        """Every wrong choice; when every choice is right, the first one alone."""
        return sorted(cls.wrong_ids(presented)) or [presented["choices"][0]["id"]]

    @classmethod
    def answer_fields(cls, presented: Presented, answer: Any, field: str) -> list[tuple[str, str]]:
        return [(field, choice_id) for choice_id in answer]
