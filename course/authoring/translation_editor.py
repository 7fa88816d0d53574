"""Translating a module on the web: which parts of a language are current, stale or missing, and
one part's translation edited beside its English, saved into the module's draft.

A part's words are a small tree (:func:`course.catalogue.translations.english_parts`); the editor
shows each string of it as one field, its English beside it, named by where it sits
(``choices/2/text``). Saving checks the translation as the file reader does (every string there,
Markdown that renders and shows only the module's pictures) and ties it to the English as it is
now: the author has brought it up to date. Like every change to a draft it is locked, audited and
published with the rest.
"""

from __future__ import annotations

import copy
import enum
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from course.accounts.models import User
from course.authoring.draft_document import Document, source_of
from course.authoring.drafts import DraftRefused, change_draft
from course.authoring.models import ModuleDraft
from course.catalogue.bundle import ModuleSource
from course.catalogue.markdown import check_markdown, picture_references
from course.catalogue.models import Course, Module
from course.catalogue.translations import (
    MODULE_PART,
    english_parts,
    is_current,
    region_passages_problem,
    source_hash,
    strings_in,
)


class PartStatus(enum.StrEnum):
    CURRENT = "current"
    STALE = "stale"
    MISSING = "missing"


@dataclass(frozen=True)
class PartRow:
    """One part of the module as the language's page lists it."""

    part: str
    kind: str  # module, lesson, question, measure, post, picture
    name: str  # the file, question id or picture after the kind
    status: PartStatus


@dataclass(frozen=True)
class Field:
    """One string of a part: where it sits, its English, its translation (empty when there is
    none), and whether it is Markdown."""

    path: str
    english: str
    translated: str
    markdown: bool

    @property
    def label(self) -> str:
        return field_label(self.path)


def translation_languages(course: Course) -> list[str]:
    """The languages authors translate into: those ``course.yaml`` lists, then the site's
    other interface languages."""
    offered = [code for code in current_app.config["LANGUAGES"] if code.split("_")[0] != "en"]
    return list(dict.fromkeys([*course.languages, *offered]))


def is_translation_language(course: Course, language: str) -> bool:
    return language in translation_languages(course)


def part_rows(source: ModuleSource, language: str) -> list[PartRow]:
    """Every part of the module, in its order, with the state of its ``language`` translation."""
    translation = source.translations.get(language, {})
    rows = []
    for part, english in english_parts(source).items():
        if part not in translation:
            status = PartStatus.MISSING
        elif is_current(translation[part], english):
            status = PartStatus.CURRENT
        else:
            status = PartStatus.STALE
        kind, _colon, name = part.partition(":")
        rows.append(PartRow(part, kind, name, status))
    return rows


def counts(source: ModuleSource, language: str) -> dict[str, int]:
    """How many parts of the module are in each state (by :class:`PartStatus` value)."""
    found = {status.value: 0 for status in PartStatus}
    for row in part_rows(source, language):
        found[row.status.value] += 1
    return found


def fields_of(source: ModuleSource, language: str, part: str) -> list[Field] | None:
    """Each string of the part beside its translation, or ``None`` when the module has no such
    part."""
    english = english_parts(source).get(part)
    if english is None:
        return None
    existing = source.translations.get(language, {}).get(part)
    translated = existing["text"] if existing else None
    markdown = part.startswith("lesson:")
    return [
        Field(_path_text(path), text, _at(translated, path) or "", markdown and _is_markdown(path))
        for path, text in strings_in(english)
    ]


def status_of(source: ModuleSource, language: str, part: str) -> PartStatus | None:
    return next((row.status for row in part_rows(source, language) if row.part == part), None)


def save_translation(
    module: Module,
    revision: int,
    author: User,
    language: str,
    part: str,
    values: dict[str, str],
) -> ModuleDraft:
    """Save the translation of ``part`` into ``language`` (``values`` by field path) in the
    draft, tied to the part's English as it is now.

    :raises DraftRefused: with what is wrong by field path, when a field is empty, its Markdown
        would not render, or it shows a picture the module does not have.
    """

    def change(document: Document) -> tuple[Any, Any]:
        source = source_of(document)
        english = english_parts(source).get(part)
        if english is None:
            raise DraftRefused({"": [_("The module has no such part to translate.")]})
        text = _tree_from(english, values)
        _refuse_problems(english, text, part, set(source.pictures))
        translations = document.setdefault("translations", {})
        language_parts = translations.setdefault(language, {})
        before = copy.deepcopy(language_parts.get(part))
        after = {"translates": source_hash(english), "text": text}
        language_parts[part] = after
        return before, after

    return change_draft(
        module,
        revision,
        author,
        "module.translation_saved",
        f"Saved the {language} translation of {part} in {module.slug}",
        change,
    )


