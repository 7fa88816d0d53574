"""The course in the reader's language: what a page shows of each part of a module version.

A page in Welsh shows a part's Welsh translation when the version has one (see
:mod:`course.catalogue.translations`), and the English otherwise, marked as English. A
translation made from earlier English (stale) is shown with a notice that the English is newer
and is the version to trust, or not at all (the English instead), as ``STALE_TRANSLATIONS`` says;
it is never shown as if it were current.

Every function here returns the words with :class:`Shown`: the language they are in and whether
they are a stale translation, which the templates turn into ``lang``/``dir`` and the notice.
One module version's translations into one language are read once per request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g
from flask_babel import get_locale
from sqlalchemy import select

from course.catalogue.models import Lesson, ModuleVersion, Question, Translation
from course.catalogue.translations import (
    MODULE_PART,
    laid_over,
    lesson_part,
    measure_part,
    post_part,
    question_part,
    translated_scenario,
)
from course.core.regions import Region
from course.extensions import db

#: The language the course is written in.
ENGLISH = "en"
#: The ``STALE_TRANSLATIONS`` setting that shows a stale translation, with a notice (the other,
#: ``english``, shows the English instead).
STALE_WITH_NOTICE = "notice"


@dataclass(frozen=True)
class Shown:
    """The language of the words a page shows of a part, and whether they are a translation of
    earlier English."""

    language: str = ENGLISH
    stale: bool = False

    @property
    def is_english(self) -> bool:
        return self.language == ENGLISH


AS_WRITTEN = Shown()


def reading_language() -> str | None:
    """The language of the page being rendered when it is not English: the one whose
    translations it shows."""
    locale = get_locale()
    if locale is None or locale.language == ENGLISH:
        return None
    return str(locale)


class VersionTranslation:
    """One module version's translation into one language, as a page may show it."""

    def __init__(self, version_id: int, language: str | None) -> None:
        self.version_id = version_id
        self.language = language
        rows = (
            db.session.scalars(
                select(Translation).where(
                    Translation.module_version_id == version_id,
                    Translation.language.in_(_candidates(language)),
                )
            ).all()
            if language is not None
            else []
        )
        show_stale = current_app.config["STALE_TRANSLATIONS"] == STALE_WITH_NOTICE
        # The translation of the page's own language first, then its language without a region.
        ranked = sorted(rows, key=lambda row: _candidates(language).index(row.language))
        self.parts: dict[str, Translation] = {}
        for row in ranked:
            if (row.is_current or show_stale) and row.part not in self.parts:
                self.parts[row.part] = row

    def shown(self, part: str) -> Shown:
        row = self.parts.get(part)
        return AS_WRITTEN if row is None else Shown(row.language, not row.is_current)

    def text(self, part: str) -> dict[str, Any] | None:
        row = self.parts.get(part)
        return row.text if row is not None else None

    def rendered(self, part: str) -> dict[str, Any] | None:
        """What was rendered of the part's translation when the version was made (read only when
        asked for: a lesson's HTML for every region is large)."""
        row = self.parts.get(part)
        if row is None:
            return None
        return db.session.scalar(select(Translation.rendered).where(Translation.id == row.id))


def _candidates(language: str | None) -> list[str]:
    if language is None:
        return []
    base = language.split("_")[0]
    return [language] if base == language else [language, base]


def translation_of(version_id: int) -> VersionTranslation:
    """The version's translation into the page's language, read once per request."""
    language = reading_language()
    kept: dict[tuple[int, str | None], VersionTranslation] = g.setdefault("translations", {})
    key = (version_id, language)
    if key not in kept:
        kept[key] = VersionTranslation(version_id, language)
    return kept[key]


# What pages show ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModuleWords:
    title: str
    summary: str
    objectives: list[str]
    shown: Shown


