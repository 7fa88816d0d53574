"""Warnings about content that is valid but may mislead or has aged: a module past its review date,
minutes that do not match what there is to read, quizzes a guesser can pass by picking the longest
option, and region passages that leave some of the course's regions with nothing.

Warnings never stop an import: a person decides. ``content check`` prints them before its result.
"""

from __future__ import annotations

import calendar
import math
import re
from datetime import date
from pathlib import Path
from typing import Any

from flask_babel import gettext as _

from course.catalogue.bundle.file_checker import FileChecker
from course.catalogue.bundle.layout import MODULE_FILE, QUIZ_FILE, body_first_line
from course.catalogue.bundle.sources import CourseSource, LessonSource, ModuleSource
from course.catalogue.bundle.translation_files import translation_warnings
from course.catalogue.bundle.validation_report import Problem
from course.catalogue.markdown import region_passage_runs, render_for_region
from course.catalogue.scenarios import longest_reading, thin_scenario_warnings
from course.catalogue.yaml_source import SourceMap, YamlSyntaxError, load_yaml
from course.core.regions import Region

#: A module whose content was last checked against its sources longer ago than this is due for
#: review: guidance, numbers and threat levels change.
REVIEW_MONTHS = 12
#: How fast a learner reads a lesson, in words a minute: slower than reading for pleasure, since
#: they read to remember what to do (a newcomer took 60 to 75 minutes for 57 stated minutes).
READING_WORDS_PER_MINUTE = 200
#: A quiz question, its explanation included, takes about a minute.
MINUTES_PER_QUESTION = 1
#: Stated minutes this far from the estimate, either way, get a warning.
MINUTES_TOLERANCE = 1
#: At most this share of a module's single-choice questions may have the longest option right.
LONGEST_RIGHT_SHARE = 1 / 3

_TAG = re.compile(r"<[^>]+>")


def overdue_reviews(root: Path, today: date) -> list[Problem]:
    """Modules under ``root`` whose ``reviewed`` date is more than :data:`REVIEW_MONTHS` months
    before ``today``, each at the line of its ``reviewed`` field.

    Old content may still be right, but a person should check it against its sources. This reads
    the files themselves, so it warns even when the bundle has problems; a file that cannot be
    read is left to :func:`~course.catalogue.bundle.validator.read_bundle` to report.
    """
    due_before = _months_before(today, REVIEW_MONTHS)
    warnings: list[Problem] = []
    for path in sorted(root.glob(f"*/{MODULE_FILE}")):
        data = _yaml_of(path)
        reviewed = data.get("reviewed") if data else None
        if data and isinstance(reviewed, date) and reviewed < due_before:
            FileChecker(root, path, warnings).problem(
                data.line_of("reviewed"),
                _(
                    "warning: reviewed %(date)s, more than %(months)d months ago: check the "
                    "module against its sources, then update reviewed",
                    date=reviewed.isoformat(),
                    months=REVIEW_MONTHS,
                ),
            )
    return warnings


def course_warnings(root: Path, course: CourseSource) -> list[Problem]:
    """The warnings for a bundle that has been read without problems: minutes, guessable quizzes,
    region passages that leave regions out, and missing or stale translations, by file and
    line."""
    warnings: list[Problem] = []
    regions = [Region(code) for code in course.regions]
    for module in course.modules:
        folder = root / module.folder_name
        warnings += translation_warnings(root, module, course.languages)
        _warn_of_minutes(root, folder / MODULE_FILE, warnings, module, regions)
        _warn_of_longest_right(FileChecker(root, folder / QUIZ_FILE, warnings), module)
        for lesson in module.lessons:
            path = folder / lesson.file_name
            checker = FileChecker(root, path, warnings)
            runs = [
                (first_line - 1, run)
                for first_line, text in lesson.located_texts(body_first_line(path))
                for run in region_passage_runs(text)
            ]
            if lesson.scenario is not None:
                _warn_of_a_thin_scenario(checker, lesson.scenario)
            for offset, run in runs:
                left_out = [region for region in regions if region.value not in run.regions]
                if len(run.regions) > 1 and left_out:
                    checker.problem(
                        offset + run.first_line,
                        _(
                            "warning: the region passages on lines %(first)d to %(last)d leave "
                            "out %(regions)s: learners there see none of them. Add a passage for "
                            "them, or name them in one",
                            first=offset + run.first_line,
                            last=offset + run.last_line,
                            regions=", ".join(region.value for region in left_out),
                        ),
                    )
    return sorted(warnings)