def _refuse_problems(english: Any, text: Any, part: str, pictures: set[str]) -> None:
    errors: dict[str, list[str]] = {}
    for path, english_text in strings_in(english):
        translated = _at(text, path) or ""
        where = _path_text(path)
        if not translated.strip():
            errors.setdefault(where, []).append(_("Enter the translation of this text"))
            continue
        if part.startswith("lesson:") and _is_markdown(path):
            passages = region_passages_problem(english_text, translated)
            if passages:
                errors.setdefault(where, []).append(passages)
            for issue in check_markdown(translated):
                errors.setdefault(where, []).append(
                    _("Line %(line)d: %(problem)s", line=issue.line, problem=issue.message)
                )
            for line, name, _alt in picture_references(translated):
                if name not in pictures:
                    errors.setdefault(where, []).append(
                        _(
                            "Line %(line)d: pictures/%(name)s is not one of the module's pictures",
                            line=line,
                            name=name,
                        )
                    )
    if errors:
        raise DraftRefused(errors)


def _at(tree: Any, path: tuple[str | int, ...]) -> str | None:
    node = tree
    for step in path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return None
    return node if isinstance(node, str) else None


def _tree_from(english: Any, values: dict[str, str], path: tuple[str | int, ...] = ()) -> Any:
    """The part's tree with each string taken from ``values`` by path, in the canonical form of
    its English: Markdown ends with a line break, other text is trimmed."""
    if isinstance(english, dict):
        return {key: _tree_from(value, values, (*path, key)) for key, value in english.items()}
    if isinstance(english, list):
        return [_tree_from(value, values, (*path, index)) for index, value in enumerate(english)]
    value = values.get(_path_text(path), "").replace("\r\n", "\n")
    if english.endswith("\n"):
        return value.strip("\n") + "\n" if value.strip() else ""
    return " ".join(value.split()) if "\n" not in english else value.strip()


def _path_text(path: tuple[str | int, ...]) -> str:
    return "/".join(str(step) for step in path)


def _is_markdown(path: tuple[str | int, ...]) -> bool:
    return path[-1] in ("markdown", "text", "feedback")


#: What each kind of part is called on the pages.
KIND_LABELS = {
    MODULE_PART: _l("The module's title, summary and objectives"),
    "lesson": _l("Lesson"),
    "question": _l("Quiz question"),
    "measure": _l("Check question"),
    "post": _l("Post to rate"),
    "picture": _l("Words in a picture"),
}


_NAMED_FIELDS = {
    "title": _l("Title"),
    "summary": _l("Summary"),
    "markdown": _l("Text (Markdown)"),
    "prompt": _l("Question"),
    "explanation": _l("Explanation"),
    "author": _l("Who posted it"),
    "why": _l("Why it can or cannot be trusted"),
}


def field_label(path: str) -> str:
    """What a field of a part is, in words: ``choices/1/text`` is "Choice 2"."""
    steps = path.split("/")
    if len(steps) == 1:
        return str(_NAMED_FIELDS.get(steps[0], steps[0]))
    if steps[0] == "steps":
        step = steps[1]
        if steps[2] == "text":
            return _("Step %(step)s: what happens", step=step)
        number = int(steps[3]) + 1
        if steps[4] == "label":
            return _("Step %(step)s, choice %(number)d", step=step, number=number)
        return _("Step %(step)s, feedback on choice %(number)d", step=step, number=number)
    number = int(steps[1]) + 1
    if steps[0] == "objectives":
        return _("Objective %(number)d", number=number)
    if steps[0] == "choices":
        return _("Choice %(number)d", number=number)
    if steps[0] == "items":
        return _("Item %(number)d", number=number)
    if steps[0] == "pairs":
        if steps[2] == "left":
            return _("Pair %(number)d, left", number=number)
        return _("Pair %(number)d, right", number=number)
    return _("Text %(number)d", number=number)
