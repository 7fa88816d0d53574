"""Checking one file's fields as it is read, and reporting its problems by file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from course.catalogue.bundle.layout import SLUG
from course.catalogue.bundle.validation_report import Problem
from course.catalogue.yaml_source import SourceList, SourceMap, YamlSyntaxError, load_yaml


class FileChecker:
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


#: What :func:`read_yaml` returns for a file it could not parse (the problem is already reported).
UNREADABLE = object()


def read_yaml(
    checker: FileChecker, path: Path, text: str | None = None, first_line: int = 1
) -> Any:
    """The YAML of ``path`` (or ``text`` taken from it, starting on ``first_line``) with line
    numbers, or :data:`UNREADABLE` once a syntax error or non-UTF-8 text is reported."""
    try:
        return load_yaml(text if text is not None else path.read_text(encoding="utf-8"), first_line)
    except YamlSyntaxError as error:
        checker.problem(error.line, str(error))
    except UnicodeDecodeError:
        checker.problem(1, "the file is not UTF-8 text")
    return UNREADABLE
