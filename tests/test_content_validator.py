"""`content check`: every problem in every file, each with its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskCliRunner

from course.catalogue.bundle import read_bundle
from course.catalogue.yaml_source import load_yaml
from tests.fixtures.content_bundles import problems_in, replace_in


def test_the_example_bundle_is_valid(bundle: Path) -> None:
    course = read_bundle(bundle)

    assert [module.slug for module in course.modules] == ["staying-safe", "reporting"]


def test_a_yaml_syntax_error_is_reported_with_its_line(bundle: Path) -> None:
    replace_in(bundle / "01-staying-safe/module.yaml", "minutes: 5", "minutes: [5")

    assert any(
        problem.startswith("bundle/01-staying-safe/module.yaml:5: YAML syntax error")
        or problem.startswith("bundle/01-staying-safe/module.yaml:6: YAML syntax error")
        for problem in problems_in(bundle)
    )


def test_a_missing_field_is_reported(bundle: Path) -> None:
    replace_in(bundle / "01-staying-safe/module.yaml", "title: Staying safe\n", "")

    assert "bundle/01-staying-safe/module.yaml:1: missing title" in problems_in(bundle)


def test_a_pass_mark_outside_1_to_100_is_reported(bundle: Path) -> None:
    replace_in(bundle / "01-staying-safe/module.yaml", "pass_mark: 80", "pass_mark: 120")

    assert (
        "bundle/01-staying-safe/module.yaml:5: pass_mark must be between 1 and 100, not 120"
        in problems_in(bundle)
    )


def test_a_draw_larger_than_the_bank_is_reported_per_region(bundle: Path) -> None:
    replace_in(
        bundle / "01-staying-safe/module.yaml",
        "questions_per_attempt: 5",
        "questions_per_attempt: 6",
    )

    problems = problems_in(bundle)

    assert (
        "bundle/01-staying-safe/quiz.yaml:1: only 5 questions apply to region uk, but "
        "questions_per_attempt in module.yaml (line 6) draws 6"
    ) in problems
    assert any("region us" in problem for problem in problems)


def test_an_unknown_question_type_is_reported(bundle: Path) -> None:
    replace_in(bundle / "02-reporting/quiz.yaml", "type: single_choice", "type: essay")

    assert any(
        problem.startswith("bundle/02-reporting/quiz.yaml:8: unknown question type 'essay'")
        for problem in problems_in(bundle)
    )


def test_a_single_choice_without_exactly_one_correct_answer_is_reported(bundle: Path) -> None:
    replace_in(
        bundle / "02-reporting/quiz.yaml",
        "      - text: What the person looked like only",
        "      - text: What the person looked like only\n        correct: true",
    )

    assert (
        "bundle/02-reporting/quiz.yaml:10: exactly one choice must be marked correct: true "
        "(found 2)"
    ) in problems_in(bundle)


def test_a_true_false_answer_that_is_not_true_or_false_is_reported(bundle: Path) -> None:
    replace_in(bundle / "02-reporting/quiz.yaml", "answer: false", "answer: maybe")

    assert "bundle/02-reporting/quiz.yaml:5: answer must be true or false" in problems_in(bundle)


def test_duplicate_question_ids_are_reported(bundle: Path) -> None:
    replace_in(bundle / "02-reporting/quiz.yaml", "id: what-to-report", "id: behaviour")

    assert (
        "bundle/02-reporting/quiz.yaml:7: duplicate question id 'behaviour' (also on line 2)"
        in problems_in(bundle)
    )


def test_duplicate_module_slugs_are_reported(bundle: Path) -> None:
    replace_in(bundle / "02-reporting/module.yaml", "slug: reporting", "slug: staying-safe")

    assert any(
        "module slug 'staying-safe' is also used by 01-staying-safe" in problem
        for problem in problems_in(bundle)
    )


def test_duplicate_lesson_titles_and_slugs_are_reported(bundle: Path) -> None:
    replace_in(
        bundle / "01-staying-safe/02-calling-for-help.md",
        "title: Calling for help",
        "title: The steps",
    )
    replace_in(
        bundle / "01-staying-safe/02-calling-for-help.md",
        "slug: calling-for-help",
        "slug: the-steps",
    )

    problems = problems_in(bundle)

    assert (
        "bundle/01-staying-safe/02-calling-for-help.md:2: lesson title 'The steps' is also used by "
        "01-the-steps.md"
    ) in problems
    assert (
        "bundle/01-staying-safe/02-calling-for-help.md:2: lesson slug 'the-steps' is also used by "
        "01-the-steps.md"
    ) in problems


@pytest.mark.parametrize(
    ("html", "message"),
    [
        ("<script>alert(1)</script>", "unsafe HTML: <script> is not allowed"),
        (
            '<a href="#" onclick="steal()">x</a>',
            "unsafe HTML: event handlers such as onclick= are not allowed",
        ),
        ("[click](javascript:alert(1))", "unsafe link: javascript: URLs are not allowed"),
    ],
)
def test_unsafe_html_in_markdown_is_reported_on_its_line(
    bundle: Path, html: str, message: str
) -> None:
    replace_in(
        bundle / "02-reporting/01-how-to-report.md", "Report what you see.", f"Report.\n\n{html}"
    )

    assert f"bundle/02-reporting/01-how-to-report.md:8: {message}" in problems_in(bundle)


def test_a_broken_internal_link_is_reported(bundle: Path) -> None:
    replace_in(
        bundle / "01-staying-safe/01-the-steps.md",
        "/modules/staying-safe/calling-for-help",
        "/modules/staying-safe/no-such-lesson",
    )

    assert (
        "bundle/01-staying-safe/01-the-steps.md:20: broken link "
        "'/modules/staying-safe/no-such-lesson': no such page in the course"
    ) in problems_in(bundle)


def test_an_unknown_region_and_an_unclosed_passage_are_reported(bundle: Path) -> None:
    replace_in(
        bundle / "01-staying-safe/02-calling-for-help.md",
        "::: region eu\nCall 112.\n:::",
        "::: region mars\nCall 112.",
    )

    problems = problems_in(bundle)

    assert (
        "bundle/01-staying-safe/02-calling-for-help.md:20: unknown region 'mars': "
        "use uk, us, ca, au, nz, eu or other" in problems
    )
    assert (
        "bundle/01-staying-safe/02-calling-for-help.md:20: region passage is never closed: add a "
        "line with ':::'"
    ) in problems


def test_a_module_folder_without_module_yaml_is_reported(bundle: Path) -> None:
    (bundle / "03-empty").mkdir()

    assert "bundle/03-empty:1: module folder without module.yaml" in problems_in(bundle)


def test_problems_in_several_files_are_all_reported(bundle: Path) -> None:
    replace_in(bundle / "01-staying-safe/module.yaml", "pass_mark: 80", "pass_mark: 0")
    replace_in(bundle / "02-reporting/quiz.yaml", "type: true_false", "type: essay")
    replace_in(
        bundle / "02-reporting/01-how-to-report.md", "Report what you see.", "<script>x</script>"
    )

    files = {problem.split(":")[0] for problem in problems_in(bundle)}

    assert files == {
        "bundle/01-staying-safe/module.yaml",
        "bundle/02-reporting/quiz.yaml",
        "bundle/02-reporting/01-how-to-report.md",
    }


def test_the_check_command_lists_every_problem_and_fails(
    runner: FlaskCliRunner, bundle: Path
) -> None:
    replace_in(bundle / "01-staying-safe/module.yaml", "pass_mark: 80", "pass_mark: 0")
    replace_in(bundle / "02-reporting/quiz.yaml", "type: true_false", "type: essay")

    result = runner.invoke(args=["content", "check", str(bundle)])

    assert result.exit_code == 1
    assert (
        "01-staying-safe/module.yaml:5: pass_mark must be between 1 and 100, not 0" in result.output
    )
    assert "02-reporting/quiz.yaml:3: unknown question type 'essay'" in result.output
    assert "2 problems found; nothing was imported." in result.output


def test_the_check_command_passes_a_good_bundle(runner: FlaskCliRunner, bundle: Path) -> None:
    result = runner.invoke(args=["content", "check", str(bundle)])

    assert result.exit_code == 0 and "2 modules, no problems found." in result.output


# Found by fuzzing (`make fuzz`): inputs that used to raise or hang instead of being reported.


def test_brackets_nested_thousands_deep_are_reported_not_a_recursion_error(bundle: Path) -> None:
    # Used to raise RecursionError, after seconds of scanning.
    replace_in(bundle / "01-staying-safe/module.yaml", "minutes: 5", "minutes: " + "[" * 5000)

    assert problems_in(bundle) == [
        "bundle/01-staying-safe/module.yaml:4: YAML syntax error: nested more than 50 levels deep"
    ]


def test_block_lists_nested_too_deep_are_reported(bundle: Path) -> None:
    replace_in(bundle / "01-staying-safe/module.yaml", "minutes: 5", "minutes:\n  " + "- " * 100)

    assert problems_in(bundle) == [
        "bundle/01-staying-safe/module.yaml:5: YAML syntax error: nested more than 50 levels deep"
    ]


def test_aliases_that_expand_to_billions_of_values_are_reported(bundle: Path) -> None:
    # "Billion laughs": 387 million values in ten lines. Turning the question's id into text
    # used to take longer than any time limit.
    laughs = "  - a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"    {name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n"
        for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
    )
    replace_in(
        bundle / "01-staying-safe/quiz.yaml", "  - id: first-step\n", f"{laughs}    id: *i\n"
    )

    assert problems_in(bundle) == [
        "bundle/01-staying-safe/quiz.yaml:1: YAML too large: its aliases (*name) expand to more "
        "than 100,000 values"
    ]


def test_a_value_shared_through_an_alias_in_front_matter_keeps_its_line() -> None:
    loaded = load_yaml("shared: &s {a: 1}\nagain: *s\n", first_line=2)

    # Front matter starts on line 2; the shared mapping used to be moved down once per alias.
    assert loaded["again"].line_of("a") == 2


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("!!timestamp first-step", "'first-step' cannot be read as a date"),
        ("!!bool first-step", "'first-step' cannot be read as true or false"),
        ("!!int _", "'_' cannot be read as a whole number"),
        ("!!map first-step", "'first-step' cannot be read as a mapping"),
        ("1" * 5000, "'" + "1" * 39 + "…' cannot be read as a whole number"),
    ],
)
def test_a_value_that_does_not_fit_its_yaml_type_is_reported(
    bundle: Path, value: str, message: str
) -> None:
    # The fuzzer found `!!timestamp` (AttributeError from inside PyYAML) and `!!int _` (IndexError);
    # the others raised KeyError, ValueError and ValueError (Python reads at most 4,300 digits).
    replace_in(bundle / "01-staying-safe/quiz.yaml", "id: first-step", f"id: {value}")

    assert problems_in(bundle) == [
        f"bundle/01-staying-safe/quiz.yaml:2: YAML syntax error: {message}"
    ]
