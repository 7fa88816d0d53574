"""The anonymised file of every check, for researchers: one row a check, and nothing that leads
back to a learner.

Each learner is a number drawn afresh for every file (``L0001``...), so rows of one learner go
together within a file but two files cannot be joined, nor a file joined to the site. There are no
names, addresses, account ids or organisations, and times are given only as the month. Rows come in
the order of those numbers, never in the order accounts were made.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Iterable, Iterator
from statistics import fmean

from sqlalchemy import select

from course.catalogue.measurement_bank import PostKind
from course.catalogue.models import Module
from course.core.spreadsheets import neutralised
from course.extensions import db
from course.measurement.models import Check, FormOrder

COLUMNS = (
    "learner",
    "module",
    "phase",
    "form",
    "first_form",
    "skipped",
    "month",
    "questions",
    "right",
    "percent_right",
    "item_results",
    "trust_legitimate",
    "trust_manipulative",
    "discernment",
    "post_ratings",
)


def research_rows() -> Iterator[str]:
    """The file, line by line: a header, then a row for each check taken or skipped."""
    checks = db.session.execute(
        select(Check, Module.slug)
        .join(Module, Module.id == Check.module_id)
        .where(Check.completed_at.is_not(None))
    ).all()
    first_forms = {
        (order.user_id, order.module_id): order.first_form
        for order in db.session.scalars(select(FormOrder))
    }
    learners = list({check.user_id for check, _slug in checks})
    secrets.SystemRandom().shuffle(learners)
    numbers = {user_id: number for number, user_id in enumerate(learners, start=1)}
    width = max(4, len(str(len(learners))))
    yield _line(COLUMNS)
    for check, slug in sorted(
        checks, key=lambda found: (numbers[found[0].user_id], found[1], found[0].phase)
    ):
        yield _line(
            _row(
                check,
                slug,
                f"L{numbers[check.user_id]:0{width}d}",
                first_forms.get((check.user_id, check.module_id), ""),
            )
        )


def _row(check: Check, slug: str, learner: str, first_form: str) -> list[object]:
    assert check.completed_at is not None  # noqa: S101 - only finished checks are exported
    results = check.results or []
    ratings = dict(zip((post["id"] for post in check.posts), check.ratings or [], strict=True))
    trust = {
        kind: [
            rating
            for post, rating in zip(check.posts, check.ratings or [], strict=True)
            if post["kind"] == kind
        ]
        for kind in PostKind
    }
    legitimate = fmean(trust[PostKind.LEGITIMATE]) if trust[PostKind.LEGITIMATE] else None
    manipulative = fmean(trust[PostKind.MANIPULATIVE]) if trust[PostKind.MANIPULATIVE] else None
    return [
        learner,
        slug,
        check.phase,
        check.form,
        first_form,
        int(check.skipped),
        check.completed_at.strftime("%Y-%m"),
        len(check.items),
        sum(results),
        round(100 * sum(results) / len(results), 1) if results else "",
        " ".join(
            f"{item['key']}={int(result)}"
            for item, result in zip(check.items, results, strict=True)
        ),
        _number(legitimate),
        _number(manipulative),
        _number(
            legitimate - manipulative
            if legitimate is not None and manipulative is not None
            else None
        ),
        " ".join(f"{post_id}={rating}" for post_id, rating in ratings.items()),
    ]


def _number(value: float | None) -> float | str:
    return "" if value is None else round(value, 3)


def _line(cells: Iterable[object]) -> str:
    """One CSV line; text that a spreadsheet would run as a formula is neutralised (numbers,
    negative ones included, are written as numbers)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(
        [neutralised(cell) if isinstance(cell, str) else cell for cell in cells]
    )
    return buffer.getvalue()


def research_filename(today: str) -> str:
    return f"ct-citizen-learning-checks-{today}.csv"
