"""Changing a draft's lessons and questions: add, replace, move and delete, each checked by the
file validator's rules as it is saved (:func:`lesson_errors`, :func:`question_errors`) and made as
one locked, audited save of the draft (:func:`course.authoring.drafts.change_draft`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask_babel import gettext as _

from course.accounts.models import User
from course.authoring.draft_document import Document
from course.authoring.drafts import DraftRefused, change_draft
from course.authoring.scenario_editor import read_steps_text
from course.catalogue.bundle import (
    RESERVED_LESSON_SLUGS,
    SLUG,
    LessonKind,
    LessonSource,
    citations,
)
from course.catalogue.markdown import check_markdown
from course.catalogue.models import Module
from course.catalogue.question_types import all_question_types, question_type
from course.catalogue.scenarios import SCENARIO_SUFFIX
from course.catalogue.yaml_source import SourceMap

LESSON_TITLE_MAX_LENGTH = 200
LESSON_MARKDOWN_MAX_LENGTH = 50_000
#: What the audit log keeps of a lesson before and after a save.
AUDITED_LESSON_FIELDS = ("title", "slug", "kind", "sources", "markdown")
AUDITED_SCENARIO_FIELDS = ("title", "slug", "kind", "scenario")


# Lessons --------------------------------------------------------------------------------------


def _renumber_lessons(document: Document) -> None:
    for position, lesson in enumerate(document["lessons"], start=1):
        suffix = SCENARIO_SUFFIX if lesson.get("scenario") is not None else ".md"
        lesson["file"] = f"{position:02d}-{lesson['slug']}{suffix}"


def _audited(lesson: Document) -> dict[str, Any]:
    """What the audit log keeps of a lesson before and after a change."""
    scenario = lesson.get("scenario") is not None
    fields = AUDITED_SCENARIO_FIELDS if scenario else AUDITED_LESSON_FIELDS
    return {key: lesson.get(key) for key in fields}


def lesson_errors(
    document: Document,
    number: int | None,
    title: str,
    slug: str,
    markdown: str,
    *,
    sources: Sequence[str],
) -> dict[str, list[str]]:
    """What is wrong with a lesson, by field: the file validator's rules, checked as it is saved.

    A lesson may cite only the module's sources. One that teaches facts and cites none is still
    saved: the module's draft then lists it among the problems to fix before publishing, since
    the sources it needs may not be in the module's details yet.
    """
    errors = heading_errors(document, number, title, slug)
    known = {source.get("id") for source in document["metadata"]["sources"]}
    unknown = [source_id for source_id in sources if source_id not in known]
    if unknown:
        errors["sources"] = [citations.unknown_citation_problem(unknown[0])]
    if not markdown.strip():
        errors["markdown"] = [_("Write the lesson's text")]
    elif len(markdown) > LESSON_MARKDOWN_MAX_LENGTH:
        errors["markdown"] = [_("The text must be 50,000 characters or fewer")]
    else:
        issues = check_markdown(markdown)
        if issues:
            errors["markdown"] = [
                _("Line %(line)d: %(problem)s", line=issue.line, problem=issue.message)
                for issue in issues
            ]
    return errors


def heading_errors(
    document: Document, number: int | None, title: str, slug: str
) -> dict[str, list[str]]:
    """What is wrong with a lesson's (or a scenario's) title and slug: each is needed, and unique
    among the module's other lessons."""
    errors: dict[str, list[str]] = {}
    others = [
        lesson for index, lesson in enumerate(document["lessons"], start=1) if index != number
    ]
    if not title:
        errors["title"] = [_("Enter the lesson's title")]
    elif len(title) > LESSON_TITLE_MAX_LENGTH:
        errors["title"] = [_("The title must be 200 characters or fewer")]
    elif any(lesson["title"] == title for lesson in others):
        errors["title"] = [_("Another lesson of this module has this title")]
    if not SLUG.match(slug) or len(slug) > 100:
        errors["slug"] = [
            _("Use lower-case letters, digits and single hyphens, like run-hide-tell")
        ]
    elif slug in RESERVED_LESSON_SLUGS:
        errors["slug"] = [_("%(slug)s is kept for the module's own pages", slug=slug)]
    elif any(lesson["slug"] == slug for lesson in others):
        errors["slug"] = [_("Another lesson of this module has this slug")]
    return errors


