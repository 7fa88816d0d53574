"""The checks the question types share on a question from ``quiz.yaml`` or the web editor, and
the issue each reports: at which line of the file, and beside which field the editor shows it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from flask_babel import gettext as _

from course.catalogue.yaml_source import SourceList, SourceMap

MAX_PROMPT_LENGTH = 500
MAX_TEXT_LENGTH = 300
MAX_EXPLANATION_LENGTH = 1500


@dataclass(frozen=True)
class FieldIssue:
    """A problem in one question: at a line of its file, and in which of its fields (what the web
    editor shows it beside)."""

    line: int
    message: str
    field: str = ""


def text_issues(data: SourceMap, key: str, limit: int) -> list[FieldIssue]:
    """What is wrong with the text under ``key``: missing, not text, or longer than ``limit``."""
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return [FieldIssue(data.line_of(key), _("missing %(field)s", field=key), key)]
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return [FieldIssue(data.line_of(key), _("%(field)s must be text", field=key), key)]
    if len(str(value)) > limit:
        return [
            FieldIssue(
                data.line_of(key),
                _("%(field)s is longer than %(limit)d characters", field=key, limit=limit),
                key,
            )
        ]
    return []


def list_issues(
    data: SourceMap,
    key: str,
    smallest: int,
    largest: int,
    check_item: Callable[[Any, int], list[FieldIssue]],
) -> list[FieldIssue]:
    """What is wrong with the list under ``key``: not a list, too short or too long, and what
    ``check_item`` finds in each entry (given the entry and its line)."""
    items = data.get(key)
    if not isinstance(items, SourceList):
        return [FieldIssue(data.line_of(key), _("%(field)s must be a list", field=key), key)]
    issues: list[FieldIssue] = []
    if not smallest <= len(items) <= largest:
        issues.append(
            FieldIssue(
                data.line_of(key),
                _(
                    "%(field)s must have %(smallest)d to %(largest)d entries, not %(count)d",
                    field=key,
                    smallest=smallest,
                    largest=largest,
                    count=len(items),
                ),
                key,
            )
        )
    for index, item in enumerate(items):
        issues += [replace(issue, field=key) for issue in check_item(item, items.line_of(index))]
    return issues


def duplicates(texts: list[str]) -> set[str]:
    """The texts that appear more than once."""
    seen: set[str] = set()
    return {text for text in texts if text in seen or seen.add(text)}  # type: ignore[func-returns-value]
