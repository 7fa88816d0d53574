"""A branching scenario in the web editor: its steps as the text an author edits (the ``start``
and ``steps`` of its file, in the same YAML), read back with the file validator's checks, and a
preview of every step as learners in a region would see it.

Title and slug have fields of their own, like a lesson's; the rest of the file is the text, so
what an author learns here works in a ``NN-slug.scenario.yaml`` file and back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from course.catalogue.bundle import scenario_yaml
from course.catalogue.markdown import render_for_region
from course.catalogue.scenarios import Ending, read_scenario, thin_scenario_warnings
from course.catalogue.yaml_source import SourceMap, YamlSyntaxError, load_yaml
from course.core.regions import Region

#: A scenario's steps are longer than a lesson: the course's longest file is about 16,000
#: characters.
STEPS_MAX_LENGTH = 100_000
#: The fields the editor has beside the text.
OWN_FIELDS = ("title", "slug")

#: What a new scenario's text starts as: the smallest scenario the checks accept, in the
#: format's own words, for the author to write over.
STARTER_STEPS = """\
start: first-step
steps:
- id: first-step
  text: |
    Say where the learner is and what they notice.
  choices:
  - label: One thing the learner could do
    next: good-ending
    feedback: |
      What happened next, and why.
  - label: Another thing the learner could do
    next: bad-ending
    feedback: |
      What happened next, and why.
- id: good-ending
  ending: good
  text: |
    How it ended well.
- id: bad-ending
  ending: bad
  text: |
    How it went wrong, and what to do instead.
"""


def steps_text(scenario: Mapping[str, Any]) -> str:
    """The text the editor shows of a scenario: its ``start`` and ``steps``, as in its file."""
    return scenario_yaml({"start": scenario["start"], "steps": scenario["steps"]})


def read_steps_text(text: str) -> tuple[dict[str, Any] | None, list[str]]:
    """The scenario's ``start`` and ``steps`` in canonical form, or ``None`` with what is wrong,
    each problem prefixed with its line of the text."""
    if not text.strip():
        return None, [_("Write the scenario's steps")]
    if len(text) > STEPS_MAX_LENGTH:
        return None, [
            _("The steps must be %(max)s characters or fewer", max=f"{STEPS_MAX_LENGTH:,}")
        ]
    try:
        data = load_yaml(text.replace("\r\n", "\n"))
    except YamlSyntaxError as error:
        return None, [_line(error.line, str(error))]
    if not isinstance(data, SourceMap):
        return None, [_line(1, _("write start: and steps:, as the example shows"))]
    problems = [
        _line(data.line_of(name), _("%(name)s has its own field: take this line out", name=name))
        for name in OWN_FIELDS
        if name in data
    ]
    scenario, issues = read_scenario(data)
    problems.extend(_line(issue.line, issue.message) for issue in issues)
    if problems:
        return None, problems
    return {"start": scenario["start"], "steps": scenario["steps"]}, []


def _line(line: int, problem: str) -> str:
    return _("Line %(line)d: %(problem)s", line=line, problem=problem)


@dataclass(frozen=True)
class PreviewChoice:
    label: str
    next: str
    feedback_html: str


@dataclass(frozen=True)
class PreviewStep:
    id: str
    html: str
    ending: Ending | None
    choices: list[PreviewChoice]


@dataclass(frozen=True)
class ScenarioPreview:
    start: str
    steps: list[PreviewStep]
    #: What ``content check`` will warn of: too few decisions, or one way to an ending.
    warnings: list[str]


def preview_of(
    scenario: Mapping[str, Any], region: Region, picture_urls: Mapping[str, str]
) -> ScenarioPreview:
    """Every step of a scenario the checks accepted, rendered as learners in ``region`` see it,
    with its choices and their feedback, and what ``content check`` will warn of."""
    steps = [
        PreviewStep(
            id=step["id"],
            html=render_for_region(step["text"], region, picture_urls),
            ending=Ending(step["ending"]) if "ending" in step else None,
            choices=[
                PreviewChoice(
                    choice["label"],
                    choice["next"],
                    render_for_region(choice["feedback"], region, picture_urls),
                )
                for choice in step.get("choices", [])
            ],
        )
        for step in scenario["steps"]
    ]
    return ScenarioPreview(
        start=scenario["start"],
        steps=steps,
        warnings=thin_scenario_warnings(dict(scenario)),
    )
