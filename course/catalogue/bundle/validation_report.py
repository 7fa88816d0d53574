"""The content validator's report: every problem found, each tied to a file and a line.

A :class:`Problem` is one line of the report, ``file:line: message``; :class:`ContentError` carries
the whole report when content cannot be used.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class ContentError(Exception):
    """Content that cannot be used; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = sorted(problems)
