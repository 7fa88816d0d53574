"""A module's measurement bank, ``measure.yaml``: what the optional tests before and after the
module ask, kept apart from the quiz so that the test does not teach itself.

It holds two parallel forms, ``a`` and ``b``, of the same number of questions (the quiz's question
types, checked the same way): item n of one form and item n of the other test the same objective
at the same difficulty, so that a learner who takes one form before the module and the other after
it shows what they gained, not what they remembered of the first. The module whose subject is
spotting manipulation may add ``posts``: two parallel sets of social-media-style posts, half
manipulative and half legitimate, that learners rate for how trustworthy they look.

:func:`read_measurement` checks one file, as read with line numbers, and returns its canonical
form (the same content always gives the same data). The tests themselves (who takes which form,
consent, the report) are :mod:`course.measurement`; this module knows nothing of learners.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from course.catalogue.question_types import all_question_types
from course.catalogue.yaml_source import SourceList, SourceMap

MEASURE_FILE = "measure.yaml"
FORMS = ("a", "b")
MIN_ITEMS, MAX_ITEMS = 3, 10
MIN_POSTS, MAX_POSTS = 4, 12
POST_TEXT_LENGTH = (40, 500)
POST_FIELDS = ("id", "kind", "author", "handle", "text", "why")
ITEM_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class PostKind(enum.StrEnum):
    MANIPULATIVE = "manipulative"
    LEGITIMATE = "legitimate"


@dataclass(frozen=True)
class MeasurementIssue:
    line: int
    message: str


def read_measurement(
    data: SourceMap, quiz_ids: Collection[str], quiz_prompts: Collection[str]
) -> tuple[dict[str, Any], list[MeasurementIssue]]:
    """The bank in canonical form (``forms``, and ``posts`` when it has them) and its problems
    by line. No item may share an id or a prompt with the module's quiz."""
    issues: list[MeasurementIssue] = []

    def issue(line: int, message: str) -> None:
        issues.append(MeasurementIssue(line, message))

    for name in data:
        if name not in ("forms", "posts"):
            issue(data.line_of(name), _("unknown field %(name)r", name=name))
    seen_ids: dict[str, int] = {}

    def unique_id(value: object, line: int) -> str:
        item_id = str(value or "").strip()
        if not ITEM_ID.match(item_id) or len(item_id) > 100:
            issue(line, _("an id of lower-case letters, digits and hyphens is needed"))
        elif item_id in quiz_ids:
            issue(line, _("id %(id)r is a quiz question's: use another", id=item_id))
        elif item_id in seen_ids:
            first = seen_ids[item_id]
            issue(line, _("id %(id)r is also used on line %(line)d", id=item_id, line=first))
        else:
            seen_ids[item_id] = line
        return item_id

    forms = _read_parallel(
        data,
        "forms",
        MIN_ITEMS,
        MAX_ITEMS,
        issue,
        lambda item, line: _read_item(item, line, quiz_prompts, unique_id, issue),
    )
    canonical: dict[str, Any] = {"forms": forms}
    if "posts" in data:
        posts = _read_parallel(
            data,
            "posts",
            MIN_POSTS,
            MAX_POSTS,
            issue,
            lambda post, line: _read_post(post, line, unique_id, issue),
        )
        _check_post_kinds(data["posts"], posts, issue)
        canonical["posts"] = posts
    return canonical, issues


def _read_parallel(
    data: SourceMap,
    key: str,
    fewest: int,
    most: int,
    issue: Callable[[int, str], None],
    read_one: Callable[[object, int], dict[str, Any] | None],
) -> dict[str, list[dict[str, Any]]]:
    """Forms ``a`` and ``b`` under ``key``, each read item by item, of the same length."""
    sets = data.get(key)
    if not isinstance(sets, SourceMap):
        issue(data.line_of(key), _("%(key)s must have a: and b:, one list each", key=key))
        return {form: [] for form in FORMS}
    for name in sets:
        if name not in FORMS:
            issue(sets.line_of(name), _("%(key)s has only a: and b:", key=key))
    result: dict[str, list[dict[str, Any]]] = {}
    for form in FORMS:
        items = sets.get(form)
        if not isinstance(items, SourceList) or not fewest <= len(items) <= most:
            issue(
                sets.line_of(form),
                _(
                    "%(key)s %(form)s must list %(min)d to %(max)d items",
                    key=key,
                    form=form,
                    min=fewest,
                    max=most,
                ),
            )
            result[form] = []
            continue
        read = [read_one(item, items.line_of(index)) for index, item in enumerate(items)]
        result[form] = [item for item in read if item is not None]
    lengths = {form: len(sets.get(form) or []) for form in FORMS}
    if isinstance(sets.get("a"), SourceList) and isinstance(sets.get("b"), SourceList):
        if lengths["a"] != lengths["b"]:
            issue(
                sets.line_of("b"),
                _(
                    "%(key)s a has %(a)d items and b has %(b)d: parallel forms have as many "
                    "each, item n of one matching item n of the other",
                    key=key,
                    a=lengths["a"],
                    b=lengths["b"],
                ),
            )
    return result