def _warn_of_a_thin_scenario(checker: FileChecker, scenario: dict[str, Any]) -> None:
    for warning in thin_scenario_warnings(scenario):
        checker.problem(1, _("warning: %(warning)s", warning=warning))


def estimated_minutes(module: ModuleSource, regions: list[Region]) -> int:
    """Whole minutes to read the module's lessons where there is most to read, at
    :data:`READING_WORDS_PER_MINUTE`, and answer one attempt's questions."""

    def words_in(markdown: str, region: Region) -> int:
        return len(_TAG.sub(" ", render_for_region(markdown, region)).split())

    def words_of(lesson: LessonSource, region: Region) -> int:
        if lesson.scenario is not None:  # one way through it, the longest
            return longest_reading(lesson.scenario, lambda text: words_in(text, region))
        return words_in(lesson.markdown, region)

    words = max(
        (sum(words_of(lesson, region) for lesson in module.lessons) for region in regions),
        default=0,
    )
    return math.ceil(
        words / READING_WORDS_PER_MINUTE + module.questions_per_attempt * MINUTES_PER_QUESTION
    )


def _warn_of_minutes(
    root: Path, path: Path, warnings: list[Problem], module: ModuleSource, regions: list[Region]
) -> None:
    estimate = estimated_minutes(module, regions)
    if abs(module.minutes - estimate) > MINUTES_TOLERANCE:
        data = _yaml_of(path)
        FileChecker(root, path, warnings).problem(
            data.line_of("minutes") if data else 1,
            _(
                "warning: minutes says %(stated)d, but reading the lessons (%(speed)d words a "
                "minute) and answering %(questions)d questions takes about %(estimate)d: "
                "say %(estimate)d",
                stated=module.minutes,
                speed=READING_WORDS_PER_MINUTE,
                questions=module.questions_per_attempt,
                estimate=estimate,
            ),
        )


def _warn_of_longest_right(checker: FileChecker, module: ModuleSource) -> None:
    single = [q for q in module.questions if q.get("type") == "single_choice"]
    cued = [q["id"] for q in single if _longest_is_right(q.get("choices", []))]
    if single and len(cued) > len(single) * LONGEST_RIGHT_SHARE:
        checker.problem(
            1,
            _(
                "warning: in %(cued)d of %(total)d single-choice questions the right answer is "
                "the longest option, a cue for guessers (at most a third should be): %(ids)s",
                cued=len(cued),
                total=len(single),
                ids=", ".join(cued),
            ),
        )


def _longest_is_right(choices: list[dict[str, object]]) -> bool:
    """Whether one option is longer than every other, and it is the right one."""
    lengths = sorted(
        (len(str(choice.get("text", ""))), bool(choice.get("correct"))) for choice in choices
    )
    return len(lengths) > 1 and lengths[-1][0] > lengths[-2][0] and lengths[-1][1]


def _yaml_of(path: Path) -> SourceMap | None:
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, YamlSyntaxError):
        return None
    return data if isinstance(data, SourceMap) else None


def _months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (the month's last day if it is shorter)."""
    year, month_index = divmod(day.year * 12 + day.month - 1 - months, 12)
    last_day = calendar.monthrange(year, month_index + 1)[1]
    return date(year, month_index + 1, min(day.day, last_day))
