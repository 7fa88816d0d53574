"""Translations of a module's content, and how each is tied to the English it translates.

A module's English is split into *parts*, each translated as a whole: the module's own text
(``module``), each lesson (``lesson:02-threat-levels.md``, a scenario's steps included), each
quiz question (``question:<id>``), each measurement item (``measure:<id>``) and post
(``post:<id>``), and the words drawn in each picture (``picture:<name>.svg``). A part's English
is a small tree of strings (:func:`english_parts`); its translation is a tree of the same shape,
and carries the :func:`source_hash` of the English it was made from. When the English changes,
the hash no longer matches and the translation is *stale*: still readable, but no longer a
translation of what the English says.

A module's translations in canonical form are plain data, by language then part::

    {"cy": {"lesson:02-threat-levels.md": {"translates": "3f0c...", "text": {...}}, ...}}

This module knows the parts, their shapes and how a translated part is laid over its English;
the files they live in are :mod:`course.catalogue.bundle.translation_files`, and which
translation a page shows is :mod:`course.catalogue.localised`.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape, unescape

from babel import Locale, UnknownLocaleError
from flask_babel import gettext as _

from course.catalogue.markdown import region_passages
from course.catalogue.question_types import all_question_types

if TYPE_CHECKING:
    from course.catalogue.bundle.sources import ModuleSource

#: The folder of a module that holds its translations, one folder per language inside it.
TRANSLATIONS_FOLDER = "translations"
#: A language's folder name: a language code (``cy``, ``fr``), with a region if needed (``pt_BR``).
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(?:_[A-Z]{2})?$")
HASH_LENGTH = 16
SOURCE_HASH = re.compile(rf"^[0-9a-f]{{{HASH_LENGTH}}}$")

MODULE_PART = "module"


def is_language_code(code: str) -> bool:
    """Whether ``code`` names a language Babel knows (its plural rules, its direction)."""
    if not LANGUAGE_CODE.match(code):
        return False
    try:
        Locale.parse(code)
    except (ValueError, UnknownLocaleError):
        return False
    return True


#: A translation in canonical form: ``translates`` (the hash) and ``text`` (the translated tree).
TranslatedPart = dict[str, Any]
#: A module's translations: language -> part -> :data:`TranslatedPart`.
Translations = dict[str, dict[str, TranslatedPart]]


def source_hash(english: Any) -> str:
    """The hash that ties a translation to the English part it translates."""
    canonical = json.dumps(english, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:HASH_LENGTH]


def lesson_part(file_name: str) -> str:
    return f"lesson:{file_name}"


def question_part(question_id: str) -> str:
    return f"question:{question_id}"


def measure_part(item_id: str) -> str:
    return f"measure:{item_id}"


def post_part(post_id: str) -> str:
    return f"post:{post_id}"


def picture_part(name: str) -> str:
    return f"picture:{name}"


def english_parts(module: ModuleSource) -> dict[str, Any]:
    """Every part of the module that a translation covers, by part name, each as the tree of its
    English strings, in the module's order."""
    parts: dict[str, Any] = {
        MODULE_PART: {
            "title": module.title,
            "summary": module.summary,
            "objectives": list(module.objectives),
        }
    }
    for lesson in module.lessons:
        if lesson.scenario is not None:
            parts[lesson_part(lesson.file_name)] = scenario_english(lesson.title, lesson.scenario)
        else:
            parts[lesson_part(lesson.file_name)] = {
                "title": lesson.title,
                "markdown": lesson.markdown,
            }
    for question in module.questions:
        parts[question_part(question["id"])] = question_english(question)
    for item in measurement_items(module.measurement):
        parts[measure_part(item["id"])] = question_english(item)
    for post in measurement_posts(module.measurement):
        parts[post_part(post["id"])] = {
            "author": post["author"],
            "text": post["text"],
            "why": post["why"],
        }
    for name, svg in sorted(module.pictures.items()):
        texts = picture_texts(svg)
        if texts:
            parts[picture_part(name)] = {"text": texts}
    return parts


