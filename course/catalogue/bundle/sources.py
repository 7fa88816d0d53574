"""The bundle as plain data: the course, its modules and their lessons, as read from the files and
as written back, and the values a file may leave out."""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from course.catalogue.scenarios import scenario_texts
from course.catalogue.translations import Translations

DEFAULT_PASS_MARK = 80
DEFAULT_VALIDITY_MONTHS = 12
#: The fields of ``module.yaml``, in canonical order.
MODULE_FIELDS = (
    "slug",
    "title",
    "summary",
    "minutes",
    "pass_mark",
    "questions_per_attempt",
    "reviewed",
    "objectives",
    "sources",
    "scenario_counts",
)
#: A module source's fields, in the order ``module.yaml`` gives them.
SOURCE_FIELDS = ("id", "kind", "title", "url")


class LessonKind(enum.StrEnum):
    """What a lesson does: teach facts, which must cite the module's sources, or set a scenario
    ("what would you do?"), which need not. Front matter says ``kind: scenario``; facts is the
    default and is never written out."""

    FACTS = "facts"
    SCENARIO = "scenario"


@dataclass
class LessonSource:
    file_name: str
    slug: str
    title: str
    markdown: str
    kind: LessonKind = LessonKind.FACTS
    #: The ids of the module's sources the lesson's facts come from, in the author's order.
    sources: list[str] = field(default_factory=list)
    #: A branching scenario (``NN-slug.scenario.yaml``) in canonical form; its ``markdown`` is
    #: empty. See :mod:`course.catalogue.scenarios`.
    scenario: dict[str, Any] | None = None
    #: Where each of the scenario's pieces of Markdown starts in its file (as read); not content.
    text_lines: tuple[int, ...] = field(default=(), compare=False)

    def markdown_texts(self) -> list[str]:
        """Every piece of Markdown the lesson shows: its text, or each step's text and each
        choice's feedback of its scenario."""
        if self.scenario is not None:
            return list(scenario_texts(self.scenario))
        return [self.markdown]

    def located_texts(self, body_first_line: int) -> list[tuple[int, str]]:
        """:meth:`markdown_texts`, each with the line of its file where it starts, so a problem
        in it is reported where it is: a lesson's text starts at ``body_first_line``; a
        scenario's pieces where the reader found them (line 1 for one never read from a file)."""
        texts = self.markdown_texts()
        if self.scenario is None:
            return [(body_first_line, texts[0])]
        lines = self.text_lines or (1,) * len(texts)
        return list(zip(lines, texts, strict=True))

    def canonical(self) -> dict[str, Any]:
        return {
            "file": self.file_name,
            "slug": self.slug,
            "title": self.title,
            "kind": str(self.kind),
            "sources": list(self.sources),
            "markdown": self.markdown,
            # Only for a scenario: lessons written before scenarios keep their content hashes.
            **({"scenario": self.scenario} if self.scenario is not None else {}),
        }

    def front_matter(self) -> dict[str, Any]:
        """The lesson's front matter in canonical form and order: ``kind`` only for a scenario,
        ``sources`` only when it cites any."""
        front: dict[str, Any] = {"title": self.title, "slug": self.slug}
        if self.kind != LessonKind.FACTS:
            front["kind"] = str(self.kind)
        if self.sources:
            front["sources"] = list(self.sources)
        return front


@dataclass
class ModuleSource:
    folder_name: str
    slug: str
    title: str
    summary: str
    minutes: int
    pass_mark: int
    questions_per_attempt: int
    reviewed: date
    objectives: list[str]
    #: Each with ``id``, ``kind`` (a :class:`~course.catalogue.bundle.citations.SourceKind`),
    #: ``title`` and ``url``, in that order.
    sources: list[dict[str, str]]
    lessons: list[LessonSource] = field(default_factory=list)
    questions: list[dict[str, Any]] = field(default_factory=list)
    #: The SVG text of each picture in the folder's ``pictures/``, by file name (``hot.svg``).
    pictures: dict[str, str] = field(default_factory=dict)
    #: Whether a learner must play the module's scenarios to an ending to complete it.
    scenario_counts: bool = True
    #: The measurement bank (``measure.yaml``) in canonical form, or ``None`` when the module has
    #: none. See :mod:`course.catalogue.measurement_bank`.
    measurement: dict[str, Any] | None = None
    #: Its translations in canonical form, by language then part (see
    #: :mod:`course.catalogue.translations`); empty when it has none.
    translations: Translations = field(default_factory=dict)

    def metadata(self) -> dict[str, Any]:
        """``module.yaml`` in canonical form and order."""
        return {
            "slug": self.slug,
            "title": self.title,
            "summary": self.summary,
            "minutes": self.minutes,
            "pass_mark": self.pass_mark,
            "questions_per_attempt": self.questions_per_attempt,
            "reviewed": self.reviewed,
            "objectives": list(self.objectives),
            "sources": [
                {key: source.get(key, "") for key in SOURCE_FIELDS} for source in self.sources
            ],
            # Written only when it is not the default: modules that say nothing keep their form.
            **({} if self.scenario_counts else {"scenario_counts": False}),
        }

    def content_hash(self) -> str:
        content = {
            "folder": self.folder_name,
            "metadata": {**self.metadata(), "reviewed": self.reviewed.isoformat()},
            "lessons": [lesson.canonical() for lesson in self.lessons],
            "questions": self.questions,
        }
        if self.pictures:  # left out when there are none: older versions keep their hashes
            content["pictures"] = {
                name: hashlib.sha256(svg.encode("utf-8")).hexdigest()
                for name, svg in sorted(self.pictures.items())
            }
        if self.measurement is not None:  # likewise
            content["measurement"] = self.measurement
        if self.translations:  # likewise
            content["translations"] = self.translations
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


@dataclass
class CourseSource:
    slug: str
    title: str
    summary: str
    certificate_validity_months: int
    regions: list[str]
    required: list[str]
    modules: list[ModuleSource]
    #: The languages the course is translated into (besides its English): ``content check``
    #: warns of each part of a module that one of them has no current translation of.
    languages: list[str] = field(default_factory=list)

    def metadata(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "title": self.title,
            "summary": self.summary,
            "certificate_validity_months": self.certificate_validity_months,
            "regions": list(self.regions),
            # Written only when there are some: a course that says nothing keeps its form.
            **({"languages": list(self.languages)} if self.languages else {}),
            "modules": list(self.required),
        }
