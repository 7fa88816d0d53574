"""Branching scenarios in the web editor: the steps as the text of their file beside a preview of
every step, checked as the file would be when saved, round trip to the file unchanged."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from course.accounts.models import Role
from course.audit.models import AuditEntry
from course.authoring.models import ModuleDraft
from course.authoring.scenario_editor import STARTER_STEPS
from course.catalogue.bundle import module_files, read_bundle
from course.catalogue.models import Module
from course.catalogue.services import import_course, module_source
from course.extensions import db
from tests.fixtures.authoring import module_id_of, publish, save_draft_form
from tests.fixtures.clients import signed_in_admin
from tests.fixtures.pictures import DRAWING
from tests.fixtures.scenarios import SCENARIO, with_scenario
from tests.fixtures.web import csrf_token_from

#: The scenario's steps as the editor shows them: its file without the title and slug lines.
STEPS = SCENARIO.split("\n", 2)[2]
SCENARIO_LESSON = 3


@pytest.fixture
def scenario_app(app: Flask, bundle: Path) -> Flask:
    pictures = bundle / "01-staying-safe" / "pictures"
    pictures.mkdir()
    (pictures / "bag.svg").write_text(DRAWING)
    with_scenario(
        bundle,
        SCENARIO.replace(
            "taped shut.\n", "taped shut.\n\n    ![A bag under a bench.](pictures/bag.svg)\n"
        ),
    )
    with app.app_context():
        import_course(read_bundle(bundle))
        db.session.commit()
    return app


@pytest.fixture
def author(scenario_app: Flask) -> FlaskClient:
    return signed_in_admin(scenario_app, "author@example.org", role=Role.AUTHOR)


def editor_path(app: Flask, number: int | str = SCENARIO_LESSON) -> str:
    return f"/admin/modules/{module_id_of(app)}/lessons/{number}"


def draft_lessons(app: Flask) -> list[dict]:  # type: ignore[type-arg]
    with app.app_context():
        draft = db.session.scalar(select(ModuleDraft))
        return list(draft.content["lessons"]) if draft is not None else []


def textarea_text(page: str) -> str:
    found = re.search(r'<textarea[^>]*id="steps"[^>]*>\r?\n?(.*?)</textarea>', page, re.DOTALL)
    assert found, "no steps textarea on the page"
    return found.group(1).replace("&#39;", "'").replace("&#34;", '"').replace("&amp;", "&")


def test_a_scenario_opens_as_its_steps_text_beside_a_preview_of_every_step(
    scenario_app: Flask, author: FlaskClient
) -> None:
    response = author.get(editor_path(scenario_app))

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'value="What would you do? The bag"' in page and 'value="scenario-the-bag"' in page
    assert textarea_text(page).startswith("start: platform\nsteps:\n- id: platform\n")
    preview = page.split('id="live-preview"')[1]
    for step in ("platform", "away", "opened", "safe"):
        assert f'id="step-{step}"' in preview
    assert "platform (the start)" in preview and "a good ending" in preview
    assert "Never touch it: if it is dangerous" in preview
    assert '<a href="#step-opened">Leads to opened</a>' in preview
    assert "tel:999" in preview  # a UK preview shows the UK passage
    picture = f"/admin/modules/{module_id_of(scenario_app)}/draft/pictures/bag.svg"
    assert f'<img src="{picture}" alt="A bag under a bench.">' in preview
    assert "Worth fixing before you publish" in preview  # one decision leads to the bad ending


def test_the_preview_follows_the_region_and_saves_nothing(
    scenario_app: Flask, author: FlaskClient
) -> None:
    changed = STEPS.replace("Staff thank you.", "Staff thank you warmly.")
    response = save_draft_form(
        author,
        editor_path(scenario_app),
        {
            "title": "What would you do? The bag",
            "slug": "scenario-the-bag",
            "steps": changed,
            "action": "preview",
            "region": "us",
        },
    )

    preview = response.get_data(as_text=True).split('id="live-preview"')[1].split("<footer")[0]
    assert response.status_code == 200
    assert "Staff thank you warmly." in preview and "(not saved yet)" in preview
    assert "tel:999" not in preview
    assert draft_lessons(scenario_app) == []


def test_saving_changed_steps_keeps_the_scenario_file_and_audits_the_change(
    scenario_app: Flask, author: FlaskClient
) -> None:
    path = editor_path(scenario_app)
    page = author.get(path).get_data(as_text=True)
    steps = textarea_text(page).replace("Go back for a photo", "Go back to take a photo")

    response = save_draft_form(
        author,
        path,
        {"title": "What would you do? The bag", "slug": "scenario-the-bag", "steps": steps},
    )

    assert response.status_code == 302
    lesson = draft_lessons(scenario_app)[SCENARIO_LESSON - 1]
    assert lesson["file"] == "03-scenario-the-bag.scenario.yaml"
    labels = [choice["label"] for choice in lesson["scenario"]["steps"][1]["choices"]]
    assert labels == ["Help keep people back from a safe distance", "Go back to take a photo"]
    with scenario_app.app_context():
        entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert entry is not None and entry.action == "lesson.saved"
        assert "Go back for a photo" in str(entry.before) and "take a photo" in str(entry.after)


def test_saving_the_text_unchanged_writes_the_file_back_byte_for_byte(
    scenario_app: Flask, author: FlaskClient
) -> None:
    path = editor_path(scenario_app)
    steps = textarea_text(author.get(path).get_data(as_text=True))
    fields = {"title": "What would you do? The bag", "slug": "scenario-the-bag"}
    save_draft_form(author, path, {**fields, "steps": steps.replace("taped", "wrapped")})
    back = save_draft_form(author, path, {**fields, "steps": steps})

    assert back.status_code == 302
    assert publish(author, scenario_app).status_code == 302
    with scenario_app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == "staying-safe"))
        assert module is not None and module.current_version is not None
        # Unchanged content publishes no new version, and the file is the same text.
        assert module.current_version.number == 1
        written = module_files(module_source(module.current_version))
    assert written["03-scenario-the-bag.scenario.yaml"].startswith(SCENARIO.split("platform\n")[0])
    assert "taped shut." in written["03-scenario-the-bag.scenario.yaml"]


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        (
            STEPS.replace("  choices:\n  - label: Open", "  choices:\n - label: Open", 1),
            "Line 11: YAML syntax error",
        ),
        (
            STEPS.replace("- id: safe\n  ending: good", "- id: safe\n  ending: great"),
            "Line 36: ending must be good or bad",
        ),
        (
            STEPS.replace("    next: safe", "    next: nowhere"),
            "Line 24: the choice &#39;Help keep people back from a safe distance&#39; leads to "
            "&#39;nowhere&#39;, which is no step",
        ),
        (
            STEPS.replace("    next: away", "    next: opened"),
            "Line 19: no path from the start reaches step &#39;away&#39;",
        ),
        (
            STEPS.replace("    feedback: |\n      Going back puts you in danger again.\n", ""),
            "has no feedback: say what happened next, and why",
        ),
        ("title: Another\n" + STEPS, "Line 1: title has its own field: take this line out"),
        ("- just a list\n", "Line 1: write start: and steps:, as the example shows"),
        (STEPS.replace("[999](tel:999)", "[999](javascript:alert(1))"), "Line 8:"),
    ],
)
def test_bad_steps_are_refused_at_their_line_and_nothing_is_saved(
    scenario_app: Flask, author: FlaskClient, steps: str, message: str
) -> None:
    response = save_draft_form(
        author,
        editor_path(scenario_app),
        {"title": "What would you do? The bag", "slug": "scenario-the-bag", "steps": steps},
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page, page.split('id="steps-error"')[1][:600] if "steps-error" in page else ""
    assert "There is a problem" in page
    assert draft_lessons(scenario_app) == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "The steps"}, "Another lesson of this module has this title"),
        ({"slug": "the-steps"}, "Another lesson of this module has this slug"),
        ({"slug": "quiz"}, "quiz is kept for the module"),
        ({"steps": ""}, "Write the scenario's steps"),
        ({"steps": "x" * 100_001}, "The steps must be 100,000 characters or fewer"),
    ],
)
def test_a_bad_title_slug_or_empty_steps_are_refused_at_the_field(
    scenario_app: Flask, author: FlaskClient, fields: dict[str, str], message: str
) -> None:
    data = {"title": "The bag", "slug": "the-bag", "steps": STEPS, **fields}
    response = save_draft_form(author, editor_path(scenario_app), data)

    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert draft_lessons(scenario_app) == []


def test_a_new_scenario_starts_from_a_working_example_and_learners_can_play_it(
    scenario_app: Flask, author: FlaskClient
) -> None:
    path = editor_path(scenario_app, "new-scenario")
    page = author.get(path).get_data(as_text=True)
    assert textarea_text(page) == STARTER_STEPS
    module_page = author.get(f"/admin/modules/{module_id_of(scenario_app)}/").get_data(as_text=True)
    assert f'href="{path}"' in module_page and "Add a branching scenario" in module_page

    steps = STARTER_STEPS.replace("Say where the learner is", "You are in a busy café")
    response = save_draft_form(
        author, path, {"title": "At the café", "slug": "at-the-cafe", "steps": steps}
    )

    assert response.status_code == 302
    files = [lesson["file"] for lesson in draft_lessons(scenario_app)]
    assert files[-1] == "04-at-the-cafe.scenario.yaml"
    listed = author.get(f"/admin/modules/{module_id_of(scenario_app)}/").get_data(as_text=True)
    assert "At the café" in listed and "branching scenario" in listed
    publish(author, scenario_app)
    played = scenario_app.test_client().get("/modules/staying-safe/at-the-cafe")
    assert played.status_code == 200
    assert "You are in a busy café" in played.get_data(as_text=True)


def test_moving_and_deleting_lessons_keeps_a_scenarios_file_name(
    scenario_app: Flask, author: FlaskClient
) -> None:
    module = module_id_of(scenario_app)
    save_draft_form(
        author,
        f"/admin/modules/{module}/lessons/{SCENARIO_LESSON}/move",
        {"direction": "up"},
        form_page=f"/admin/modules/{module}/",
    )
    save_draft_form(
        author,
        f"/admin/modules/{module}/lessons/1/delete",
        {},
        form_page=f"/admin/modules/{module}/lessons/1/delete",
    )

    assert [lesson["file"] for lesson in draft_lessons(scenario_app)] == [
        "01-scenario-the-bag.scenario.yaml",
        "02-calling-for-help.md",
    ]
    with scenario_app.app_context():
        draft = db.session.scalar(select(ModuleDraft))
        assert draft is not None
        from course.authoring.draft_document import source_of

        files = module_files(source_of(draft.content))
    assert files["01-scenario-the-bag.scenario.yaml"].startswith("title: What would you do?")


def test_a_stale_scenario_save_is_refused_and_overwrites_nothing(
    scenario_app: Flask, author: FlaskClient
) -> None:
    path = editor_path(scenario_app)
    page = author.get(path).get_data(as_text=True)
    fields = {"title": "What would you do? The bag", "slug": "scenario-the-bag"}
    save_draft_form(author, path, {**fields, "steps": STEPS.replace("taped", "wrapped")})

    late = author.post(
        path,
        data={
            "csrf_token": csrf_token_from(page),
            "revision": "0",
            **fields,
            "steps": STEPS.replace("taped", "sealed"),
        },
    )

    assert late.status_code == 409
    assert "Your changes were not saved" in late.get_data(as_text=True)
    text = draft_lessons(scenario_app)[SCENARIO_LESSON - 1]["scenario"]["steps"][0]["text"]
    assert "wrapped" in text


def test_the_module_preview_shows_every_step_of_a_scenario(
    scenario_app: Flask, author: FlaskClient
) -> None:
    module = module_id_of(scenario_app)
    page = author.get(f"/admin/modules/{module}/preview/lessons/{SCENARIO_LESSON}?region=us")

    text = page.get_data(as_text=True).split("<footer")[0]
    assert page.status_code == 200
    assert '<h2 class="heading-m" id="step-platform-heading">' in text
    assert "The police arrive and take over." in text and "tel:999" not in text


def test_a_drafts_pictures_are_served_to_authors_as_inert_images(
    scenario_app: Flask, author: FlaskClient
) -> None:
    module = module_id_of(scenario_app)

    response = author.get(f"/admin/modules/{module}/draft/pictures/bag.svg")

    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.get_data(as_text=True) == DRAWING
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "sandbox" in policy
    assert author.get(f"/admin/modules/{module}/draft/pictures/other.svg").status_code == 404
    assert scenario_app.test_client().get(
        f"/admin/modules/{module}/draft/pictures/bag.svg"
    ).status_code in {302, 401, 404}