def question_english(question: dict[str, Any]) -> dict[str, Any]:
    """The words of a question that a translation covers, as its type says
    (:meth:`~course.catalogue.question_types.QuestionType.translatable`)."""
    return all_question_types()[question["type"]].translatable(question)


def scenario_english(title: str, scenario: dict[str, Any]) -> dict[str, Any]:
    """A scenario's words: its title, and each step's text and choices' labels and feedback, by
    step id (a translation follows the steps by id, their choices by position)."""
    steps: dict[str, Any] = {}
    for step in scenario["steps"]:
        words: dict[str, Any] = {"text": step["text"]}
        if "choices" in step:
            words["choices"] = [
                {"label": choice["label"], "feedback": choice["feedback"]}
                for choice in step["choices"]
            ]
        steps[step["id"]] = words
    return {"title": title, "steps": steps}


def translated_scenario(scenario: dict[str, Any], text: dict[str, Any]) -> dict[str, Any]:
    """The scenario with a translation's words in place of the English: the same steps, choices
    and endings."""
    translated = copy.deepcopy(scenario)
    translated["title"] = text["title"]
    for step in translated["steps"]:
        words = text["steps"][step["id"]]
        step["text"] = words["text"]
        choices = zip(step.get("choices", []), words.get("choices", []), strict=True)
        for choice, choice_words in choices:
            choice["label"] = choice_words["label"]
            choice["feedback"] = choice_words["feedback"]
    return translated


def laid_over(english: Any, text: Any) -> Any:
    """``english`` (a question, say) with each string that ``text`` translates replaced: dicts
    by key, lists by position. What ``text`` does not name (an answer key, an id) stays."""
    if isinstance(english, dict) and isinstance(text, dict):
        return {
            key: laid_over(value, text[key]) if key in text else value
            for key, value in english.items()
        }
    if isinstance(english, list) and isinstance(text, list):
        return [
            laid_over(value, text[index]) if index < len(text) else value
            for index, value in enumerate(english)
        ]
    return text if isinstance(text, str) else english


def measurement_items(measurement: dict[str, Any] | None) -> Iterator[dict[str, Any]]:
    if measurement is None:
        return
    for form in measurement["forms"].values():
        yield from form


def measurement_posts(measurement: dict[str, Any] | None) -> Iterator[dict[str, Any]]:
    if measurement is None:
        return
    for form in measurement.get("posts", {}).values():
        yield from form


# The words drawn in a picture -----------------------------------------------------------------

_TEXT_ELEMENT = re.compile(r"(<text\b[^>]*>)(.*?)(</text>)", re.S)
_TAG = re.compile(r"(<[^>]+>)")


def picture_texts(svg: str) -> list[str]:
    """The words a picture draws, in the order its ``<text>`` elements (and their ``<tspan>``
    pieces) give them."""
    return [unescape(piece.strip()) for piece in _text_pieces(svg)]


def _text_pieces(svg: str) -> Iterator[str]:
    for element in _TEXT_ELEMENT.finditer(svg):
        for piece in _TAG.split(element.group(2)):
            if piece.strip() and not piece.startswith("<"):
                yield piece


_TEXT_ANCHOR = re.compile(r'\stext-anchor="(start|middle|end)"')
#: Where a right-to-left text must be anchored to sit where its left-to-right original did: a
#: left-to-right text starts at its left edge, a right-to-left one at its right edge.
_MIRRORED_ANCHORS = {"start": "end", "middle": "middle", "end": "start"}


