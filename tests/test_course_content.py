"""The real course in modules/: valid, complete, and takeable in every region."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import Flask

from course.accounts.services import find_user_by_email
from course.catalogue.bundle import course_warnings, overdue_reviews, read_bundle
from course.catalogue.markdown import render_for_region
from course.catalogue.scenarios import fewest_decisions_to_an_ending, paths_to_endings
from course.catalogue.services import the_course
from course.config import PROJECT_ROOT
from course.core.regions import Region
from course.learning import services as learning
from course.learning.models import QuizAttempt
from tests.fixtures.apps import import_bundle
from tests.fixtures.factories import STRONG_PASSWORD, make_user
from tests.fixtures.learning import answers_for, attempt_of, read_every_lesson, start_quiz, submit
from tests.fixtures.web import post_form, sign_in

COURSE = PROJECT_ROOT / "modules"
SOURCE = read_bundle(COURSE)
#: A number the course gives learners to call or text, as a lesson writes it.
PHONE_NUMBER = re.compile(
    r"(?<![\w,.-])(?:999|911|112|000|111|101|105|106|61016|(?:0800|1800) \d{3} \d{3,4}"
    r"|1-800-[\dA-Z-]+)(?![\w-]|[.,]\w)"
)
#: Where a lesson names a number without asking anyone to call or text it: the name of a text
#: service, or a number that takes no texts.
NOT_TO_CALL = ("111 TXT", "Text to 911", "cannot text 000")
NUMBER_LINK = re.compile(r'<a href="(tel|sms):([^"]*)"[^>]*>([^<]*)</a>')


def test_the_course_has_eight_required_modules_and_nothing_to_warn_of() -> None:
    assert len(SOURCE.modules) == 8
    assert SOURCE.required == [module.slug for module in SOURCE.modules]
    assert SOURCE.regions == [region.value for region in Region]
    # Honest minutes, quizzes a guesser cannot pass by the longest option, no region left out of
    # a set of region passages, and every module reviewed within the year.
    assert [str(warning) for warning in course_warnings(COURSE, SOURCE)] == []
    assert overdue_reviews(COURSE, date.today()) == []


@pytest.mark.parametrize("module", SOURCE.modules, ids=lambda module: module.slug)
def test_every_module_meets_the_content_rules(module) -> None:  # noqa: ANN001
    # Lessons that teach (two for the closing summary, up to five), and one branching scenario
    # to practise on.
    assert 2 <= sum(1 for lesson in module.lessons if lesson.scenario is None) <= 5
    [scenario] = [lesson.scenario for lesson in module.lessons if lesson.scenario is not None]
    # At least three decisions on any way through, and more than one way to each kind of ending.
    assert fewest_decisions_to_an_ending(scenario) >= 3
    assert all(count >= 2 for count in paths_to_endings(scenario).values()), paths_to_endings(
        scenario
    )
    assert module.pass_mark == 80 and 5 <= module.questions_per_attempt <= 8
    assert module.objectives and module.sources and module.reviewed
    assert len({question["type"] for question in module.questions}) >= 3
    for region in Region:
        applicable = [
            q for q in module.questions if not q.get("regions") or region.value in q["regions"]
        ]
        assert len(applicable) >= 10, (module.slug, region)


@pytest.mark.parametrize("region", list(Region), ids=lambda region: region.value)
def test_every_lesson_renders_and_every_quiz_can_be_failed_and_passed(
    app: Flask, region: Region
) -> None:
    import_bundle(app, COURSE)
    with app.app_context():
        make_user(email="learner@example.org", region=region)
    client = app.test_client()
    sign_in(client, "learner@example.org", STRONG_PASSWORD)

    for module in SOURCE.modules:
        for lesson in module.lessons:
            page = client.get(f"/modules/{module.slug}/{lesson.slug}")
            assert page.status_code == 200, (module.slug, lesson.slug)
            html = page.get_data(as_text=True)
            assert ":::" not in html and 'class="prose"' in html
        failed = start_quiz(client, module.slug)
        submit(client, failed, answers_for(_attempt(app, failed), right=False))
        assert "You did not pass this time" in client.get(f"{failed}/result").get_data(as_text=True)
        read_every_lesson(client, module.slug, [lesson.slug for lesson in module.lessons])
        passed = start_quiz(client, module.slug)
        submit(client, passed, answers_for(_attempt(app, passed), right=True))
        assert "You passed" in client.get(f"{passed}/result").get_data(as_text=True)

    with app.app_context():
        user = find_user_by_email("learner@example.org")
        course = the_course()
        assert user is not None and course is not None
        assert learning.course_progress(user, course).is_complete


def _attempt(app: Flask, path: str) -> QuizAttempt:
    return attempt_of(app, path)


@pytest.mark.parametrize(
    ("region", "mnemonic", "number", "others"),
    [
        (Region.UK, "Run, Hide, Tell", "999", ["Run, Hide, Fight", "**911:**", "**000:**"]),
        (Region.US, "Run, Hide, Fight", "911", ["Run, Hide, Tell", "999, then 55", "**000:**"]),
        (Region.CANADA, "Run, Hide, Fight", "1-800-420-5805", ["Run, Hide, Tell", "**999:**"]),
        (Region.AUSTRALIA, "Escape, Hide, Tell", "000", ["Run, Hide, Fight", "999, then 55"]),
        (Region.NEW_ZEALAND, "Escape, Hide, Tell", "111", ["Run, Hide, Fight", "**000:**"]),
        (Region.EUROPEAN_UNION, "Run, Hide, Tell", "112", ["Run, Hide, Fight", "999, then 55"]),
        (
            Region.ELSEWHERE,
            "Run, Hide, Tell",
            "Find out your local emergency number now",
            ["Run, Hide, Fight", "**999:**", "**112:**", "**911:**"],
        ),
    ],
    ids=[region.value for region in Region],
)
def test_each_region_sees_its_own_mnemonic_and_numbers(
    app: Flask, region: Region, mnemonic: str, number: str, others: list[str]
) -> None:
    import_bundle(app, COURSE)
    client = app.test_client()
    post_form(client, "/region", {"region": region.value}, form_page="/")

    steps = _prose(client.get("/modules/weapons-attack/three-steps").get_data(as_text=True))
    numbers_page = client.get("/modules/summary-and-who-to-call/numbers-to-call")
    numbers = _without_links(_prose(numbers_page.get_data(as_text=True)))

    first_section = steps.split("Other countries, same idea")[0]
    assert f"<h2>{mnemonic}</h2>" in first_section
    assert f"<strong>{number}" in numbers
    for text in others:
        html_text = text.replace("**", "<strong>", 1).replace("**", "</strong>", 1)
        assert f"<h2>{text}</h2>" not in first_section and html_text not in numbers, text


@pytest.mark.parametrize("region", list(Region), ids=lambda region: region.value)
def test_every_number_a_lesson_gives_is_a_link_that_calls_or_texts_it(region: Region) -> None:
    for module in SOURCE.modules:
        for lesson in module.lessons:
            html = "".join(render_for_region(text, region) for text in lesson.markdown_texts())
            where = (module.slug, lesson.slug)
            # A picture's alt text may name numbers: it is read out, and cannot be a link.
            unlinked = re.sub(r"<a\b[^>]*>.*?</a>|<img\b[^>]*>", "", html)
            for mention in NOT_TO_CALL:
                unlinked = unlinked.replace(mention, "")
            assert PHONE_NUMBER.findall(unlinked) == [], where
            for scheme, digits, text in NUMBER_LINK.findall(html):
                assert re.fullmatch(r"\+?\d+", digits), (*where, scheme, digits)
                # The link dials the number it shows.
                shown = re.sub(r"\D", "", text)
                assert shown.endswith(digits.lstrip("+")), (*where, text)


def _without_links(html: str) -> str:
    """``html`` with each link's tags taken out and its text kept."""
    return re.sub(r"</?a\b[^>]*>", "", html)


def _prose(page: str) -> str:
    return page[page.index('<div class="prose">') : page.index("</main>")]


@pytest.mark.parametrize("region", list(Region), ids=lambda region: region.value)
def test_every_module_shows_pictures_in_every_region(region: Region) -> None:
    for module in SOURCE.modules:
        urls = {name: f"/pictures/{name}" for name in module.pictures}
        html = "".join(
            render_for_region(lesson.markdown, region, urls) for lesson in module.lessons
        )
        assert re.search(r'<img src="/pictures/[a-z0-9-]+\.svg" alt="[^"]+"', html), module.slug


def test_the_course_has_at_least_16_original_pictures_each_with_a_title() -> None:
    pictures = [svg for module in SOURCE.modules for svg in module.pictures.values()]

    assert len(pictures) >= 16
    assert all("<title>" in svg for svg in pictures)
