"""Branching scenarios: the file format and its checks, storage and export, and playing one
without JavaScript, step by step, to a good and a bad ending."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from course.authoring.draft_document import document_of, source_of
from course.catalogue.bundle import module_files, read_bundle, write_bundle
from course.catalogue.models import Lesson
from course.catalogue.scenarios import fewest_decisions_to_an_ending, paths_to_endings
from course.catalogue.services import course_source, import_course, module_source, the_course
from course.extensions import db
from course.learning.models import LessonView
from tests.fixtures.content_bundles import problems_in
from tests.fixtures.factories import STRONG_PASSWORD, make_user
from tests.fixtures.scenarios import FILE, SCENARIO, with_scenario
from tests.fixtures.web import post_form, sign_in

LESSON = "/modules/staying-safe/scenario-the-bag"


# The format and its checks


def test_a_scenario_file_is_read_as_a_lesson_in_its_place(bundle: Path) -> None:
    module = read_bundle(with_scenario(bundle)).modules[0]

    lesson = module.lessons[-1]
    assert [item.file_name for item in module.lessons][-1] == "03-scenario-the-bag.scenario.yaml"
    assert lesson.slug == "scenario-the-bag" and lesson.kind == "scenario"
    assert lesson.scenario is not None and lesson.scenario["start"] == "platform"
    assert [step["id"] for step in lesson.scenario["steps"]] == [
        "platform",
        "away",
        "opened",
        "safe",
    ]
    assert paths_to_endings(lesson.scenario) == {"good": 1, "bad": 2}
    assert fewest_decisions_to_an_ending(lesson.scenario) == 1


def test_writing_a_scenario_back_gives_the_same_text(bundle: Path) -> None:
    module = read_bundle(with_scenario(bundle)).modules[0]

    assert module_files(module)["03-scenario-the-bag.scenario.yaml"] == SCENARIO


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("start: platform", "start: nowhere", ":3: start names no step: 'nowhere'"),
        (
            "    next: safe\n",
            "    next: lost\n",
            ":26: the choice 'Help keep people back from a safe distance' leads to 'lost'",
        ),
        (
            "    feedback: |\n      Going back puts you in danger again.\n",
            "",
            ":29: the choice 'Go back for a photo' has no feedback",
        ),
        ("- id: away", "- id: platform", ":21: step id 'platform' is also used on line 5"),
        ("  ending: bad", "  ending: maybe", ":34: ending must be good or bad"),
        ("Call [999](tel:999)", "Call [999](http://999.example)", ":10: link"),
        ("title: What", "colour: blue\ntitle: What", ":1: unknown field 'colour'"),
    ],
)
def test_each_problem_in_a_scenario_is_reported_at_its_line(
    bundle: Path, old: str, new: str, problem: str
) -> None:
    assert old in SCENARIO
    with_scenario(bundle, SCENARIO.replace(old, new, 1))

    found = problems_in(bundle)

    assert any(FILE in line and problem in line for line in found), found


def test_an_unreachable_step_and_a_path_that_never_ends_are_reported(bundle: Path) -> None:
    looping = SCENARIO.replace(
        "    next: opened\n    feedback: |\n      Never",
        "    next: loop\n    feedback: |\n      Never",
        1,
    )
    looping += """\
- id: loop
  text: |
    You walk round and round.
  choices:
  - label: Keep walking
    next: loop
    feedback: |
      Round again.
  - label: Walk on
    next: loop
    feedback: |
      Round again.
- id: island
  ending: good
  text: |
    Nobody ever gets here.
