"""A module's translations as files: ``translations/<language>/`` inside the module folder, with
the same file names as the English beside it, each translation carrying ``translates:``, the hash
of the English it was made from (:mod:`course.catalogue.translations`)::

    translations/cy/module.yaml             translates, title, summary, objectives
    translations/cy/02-threat-levels.md     front matter title and translates; the Markdown
    translations/cy/04-x.scenario.yaml      translates, title, steps by id (text, choices)
    translations/cy/quiz.yaml               questions by id, each with translates
    translations/cy/measure.yaml            items and posts by id, each with translates
    translations/cy/pictures.yaml           each picture's words, by file name

Reading checks every translation against its English (the same fields, lists of the same length,
no empty text, Markdown that would render) and reports problems at their line. That a
translation is missing or stale is not a problem, since the English must be publishable on its
own: :func:`translation_warnings` says so, for the languages ``course.yaml`` lists.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask_babel import gettext as _

from course.catalogue.bundle.file_checker import FileChecker, read_yaml
from course.catalogue.bundle.layout import FRONT_MATTER, MODULE_FILE, QUIZ_FILE
from course.catalogue.bundle.sources import ModuleSource
from course.catalogue.bundle.validation_report import Problem
from course.catalogue.bundle.yaml_text import block_yaml
from course.catalogue.markdown import check_markdown, picture_references
from course.catalogue.measurement_bank import MEASURE_FILE
from course.catalogue.scenarios import SCENARIO_SUFFIX
from course.catalogue.translations import (
    MODULE_PART,
    SOURCE_HASH,
    TRANSLATIONS_FOLDER,
    TranslatedPart,
    Translations,
    english_parts,
    is_language_code,
    lesson_part,
    measure_part,
    picture_part,
    post_part,
    question_part,
    region_passages_problem,
    shape_issues,
    source_hash,
)
from course.catalogue.yaml_source import SourceList, SourceMap

PICTURES_TEXT_FILE = "pictures.yaml"
TRANSLATES = "translates"

#: The collections of parts one file holds: file name -> (its key inside the file, the part
#: name of an entry's key).
_COLLECTIONS: dict[str, tuple[tuple[str, Callable[[str], str]], ...]] = {
    QUIZ_FILE: (("questions", question_part),),
    MEASURE_FILE: (("items", measure_part), ("posts", post_part)),
    PICTURES_TEXT_FILE: (("", picture_part),),
}


def read_translations(
    root: Path, folder: Path, problems: list[Problem], module: ModuleSource
) -> Translations:
    """Every translation in the module folder's ``translations/``, checked against the module's
    English, by language then part."""
    translations_folder = folder / TRANSLATIONS_FOLDER
    if not translations_folder.is_dir():
        return {}
    english = english_parts(module)
    translations: Translations = {}
    for language_folder in sorted(translations_folder.iterdir()):
        if not language_folder.is_dir() or not is_language_code(language_folder.name):
            FileChecker(root, language_folder, problems).problem(
                1,
                _(
                    "translations/ holds one folder per language, named by its code, like cy or "
                    "pt_BR"
                ),
            )
            continue
        reader = _LanguageReader(root, problems, english, set(module.pictures))
        for path in sorted(language_folder.iterdir()):
            reader.read_file(path)
        translations[language_folder.name] = reader.parts
    return translations


class _LanguageReader:
    """Reads one language's folder, part by part."""

    def __init__(
        self, root: Path, problems: list[Problem], english: dict[str, Any], pictures: set[str]
    ) -> None:
        self.root = root
        self.problems = problems
        self.english = english
        self.pictures = pictures
        self.parts: dict[str, TranslatedPart] = {}

    def read_file(self, path: Path) -> None:
        checker = FileChecker(self.root, path, self.problems)
        name = path.name
        if name in _COLLECTIONS:
            data = checker.mapping(read_yaml(checker, path))
            if data is not None:
                self._read_collection(checker, data, _COLLECTIONS[name])
        elif name == MODULE_FILE:
            data = checker.mapping(read_yaml(checker, path))
            if data is not None:
                self._read_part(checker, data, MODULE_PART, data.line)
        elif name.endswith(SCENARIO_SUFFIX):
            data = checker.mapping(read_yaml(checker, path))
            if data is not None:
                self._read_part(checker, data, lesson_part(name), data.line)
        elif name.endswith(".md"):
            self._read_lesson(checker, path)
        else:
            checker.problem(
                1,
                _(
                    "a translation folder holds only files named as the module's own (module.yaml, "
                    "lessons, scenarios, quiz.yaml, measure.yaml) and pictures.yaml"
                ),
            )

    def _read_lesson(self, checker: FileChecker, path: Path) -> None:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            checker.problem(1, _("the file is not UTF-8 text"))
            return
        found = FRONT_MATTER.match(text)
        if not found:
            checker.problem(
                1,
                _("missing front matter: start the file with --- then title: and translates: ---"),
            )
            return
        front = checker.mapping(read_yaml(checker, path, found.group("yaml"), first_line=2))
        if front is None:
            return
        body_line = text[: found.end()].count("\n") + 1
        data = SourceMap({**front, "markdown": text[found.end() :]})
        data.line, data.key_lines = front.line, {**front.key_lines, "markdown": body_line}
        self._read_part(checker, data, lesson_part(path.name), data.line)

    def _read_collection(
        self,
        checker: FileChecker,
        data: SourceMap,
        collections: tuple[tuple[str, Callable[[str], str]], ...],
    ) -> None:
        keys = {key for key, _part_of in collections}
        if "" not in keys:
            for key in data:
                if key not in keys:
                    checker.problem(data.line_of(key), _("unknown field %(key)r", key=key))
        for key, part_of in collections:
            entries = data if key == "" else data.get(key, SourceMap())
            if not isinstance(entries, SourceMap):
                checker.problem(
                    data.line_of(key),
                    _("%(key)s must be a mapping of ids to translations", key=key),
                )
                continue
            for entry_id, entry in entries.items():
                if not isinstance(entry, SourceMap):
                    checker.problem(
                        entries.line_of(entry_id),
                        _("the translation of %(id)s must be a mapping of fields", id=entry_id),
                    )
                    continue
                self._read_part(checker, entry, part_of(str(entry_id)), entries.line_of(entry_id))

    def _read_part(self, checker: FileChecker, data: SourceMap, part: str, line: int) -> None:
        english = self.english.get(part)
        if english is None:
            checker.problem(
                line,
                _("%(part)s is not in the module's English: nothing to translate", part=part),
            )
            return
        translates = data.get(TRANSLATES)
        if not isinstance(translates, str) or not SOURCE_HASH.match(translates):
            checker.problem(
                data.line_of(TRANSLATES),
                _(
                    "translates must be the hash of the English this translates (%(hash)s for "
                    "the English as it is now)",
                    hash=source_hash(english),
                ),
            )
            return
        text = {key: value for key, value in data.items() if key != TRANSLATES}
        issues = shape_issues(english, text)
        for issue in issues:
            checker.problem(_line_at(data, issue.path), issue.message)
        if issues:
            return
        text = _like(english, text)
        if part.startswith("lesson:"):
            self._check_markdown(checker, data, english, text)
        self.parts[part] = {"translates": translates, "text": text}

    def _check_markdown(
        self, checker: FileChecker, data: SourceMap, english: Any, text: dict[str, Any]
    ) -> None:
        """The lesson's Markdown (a scenario's step texts and feedback) would render, shows only
        pictures the module has, and has the English's region passages."""
        for path, markdown in _markdown_of(text):
            # A block (text: |) starts on the line after its key; the lesson's body is its own.
            block = path != ("markdown",) and str(_raw_at(data, path)).endswith("\n")
            first_line = _line_at(data, path) + (1 if block else 0)
            passages = region_passages_problem(_raw_at(english, path), markdown)
            if passages:
                checker.problem(first_line, passages)
            for issue in check_markdown(markdown):
                checker.problem(first_line + issue.line - 1, issue.message)
            for line, name, _alt in picture_references(markdown):
                if name not in self.pictures:
                    checker.problem(
                        first_line + line - 1,
                        _("pictures/%(name)s is not in the module's pictures folder", name=name),
                    )


