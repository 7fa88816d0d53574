"""The content bundle on disk (``modules/``): read and validate it, or write it back out.

:func:`read_bundle` reads every file and collects every problem before giving up, so one broken
file never hides another's problems. The result is plain data (:class:`CourseSource`,
:class:`ModuleSource`) that the importer turns into rows and the exporter writes back, in the
same canonical form, so that exporting twice gives identical files.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from course.catalogue.markdown import check_markdown, internal_links
from course.catalogue.problems import ContentError, Problem
from course.catalogue.question_types import all_question_types
from course.catalogue.yaml_source import SourceList, SourceMap, YamlSyntaxError, load_yaml
from course.core.regions import Region

COURSE_FILE = "course.yaml"
MODULE_FILE = "module.yaml"
QUIZ_FILE = "quiz.yaml"
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
NUMBERED_NAME = re.compile(r"^\d{2}-[a-z0-9][a-z0-9-]*$")
FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<yaml>.*?\n)---[ \t]*\n", re.S)
STATIC_PAGES = {"/who-to-call"}
#: Images uploaded on the web are served here (see ``course.authoring.images``).
MEDIA_PATH = re.compile(r"^/media/[a-z0-9]{16,64}\.(?:png|jpg|gif|webp)$")
#: Lesson slugs that would clash with the module's own pages.
RESERVED_LESSON_SLUGS = {"quiz", "read"}
DEFAULT_PASS_MARK = 80
DEFAULT_VALIDITY_MONTHS = 12


@dataclass
class LessonSource:
    file_name: str
    slug: str
    title: str
    markdown: str

    def canonical(self) -> dict[str, str]:
        return {
            "file": self.file_name,
            "slug": self.slug,
            "title": self.title,
            "markdown": self.markdown,
        }


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
    sources: list[dict[str, str]]
    lessons: list[LessonSource] = field(default_factory=list)
    questions: list[dict[str, Any]] = field(default_factory=list)

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
            "sources": [dict(source) for source in self.sources],
        }

    def content_hash(self) -> str:
        content = {
            "folder": self.folder_name,
            "metadata": {**self.metadata(), "reviewed": self.reviewed.isoformat()},
            "lessons": [lesson.canonical() for lesson in self.lessons],
            "questions": self.questions,
        }
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

    def metadata(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "title": self.title,
            "summary": self.summary,
            "certificate_validity_months": self.certificate_validity_months,
            "regions": list(self.regions),
            "modules": list(self.required),
        }


class _FileChecker:
    """Collects problems for one file."""

    def __init__(self, root: Path, path: Path, problems: list[Problem]) -> None:
        self.name = str(path.relative_to(root.parent) if root.parent in path.parents else path)
        self.problems = problems

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.name, line, message))

    def mapping(self, value: Any) -> SourceMap | None:
        if value is UNREADABLE:
            return None
        if not isinstance(value, SourceMap):
            self.problem(getattr(value, "line", 1), "expected a mapping of fields (key: value)")
            return None
        return value

    def text(self, data: SourceMap, key: str, limit: int, required: bool = True) -> str:
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(data.line_of(key), f"missing {key}")
            return ""
        if isinstance(value, bool | list | dict):
            self.problem(data.line_of(key), f"{key} must be text")
            return ""
        text = str(value).strip()
        if len(text) > limit:
            self.problem(data.line_of(key), f"{key} is longer than {limit} characters")
        return text

    def slug(self, data: SourceMap, key: str = "slug") -> str:
        value = self.text(data, key, 100)
        if value and not SLUG.match(value):
            self.problem(
                data.line_of(key), f"{key} {value!r} must be lower-case letters, digits and hyphens"
            )
        return value

    def number(
        self, data: SourceMap, key: str, low: int, high: int, default: int | None = None
    ) -> int:
        value = data.get(key, default)
        if value is None:
            self.problem(data.line_of(key), f"missing {key}")
            return low
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(data.line_of(key), f"{key} must be a whole number")
            return low
        if not low <= value <= high:
            self.problem(data.line_of(key), f"{key} must be between {low} and {high}, not {value}")
        return value

    def text_list(self, data: SourceMap, key: str) -> list[str]:
        value = data.get(key)
        if not isinstance(value, SourceList) or not value:
            self.problem(data.line_of(key), f"{key} must be a list with at least one entry")
            return []
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.problem(value.line_of(index), f"each entry of {key} must be text")
        return [str(item).strip() for item in value]

    def unknown_fields(self, data: SourceMap, known: set[str]) -> None:
        for key in data:
            if key not in known:
                self.problem(data.line_of(key), f"unknown field {key!r}")


#: What :func:`_load` returns for a file it could not parse (the problem is already reported).
UNREADABLE = object()


def _load(checker: _FileChecker, path: Path, text: str | None = None, first_line: int = 1) -> Any:
    try:
        return load_yaml(text if text is not None else path.read_text(encoding="utf-8"), first_line)
    except YamlSyntaxError as error:
        checker.problem(error.line, str(error))
    except UnicodeDecodeError:
        checker.problem(1, "the file is not UTF-8 text")
    return UNREADABLE


def read_bundle(root: Path) -> CourseSource:
    """Read and check the whole bundle at ``root``.

    :raises ContentError: listing every problem in every file.
    """
    problems: list[Problem] = []
    if not root.is_dir():
        raise ContentError([Problem(str(root), 1, "no such folder")])
    course = _read_course_file(root, problems)
    modules = []
    folders = sorted(
        path for path in root.iterdir() if path.is_dir() and not path.name.startswith(".")
    )
    for folder in folders:
        module = read_module_folder(root, folder, problems, course.regions if course else None)
        if module:
            modules.append(module)
    if course is not None:
        every_folder_read = len(modules) == len(folders)
        _check_across_modules(root, course, modules, problems, every_folder_read)
        course.modules = _in_course_order(modules, course.required)
    if problems or course is None:
        raise ContentError(problems)
    return course


def _in_course_order(modules: list[ModuleSource], required: list[str]) -> list[ModuleSource]:
    by_slug = {module.slug: module for module in modules}
    ordered = [by_slug[slug] for slug in required if slug in by_slug]
    return ordered + [module for module in modules if module.slug not in required]


def _read_course_file(root: Path, problems: list[Problem]) -> CourseSource | None:
    path = root / COURSE_FILE
    checker = _FileChecker(root, path, problems)
    if not path.is_file():
        checker.problem(1, "missing course.yaml: the bundle needs one at its top level")
        return None
    data = checker.mapping(_load(checker, path))
    if data is None:
        return None
    checker.unknown_fields(
        data, {"slug", "title", "summary", "certificate_validity_months", "regions", "modules"}
    )
    regions = data.get("regions", [region.value for region in Region])
    if not isinstance(regions, list) or not regions:
        checker.problem(data.line_of("regions"), "regions must be a list such as [uk, us, au, eu]")
        regions = [region.value for region in Region]
    for region in regions:
        if str(region) not in {r.value for r in Region}:
            checker.problem(
                data.line_of("regions"), f"unknown region {region!r}: use uk, us, au or eu"
            )
    required = checker.text_list(data, "modules")
    seen: set[str] = set()
    for index, slug in enumerate(required):
        if slug in seen:
            checker.problem(data["modules"].line_of(index), f"module {slug!r} is listed twice")
        seen.add(slug)
    return CourseSource(
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


def read_module_folder(
    root: Path, folder: Path, problems: list[Problem], course_regions: list[str] | None
) -> ModuleSource | None:
    """Read one module folder, adding its problems to ``problems``."""
    path = folder / MODULE_FILE
    checker = _FileChecker(root, path, problems)
    if not path.is_file():
        _FileChecker(root, folder, problems).problem(1, "module folder without module.yaml")
        return None
    if not NUMBERED_NAME.match(folder.name):
        _FileChecker(root, folder, problems).problem(
            1,
            "folder name must start with two digits and a hyphen, like 01-understanding-the-threat",
        )
    data = checker.mapping(_load(checker, path))
    if data is None:
        return None
    checker.unknown_fields(
        data,
        {
            "slug",
            "title",
            "summary",
            "minutes",
            "pass_mark",
            "questions_per_attempt",
            "reviewed",
            "objectives",
            "sources",
        },
    )
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
    )
    module.lessons = _read_lessons(root, folder, problems)
    module.questions = _read_quiz(root, folder, problems, module, course_regions, data)
    return module


def _read_sources(checker: _FileChecker, data: SourceMap) -> list[dict[str, str]]:
    sources = data.get("sources")
    if not isinstance(sources, SourceList) or not sources:
        checker.problem(
            data.line_of("sources"), "sources must list at least one source (title and url)"
        )
        return []
    result = []
    for index, source in enumerate(sources):
        if not isinstance(source, SourceMap):
            checker.problem(sources.line_of(index), "each source needs a title and a url")
            continue
        checker.unknown_fields(source, {"title", "url"})
        title = checker.text(source, "title", 300)
        url = checker.text(source, "url", 500)
        if url and not url.startswith("https://"):
            checker.problem(source.line_of("url"), f"source url {url!r} must start with https://")
        result.append({"title": title, "url": url})
    return result


def _read_lessons(root: Path, folder: Path, problems: list[Problem]) -> list[LessonSource]:
    lessons: list[LessonSource] = []
    for path in sorted(folder.glob("*.md")):
        checker = _FileChecker(root, path, problems)
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
        front = checker.mapping(_load(checker, path, found.group("yaml"), first_line=2))
        if front is None:
            continue
        checker.unknown_fields(front, {"title", "slug"})
        body_first_line = text[: found.end()].count("\n") + 1
        body = text[found.end() :].strip("\n") + "\n"
        if not body.strip():
            checker.problem(body_first_line, "the lesson has no text")
        for issue in check_markdown(body):
            checker.problem(body_first_line + issue.line - 1, issue.message)
        slug = checker.slug(front)
        if slug in RESERVED_LESSON_SLUGS:
            checker.problem(front.line_of("slug"), f"the lesson slug {slug!r} is reserved")
        lessons.append(LessonSource(path.name, slug, checker.text(front, "title", 200), body))
    if not lessons:
        _FileChecker(root, folder, problems).problem(
            1, "the module has no lessons (NN-slug.md files)"
        )
    _check_unique(root, folder, problems, lessons)
    return lessons


def _check_unique(
    root: Path, folder: Path, problems: list[Problem], lessons: list[LessonSource]
) -> None:
    for attribute, label in (("slug", "slug"), ("title", "title")):
        seen: dict[str, str] = {}
        for lesson in lessons:
            value = getattr(lesson, attribute)
            if value and value in seen:
                _FileChecker(root, folder / lesson.file_name, problems).problem(
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
    checker = _FileChecker(root, path, problems)
    if not path.is_file():
        checker.problem(1, "missing quiz.yaml: every module needs a question bank")
        return []
    data = checker.mapping(_load(checker, path))
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
    for region in course_regions or [region.value for region in Region]:
        available = sum(1 for regions in question_regions if not regions or region in regions)
        if available < module.questions_per_attempt:
            checker.problem(
                1,
                f"only {available} questions apply to region {region}, but questions_per_attempt "
                f"in module.yaml (line {module_data.line_of('questions_per_attempt')}) draws "
                f"{module.questions_per_attempt}",
            )
    return canonical


def _check_across_modules(
    root: Path,
    course: CourseSource,
    modules: list[ModuleSource],
    problems: list[Problem],
    every_folder_read: bool,
) -> None:
    seen: dict[str, str] = {}
    for module in modules:
        if module.slug in seen:
            _FileChecker(root, root / module.folder_name / MODULE_FILE, problems).problem(
                1, f"module slug {module.slug!r} is also used by {seen[module.slug]}"
            )
        seen[module.slug] = module.folder_name
    course_file = _FileChecker(root, root / COURSE_FILE, problems)
    # A folder that could not be read may be the one with the slug: say nothing then.
    for slug in course.required if every_folder_read else []:
        if slug not in seen:
            course_file.problem(1, f"modules lists {slug!r}, but no module folder has that slug")
    _check_links(root, modules, modules, problems, known_modules=set(seen))


def check_module(
    module: ModuleSource, other_modules: list[ModuleSource], course_regions: list[str]
) -> tuple[ModuleSource | None, list[Problem]]:
    """Check one module exactly as the file validator would, alongside the course's others.

    The module is written out as its folder and read back, so web drafts pass the very same checks
    as files do.

    :returns: the module as read back (``None`` if unreadable) and every problem found.
    """
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "modules"
        write_module(module, root / module.folder_name)
        return check_module_folder(root, root / module.folder_name, other_modules, course_regions)


def check_module_folder(
    root: Path, folder: Path, other_modules: list[ModuleSource], course_regions: list[str]
) -> tuple[ModuleSource | None, list[Problem]]:
    """Read and check one module folder under ``root``; its lessons may link to the lessons of
    ``other_modules`` (the course's other modules).

    :returns: the module as read (``None`` if unreadable) and every problem found, by file and line.
    """
    problems: list[Problem] = []
    checked = read_module_folder(root, folder, problems, course_regions)
    if checked is not None:
        linkable = [checked] + [other for other in other_modules if other.slug != checked.slug]
        _check_links(root, [checked], linkable, problems, known_modules={m.slug for m in linkable})
    return checked, sorted(problems)


def _check_links(
    root: Path,
    modules: list[ModuleSource],
    linkable: list[ModuleSource],
    problems: list[Problem],
    known_modules: set[str] | None,
) -> None:
    """Report links in ``modules``' lessons that lead to no page of the ``linkable`` modules."""
    lessons_by_module = {
        module.slug: {lesson.slug for lesson in module.lessons} for module in linkable
    }
    for module in modules:
        for lesson in module.lessons:
            path = root / module.folder_name / lesson.file_name
            first_body_line = _body_first_line(path)
            for line, target in internal_links(lesson.markdown):
                if not _link_resolves(target, lessons_by_module, known_modules):
                    _FileChecker(root, path, problems).problem(
                        first_body_line + line - 1,
                        f"broken link {target!r}: no such page in the course",
                    )


def _body_first_line(path: Path) -> int:
    text = path.read_text(encoding="utf-8")
    found = FRONT_MATTER.match(text)
    return text[: found.end()].count("\n") + 1 if found else 1


def _link_resolves(
    target: str, lessons_by_module: dict[str, set[str]], known_modules: set[str] | None
) -> bool:
    path = target.split("#", 1)[0].split("?", 1)[0]
    if path in STATIC_PAGES or MEDIA_PATH.match(path):
        return True
    parts = [part for part in path.split("/") if part]
    if len(parts) not in (2, 3) or parts[0] != "modules":
        return False
    module_slug = parts[1]
    if module_slug not in lessons_by_module:
        return known_modules is None  # a lone module may link to modules it cannot see
    return len(parts) == 2 or parts[2] in lessons_by_module[module_slug]


def _dump_yaml(data: Any) -> str:
    return yaml.safe_dump(
        data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100
    )


def module_files(module: ModuleSource) -> dict[str, str]:
    """Every file of the module's folder, by name, in canonical form: the same content always
    gives the same text."""
    files = {MODULE_FILE: _dump_yaml(module.metadata())}
    for lesson in module.lessons:
        front = _dump_yaml({"title": lesson.title, "slug": lesson.slug})
        files[lesson.file_name] = f"---\n{front}---\n{lesson.markdown}"
    files[QUIZ_FILE] = _dump_yaml({"questions": module.questions})
    return files


def write_module(module: ModuleSource, folder: Path) -> None:
    """Write one module folder in canonical form."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in module_files(module).items():
        (folder / name).write_text(text, encoding="utf-8")


def write_bundle(course: CourseSource, root: Path) -> None:
    """Write ``course.yaml`` and every module folder under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / COURSE_FILE).write_text(_dump_yaml(course.metadata()), encoding="utf-8")
    for module in course.modules:
        write_module(module, root / module.folder_name)