def module_words(version: ModuleVersion) -> ModuleWords:
    translation = translation_of(version.id)
    text = translation.text(MODULE_PART)
    if text is None:
        return ModuleWords(version.title, version.summary, list(version.objectives), AS_WRITTEN)
    return ModuleWords(
        text["title"], text["summary"], list(text["objectives"]), translation.shown(MODULE_PART)
    )


@dataclass(frozen=True)
class LessonWords:
    title: str
    shown: Shown


def lesson_words(lesson: Lesson) -> LessonWords:
    translation = translation_of(lesson.module_version_id)
    part = lesson_part(lesson.file_name)
    text = translation.text(part)
    if text is None:
        return LessonWords(lesson.title, AS_WRITTEN)
    return LessonWords(text["title"], translation.shown(part))


def lesson_html(lesson: Lesson, region: Region, step_id: str | None = None) -> str:
    """The lesson's text (or its scenario step's) for ``region``, sanitised when the version was
    made, in the page's language when it has a translation."""
    rendered = translation_of(lesson.module_version_id).rendered(lesson_part(lesson.file_name))
    if step_id is not None:
        steps = rendered if rendered is not None else lesson.scenario_html
        return str(steps[step_id]["text"][region.value])  # type: ignore[index]
    if rendered is not None:
        return str(rendered[region.value])
    return lesson.html_for(region)


def feedback_html(lesson: Lesson, step_id: str, number: int, region: Region) -> str:
    """The feedback on choice ``number`` (from 1) of a scenario step, like :func:`lesson_html`."""
    rendered = translation_of(lesson.module_version_id).rendered(lesson_part(lesson.file_name))
    steps = rendered if rendered is not None else lesson.scenario_html
    return str(steps[step_id]["feedback"][number - 1][region.value])  # type: ignore[index]


def scenario_in_language(lesson: Lesson) -> dict[str, Any] | None:
    """The lesson's scenario with its words (title, steps, choices) in the page's language."""
    if lesson.scenario is None:
        return None
    text = translation_of(lesson.module_version_id).text(lesson_part(lesson.file_name))
    return lesson.scenario if text is None else translated_scenario(lesson.scenario, text)


def question_in_language(question: Question) -> tuple[dict[str, Any], Shown]:
    """The question's stored data with its words in the page's language, and their language."""
    translation = translation_of(question.module_version_id)
    part = question_part(question.key)
    text = translation.text(part)
    if text is None:
        return question.data, AS_WRITTEN
    return laid_over(question.data, text), translation.shown(part)


def language_marks(shown: Shown) -> dict[str, Any]:
    """What a stored copy of translated words (a question as an attempt shows it) keeps of
    their language: nothing for the English, so copies made before translations read alike."""
    if shown.is_english:
        return {}
    return {"language": shown.language, **({"stale": True} if shown.stale else {})}


def measurement_form_in_language(
    version: ModuleVersion, form: str
) -> tuple[list[tuple[dict[str, Any], Shown]], list[dict[str, Any]]]:
    """Form ``form`` of the version's measurement bank in the page's language: each item with
    the language of its words, and each post (marked by :func:`language_marks`)."""
    assert version.measurement is not None  # noqa: S101 - the caller checks
    translation = translation_of(version.id)

    def in_language(item: dict[str, Any], part: str) -> tuple[dict[str, Any], Shown]:
        text = translation.text(part)
        if text is None:
            return item, AS_WRITTEN
        return laid_over(item, text), translation.shown(part)

    items = [
        in_language(item, measure_part(item["id"])) for item in version.measurement["forms"][form]
    ]
    posts = [
        {**post, **language_marks(shown)}
        for post, shown in (
            in_language(post, post_part(post["id"]))
            for post in version.measurement.get("posts", {}).get(form, [])
        )
    ]
    return items, posts


def install_template_globals(app: Flask) -> None:
    """Let templates ask for a module's and a lesson's words in the page's language."""
    app.jinja_env.globals["module_words"] = module_words
    app.jinja_env.globals["lesson_words"] = lesson_words