def _markdown_of(text: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    if "markdown" in text:
        return [(("markdown",), text["markdown"])]
    found: list[tuple[tuple[str | int, ...], str]] = []
    for step_id, step in text["steps"].items():
        found.append((("steps", step_id, "text"), step["text"]))
        for index, choice in enumerate(step.get("choices", [])):
            found.append((("steps", step_id, "choices", index, "feedback"), choice["feedback"]))
    return found


def _line_at(data: Any, path: tuple[str | int, ...]) -> int:
    """The line of the deepest place along ``path`` that the file has."""
    line = getattr(data, "line", 1)
    node = data
    for step in path:
        if isinstance(node, SourceMap) and isinstance(step, str) and step in node:
            line, node = node.line_of(step), node[step]
        elif isinstance(node, SourceList) and isinstance(step, int) and step < len(node):
            line, node = node.line_of(step), node[step]
        else:
            break
    return line


def _raw_at(data: Any, path: tuple[str | int, ...]) -> Any:
    node = data
    for step in path:
        node = node[step]
    return node


def _like(english: Any, text: Any) -> Any:
    """``text`` in the canonical form of its English: Markdown (which ends in a line break) as
    Markdown, other text trimmed, a scenario's choice labels on one line."""
    if isinstance(english, dict):
        return {key: _like(value, text[key]) for key, value in english.items()}
    if isinstance(english, list):
        return [_like(value, text[index]) for index, value in enumerate(english)]
    if english.endswith("\n"):
        return str(text).strip("\n") + "\n"
    return " ".join(str(text).split()) if "\n" not in english else str(text).strip()


# Warnings -------------------------------------------------------------------------------------


def translation_warnings(root: Path, module: ModuleSource, languages: list[str]) -> list[Problem]:
    """For each language the course is translated into, each part of the module that has no
    translation, and each whose translation was made from other English (stale), at the file
    and line where its translation is or would be."""
    warnings: list[Problem] = []
    folder = root / module.folder_name
    english = english_parts(module)
    for language in languages:
        translation = module.translations.get(language, {})
        language_folder = folder / TRANSLATIONS_FOLDER / language
        for part, english_part in english.items():
            path = language_folder / file_of(part)
            checker = FileChecker(root, path, warnings)
            if part not in translation:
                checker.problem(
                    _line_of_entry(path, part),
                    _(
                        "warning: no %(language)s translation of %(part)s",
                        language=language,
                        part=part,
                    ),
                )
            elif same := _still_english(english_part, translation[part]["text"]):
                checker.problem(
                    _line_of_entry(path, part),
                    _(
                        "warning: the %(language)s translation of %(part)s still has English "
                        "text: %(text)s",
                        language=language,
                        part=part,
                        text=_shortened(same),
                    ),
                )
            if part in translation and translation[part]["translates"] != source_hash(english_part):
                checker.problem(
                    _line_of_entry(path, part),
                    _(
                        "warning: the %(language)s translation of %(part)s is stale: the English "
                        "has changed since (translates: should become %(hash)s once it is "
                        "brought up to date)",
                        language=language,
                        part=part,
                        hash=source_hash(english_part),
                    ),
                )
    return warnings


#: Text this many words long or longer that reads the same as its English was not translated;
#: shorter text (a name, "Run", a number) may rightly read the same.
STILL_ENGLISH_WORDS = 4


def _still_english(english: Any, text: Any) -> str | None:
    """The first text of a translation that is the same as its English and long enough not to
    be so by chance, if any."""
    if isinstance(english, dict):
        return next(
            (found for key in english if (found := _still_english(english[key], text[key]))), None
        )
    if isinstance(english, list):
        return next(
            (
                found
                for index, value in enumerate(english)
                if (found := _still_english(value, text[index]))
            ),
            None,
        )
    if english == text and len(english.split()) >= STILL_ENGLISH_WORDS:
        return str(english)
    return None


def _shortened(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def file_of(part: str) -> str:
    """The file of a language's folder that holds the translation of ``part``."""
    kind, _colon, name = part.partition(":")
    return {
        MODULE_PART: MODULE_FILE,
        "lesson": name,
        "question": QUIZ_FILE,
        "measure": MEASURE_FILE,
        "post": MEASURE_FILE,
        "picture": PICTURES_TEXT_FILE,
    }[kind]


def _line_of_entry(path: Path, part: str) -> int:
    """The line of ``path`` where the part's translation is: its ``translates:`` in a file of
    one part, or the entry's id in a file of many; 1 when there is none."""
    if not path.is_file():
        return 1
    _kind, _colon, name = part.partition(":")
    wanted = f"{TRANSLATES}:" if file_of(part) in (MODULE_FILE, name) else f"{name}:"
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip().startswith(wanted):
            return number
    return 1


# Writing --------------------------------------------------------------------------------------


def start_translation(module: ModuleSource, language: str) -> int:
    """Add to the module's ``language`` translation a copy of the English of each part it does
    not have yet, with the hash of that English, for a translator to replace; how many."""
    translation = module.translations.setdefault(language, {})
    missing = {
        part: english for part, english in english_parts(module).items() if part not in translation
    }
    for part, english in missing.items():
        translation[part] = {"translates": source_hash(english), "text": english}
    return len(missing)


def write_translation(module: ModuleSource, language: str, folder: Path) -> None:
    """Write the module's ``language`` translation files into its folder, replacing that
    language's folder (and nothing else)."""
    language_folder = folder / TRANSLATIONS_FOLDER / language
    if language_folder.is_dir():
        for path in language_folder.iterdir():
            path.unlink()
    prefix = f"{TRANSLATIONS_FOLDER}/{language}/"
    for name, text in translation_files(module).items():
        if name.startswith(prefix):
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text, encoding="utf-8")


def translation_files(module: ModuleSource) -> dict[str, str]:
    """Every translation file of the module, by its path inside the module folder, in canonical
    form: parts in the module's order, the same content always the same text."""
    files: dict[str, str] = {}
    order = list(english_parts(module))
    for language, translation in sorted(module.translations.items()):
        prefix = f"{TRANSLATIONS_FOLDER}/{language}/"
        collections: dict[str, dict[str, dict[str, Any]]] = {}
        ranked = sorted(
            translation, key=lambda part: (order.index(part) if part in order else len(order), part)
        )
        for part in ranked:
            entry = {TRANSLATES: translation[part]["translates"], **translation[part]["text"]}
            kind, _colon, name = part.partition(":")
            file_name = file_of(part)
            if kind == "lesson" and not name.endswith(SCENARIO_SUFFIX):
                markdown = entry.pop("markdown")
                files[prefix + name] = f"---\n{block_yaml(entry)}---\n{markdown}"
            elif kind in (MODULE_PART, "lesson"):
                files[prefix + file_name] = block_yaml(entry)
            else:
                key = {"question": "questions", "measure": "items", "post": "posts"}.get(kind, "")
                collections.setdefault(file_name, {}).setdefault(key, {})[name] = entry
        for file_name, by_key in collections.items():
            files[prefix + file_name] = block_yaml(by_key.get("", None) or by_key)
    return files
