"""Reading the bundle's files into sources, checking each file (and a module's lessons against each
other) as it is read, and collecting every problem rather than stopping at the first."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from flask_babel import gettext as _

from course.catalogue.bundle import citations
from course.catalogue.bundle.file_checker import FileChecker, read_yaml
from course.catalogue.bundle.layout import (
    COURSE_FILE,
    FRONT_MATTER,
    MODULE_FILE,
    NUMBERED_NAME,
    QUIZ_FILE,
    RESERVED_LESSON_SLUGS,
)
from course.catalogue.bundle.sources import (
    DEFAULT_PASS_MARK,
    DEFAULT_VALIDITY_MONTHS,
    MODULE_FIELDS,
    SOURCE_FIELDS,
    CourseSource,
    LessonKind,
    LessonSource,
    ModuleSource,
)
from course.catalogue.bundle.translation_files import read_translations
from course.catalogue.bundle.validation_report import Problem
from course.catalogue.markdown import check_markdown, picture_references
from course.catalogue.measurement_bank import MEASURE_FILE, plain_prompts, read_measurement
from course.catalogue.pictures import (
    ALT_TEXT_MAX_LENGTH,
    MAX_LESSON_BYTES,
    PICTURE_NAME,
    PICTURES_FOLDER,
    svg_problems,
)
from course.catalogue.question_types import all_question_types
from course.catalogue.scenarios import SCENARIO_SUFFIX, read_scenario, text_lines
from course.catalogue.translations import is_language_code
from course.catalogue.yaml_source import SourceList, SourceMap
from course.core.regions import REGION_CODES, Region


def read_course_file(root: Path, problems: list[Problem]) -> CourseSource | None:
    """Read ``course.yaml`` at the top of ``root``, adding its problems to ``problems``; ``None``
    when it is missing or unreadable."""
    path = root / COURSE_FILE
    checker = FileChecker(root, path, problems)
    if not path.is_file():
        checker.problem(1, "missing course.yaml: the bundle needs one at its top level")
        return None
    data = checker.mapping(read_yaml(checker, path))
    if data is None:
        return None
    checker.unknown_fields(
        data,
        {
            "slug",
            "title",
            "summary",
            "certificate_validity_months",
            "regions",
            "languages",
            "modules",
        },
    )
    regions = data.get("regions", [region.value for region in Region])
    if not isinstance(regions, list) or not regions:
        checker.problem(data.line_of("regions"), "regions must be a list such as [uk, us, eu]")
        regions = [region.value for region in Region]
    for region in regions:
        if str(region) not in {r.value for r in Region}:
            checker.problem(
                data.line_of("regions"), f"unknown region {region!r}: use {REGION_CODES}"
            )
    required = checker.text_list(data, "modules")
    seen: set[str] = set()
    for index, slug in enumerate(required):
        if slug in seen:
            checker.problem(data["modules"].line_of(index), f"module {slug!r} is listed twice")
        seen.add(slug)
    return CourseSource(
        languages=_read_languages(checker, data),
        slug=checker.slug(data),
        title=checker.text(data, "title", 200),
        summary=checker.text(data, "summary", 1000),
        certificate_validity_months=checker.number(
            data, "certificate_validity_months", 1, 120, DEFAULT_VALIDITY_MONTHS
        ),
        regions=[str(region) for region in regions],
        required=required,
        modules=[],
    )


def _read_languages(checker: FileChecker, data: SourceMap) -> list[str]:
    """The languages the course is translated into, as ``course.yaml`` lists them (none when it
    does not)."""
    if "languages" not in data:
        return []
    languages = data["languages"]
    if not isinstance(languages, SourceList):
        checker.problem(
            data.line_of("languages"),
            _("languages must be a list of language codes, such as [cy, ar, fr]"),
        )
        return []
    codes: list[str] = []
    for index, code in enumerate(languages):
        if not isinstance(code, str) or not is_language_code(code) or code in codes:
            checker.problem(
                languages.line_of(index),
                _(
                    "%(code)r is not a language code (like cy or pt_BR) or is listed twice",
                    code=str(code),
                ),
            )
            continue
        codes.append(code)
    return codes


def read_module_folder(
    root: Path,
    folder: Path,
    problems: list[Problem],
    course_regions: list[str] | None,
    require_citations: bool = True,
) -> ModuleSource | None:
    """Read one module folder, adding its problems to ``problems``.

    :param require_citations: whether a lesson that teaches facts and cites no source is a
        problem; ``False`` only for reports that list such lessons themselves.
    """
    path = folder / MODULE_FILE
    checker = FileChecker(root, path, problems)
    if not path.is_file():
        FileChecker(root, folder, problems).problem(1, "module folder without module.yaml")
        return None
    if not NUMBERED_NAME.match(folder.name):
        FileChecker(root, folder, problems).problem(
            1,
            "folder name must start with two digits and a hyphen, like 01-understanding-the-threat",
        )
    data = checker.mapping(read_yaml(checker, path))
    if data is None:
        return None
    checker.unknown_fields(data, set(MODULE_FIELDS))
    reviewed = data.get("reviewed")
    if not isinstance(reviewed, date):
        checker.problem(data.line_of("reviewed"), "reviewed must be a date like 2026-11-21")
        reviewed = date.min
    module = ModuleSource(
        folder_name=folder.name,
        slug=checker.slug(data),
        title=checker.text(data, "title", 200),
        summary=checker.text(data, "summary", 1000),
        minutes=checker.number(data, "minutes", 1, 120),
        pass_mark=checker.number(data, "pass_mark", 1, 100, DEFAULT_PASS_MARK),
        questions_per_attempt=checker.number(data, "questions_per_attempt", 1, 50),
        reviewed=reviewed,
        objectives=checker.text_list(data, "objectives"),
        sources=_read_sources(checker, data),
        scenario_counts=_scenario_counts(checker, data),
    )
    # Citations are checked against the module's source ids only when it has some: a module
    # whose sources could not be read would otherwise bury that one problem under many.
    source_ids = {source["id"] for source in module.sources if source["id"]} or None
    module.pictures = _read_pictures(root, folder, problems)
    module.lessons = _read_lessons(
        root, folder, problems, source_ids, require_citations, module.pictures
    )
    module.questions = _read_quiz(root, folder, problems, module, course_regions, data)
    module.measurement = _read_measurement(root, folder, problems, module.questions)
    module.translations = read_translations(root, folder, problems, module)
    return module


def _read_measurement(
    root: Path, folder: Path, problems: list[Problem], questions: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """The module's measurement bank (``measure.yaml``), if it has one: optional, since a module
    without one simply has no test before and after."""
    path = folder / MEASURE_FILE
    if not path.is_file():
        return None
    checker = FileChecker(root, path, problems)
    data = checker.mapping(read_yaml(checker, path))
    if data is None:
        return None
    quiz_ids = {str(question["id"]) for question in questions}
    bank, issues = read_measurement(data, quiz_ids, plain_prompts(questions))
    for issue in issues:
        checker.problem(issue.line, issue.message)
    return bank


def _scenario_counts(checker: FileChecker, data: SourceMap) -> bool:
    value = data.get("scenario_counts", True)
    if not isinstance(value, bool):
        checker.problem(
            data.line_of("scenario_counts"),
            _(
                "scenario_counts must be true or false: whether completing the module needs its "
                "scenario played to an ending"
            ),
        )
        return True
    return value


def _read_sources(checker: FileChecker, data: SourceMap) -> list[dict[str, str]]:
    """The module's sources, each checked by :func:`citations.source_problems` at its own line;
    ids must be unique within the module, since lessons cite sources by id."""
    sources = data.get("sources")
    if not isinstance(sources, SourceList) or not sources:
        checker.problem(
            data.line_of("sources"),
            _("sources must list at least one source (id, kind, title and url)"),
        )
        return []
    result = []
    seen_ids: dict[str, int] = {}
    for index, source in enumerate(sources):
        if not isinstance(source, SourceMap):
            checker.problem(
                sources.line_of(index), _("each source needs an id, a kind, a title and a url")
            )
            continue
        checker.unknown_fields(source, set(SOURCE_FIELDS))
        source_id = checker.text(source, "id", 100, required=False)
        kind = checker.text(source, "kind", 100, required=False)
        title = checker.text(source, "title", citations.SOURCE_TITLE_MAX_LENGTH)
        url = checker.text(source, "url", citations.SOURCE_URL_MAX_LENGTH)
        for field_name, problem in citations.source_problems(source_id, kind, title, url):
            checker.problem(source.line_of(field_name), problem)
        if source_id in seen_ids:
            checker.problem(
                source.line_of("id"),
                _(
                    "source id %(id)r is also used on line %(line)d; each source needs its own id",
                    id=source_id,
                    line=seen_ids[source_id],
                ),
            )
        elif source_id:
            seen_ids[source_id] = source.line_of("id")
        result.append({"id": source_id, "kind": kind, "title": title, "url": url})
    return result


def _read_pictures(root: Path, folder: Path, problems: list[Problem]) -> dict[str, str]:
    """The SVG text of each picture in the module's ``pictures/`` folder, by file name, each
    checked by :func:`~course.catalogue.pictures.svg_problems`."""
    pictures: dict[str, str] = {}
    pictures_folder = folder / PICTURES_FOLDER
    if not pictures_folder.is_dir():
        return pictures
    for path in sorted(pictures_folder.iterdir()):
        checker = FileChecker(root, path, problems)
        if not PICTURE_NAME.match(path.name):
            checker.problem(
                1,
                _(
                    "a picture must be an .svg file named in lower case letters, digits and "
                    "hyphens, like hot-card.svg"
                ),
            )
            continue
        try:
            svg = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            checker.problem(1, _("the file is not UTF-8 text"))
            continue
        found = svg_problems(svg)
        for problem in found:
            checker.problem(problem.line, problem.message)
        if not found:
            pictures[path.name] = svg
    return pictures


def _check_pictures_shown(
    checker: FileChecker,
    body: str,
    body_first_line: int,
    pictures: dict[str, str],
    shown: set[str],
) -> None:
    """Every picture a lesson shows exists and has alt text, and the lesson with its pictures
    stays light enough for a poor connection; adds the pictures it shows to ``shown``."""
    size = len(body.encode("utf-8"))
    counted: set[str] = set()
    for line, name, alt_text in picture_references(body):
        line += body_first_line - 1
        if name not in pictures:
            checker.problem(
                line,
                _(
                    "pictures/%(name)s is not in the module's pictures folder (or has problems "
                    "of its own)",
                    name=name,
                ),
            )
            continue
        if name not in counted:
            size += len(pictures[name].encode("utf-8"))
        counted.add(name)
        shown.add(name)
        if not alt_text.strip():
            checker.problem(
                line,
                _("the picture %(name)s needs alt text: ![what it shows](pictures/...)", name=name),
            )
        elif len(alt_text) > ALT_TEXT_MAX_LENGTH:
            checker.problem(
                line,
                _(
                    "the alt text of %(name)s is %(length)d characters; at most %(limit)d",
                    name=name,
                    length=len(alt_text),
                    limit=ALT_TEXT_MAX_LENGTH,
                ),
            )
    if size > MAX_LESSON_BYTES:
        checker.problem(
            body_first_line,
            _(
                "the lesson and its pictures are %(size)d KB; keep them under %(limit)d KB for "
                "people on a poor connection",
                size=-(-size // 1024),
                limit=MAX_LESSON_BYTES // 1024,
            ),
        )


def _read_lessons(
    root: Path,
    folder: Path,
    problems: list[Problem],
    source_ids: set[str] | None,
    require_citations: bool,
    pictures: dict[str, str],
) -> list[LessonSource]:
    lessons: list[LessonSource] = []
    shown: set[str] = set()
    paths = [*folder.glob("*.md"), *folder.glob(f"*{SCENARIO_SUFFIX}")]
    for path in sorted(paths, key=lambda path: path.name):
        if path.name.endswith(SCENARIO_SUFFIX):
            scenario = _read_scenario_lesson(root, path, problems, pictures, shown)
            if scenario is not None:
                lessons.append(scenario)
            continue
        checker = FileChecker(root, path, problems)
        if not NUMBERED_NAME.match(path.stem):
            checker.problem(
                1, "lesson file name must start with two digits and a hyphen, like 01-why.md"
            )
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            checker.problem(1, "the file is not UTF-8 text")
            continue
        found = FRONT_MATTER.match(text)
        if not found:
            checker.problem(
                1, "missing front matter: start the file with --- then title: and slug: then ---"
            )
            continue
        front = checker.mapping(read_yaml(checker, path, found.group("yaml"), first_line=2))
        if front is None:
            continue
        checker.unknown_fields(front, {"title", "slug", "kind", "sources"})
        body_first_line = text[: found.end()].count("\n") + 1
        body = text[found.end() :].strip("\n") + "\n"
        if not body.strip():
            checker.problem(body_first_line, "the lesson has no text")
        for issue in check_markdown(body):
            checker.problem(body_first_line + issue.line - 1, issue.message)
        _check_pictures_shown(checker, body, body_first_line, pictures, shown)
        slug = checker.slug(front)
        if slug in RESERVED_LESSON_SLUGS:
            checker.problem(front.line_of("slug"), f"the lesson slug {slug!r} is reserved")
        kind = _lesson_kind(checker, front)
        cited = _lesson_citations(checker, front, kind, source_ids, require_citations)
        title = checker.text(front, "title", 200)
        lessons.append(LessonSource(path.name, slug, title, body, kind, cited))
    if not lessons:
        FileChecker(root, folder, problems).problem(
            1, "the module has no lessons (NN-slug.md files)"
        )
    for name in sorted(set(pictures) - shown):
        FileChecker(root, folder / PICTURES_FOLDER / name, problems).problem(
            1,
            _(
                "no lesson shows this picture: show it with ![alt text](pictures/%(name)s) or "
                "delete it",
                name=name,
            ),
        )
    _check_unique(root, folder, problems, lessons)
    return lessons


def _read_scenario_lesson(
    root: Path, path: Path, problems: list[Problem], pictures: dict[str, str], shown: set[str]
) -> LessonSource | None:
    """A branching scenario file (``NN-slug.scenario.yaml``) as a lesson of kind scenario."""
    checker = FileChecker(root, path, problems)
    if not NUMBERED_NAME.match(path.name.removesuffix(SCENARIO_SUFFIX)):
        checker.problem(
            1,
            _(
                "a scenario's file name must start with two digits and a hyphen, like "
                "04-scenario-station-bench.scenario.yaml"
            ),
        )
    data = checker.mapping(read_yaml(checker, path))
    if data is None:
        return None
    scenario, issues = read_scenario(data)
    for issue in issues:
        checker.problem(issue.line, issue.message)
    slug = checker.slug(data)
    if slug in RESERVED_LESSON_SLUGS:
        checker.problem(data.line_of("slug"), f"the lesson slug {slug!r} is reserved")
    title = checker.text(data, "title", 200)
    lesson = LessonSource(
        path.name,
        slug,
        title,
        "",
        LessonKind.SCENARIO,
        [],
        scenario={**scenario, "title": title, "slug": slug},
        text_lines=text_lines(data) if not issues else (),
    )
    for first_line, text in lesson.located_texts(1):
        _check_pictures_shown(checker, text, first_line, pictures, shown)
    return lesson


def _lesson_kind(checker: FileChecker, front: SourceMap) -> LessonKind:
    value = front.get("kind")
    if value is None:
        return LessonKind.FACTS
    if value != LessonKind.SCENARIO:
        checker.problem(
            front.line_of("kind"),
            _(
                "kind %(kind)r is not known: write kind: scenario for a scenario lesson, or leave "
                "it out for a lesson that teaches facts",
                kind=str(value),
            ),
        )
        return LessonKind.FACTS
    return LessonKind.SCENARIO


def _lesson_citations(
    checker: FileChecker,
    front: SourceMap,
    kind: LessonKind,
    source_ids: set[str] | None,
    require_citations: bool,
) -> list[str]:
    """The ids of the sources a lesson cites; a lesson that teaches facts must cite one."""
    value = front.get("sources")
    must_cite = require_citations and kind == LessonKind.FACTS
    if value is None:
        if must_cite:
            checker.problem(front.line, citations.uncited_problem())
        return []
    if not isinstance(value, SourceList):
        checker.problem(
            front.line_of("sources"),
            _("sources must be a list of the module's source ids, like [mi5-threat-levels]"),
        )
        return []
    if not value and must_cite:
        checker.problem(front.line_of("sources"), citations.uncited_problem())
    cited: list[str] = []
    for index, item in enumerate(value):
        line = value.line_of(index)
        if not isinstance(item, str) or not item.strip():
            checker.problem(line, _("each entry of sources must be a source id"))
            continue
        source_id = item.strip()
        if source_id in cited:
            checker.problem(line, _("the lesson cites %(id)r twice", id=source_id))
            continue
        if source_ids is not None and source_id not in source_ids:
            checker.problem(line, citations.unknown_citation_problem(source_id))
        cited.append(source_id)
    return cited


def _check_unique(
    root: Path, folder: Path, problems: list[Problem], lessons: list[LessonSource]
) -> None:
    for attribute, label in (("slug", "slug"), ("title", "title")):
        seen: dict[str, str] = {}
        for lesson in lessons:
            value = getattr(lesson, attribute)
            if value and value in seen:
                FileChecker(root, folder / lesson.file_name, problems).problem(
                    2, f"lesson {label} {value!r} is also used by {seen[value]}"
                )
            seen.setdefault(value, lesson.file_name)


def _read_quiz(
    root: Path,
    folder: Path,
    problems: list[Problem],
    module: ModuleSource,
    course_regions: list[str] | None,
    module_data: SourceMap,
) -> list[dict[str, Any]]:
    path = folder / QUIZ_FILE
    checker = FileChecker(root, path, problems)
    if not path.is_file():
        checker.problem(1, "missing quiz.yaml: every module needs a question bank")
        return []
    data = checker.mapping(read_yaml(checker, path))
    if data is None:
        return []
    checker.unknown_fields(data, {"questions"})
    questions = data.get("questions")
    if not isinstance(questions, SourceList) or not questions:
        checker.problem(
            data.line_of("questions"), "questions must be a list with at least one question"
        )
        return []
    canonical: list[dict[str, Any]] = []
    # Regions of every question, broken or not, so one broken question does not also show up
    # as "too few questions" for every region.
    question_regions: list[list[str]] = []
    seen_ids: dict[str, int] = {}
    for index, question in enumerate(questions):
        line = questions.line_of(index)
        if not isinstance(question, SourceMap):
            checker.problem(
                line, "each question must be a mapping with id, type, prompt and explanation"
            )
            continue
        regions = question.get("regions")
        question_regions.append([str(r) for r in regions] if isinstance(regions, list) else [])
        question_id = str(question.get("id", "")).strip()
        if not question_id:
            checker.problem(line, "missing id")
        elif question_id in seen_ids:
            checker.problem(
                question.line_of("id"),
                f"duplicate question id {question_id!r} (also on line {seen_ids[question_id]})",
            )
        else:
            seen_ids[question_id] = question.line_of("id")
        type_name = str(question.get("type", ""))
        schema = all_question_types().get(type_name)
        if schema is None:
            known = ", ".join(sorted(all_question_types()))
            checker.problem(
                question.line_of("type"), f"unknown question type {type_name!r}: use one of {known}"
            )
            continue
        issues = schema.check(question)
        for issue in issues:
            checker.problem(issue.line, issue.message)
        if not issues and question_id:
            canonical.append(schema.canonical(question))
    # Unknown when course.yaml cannot be read: its problem is reported, and guessing its regions
    # would add a problem here for every region it might not have.
    for region in course_regions or []:
        available = sum(1 for regions in question_regions if not regions or region in regions)
        if available < module.questions_per_attempt:
            checker.problem(
                1,
                f"only {available} questions apply to region {region}, but questions_per_attempt "
                f"in module.yaml (line {module_data.line_of('questions_per_attempt')}) draws "
                f"{module.questions_per_attempt}",
            )
    return canonical