def save_lesson(
    module: Module,
    revision: int,
    author: User,
    number: int | None,
    title: str,
    slug: str,
    markdown: str,
    *,
    kind: LessonKind,
    sources: Sequence[str],
) -> int:
    """Add a lesson at the end (``number`` is ``None``) or replace lesson ``number``, with its
    kind and the ids of the module's sources it cites.

    :returns: the lesson's number.
    :raises DraftRefused: with the file validator's complaints, by field.
    """
    markdown = markdown.replace("\r\n", "\n").strip("\n") + "\n"
    title = title.strip()
    cited = list(dict.fromkeys(sources))

    def lesson_for(document: Document) -> dict[str, Any]:
        errors = lesson_errors(document, number, title, slug, markdown, sources=cited)
        if errors:
            raise DraftRefused(errors)
        return LessonSource("", slug, title, markdown, kind, cited).canonical()

    summary = f"Saved the lesson {slug} of {module.slug}"
    return _put_lesson(module, revision, author, number, summary, lesson_for)


def save_scenario(
    module: Module,
    revision: int,
    author: User,
    number: int | None,
    title: str,
    slug: str,
    steps: str,
) -> int:
    """Add a branching scenario at the end of the lessons (``number`` is ``None``) or replace
    lesson ``number`` with one; ``steps`` is its ``start`` and ``steps`` as the editor's text,
    checked as its file would be.

    :returns: the lesson's number.
    :raises DraftRefused: with the problems, by field (the steps' at their lines of the text).
    """
    title = title.strip()
    scenario, steps_problems = read_steps_text(steps)

    def lesson_for(document: Document) -> dict[str, Any]:
        errors = heading_errors(document, number, title, slug)
        if steps_problems:
            errors["steps"] = steps_problems
        if errors or scenario is None:
            raise DraftRefused(errors)
        whole = {"title": title, "slug": slug, **scenario}
        return LessonSource("", slug, title, "", LessonKind.SCENARIO, scenario=whole).canonical()

    summary = f"Saved the scenario {slug} of {module.slug}"
    return _put_lesson(module, revision, author, number, summary, lesson_for)


def _put_lesson(
    module: Module,
    revision: int,
    author: User,
    number: int | None,
    summary: str,
    lesson_for: Callable[[Document], dict[str, Any]],
) -> int:
    """Add the lesson ``lesson_for`` makes from the draft at the end (``number`` is ``None``) or
    put it in place of lesson ``number``, as one audited save; ``lesson_for`` refuses with
    :class:`DraftRefused`. Returns the lesson's number."""

    def change(document: Document) -> tuple[Any, Any]:
        lesson = lesson_for(document)
        if number is None:
            document["lessons"].append(lesson)
            before = None
        else:
            before = _audited(document["lessons"][_index_checked(document["lessons"], number)])
            document["lessons"][number - 1] = lesson
        _renumber_lessons(document)
        return before, _audited(lesson)

    action = "lesson.added" if number is None else "lesson.saved"
    draft = change_draft(module, revision, author, action, summary, change)
    return number or len(draft.content["lessons"])


def move_lesson(module: Module, revision: int, author: User, number: int, offset: int) -> None:
    """Move lesson ``number`` up (``offset`` -1) or down (+1); at either end it stays put."""

    def change(document: Document) -> tuple[Any, Any]:
        _move(document["lessons"], number, offset)
        _renumber_lessons(document)
        return None

    change_draft(
        module, revision, author, "lesson.moved", f"Moved a lesson of {module.slug}", change
    )


