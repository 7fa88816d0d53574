"""A draft as a learner would see it once published, in any region: rendered on demand, with
the same Markdown renderer, sanitiser and question templates learners get."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from course.authoring.draft_document import Document
from course.catalogue.markdown import render_for_region
from course.catalogue.models import Module
from course.catalogue.question_types import QuestionType, question_type
from course.core.regions import Region


@dataclass(frozen=True)
class PreviewQuestion:
    kind: type[QuestionType]
    #: What the learner's form shows: no correct answer and no explanation.
    shown: dict[str, Any]
    explanation: str


def regions_of(module: Module) -> list[Region]:
    """The regions the module's course is written for, in the order of :class:`Region`: the only
    ones worth previewing or limiting a question to."""
    chosen = set(module.course.regions or [region.value for region in Region])
    return [region for region in Region if region.value in chosen]


def lesson_html(
    document: Document, number: int, region: Region, picture_urls: Mapping[str, str]
) -> str:
    """Lesson ``number``'s sanitised HTML for ``region``, showing the draft's pictures from
    ``picture_urls``.

    :raises LookupError: when there is no such lesson.
    """
    if not 1 <= number <= len(document["lessons"]):
        raise LookupError(f"no lesson {number}")
    return render_for_region(document["lessons"][number - 1]["markdown"], region, picture_urls)


def questions_for(document: Document, region: Region) -> list[PreviewQuestion]:
    """Every question of the bank that learners in ``region`` can be asked, in bank order, shown
    as an attempt would show it (choices shuffled, the same way each time for the same draft)."""
    rng = random.Random(0)  # noqa: S311 - the order of a preview, not a secret
    previews = []
    for data in document["questions"]:
        if data.get("regions") and region.value not in data["regions"]:
            continue
        kind = question_type(data["type"])
        presented = kind.present(data, rng)
        previews.append(PreviewQuestion(kind, kind.for_display(presented), data["explanation"]))
    return previews
