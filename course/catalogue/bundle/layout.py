"""How a bundle is laid out on disk and how its parts are named: the file names, numbered module
folders and lesson files, a lesson's front matter, slugs."""

from __future__ import annotations

import re
from pathlib import Path

COURSE_FILE = "course.yaml"
MODULE_FILE = "module.yaml"
QUIZ_FILE = "quiz.yaml"
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
NUMBERED_NAME = re.compile(r"^\d{2}-[a-z0-9][a-z0-9-]*$")
FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<yaml>.*?\n)---[ \t]*\n", re.S)
#: Lesson slugs that would clash with the module's own pages.
RESERVED_LESSON_SLUGS = {"quiz", "read"}


def body_first_line(path: Path) -> int:
    """The line of the lesson file at ``path`` where its Markdown starts, after the front matter."""
    text = path.read_text(encoding="utf-8")
    found = FRONT_MATTER.match(text)
    return text[: found.end()].count("\n") + 1 if found else 1
