"""Branching scenarios: a lesson made of situations, each with choices that lead to other
situations and to endings, with feedback on every choice ("what happened next, and why").

A scenario is a file in a module folder, ``NN-slug.scenario.yaml`` (the format is in
docs/authoring.md). :func:`read_scenario` checks one, as read with line numbers, and returns its
canonical form: the same content always gives the same data, written back in the same order.
Besides each field, it checks the scenario as a graph: every step can be reached from the start,
an ending can be reached from every step (no path goes round for ever), and every choice leads
somewhere and says what happened.

The learner's side (one page per step, a page per choice's feedback) is in
:mod:`course.learning.scenario_views`; this module knows nothing of requests.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from course.catalogue.markdown import MarkdownIssue, check_markdown
from course.catalogue.yaml_source import SourceList, SourceMap

SCENARIO_SUFFIX = ".scenario.yaml"
STEP_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MIN_CHOICES, MAX_CHOICES = 2, 4
LABEL_MAX_LENGTH = 150
SCENARIO_FIELDS = ("title", "slug", "start", "steps")
STEP_FIELDS = ("id", "text", "choices", "ending")
CHOICE_FIELDS = ("label", "next", "feedback")


class Ending(enum.StrEnum):
    GOOD = "good"
    BAD = "bad"


@dataclass(frozen=True)
class ScenarioIssue:
    line: int
    message: str


def read_scenario(data: SourceMap) -> tuple[dict[str, Any], list[ScenarioIssue]]:
    """The scenario in canonical form (title, slug, start, steps), and its problems by line.

    Markdown problems are reported at the line of the text's field plus the line within the text.
    """
    issues: list[ScenarioIssue] = []

    def issue(line: int, message: str) -> None:
        issues.append(ScenarioIssue(line, message))

    for name in data:
        if name not in SCENARIO_FIELDS:
            issue(data.line_of(name), _("unknown field %(name)r", name=name))
    start = str(data.get("start") or "").strip()
    if not start:
        issue(data.line, _("start must name the first step, like start: on-the-platform"))
    steps_data = data.get("steps")
    steps: list[dict[str, Any]] = []
    step_lines: dict[str, int] = {}
    if not isinstance(steps_data, SourceList) or not steps_data:
        issue(data.line_of("steps"), _("steps must list the scenario's steps"))
    else:
        for index, step in enumerate(steps_data):
            line = steps_data.line_of(index)
            if not isinstance(step, SourceMap):
                issue(line, _("each step must be a mapping with an id and a text"))
                continue
            canonical = _read_step(step, issue)
            if canonical is None:
                continue
            if canonical["id"] in step_lines:
                issue(
                    step.line_of("id"),
                    _(
                        "step id %(id)r is also used on line %(line)d",
                        id=canonical["id"],
                        line=step_lines[canonical["id"]],
                    ),
                )
                continue
            step_lines[canonical["id"]] = step.line_of("id")
            steps.append(canonical)
    if start and steps_data and start not in step_lines:
        issue(data.line_of("start"), _("start names no step: %(id)r", id=start))
    if start in step_lines and not issues:
        issues.extend(_graph_issues(start, steps, step_lines, steps_data))
    return (
        {
            "title": str(data.get("title", "")),
            "slug": str(data.get("slug", "")),
            "start": start,
            "steps": steps,
        },
        issues,
    )


def _read_step(step: SourceMap, issue: Callable[[int, str], None]) -> dict[str, Any] | None:
    for name in step:
        if name not in STEP_FIELDS:
            issue(step.line_of(name), _("unknown field %(name)r", name=name))
    step_id = str(step.get("id") or "").strip()
    if not STEP_ID.match(step_id):
        issue(
            step.line_of("id") if "id" in step else step.line,
            _("a step needs an id of lower-case letters, digits and hyphens, like on-the-platform"),
        )
        return None
    text = step.get("text")
    if not isinstance(text, str) or not text.strip():
        issue(step.line_of("text") if "text" in step else step.line, _("the step has no text"))
        text = ""
    else:
        _markdown_issues(text, first_line_of(step, "text"), issue)
    text = text.strip("\n") + "\n"
    ending, choices = step.get("ending"), step.get("choices")
    if ending is not None and choices is not None:
        issue(step.line_of("ending"), _("a step is either an ending or has choices, not both"))
        return {"id": step_id, "text": text}
    if ending is not None:
        if ending not in {value.value for value in Ending}:
            issue(step.line_of("ending"), _("ending must be good or bad"))
        # Canonical order: an ending says so before its text.
        return {"id": step_id, "ending": str(ending), "text": text}
    canonical: dict[str, Any] = {"id": step_id, "text": text}
    if not isinstance(choices, SourceList) or not MIN_CHOICES <= len(choices) <= MAX_CHOICES:
        issue(
            step.line_of("choices") if "choices" in step else step.line,
            _(
                "a step needs %(min)d to %(max)d choices, or ending: good or bad",
                min=MIN_CHOICES,
                max=MAX_CHOICES,
            ),
        )
        canonical["choices"] = []
        return canonical
    canonical["choices"] = [
        _read_choice(choice, choices.line_of(index), issue) for index, choice in enumerate(choices)
    ]
    return canonical


def _read_choice(choice: object, line: int, issue: Callable[[int, str], None]) -> dict[str, str]:
    if not isinstance(choice, SourceMap):
        issue(line, _("each choice needs a label, a next step and feedback"))
        return {"label": "", "next": "", "feedback": ""}
    for name in choice:
        if name not in CHOICE_FIELDS:
            issue(choice.line_of(name), _("unknown field %(name)r", name=name))
    label = " ".join(str(choice.get("label") or "").split())
    if not label:
        issue(choice.line, _("the choice needs a label: what the learner would do"))
    elif len(label) > LABEL_MAX_LENGTH:
        issue(
            choice.line_of("label"),
            _("a choice's label is at most %(max)d characters", max=LABEL_MAX_LENGTH),
        )
    next_step = str(choice.get("next") or "").strip()
    if not next_step:
        issue(choice.line, _("the choice needs next: the step it leads to"))
    feedback = choice.get("feedback")
    if not isinstance(feedback, str) or not feedback.strip():
        issue(
            choice.line_of("feedback") if "feedback" in choice else choice.line,
            _("the choice %(label)r has no feedback: say what happened next, and why", label=label),
        )
        feedback = ""
    else:
        _markdown_issues(feedback, first_line_of(choice, "feedback"), issue)
    return {"label": label, "next": next_step, "feedback": feedback.strip("\n") + "\n"}


def _markdown_issues(text: str, first_line: int, issue: Callable[[int, str], None]) -> None:
    found: list[MarkdownIssue] = check_markdown(text)
    for markdown_issue in found:
        issue(first_line + markdown_issue.line - 1, markdown_issue.message)


def first_line_of(mapping: SourceMap, key: str) -> int:
    """The line of the file where the Markdown under ``key`` starts: the line after the key for a
    block (``text: |``), the key's own line for text written on it."""
    value = mapping.get(key)
    block = isinstance(value, str) and value.endswith("\n")
    return mapping.line_of(key) + (1 if block else 0)