def delete_lesson(module: Module, revision: int, author: User, number: int) -> str:
    """Remove lesson ``number`` from the draft; published versions keep it. Returns its title."""
    removed_title = ""

    def change(document: Document) -> tuple[Any, Any]:
        nonlocal removed_title
        lesson = document["lessons"].pop(_index_checked(document["lessons"], number))
        removed_title = lesson["title"]
        _renumber_lessons(document)
        return _audited(lesson), None

    change_draft(
        module, revision, author, "lesson.deleted", f"Deleted a lesson of {module.slug}", change
    )
    return removed_title


def _move(items: list[Any], number: int, offset: int) -> None:
    """Swap item ``number`` (from 1) with its neighbour ``offset`` away, if it has one."""
    index = _index_checked(items, number)
    target = index + offset
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]


def _index_checked(items: list[Any], number: int) -> int:
    if not 1 <= number <= len(items):
        raise LookupError(f"no item {number}")
    return number - 1


# Questions ------------------------------------------------------------------------------------


def question_errors(
    document: Document, number: int | None, question: SourceMap
) -> dict[str, list[str]]:
    """What is wrong with a question, by field: the question type's own checks (the same as for
    ``quiz.yaml``, said in the editor's words rather than the file's), and a unique id."""
    schema = all_question_types().get(str(question.get("type", "")))
    if schema is None:
        return {"type": [_("Choose a question type")]}
    errors: dict[str, list[str]] = {}
    for issue in schema.check(question):
        errors.setdefault(issue.field or "prompt", []).append(issue.author_message)
    question_id = str(question.get("id") or "").strip()
    if not question_id:
        errors.setdefault("id", []).append(
            _("Write the question, or enter an identifier like run-first")
        )
    elif not SLUG.match(question_id) or len(question_id) > 100:
        errors.setdefault("id", []).append(
            _("Use lower-case letters, digits and single hyphens, like run-first")
        )
    elif any(
        other["id"] == question_id
        for index, other in enumerate(document["questions"], start=1)
        if index != number
    ):
        errors.setdefault("id", []).append(_("Another question of this module has this identifier"))
    return errors


def save_question(
    module: Module, revision: int, author: User, number: int | None, question: SourceMap
) -> int:
    """Add a question at the end of the bank (``number`` is ``None``) or replace question
    ``number``; it is stored in its type's canonical form.

    :returns: the question's number.
    :raises DraftRefused: with the type's complaints, by field.
    """

    def change(document: Document) -> tuple[Any, Any]:
        errors = question_errors(document, number, question)
        if errors:
            raise DraftRefused(errors)
        canonical = question_type(str(question["type"])).canonical(question)
        if number is None:
            document["questions"].append(canonical)
            before = None
        else:
            before = document["questions"][_index_checked(document["questions"], number)]
            document["questions"][number - 1] = canonical
        return before, canonical

    action = "question.added" if number is None else "question.saved"
    summary = f"Saved the question {question.get('id')} of {module.slug}"
    draft = change_draft(module, revision, author, action, summary, change)
    return number or len(draft.content["questions"])


def move_question(module: Module, revision: int, author: User, number: int, offset: int) -> None:
    """Move question ``number`` up (``offset`` -1) or down (+1); at either end it stays put."""

    def change(document: Document) -> tuple[Any, Any]:
        _move(document["questions"], number, offset)
        return None

    change_draft(
        module, revision, author, "question.moved", f"Moved a question of {module.slug}", change
    )


def delete_question(module: Module, revision: int, author: User, number: int) -> str:
    """Remove question ``number`` from the draft's bank. Returns its identifier."""
    removed_id = ""

    def change(document: Document) -> tuple[Any, Any]:
        nonlocal removed_id
        question = document["questions"].pop(_index_checked(document["questions"], number))
        removed_id = question["id"]
        return question, None

    change_draft(
        module, revision, author, "question.deleted", f"Deleted a question of {module.slug}", change
    )
    return removed_id
