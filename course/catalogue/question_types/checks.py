"""The checks the question types share on a question from ``quiz.yaml`` or the web editor, and
the issue each reports: at which line of the file, and beside which field the editor shows it.

An issue says what is wrong twice: for the file (``message``, naming the file's keys, shown as
``file:line: message``) and for an author using the web editor (``for_author``, in the words of
the form, such as "Choose one right answer")."""

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
    #: The same problem in the web editor's words; the file's message when left empty.
    for_author: str = ""

    @property
    def author_message(self) -> str:
        return self.for_author or self.message


def text_issues(
    data: SourceMap, key: str, limit: int, missing: str = "", too_long: str = ""
) -> list[FieldIssue]:
    """What is wrong with the text under ``key``: missing, not text, or longer than ``limit``.

    :param missing: what the web editor says when the text is missing, such as "Enter the
        question".
    :param too_long: what it says when the text is too long.
    """
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return [FieldIssue(data.line_of(key), _("missing %(field)s", field=key), key, missing)]
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return [FieldIssue(data.line_of(key), _("%(field)s must be text", field=key), key, missing)]
    if len(str(value)) > limit:
        return [
            FieldIssue(
                data.line_of(key),
                _("%(field)s is longer than %(limit)d characters", field=key, limit=limit),
                key,
                too_long,
            )
        ]
    return []


def list_issues(
    data: SourceMap,
    key: str,
    smallest: int,
    largest: int,
    check_item: Callable[[Any, int], list[FieldIssue]],
    too_few: str = "",
    too_many: str = "",
) -> list[FieldIssue]:
    """What is wrong with the list under ``key``: not a list, too short or too long, and what
    ``check_item`` finds in each entry (given the entry and its line).

    :param too_few: what the web editor says when the list is missing or too short, such as
        "Enter at least 2 choices".
    :param too_many: what it says when the list is too long.
    """
    items = data.get(key)
    if not isinstance(items, SourceList):
        return [
            FieldIssue(data.line_of(key), _("%(field)s must be a list", field=key), key, too_few)
        ]
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
                too_few if len(items) < smallest else too_many,
            )
        )
    for index, item in enumerate(items):
        issues += [replace(issue, field=key) for issue in check_item(item, items.line_of(index))]
    return issues


def duplicates(texts: list[str]) -> set[str]:
    """The texts that appear more than once."""
    seen: set[str] = set()
    return {text for text in texts if text in seen or seen.add(text)}  # type: ignore[func-returns-value]