def text_lines(data: SourceMap) -> tuple[int, ...]:
    """Where each piece of :func:`scenario_texts` starts in the file, in the same order, for a
    scenario :func:`read_scenario` found no problem in (its steps and choices then line up)."""
    lines = []
    for step in data["steps"]:
        lines.append(first_line_of(step, "text"))
        lines.extend(first_line_of(choice, "feedback") for choice in step.get("choices", []))
    return tuple(lines)


def _graph_issues(
    start: str,
    steps: list[dict[str, Any]],
    step_lines: dict[str, int],
    steps_data: SourceList,
) -> Iterator[ScenarioIssue]:
    by_id = {step["id"]: step for step in steps}
    # Every step was read without a problem, so the file's steps and ``steps`` line up.
    for step, step_data in zip(steps, steps_data, strict=True):
        for index, choice in enumerate(step.get("choices", [])):
            if choice["next"] not in by_id:
                yield ScenarioIssue(
                    step_data["choices"][index].line_of("next"),
                    _(
                        "the choice %(label)r leads to %(next)r, which is no step",
                        label=choice["label"],
                        next=choice["next"],
                    ),
                )
    reachable = _reachable_from(start, by_id)
    for step in steps:
        if step["id"] not in reachable:
            yield ScenarioIssue(
                step_lines[step["id"]],
                _("no path from the start reaches step %(id)r", id=step["id"]),
            )
    ending = _can_end(by_id)
    for step in steps:
        if step["id"] in reachable and step["id"] not in ending:
            yield ScenarioIssue(
                step_lines[step["id"]],
                _("from step %(id)r no path ever reaches an ending", id=step["id"]),
            )


def next_steps(step: dict[str, Any]) -> list[str]:
    return [choice["next"] for choice in step.get("choices", [])]


