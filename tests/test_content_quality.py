"""The warnings ``content check`` gives about valid content that may mislead: minutes that do not
match what there is to read, quizzes a guesser passes by picking the longest option, and region
passages that leave some of the course's regions with nothing."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskCliRunner

from course.catalogue.bundle import course_warnings, estimated_minutes, read_bundle
from course.catalogue.markdown import PassageRun, region_passage_runs
from course.core.regions import Region
from tests.fixtures.content_bundles import replace_in

MODULE = "01-staying-safe"


def warnings_of(bundle: Path) -> list[str]:
    return [str(warning) for warning in course_warnings(bundle, read_bundle(bundle))]


def test_the_example_course_has_no_warnings(bundle: Path) -> None:
    assert warnings_of(bundle) == []


# Minutes ----------------------------------------------------------------------------------------


def test_minutes_are_estimated_from_the_longest_region_and_the_questions_drawn(
    bundle: Path,
) -> None:
    words = " ".join(["word"] * 400)
    (bundle / MODULE / "01-the-steps.md").write_text(
        "---\ntitle: The steps\nslug: the-steps\nsources: [protectuk-run-hide-tell]\n---\n"
        f"Act quickly.\n\n::: region us\n{words}\n:::\n"
    )
    module = read_bundle(bundle).modules[0]

    # 402 words in the US (two minutes and a bit) and 5 questions: 8; the UK reads far less.
    assert estimated_minutes(module, [Region.US]) == 8
    assert estimated_minutes(module, [Region.UK]) < 8
    assert estimated_minutes(module, [Region.UK, Region.US]) == 8


def test_minutes_far_from_the_estimate_are_a_warning_at_their_line(bundle: Path) -> None:
    replace_in(bundle / MODULE / "module.yaml", "minutes: 5", "minutes: 20")

    assert warnings_of(bundle) == [
        f"bundle/{MODULE}/module.yaml:4: warning: minutes says 20, but reading the lessons "
        "(200 words a minute) and answering 5 questions takes about 6: say 6"
    ]


def test_minutes_within_a_minute_of_the_estimate_are_fine(bundle: Path) -> None:
    replace_in(bundle / MODULE / "module.yaml", "minutes: 5", "minutes: 7")

    assert warnings_of(bundle) == []


# The longest option ----------------------------------------------------------------------------


def single_choice(question_id: str, right: str, wrong: list[str]) -> str:
    choices = f"      - text: {right}\n        correct: true\n" + "".join(
        f"      - text: {text}\n" for text in wrong
    )
    return (
        f"  - id: {question_id}\n    type: single_choice\n    prompt: Which?\n"
        f"    choices:\n{choices}    explanation: Because.\n"
    )


def quiz_with(bundle: Path, *questions: str) -> None:
    path = bundle / "02-reporting" / "quiz.yaml"
    path.write_text("questions:\n" + "".join(questions))
    replace_in(
        bundle / "02-reporting" / "module.yaml",
        "questions_per_attempt: ",
        "questions_per_attempt: 1 #",
    )


def test_a_quiz_whose_right_answer_is_often_the_longest_gets_a_warning_naming_them(
    bundle: Path,
) -> None:
    quiz_with(
        bundle,
        single_choice("cued-one", "The much longer right answer", ["Short", "Brief"]),
        single_choice("cued-two", "Another long right answer here", ["Not now", "Never"]),
        single_choice("fair", "Call", ["Run away from it", "Film the scene"]),
    )

    warnings = [warning for warning in warnings_of(bundle) if "longest" in warning]

    assert warnings == [
        "bundle/02-reporting/quiz.yaml:1: warning: in 2 of 3 single-choice questions the right "
        "answer is the longest option, a cue for guessers (at most a third should be): "
        "cued-one, cued-two"
    ]


def test_a_third_is_allowed_and_a_tie_for_longest_is_no_cue(bundle: Path) -> None:
    quiz_with(
        bundle,
        single_choice("cued", "The much longer right answer", ["Short", "Brief"]),
        single_choice("tie", "Same size", ["Also same", "Tiny"]),
        single_choice("fair", "Call", ["Run away from it", "Film the scene"]),
    )

    assert [warning for warning in warnings_of(bundle) if "longest" in warning] == []


# Region passages --------------------------------------------------------------------------------


def test_passages_separated_only_by_blank_lines_form_one_run() -> None:
    markdown = (
        "Intro.\n\n"
        "::: region uk\nA\n:::\n\n"
        "::: region us au\nB\n:::\n"
        "Between.\n"
        "::: region eu\nC\n:::\n"
    )

    assert region_passage_runs(markdown) == [
        PassageRun(3, 9, frozenset({"uk", "us", "au"})),
        PassageRun(11, 13, frozenset({"eu"})),
    ]


def test_a_run_that_leaves_regions_out_is_a_warning_naming_them(bundle: Path) -> None:
    replace_in(bundle / "course.yaml", "regions: [uk, us, au, eu]", "regions: [uk, us, au, nz, eu]")
    replace_in(bundle / MODULE / "quiz.yaml", "regions: [au]", "regions: [au, nz]")

    gap = (
        "leave out nz: learners there see none of them. Add a passage for them, or name them in one"
    )
    assert warnings_of(bundle) == [
        f"bundle/{MODULE}/01-the-steps.md:8: warning: the region passages on lines 8 to 18 {gap}",
        f"bundle/{MODULE}/02-calling-for-help.md:8: warning: the region passages on lines 8 to 22 "
        f"{gap}",
    ]


def test_a_lone_passage_for_one_region_is_an_aside_not_a_gap(bundle: Path) -> None:
    path = bundle / MODULE / "02-calling-for-help.md"
    path.write_text(path.read_text() + "\n::: region uk\nYou can also text 61016 on trains.\n:::\n")

    assert warnings_of(bundle) == []


def test_the_check_command_prints_warnings_and_still_passes(
    runner: FlaskCliRunner, bundle: Path
) -> None:
    replace_in(bundle / MODULE / "module.yaml", "minutes: 5", "minutes: 20")

    result = runner.invoke(args=["content", "check", str(bundle)])

    assert result.exit_code == 0
    assert "module.yaml:4: warning: minutes says 20" in result.output
    assert "2 modules, no problems found." in result.output