def _read_item(
    item: object,
    line: int,
    quiz_prompts: Collection[str],
    unique_id: Callable[[object, int], str],
    issue: Callable[[int, str], None],
) -> dict[str, Any] | None:
    if not isinstance(item, SourceMap):
        issue(line, _("each item must be a question with id, type, prompt and explanation"))
        return None
    unique_id(item.get("id"), item.line_of("id"))
    if "regions" in item:
        issue(
            item.line_of("regions"),
            _(
                "measurement items hold in every region: everyone takes the same forms, so ask "
                "what is the same everywhere and leave regions out"
            ),
        )
    schema = all_question_types().get(str(item.get("type", "")))
    if schema is None:
        known = ", ".join(sorted(all_question_types()))
        issue(item.line_of("type"), _("unknown question type: use one of %(known)s", known=known))
        return None
    if _plain(str(item.get("prompt", ""))) in quiz_prompts:
        issue(
            item.line_of("prompt"),
            _("the quiz asks this very question: a learner must never meet an item in the quiz"),
        )
    found = schema.check(item)
    for field_issue in found:
        issue(field_issue.line, field_issue.message)
    return None if found else schema.canonical(item)


def _read_post(
    post: object,
    line: int,
    unique_id: Callable[[object, int], str],
    issue: Callable[[int, str], None],
) -> dict[str, Any] | None:
    if not isinstance(post, SourceMap):
        issue(line, _("each post needs an id, a kind, an author, a handle, a text and why"))
        return None
    for name in post:
        if name not in POST_FIELDS:
            issue(post.line_of(name), _("unknown field %(name)r", name=name))
    canonical: dict[str, Any] = {"id": unique_id(post.get("id"), post.line_of("id"))}
    kind = str(post.get("kind", ""))
    if kind not in {value.value for value in PostKind}:
        issue(post.line_of("kind"), _("kind must be manipulative or legitimate"))
    canonical["kind"] = kind
    limits = {"author": (1, 60), "handle": (2, 30), "text": POST_TEXT_LENGTH, "why": (20, 500)}
    for name, (shortest, longest) in limits.items():
        value = " ".join(str(post.get(name) or "").split())
        if not shortest <= len(value) <= longest:
            issue(
                post.line_of(name),
                _(
                    "%(name)s must be %(min)d to %(max)d characters",
                    name=name,
                    min=shortest,
                    max=longest,
                ),
            )
        canonical[name] = value
    if canonical["handle"] and not canonical["handle"].startswith("@"):
        issue(post.line_of("handle"), _("a handle starts with @"))
    return canonical


def _check_post_kinds(
    sets: object, posts: dict[str, list[dict[str, Any]]], issue: Callable[[int, str], None]
) -> None:
    """Half of each set manipulative and half legitimate, and post n of each set of one kind:
    a set that leans one way would measure a leaning, not discernment."""
    if not isinstance(sets, SourceMap):
        return
    for form in FORMS:
        kinds = [post["kind"] for post in posts[form]]
        if kinds and kinds.count(PostKind.MANIPULATIVE) != kinds.count(PostKind.LEGITIMATE):
            issue(
                sets.line_of(form),
                _("posts %(form)s must be half manipulative and half legitimate", form=form),
            )
    if len(posts["a"]) == len(posts["b"]):
        for index, (first, second) in enumerate(zip(posts["a"], posts["b"], strict=True)):
            if first["kind"] != second["kind"]:
                issue(
                    sets["b"].line_of(index),
                    _(
                        "post %(number)d of b is %(kind)s but post %(number)d of a is not: "
                        "parallel posts are of one kind",
                        number=index + 1,
                        kind=second["kind"],
                    ),
                )


def _plain(prompt: str) -> str:
    return " ".join(prompt.casefold().split())


def plain_prompts(questions: Collection[dict[str, Any]]) -> set[str]:
    """The quiz's prompts as :func:`read_measurement` compares them: case and spacing aside."""
    return {_plain(str(question.get("prompt", ""))) for question in questions}