def _reachable_from(start: str, by_id: dict[str, dict[str, Any]]) -> set[str]:
    seen, waiting = {start}, [start]
    while waiting:
        for following in next_steps(by_id[waiting.pop()]):
            if following in by_id and following not in seen:
                seen.add(following)
                waiting.append(following)
    return seen


def _can_end(by_id: dict[str, dict[str, Any]]) -> set[str]:
    """The steps from which some path reaches an ending."""
    ending = {step_id for step_id, step in by_id.items() if "ending" in step}
    changed = True
    while changed:
        changed = False
        for step_id, step in by_id.items():
            if step_id not in ending and any(n in ending for n in next_steps(step)):
                ending.add(step_id)
                changed = True
    return ending


def scenario_texts(scenario: dict[str, Any]) -> Iterator[str]:
    """Every piece of Markdown in the scenario: each step's text and each choice's feedback."""
    for step in scenario["steps"]:
        yield step["text"]
        for choice in step.get("choices", []):
            yield choice["feedback"]


def paths_to_endings(scenario: dict[str, Any]) -> dict[Ending, int]:
    """How many different paths (without going round a loop) lead to each kind of ending."""
    by_id = {step["id"]: step for step in scenario["steps"]}
    counts = {ending: 0 for ending in Ending}

    def walk(step_id: str, visited: frozenset[str]) -> None:
        step = by_id[step_id]
        if "ending" in step:
            counts[Ending(step["ending"])] += 1
            return
        for following in next_steps(step):
            if following in by_id and following not in visited:
                walk(following, visited | {following})

    walk(scenario["start"], frozenset({scenario["start"]}))
    return counts


def fewest_decisions_to_an_ending(scenario: dict[str, Any]) -> int:
    """The fewest choices a learner makes before reaching any ending."""
    by_id = {step["id"]: step for step in scenario["steps"]}
    depth, frontier = 0, {scenario["start"]}
    seen = set(frontier)
    while frontier:
        if any("ending" in by_id[step_id] for step_id in frontier):
            return depth
        frontier = {
            following
            for step_id in frontier
            for following in next_steps(by_id[step_id])
            if following in by_id and following not in seen
        }
        seen |= frontier
        depth += 1
    return depth


#: The fewest decisions a learner should make on any way through a scenario.
MIN_DECISIONS = 3


def thin_scenario_warnings(scenario: dict[str, Any]) -> list[str]:
    """A scenario teaches by letting choices matter: what to fix when a way through asks fewer
    than :data:`MIN_DECISIONS` of them, or when only one way leads to a good (or a bad) ending.
    Warnings, not problems: a person decides."""
    warnings = []
    decisions = fewest_decisions_to_an_ending(scenario)
    if decisions < MIN_DECISIONS:
        warnings.append(
            ngettext(
                "a learner can reach an ending after %(num)d decision; ask at least %(min)d on "
                "every way through",
                "a learner can reach an ending after %(num)d decisions; ask at least %(min)d on "
                "every way through",
                decisions,
                min=MIN_DECISIONS,
            )
        )
    for ending, ways in paths_to_endings(scenario).items():
        if ways >= 2:
            continue
        if ending == Ending.GOOD:
            warnings.append(
                ngettext(
                    "%(num)d way leads to a good ending; give more than one, so learners can "
                    "recover from a mistake",
                    "%(num)d ways lead to a good ending; give more than one, so learners can "
                    "recover from a mistake",
                    ways,
                )
            )
        else:
            warnings.append(
                ngettext(
                    "%(num)d way leads to a bad ending; give more than one, so learners can go "
                    "wrong late as well as early",
                    "%(num)d ways lead to a bad ending; give more than one, so learners can go "
                    "wrong late as well as early",
                    ways,
                )
            )
    return warnings


def longest_reading(scenario: dict[str, Any], words: Callable[[str], int]) -> int:
    """The most a learner can read on one way through, without going round a loop: the steps'
    text and the feedback of each choice on the way, counted by ``words``."""
    by_id = {step["id"]: step for step in scenario["steps"]}

    def most_from(step_id: str, visited: frozenset[str]) -> int:
        step = by_id[step_id]
        here = words(step["text"])
        onwards = [
            words(choice["feedback"]) + most_from(choice["next"], visited | {choice["next"]})
            for choice in step.get("choices", [])
            if choice["next"] in by_id and choice["next"] not in visited
        ]
        return here + max(onwards, default=0)

    return most_from(scenario["start"], frozenset({scenario["start"]}))