def translated_picture(svg: str, texts: list[str], right_to_left: bool = False) -> str:
    """The picture with each of its words (:func:`picture_texts`) replaced by the translation at
    the same position; everything else, the drawing and its layout, unchanged.

    :param right_to_left: the translation's language is written right to left (Arabic): each
        text is then laid out right to left, so that numbers and punctuation fall where a reader
        expects them, anchored where the English was.
    """
    remaining = iter(texts)

    def opening(tag: str) -> str:
        if not right_to_left:
            return tag
        found = _TEXT_ANCHOR.search(tag)
        anchor = _MIRRORED_ANCHORS[found.group(1) if found else "start"]
        tag = _TEXT_ANCHOR.sub("", tag)
        return f'{tag[:-1]} direction="rtl" text-anchor="{anchor}">'

    def replace_element(element: re.Match[str]) -> str:
        pieces = _TAG.split(element.group(2))
        for index, piece in enumerate(pieces):
            if piece.strip() and not piece.startswith("<"):
                leading = piece[: len(piece) - len(piece.lstrip())]
                trailing = piece[len(piece.rstrip()) :]
                pieces[index] = f"{leading}{escape(next(remaining, piece.strip()))}{trailing}"
        return opening(element.group(1)) + "".join(pieces) + element.group(3)

    return _TEXT_ELEMENT.sub(replace_element, svg)


# How a translation compares with its English -------------------------------------------------


@dataclass(frozen=True)
class ShapeIssue:
    """Where a translation's tree differs from its English: the path to the place
    (``choices/2/text``) and what is wrong there."""

    path: tuple[str | int, ...]
    message: str


def shape_issues(english: Any, text: Any, path: tuple[str | int, ...] = ()) -> list[ShapeIssue]:
    """How ``text`` fails to have the shape of ``english``: every key, every list item, and a
    non-empty string wherever the English has one."""
    if isinstance(english, dict):
        if not isinstance(text, dict):
            return [ShapeIssue(path, _("this must be a mapping, as in the English"))]
        issues = [
            ShapeIssue((*path, key), _("%(key)s is missing: the English has it", key=key))
            for key in english
            if key not in text
        ]
        issues += [
            ShapeIssue(
                (*path, key), _("unknown field %(key)r: the English has no such field", key=key)
            )
            for key in text
            if key not in english
        ]
        for key, value in english.items():
            if key in text:
                issues += shape_issues(value, text[key], (*path, key))
        return issues
    if isinstance(english, list):
        if not isinstance(text, list) or len(text) != len(english):
            return [
                ShapeIssue(
                    path,
                    _(
                        "this must be a list of %(count)d, one for each in the English",
                        count=len(english),
                    ),
                )
            ]
        issues = []
        for index, value in enumerate(english):
            issues += shape_issues(value, text[index], (*path, index))
        return issues
    if not isinstance(text, str) or not text.strip():
        return [ShapeIssue(path, _("the translation is empty"))]
    return []


def region_passages_problem(english: str, translated: str) -> str | None:
    """Why a translated piece of Markdown would show another region something else than the
    English does (a passage left out, added or naming other regions), if it would: a reader in
    the United States must not lose the number to call because a translation left it out."""
    expected, found = region_passages(english), region_passages(translated)
    if expected == found:
        return None

    def listed(passages: list[tuple[str, ...]]) -> str:
        return "; ".join(" ".join(regions) for regions in passages) or _("none")

    return _(
        "the region passages must be those of the English, in its order (%(expected)s), not "
        "%(found)s",
        expected=listed(expected),
        found=listed(found),
    )


def is_current(part: TranslatedPart, english: Any) -> bool:
    """Whether a translation was made from the English as it is now."""
    return bool(part["translates"] == source_hash(english))


def strings_in(
    tree: Any, path: tuple[str | int, ...] = ()
) -> list[tuple[tuple[str | int, ...], str]]:
    """Every string of a part's tree with the path to it (``("choices", 2, "text")``), in order."""
    if isinstance(tree, dict):
        return [found for key, value in tree.items() for found in strings_in(value, (*path, key))]
    if isinstance(tree, list):
        return [
            found for index, value in enumerate(tree) for found in strings_in(value, (*path, index))
        ]
    return [(path, str(tree))]
