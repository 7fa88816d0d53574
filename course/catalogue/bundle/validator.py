"""The content validator: reads the whole bundle, or one module folder alongside the course's
other modules, checking every file and the links and slugs across them, and reports every problem
as ``file:line: message``."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from course.catalogue.bundle.file_checker import FileChecker
from course.catalogue.bundle.layout import COURSE_FILE, MODULE_FILE, body_first_line
from course.catalogue.bundle.reader import read_course_file, read_module_folder
from course.catalogue.bundle.sources import CourseSource, ModuleSource
from course.catalogue.bundle.validation_report import ContentError, Problem
from course.catalogue.bundle.writer import write_module
from course.catalogue.markdown import internal_links
from course.catalogue.translations import TRANSLATIONS_FOLDER, strings_in

STATIC_PAGES = {"/who-to-call"}
#: Images uploaded on the web are served here (see ``course.authoring.images``).
MEDIA_PATH = re.compile(r"^/media/[a-z0-9]{16,64}\.(?:png|jpg|gif|webp)$")


def read_bundle(root: Path, require_citations: bool = True) -> CourseSource:
    """Read and check the whole bundle at ``root``.

    :param require_citations: whether a lesson that teaches facts and cites no source is a
        problem; ``False`` only for reports that list such lessons themselves.
    :raises ContentError: listing every problem in every file.
    """
    problems: list[Problem] = []
    if not root.is_dir():
        raise ContentError([Problem(str(root), 1, "no such folder")])
    course = read_course_file(root, problems)
    modules = []
    folders = sorted(
        path for path in root.iterdir() if path.is_dir() and not path.name.startswith(".")
    )
    for folder in folders:
        module = read_module_folder(
            root, folder, problems, course.regions if course else None, require_citations
        )
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
            FileChecker(root, root / module.folder_name / MODULE_FILE, problems).problem(
                1, f"module slug {module.slug!r} is also used by {seen[module.slug]}"
            )
        seen[module.slug] = module.folder_name
    course_file = FileChecker(root, root / COURSE_FILE, problems)
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
            links = [
                (first_line + line - 1, target)
                for first_line, text in lesson.located_texts(body_first_line(path))
                for line, target in internal_links(text)
            ]
            for line, target in links:
                if not _link_resolves(target, lessons_by_module, known_modules):
                    FileChecker(root, path, problems).problem(
                        line,
                        f"broken link {target!r}: no such page in the course",
                    )
        for language, translation in module.translations.items():
            folder = root / module.folder_name / TRANSLATIONS_FOLDER / language
            for part, translated in translation.items():
                kind, _colon, file_name = part.partition(":")
                if kind != "lesson":
                    continue
                path = folder / file_name
                # A lesson's links are counted from its body; a scenario's from the file's top.
                first_line = body_first_line(path) if path.suffix == ".md" else 1
                texts = [
                    text
                    for where, text in strings_in(translated["text"])
                    if where[-1] in ("markdown", "text", "feedback")
                ]
                for text in texts:
                    for line, target in internal_links(text):
                        if not _link_resolves(target, lessons_by_module, known_modules):
                            FileChecker(root, path, problems).problem(
                                first_line + line - 1 if path.suffix == ".md" else first_line,
                                f"broken link {target!r}: no such page in the course",
                            )


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