"""
    with_scenario(bundle, looping.replace("- id: opened", "- id: opened-unused"))

    found = [line for line in problems_in(bundle) if FILE in line]

    assert any("from step 'loop' no path ever reaches an ending" in line for line in found), found
    assert any("no path from the start reaches step 'island'" in line for line in found), found


def test_a_step_needs_two_to_four_choices_or_an_ending_not_both(bundle: Path) -> None:
    with_scenario(
        bundle,
        SCENARIO.replace(
            "- id: opened\n  ending: bad", "- id: opened\n  ending: bad\n  choices: []"
        ),
    )

    found = problems_in(bundle)

    assert any("a step is either an ending or has choices, not both" in line for line in found)


# Stored, exported, carried by drafts


def test_import_stores_the_scenario_and_its_html_and_export_writes_it_back(
    app: Flask, bundle: Path, tmp_path: Path
) -> None:
    exported = tmp_path / "exported"
    with app.app_context():
        import_course(read_bundle(with_scenario(bundle)))
        db.session.commit()
        lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "scenario-the-bag"))
        assert lesson is not None and lesson.scenario is not None
        html = lesson.scenario_html
        assert html is not None
        assert '<a href="tel:999"' in html["platform"]["text"]["uk"]
        assert "tel:999" not in html["platform"]["text"]["us"]
        assert "Never touch it" in html["platform"]["feedback"][0]["uk"]
        write_bundle(course_source(the_course()), exported)  # type: ignore[arg-type]
        report = import_course(read_bundle(exported))
        source = module_source(lesson.module_version)

    assert (exported / FILE).read_text() == SCENARIO
    assert report.new_versions == []
    assert (
        source_of(document_of(source, required=True)).lessons[-1].scenario
        == source.lessons[-1].scenario
    )


# Playing it: a page per step, a page per choice's feedback, no JavaScript


@pytest.fixture
def scenario_app(app: Flask, bundle: Path) -> Flask:
    with app.app_context():
        import_course(read_bundle(with_scenario(bundle)))
        db.session.commit()
    return app


def test_the_lesson_opens_on_the_first_step_with_its_choices_as_a_form(
    scenario_app: Flask,
) -> None:
    page = scenario_app.test_client().get(LESSON).get_data(as_text=True)

    assert "A bag sits under a bench, taped shut." in page
    assert f'<form method="get" action="{LESSON}/steps/platform/feedback"' in page
    assert '<legend class="heading-m">What do you do?</legend>' in page
    assert 'type="radio" value="1"' in page and "Open it to look for a name" in page
    assert "Start the scenario again" not in page  # already at the start


def test_a_choice_shows_what_happened_and_why_then_leads_on(scenario_app: Flask) -> None:
    client = scenario_app.test_client()

    feedback = client.get(f"{LESSON}/steps/platform/feedback?choice=2")
    page = feedback.get_data(as_text=True)

    assert feedback.status_code == 200
    assert "You chose: Move away and tell staff" in page
    assert "Good: distance keeps you safe, and staff can act." in page
    assert f'href="{LESSON}/steps/away">See what happens next' in page
    assert f'href="{LESSON}/steps/platform">Go back and choose again' in page


@pytest.mark.parametrize("query", ["", "?choice=", "?choice=0", "?choice=3", "?choice=two"])
def test_no_choice_or_a_choice_that_is_not_there_says_so_on_the_step(
    scenario_app: Flask, query: str
) -> None:
    response = scenario_app.test_client().get(f"{LESSON}/steps/platform/feedback{query}")

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choose what you would do." in page and 'href="#choice-1"' in page
    assert "<title>Error:" in page


def test_unknown_steps_and_steps_of_a_plain_lesson_are_not_found(scenario_app: Flask) -> None:
    client = scenario_app.test_client()

    assert client.get(f"{LESSON}/steps/nowhere").status_code == 404
    assert client.get(f"{LESSON}/steps/safe/feedback?choice=1").status_code == 404
    assert client.get("/modules/staying-safe/the-steps/steps/platform").status_code == 404


def test_an_ending_says_how_it_went_and_a_learner_goes_on_from_it(scenario_app: Flask) -> None:
    with scenario_app.app_context():
        make_user(email="ada@example.org")
    client = scenario_app.test_client()
    sign_in(client, "ada@example.org", STRONG_PASSWORD)

    bad = client.get(f"{LESSON}/steps/opened").get_data(as_text=True)
    good = client.get(f"{LESSON}/steps/safe").get_data(as_text=True)
    read = post_form(client, f"{LESSON}/read", {}, form_page=f"{LESSON}/steps/safe")

    assert "A bad ending" in bad and "Start the scenario again" in bad
    assert "A good ending" in good and "Continue to the quiz" in good
    assert read.status_code == 302 and read.headers["Location"] == "/modules/staying-safe/quiz"
    with scenario_app.app_context():
        viewed = db.session.scalars(select(LessonView.lesson_slug)).all()
    assert "scenario-the-bag" in viewed


def test_a_module_zip_carries_a_scenario(app: Flask, bundle: Path) -> None:
    from course.authoring.module_zip import export_version_zip, read_module_zip
    from course.catalogue.models import Module

    with app.app_context():
        import_course(read_bundle(with_scenario(bundle)))
        db.session.commit()
        module = db.session.scalar(select(Module).where(Module.slug == "staying-safe"))
        assert module is not None and module.current_version is not None
        _name, data = export_version_zip(module.current_version)

    uploaded = read_module_zip(data)
    assert uploaded.files["03-scenario-the-bag.scenario.yaml"] == SCENARIO.encode()
    assert uploaded.kinds["03-scenario-the-bag.scenario.yaml"] == "scenario"
    # tests/test_scenario_editor.py edits it on the web.


# A learner's choices, for the analytics


def test_a_learners_choice_is_kept_and_the_analytics_show_how_learners_chose(
    scenario_app: Flask,
) -> None:
    from course.learning.models import ScenarioChoice
    from tests.fixtures.clients import signed_in_admin

    with scenario_app.app_context():
        make_user(email="ada@example.org")
        make_user(email="grace@example.org")
    choices = {"ada@example.org": ["1", "2"], "grace@example.org": ["2"]}
    for email, picked in choices.items():
        client = scenario_app.test_client()
        sign_in(client, email, STRONG_PASSWORD)
        page = client.get(LESSON).get_data(as_text=True)
        assert f'<form method="post" action="{LESSON}/steps/platform/feedback"' in page
        for number in picked:
            response = post_form(
                client, f"{LESSON}/steps/platform/feedback", {"choice": number}, form_page=LESSON
            )
            assert response.status_code == 302
            assert response.headers["Location"].endswith(
                f"/steps/platform/feedback?choice={number}"
            )

    with scenario_app.app_context():
        stored = db.session.execute(
            select(ScenarioChoice.lesson_slug, ScenarioChoice.step_id, ScenarioChoice.choice)
        ).all()
    assert sorted(stored) == [
        ("scenario-the-bag", "platform", 1),
        ("scenario-the-bag", "platform", 2),
        ("scenario-the-bag", "platform", 2),
    ]
    analytics = signed_in_admin(scenario_app).get("/admin/analytics/staying-safe")
    text = " ".join(analytics.get_data(as_text=True).split())
    assert "How learners chose in the scenarios" in text
    assert "What would you do? The bag, step platform" in text
    assert "Open it to look for a name</th> <td>1</td> <td>33.3" in text
    assert "Move away and tell staff</th> <td>2</td> <td>66.7" in text
    assert "Help keep people back from a safe distance</th> <td>0</td>" in text


@pytest.mark.parametrize("choice", ["", "0", "3", "x"])
def test_a_learners_choice_that_is_not_there_is_refused_and_nothing_is_kept(
    scenario_app: Flask, choice: str
) -> None:
    from course.learning.models import ScenarioChoice

    with scenario_app.app_context():
        make_user(email="ada@example.org")
    client = scenario_app.test_client()
    sign_in(client, "ada@example.org", STRONG_PASSWORD)

    response = post_form(
        client, f"{LESSON}/steps/platform/feedback", {"choice": choice}, form_page=LESSON
    )

    assert response.status_code == 400
    assert "Choose what you would do." in response.get_data(as_text=True)
    with scenario_app.app_context():
        assert db.session.scalar(select(ScenarioChoice)) is None


# Whether a scenario counts towards completing its module


def finish_without_the_scenario(app: Flask) -> tuple[bool, int, int]:
    """Ada reads every lesson but the scenario and passes the quiz: (completed, read, of)."""
    from course.catalogue.outline import current_outline
    from course.learning import services as learning
    from tests.fixtures.learning import pass_quiz

    with app.app_context():
        user = make_user(email="ada@example.org")
        module = the_course().listed_modules[0]  # type: ignore[union-attr]
        for lesson in module.current_version.lessons:  # type: ignore[union-attr]
            if lesson.scenario is None:
                learning.record_lesson_read(user, module, lesson)
        pass_quiz(user, module)
        db.session.commit()
        outline = current_outline()
        assert outline is not None
        progress = learning.course_progress(user, outline).modules[0]
        return progress.completed, progress.lessons_read, progress.lessons_total


def test_by_default_a_module_is_complete_only_once_its_scenario_is_played(
    scenario_app: Flask,
) -> None:
    assert finish_without_the_scenario(scenario_app) == (False, 2, 3)


def test_a_module_may_say_its_scenario_does_not_count(app: Flask, bundle: Path) -> None:
    module_file = bundle / "01-staying-safe/module.yaml"
    module_file.write_text(module_file.read_text() + "scenario_counts: false\n")
    with app.app_context():
        import_course(read_bundle(with_scenario(bundle)))
        db.session.commit()

    assert finish_without_the_scenario(app) == (True, 2, 2)
    with app.app_context():
        source = module_source(the_course().listed_modules[0].current_version)  # type: ignore[union-attr]
    assert source.metadata()["scenario_counts"] is False
    assert module_files(source)["module.yaml"].endswith("scenario_counts: false\n")


def test_scenario_counts_must_be_true_or_false(bundle: Path) -> None:
    module_file = bundle / "01-staying-safe/module.yaml"
    module_file.write_text(module_file.read_text() + "scenario_counts: sometimes\n")

    found = problems_in(with_scenario(bundle))

    assert any("scenario_counts must be true or false" in line for line in found), found


def test_content_check_warns_of_a_scenario_with_few_decisions_or_one_way_to_an_ending(
    bundle: Path,
) -> None:
    from course.catalogue.bundle import course_warnings

    course = read_bundle(with_scenario(bundle))

    warnings = [str(warning) for warning in course_warnings(bundle, course) if FILE in str(warning)]

    assert sorted(warnings) == [
        f"{bundle.name}/{FILE}:1: warning: 1 way leads to a good ending; give more than one, so "
        "learners can recover from a mistake",
        f"{bundle.name}/{FILE}:1: warning: a learner can reach an ending after 1 decision; ask "
        "at least 3 on every way through",
    ]


def test_a_problem_in_a_scenarios_text_is_reported_at_its_own_line(bundle: Path) -> None:
    with_scenario(bundle, SCENARIO.replace("Stay back next time.", "Stay [back](/nowhere)."))

    found = problems_in(bundle)

    assert any(f"{FILE}:36: broken link '/nowhere'" in line for line in found), found
