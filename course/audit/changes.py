"""What an audit entry changed, put for people to read: per field, the value before and after.

An entry keeps its ``before`` and ``after`` values exactly as they were recorded (JSON); this only
decides how the log page shows them. A short value is shown whole, old then new. A long one (a
lesson's text, a question with its choices) is shown as the lines that changed, with a few lines
around them, so one lesson save does not fill the page with the whole lesson twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from flask_babel import gettext as _

from course.core.line_diff import DiffLine, line_diff

#: Longer values, or any holding more than one line, are shown as a line diff.
SHORT_VALUE_LENGTH = 80
#: Unchanged lines shown around each changed line of a long value.
CONTEXT_LINES = 2


@dataclass(frozen=True)
class FieldChange:
    """One field of an audit entry: its value before and after, as text (``None`` when the field
    was not there), and for a long value the lines that changed."""

    name: str
    before: str | None
    after: str | None
    lines: list[DiffLine]

    @property
    def is_long(self) -> bool:
        return bool(self.lines)

    @property
    def added_lines(self) -> int:
        return sum(1 for line in self.lines if line.kind == "added")

    @property
    def removed_lines(self) -> int:
        return sum(1 for line in self.lines if line.kind == "removed")


def field_changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[FieldChange]:
    """The fields an entry records, in the order they were recorded, each with its value before
    and after; a field with the same value on both sides is left out."""
    before, after = before or {}, after or {}
    changes = []
    for name in [*before, *(key for key in after if key not in before)]:
        old = _as_text(before[name]) if name in before else None
        new = _as_text(after[name]) if name in after else None
        if old == new:
            continue
        long = any(_is_long(text) for text in (old, new) if text is not None)
        lines = line_diff(old or "", new or "", CONTEXT_LINES) if long else []
        changes.append(FieldChange(str(name), old, new, lines))
    return changes


def _is_long(text: str) -> bool:
    return "\n" in text or len(text) > SHORT_VALUE_LENGTH


def _as_text(value: Any) -> str:
    """A recorded value as a person reads it: text as itself, yes or no, numbers, and lists and
    mappings as the YAML the course's files use."""
    if value is None:
        return _("nothing")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return yaml.safe_dump(
        value, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100
    ).rstrip("\n")
