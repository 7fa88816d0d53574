"""A page of a longer list, for the tables that show 50 rows at a time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

RowT = TypeVar("RowT")


@dataclass(frozen=True)
class Page(Generic[RowT]):
    """Rows ``(page - 1) * page_size`` onwards of ``total``; ``page`` counts from 1."""

    rows: list[RowT]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def page_number(value: str | None) -> int:
    """The page asked for in a query string; anything that is not a sensible page number (missing,
    not digits, zero, absurdly large) is the first page."""
    if value and value.isdigit() and len(value) <= 6:
        return max(1, int(value))
    return 1
