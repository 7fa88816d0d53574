"""The content bundle on disk (``modules/``): read and validate it, or write it back out.

:func:`read_bundle` reads every file and collects every problem before giving up, so one broken
file never hides another's problems. The result is plain data (:class:`CourseSource`,
:class:`ModuleSource`) that the importer turns into rows and the exporter writes back, in the
same canonical form, so that exporting twice gives identical files.

This module is the bundle's public interface; inside it, ``sources`` holds the plain data,
``layout`` the file names and naming rules, ``reader`` and ``file_checker`` read and check each
file, ``citations`` holds the rules for a module's sources and the lessons that cite them,
``validator`` checks the bundle or one module whole, ``validation_report`` is what it reports,
and ``writer`` writes files back out.
"""

from course.catalogue.bundle.citations import (
    ModuleCitations,
    SourceKind,
    module_citations,
    source_problems,
)
from course.catalogue.bundle.layout import (
    COURSE_FILE,
    MODULE_FILE,
    NUMBERED_NAME,
    QUIZ_FILE,
    RESERVED_LESSON_SLUGS,
    SLUG,
)
from course.catalogue.bundle.quality import (
    REVIEW_MONTHS,
    course_warnings,
    estimated_minutes,
    overdue_reviews,
)
from course.catalogue.bundle.reader import read_module_folder
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
from course.catalogue.bundle.validation_report import ContentError, Problem
from course.catalogue.bundle.validator import (
    MEDIA_PATH,
    check_module,
    check_module_folder,
    read_bundle,
)
from course.catalogue.bundle.writer import module_files, scenario_yaml, write_bundle, write_module

__all__ = [
    "COURSE_FILE",
    "DEFAULT_PASS_MARK",
    "DEFAULT_VALIDITY_MONTHS",
    "MEDIA_PATH",
    "MODULE_FIELDS",
    "MODULE_FILE",
    "NUMBERED_NAME",
    "QUIZ_FILE",
    "RESERVED_LESSON_SLUGS",
    "REVIEW_MONTHS",
    "SLUG",
    "SOURCE_FIELDS",
    "ContentError",
    "CourseSource",
    "LessonKind",
    "LessonSource",
    "ModuleCitations",
    "ModuleSource",
    "Problem",
    "SourceKind",
    "check_module",
    "check_module_folder",
    "course_warnings",
    "estimated_minutes",
    "module_citations",
    "module_files",
    "overdue_reviews",
    "read_bundle",
    "read_module_folder",
    "scenario_yaml",
    "source_problems",
    "write_bundle",
    "write_module",
]
