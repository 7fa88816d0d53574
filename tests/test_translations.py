"""Translations of the course: files beside the English, checked against it, tied to it by hash,
imported with the version, exported back, and shown to readers of the language, a stale one with
a notice or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from course import create_app
from course.catalogue.bundle import read_bundle
from course.catalogue.bundle.translation_files import start_translation, write_translation
from course.catalogue.localised import measurement_form_in_language
from course.catalogue.models import Module, ModuleVersion, Translation
from course.catalogue.question_types import all_question_types
from course.catalogue.translations import (
    laid_over,
    picture_texts,
    shape_issues,
    translated_picture,
)
from course.learning.models import QuizAttempt
from tests.fixtures.apps import import_bundle
from tests.fixtures.clients import signed_in
from tests.fixtures.content_bundles import problems_in, replace_in
from tests.fixtures.measurement import with_measurement
from tests.fixtures.scenarios import FILE, with_scenario
from tests.fixtures.translations import FIRST_MODULE, translate_into_welsh

WELSH_PAGE = {"Accept-Language": "cy"}
WELSH_FOLDER = f"{FIRST_MODULE}/translations/cy"


@pytest.fixture
def welsh_bundle(app: Flask, bundle: Path) -> Path:
    translate_into_welsh(app, bundle)
    return bundle


@pytest.fixture
def welsh_app(app: Flask, welsh_bundle: Path) -> Flask:
    import_bundle(app, welsh_bundle)
    return app


# The files -------------------------------------------------------------------------------------


def test_a_translation_is_read_with_the_hash_of_the_english_it_translates(
    app: Flask, welsh_bundle: Path
) -> None:
    with app.app_context():
        module = read_bundle(welsh_bundle).modules[0]

    welsh = module.translations["cy"]
    assert set(welsh) == {"module", "lesson:01-the-steps.md", "question:first-step"}
    assert welsh["module"]["text"]["title"] == "Cadw'n ddiogel"
    assert welsh["lesson:01-the-steps.md"]["text"]["markdown"].startswith("Os oes ymosodiad")
    lesson_file = (welsh_bundle / WELSH_FOLDER / "01-the-steps.md").read_text()
    assert lesson_file.startswith("---\ntranslates: ")
    assert "title: Y camau\n---\nOs oes ymosodiad" in lesson_file


def test_the_check_command_warns_of_missing_and_stale_translations_at_their_lines(
    runner: FlaskCliRunner, welsh_bundle: Path
) -> None:
    replace_in(
        welsh_bundle / FIRST_MODULE / "01-the-steps.md",
        "act quickly and calmly",
        "act quickly, calmly and quietly",
    )

    result = runner.invoke(args=["content", "check", str(welsh_bundle)])

    assert result.exit_code == 0, result.output
    assert (
        f"bundle/{WELSH_FOLDER}/01-the-steps.md:2: warning: the cy translation of "
        "lesson:01-the-steps.md is stale: the English has changed since" in result.output
    )
    assert (
        f"bundle/{WELSH_FOLDER}/02-calling-for-help.md:1: warning: no cy translation of "
        "lesson:02-calling-for-help.md" in result.output
    )
    assert (
        f"bundle/{WELSH_FOLDER}/quiz.yaml:12: warning: no cy translation of question:hiding-places"
        not in result.output
    )
    assert "warning: no cy translation of question:hiding-places" in result.output
    assert "stale" not in result.output.split("question:first-step")[0].rsplit("\n", 1)[-1]


def test_a_language_the_course_does_not_list_is_read_but_not_warned_of(
    runner: FlaskCliRunner, welsh_bundle: Path
) -> None:
    replace_in(welsh_bundle / "course.yaml", "languages: [cy]\n", "")

    result = runner.invoke(args=["content", "check", str(welsh_bundle)])

    assert result.exit_code == 0 and "translation" not in result.output


def test_translate_starts_a_language_from_the_english_and_check_says_it_is_still_english(
    runner: FlaskCliRunner, bundle: Path
) -> None:
    result = runner.invoke(args=["content", "translate", str(bundle), "fr"])

    assert result.exit_code == 0, result.output
    assert f"{FIRST_MODULE}: " in result.output and "parts to translate into fr" in result.output
    assert "Add fr to languages in course.yaml" in result.output
    french = bundle / FIRST_MODULE / "translations" / "fr"
    assert sorted(path.name for path in french.iterdir()) == [
        "01-the-steps.md",
        "02-calling-for-help.md",
        "module.yaml",
        "quiz.yaml",
    ]
    replace_in(bundle / "course.yaml", "regions:", "languages: [fr]\nregions:")
    checked = runner.invoke(args=["content", "check", str(bundle)])
    assert checked.exit_code == 0
    assert (
        f"{FIRST_MODULE}/translations/fr/01-the-steps.md:2: warning: the fr translation of "
        "lesson:01-the-steps.md still has English text: If there is an attack" in checked.output
    )


def test_translate_refuses_a_language_code_that_is_not_one(
    runner: FlaskCliRunner, bundle: Path
) -> None:
    result = runner.invoke(args=["content", "translate", str(bundle), "../etc"])

    assert result.exit_code == 2 and "is not a language code" in result.output
    assert not (bundle / FIRST_MODULE / "translations").exists()


def test_a_translation_that_differs_from_its_english_in_shape_is_a_problem_at_its_line(
    welsh_bundle: Path,
) -> None:
    quiz = welsh_bundle / WELSH_FOLDER / "quiz.yaml"
    replace_in(quiz, "    - text: Mynd yn ôl am eich bag a'ch cot\n", "")
    replace_in(quiz, "    explanation:", "    hint: Meddyliwch\n    explanation:")
    module_file = welsh_bundle / WELSH_FOLDER / "module.yaml"
    replace_in(module_file, "title: Cadw'n ddiogel", "title: ''")

    found = problems_in(welsh_bundle)

    assert (
        f"bundle/{WELSH_FOLDER}/quiz.yaml:5: this must be a list of 3, one for each in the "
        "English" in found
    )
    assert (
        f"bundle/{WELSH_FOLDER}/quiz.yaml:8: unknown field 'hint': the English has no such "
        "field" in found
    )
    assert f"bundle/{WELSH_FOLDER}/module.yaml:2: the translation is empty" in found


def test_a_translation_of_nothing_or_without_its_hash_is_a_problem(welsh_bundle: Path) -> None:
    quiz = welsh_bundle / WELSH_FOLDER / "quiz.yaml"
    quiz.write_text(
        quiz.read_text()
        + "  no-such-question:\n    translates: 0123456789abcdef\n    prompt: Beth?\n"
    )
    replace_in(welsh_bundle / WELSH_FOLDER / "module.yaml", "translates: ", "translates: x")
    (welsh_bundle / WELSH_FOLDER / "notes.txt").write_text("hello")

    found = problems_in(welsh_bundle)

    assert any(
        problem.startswith(f"bundle/{WELSH_FOLDER}/quiz.yaml:")
        and "question:no-such-question is not in the module's English" in problem
        for problem in found
    )
    assert any(
        problem.startswith(f"bundle/{WELSH_FOLDER}/module.yaml:1: translates must be the hash")
        for problem in found
    )
    assert any(problem.startswith(f"bundle/{WELSH_FOLDER}/notes.txt:1: ") for problem in found)


def test_broken_markdown_in_a_translated_lesson_is_a_problem_at_its_line(
    welsh_bundle: Path,
) -> None:
    lesson = welsh_bundle / WELSH_FOLDER / "01-the-steps.md"
    replace_in(lesson, "Cofiwch **Rhedeg, Cuddio, Ymladd**.\n:::", "Cofiwch **Rhedeg**.")
    replace_in(lesson, "gweithredwch", '<script>alert("x")</script> gweithredwch')

    found = problems_in(welsh_bundle)

    assert any(
        problem.startswith(f"bundle/{WELSH_FOLDER}/01-the-steps.md:5: ") for problem in found
    )
    assert any(
        problem.startswith(f"bundle/{WELSH_FOLDER}/01-the-steps.md:") and "region" in problem
        for problem in found
    ), found


def test_a_folder_that_is_not_a_language_is_a_problem(bundle: Path) -> None:
    (bundle / FIRST_MODULE / "translations" / "Welsh").mkdir(parents=True)

    found = problems_in(bundle)

    assert any(
        problem.startswith(f"bundle/{FIRST_MODULE}/translations/Welsh:1: translations/ holds")
        for problem in found
    )


# Import and export -----------------------------------------------------------------------------


def test_import_stores_each_part_rendered_and_marked_current(welsh_app: Flask) -> None:
    with welsh_app.app_context():
        rows = {row.part: row for row in Translation.query.all()}

        assert set(rows) == {"module", "lesson:01-the-steps.md", "question:first-step"}
        assert all(row.language == "cy" and row.is_current for row in rows.values())
        lesson = rows["lesson:01-the-steps.md"]
        assert lesson.rendered is not None
        assert "<strong>Rhedeg, Cuddio, Dweud</strong>" in lesson.rendered["uk"]
        assert "Ymladd" in lesson.rendered["us"] and "Dweud" not in lesson.rendered["us"]
        assert rows["question:first-step"].rendered is None


def test_a_changed_english_keeps_the_translation_but_marks_it_stale(
    app: Flask, welsh_bundle: Path
) -> None:
    import_bundle(app, welsh_bundle)
    replace_in(welsh_bundle / FIRST_MODULE / "module.yaml", "title: Staying safe", "title: Safe")
    import_bundle(app, welsh_bundle)

    with app.app_context():
        version = db_version(2)
        stale = {row.part: row.is_current for row in version.translations}
        assert stale == {
            "module": False,
            "lesson:01-the-steps.md": True,
            "question:first-step": True,
        }


def test_export_writes_translations_back_unchanged_and_reimport_adds_no_version(
    runner: FlaskCliRunner, welsh_app: Flask, welsh_bundle: Path, tmp_path: Path
) -> None:
    exported = tmp_path / "exported"
    result = runner.invoke(args=["content", "export", str(exported)])
    assert result.exit_code == 0, result.output

    for name in ("01-the-steps.md", "module.yaml", "quiz.yaml"):
        assert (exported / WELSH_FOLDER / name).read_text() == (
            welsh_bundle / WELSH_FOLDER / name
        ).read_text()
    assert "languages:\n- cy\n" in (exported / "course.yaml").read_text()
    again = runner.invoke(args=["content", "import", str(exported)])
    assert "unchanged: staying-safe" in again.output


def test_a_changed_translation_makes_a_new_version(app: Flask, welsh_bundle: Path) -> None:
    import_bundle(app, welsh_bundle)
    replace_in(welsh_bundle / WELSH_FOLDER / "01-the-steps.md", "title: Y camau", "title: Camau")
    import_bundle(app, welsh_bundle)

    with app.app_context():
        rows = {row.part: row for row in db_version(2).translations}
        assert rows["lesson:01-the-steps.md"].text["title"] == "Camau"


def db_version(number: int) -> ModuleVersion:
    version = ModuleVersion.query.filter_by(number=number).first()
    assert version is not None
    return version


# What readers see ------------------------------------------------------------------------------


def test_a_welsh_reader_gets_the_welsh_module_and_lesson_and_english_marked_as_english(
    welsh_app: Flask,
) -> None:
    client = welsh_app.test_client()

    module_page = client.get("/modules/staying-safe/", headers=WELSH_PAGE).get_data(as_text=True)
    lesson_page = client.get("/modules/staying-safe/the-steps", headers=WELSH_PAGE)
    untranslated = client.get("/modules/staying-safe/calling-for-help", headers=WELSH_PAGE)

    assert '<h1 class="heading-xl">Cadw&#39;n ddiogel</h1>' in module_page
    assert "Gwybod y camau i&#39;w cymryd" in module_page
    assert '<a href="/modules/staying-safe/the-steps">Y camau</a>' in module_page
    assert 'lang="en" dir="ltr">Calling for help</a>' in module_page
    lesson_text = lesson_page.get_data(as_text=True)
    assert "<strong>Rhedeg, Cuddio, Dweud</strong>" in lesson_text
    assert '<h1 class="heading-xl">Y camau</h1>' in lesson_text
    assert "earlier version of the English" not in lesson_text
    untranslated_text = untranslated.get_data(as_text=True)
    assert '<h1 class="heading-xl" lang="en" dir="ltr">Calling for help</h1>' in untranslated_text
    assert "Call 999" in untranslated_text


def test_an_english_reader_still_gets_the_english(welsh_app: Flask) -> None:
    page = welsh_app.test_client().get("/modules/staying-safe/the-steps").get_data(as_text=True)

    assert "Run, Hide, Tell" in page and "Rhedeg" not in page


def test_a_stale_translation_is_shown_with_a_notice_that_the_english_is_newer(
    app: Flask, welsh_bundle: Path
) -> None:
    replace_in(welsh_bundle / FIRST_MODULE / "01-the-steps.md", "calmly", "calmly and quietly")
    import_bundle(app, welsh_bundle)

    page = app.test_client().get("/modules/staying-safe/the-steps", headers=WELSH_PAGE)

    text = page.get_data(as_text=True)
    assert "<strong>Rhedeg, Cuddio, Dweud</strong>" in text
    assert 'class="inset" role="note"' in text
    assert 'href="/language/en_GB"' in text


def test_a_stale_translation_can_be_hidden_in_favour_of_the_english(
    app: Flask, welsh_bundle: Path
) -> None:
    replace_in(welsh_bundle / FIRST_MODULE / "01-the-steps.md", "calmly", "calmly and quietly")
    import_bundle(app, welsh_bundle)
    app.config["STALE_TRANSLATIONS"] = "english"
    try:
        text = (
            app.test_client()
            .get("/modules/staying-safe/the-steps", headers=WELSH_PAGE)
            .get_data(as_text=True)
        )
    finally:
        app.config["STALE_TRANSLATIONS"] = "notice"

    assert "calmly and quietly" in text and "Rhedeg" not in text
    assert 'role="note"' not in text


def test_a_quiz_started_in_welsh_keeps_the_welsh_question(welsh_app: Flask) -> None:
    client = signed_in(welsh_app, "dysgwr@example.org")
    client.get("/language/cy")
    page = client.get("/modules/staying-safe/quiz")
    token = page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]

    client.post("/modules/staying-safe/quiz/start", data={"csrf_token": token})

    with welsh_app.app_context():
        attempt = QuizAttempt.query.one()
        by_key = {question["key"]: question for question in attempt.questions}
        first = by_key["first-step"]
        assert first["prompt"].startswith("Beth yw'r peth cyntaf")
        assert first["language"] == "cy"
        assert "Gadael ar hyd y ffordd ddiogel" in {choice["text"] for choice in first["choices"]}
        assert by_key["film-it"]["prompt"].startswith("You should film")
        assert "language" not in by_key["film-it"]


def test_the_stale_setting_must_be_one_of_its_choices(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="STALE_TRANSLATIONS is 'maybe'"):
        create_app(
            {
                "TESTING": True,
                "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
                "STALE_TRANSLATIONS": "maybe",
            }
        )


# The parts -------------------------------------------------------------------------------------


def test_every_question_type_says_which_words_a_translation_covers(course_app: Flask) -> None:
    with course_app.app_context():
        module = read_bundle(Path(__file__).parent / "content" / "example").modules[0]
    for question in module.questions:
        words = all_question_types()[question["type"]].translatable(question)

        assert shape_issues(words, words) == []
        assert laid_over(question, words) == question
        assert "correct" not in str(words) and "answer" not in words


def test_a_pictures_words_are_found_and_replaced_in_order_and_escaped() -> None:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg"><text x="1">Run</text>'
        '<text x="2"><tspan>Hide &amp; wait</tspan> <tspan>Tell</tspan></text></svg>'
    )

    assert picture_texts(svg) == ["Run", "Hide & wait", "Tell"]
    translated = translated_picture(svg, ["Rhedeg", "Cuddio & aros", "Dweud"])
    assert translated == (
        '<svg xmlns="http://www.w3.org/2000/svg"><text x="1">Rhedeg</text>'
        '<text x="2"><tspan>Cuddio &amp; aros</tspan> <tspan>Dweud</tspan></text></svg>'
    )


def test_a_right_to_left_pictures_words_are_laid_out_right_to_left_where_the_english_was() -> None:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg"><text x="1">Run</text>'
        '<text x="5" text-anchor="middle">Hide</text>'
        '<text x="9" text-anchor="end">Tell</text></svg>'
    )

    translated = translated_picture(svg, ["اهرب", "اختبئ", "أبلغ 999"], right_to_left=True)

    assert translated == (
        '<svg xmlns="http://www.w3.org/2000/svg">'
        '<text x="1" direction="rtl" text-anchor="end">اهرب</text>'
        '<text x="5" direction="rtl" text-anchor="middle">اختبئ</text>'
        '<text x="9" direction="rtl" text-anchor="start">أبلغ 999</text></svg>'
    )


def test_a_language_babel_does_not_know_is_refused_in_course_yaml(bundle: Path) -> None:
    replace_in(bundle / "course.yaml", "regions:", "languages: [cy, xx, cy]\nregions:")

    found = problems_in(bundle)

    assert (
        "bundle/course.yaml:5: 'xx' is not a language code (like cy or pt_BR) or is listed "
        "twice" in found
    )
    assert (
        "bundle/course.yaml:5: 'cy' is not a language code (like cy or pt_BR) or is listed "
        "twice" in found
    )


def test_a_scenario_is_played_in_welsh_and_a_stale_one_says_so(app: Flask, bundle: Path) -> None:
    with_scenario(bundle)
    with app.app_context():
        module = read_bundle(bundle).modules[0]
    start_translation(module, "cy")
    part = module.translations["cy"]["lesson:03-scenario-the-bag.scenario.yaml"]
    platform = part["text"]["steps"]["platform"]
    platform["text"] = (
        "Mae bag o dan fainc, wedi'i selio â thâp.\n\n::: region uk\n"
        "Ffoniwch [999](tel:999) os yw'n argyfwng.\n:::\n"
    )
    platform["choices"][1] = {
        "label": "Symud i ffwrdd a dweud wrth y staff",
        "feedback": "Da: mae pellter yn eich cadw'n ddiogel.\n",
    }
    write_translation(module, "cy", bundle / FIRST_MODULE)
    import_bundle(app, bundle)
    client = app.test_client()
    step = "/modules/staying-safe/scenario-the-bag/steps/platform"

    page = client.get(step, headers=WELSH_PAGE).get_data(as_text=True)
    feedback = client.get(f"{step}/feedback?choice=2", headers=WELSH_PAGE).get_data(as_text=True)

    assert "Mae bag o dan fainc" in page and "Symud i ffwrdd a dweud wrth y staff" in page
    assert "Da: mae pellter yn eich cadw" in feedback and 'role="note"' not in feedback

    replace_in(bundle / FILE, "Good: distance keeps you safe", "Good: distance keeps you safer")
    import_bundle(app, bundle)
    stale = client.get(f"{step}/feedback?choice=2", headers=WELSH_PAGE).get_data(as_text=True)

    assert "Da: mae pellter yn eich cadw" in stale and 'class="inset" role="note"' in stale


def test_a_check_and_its_posts_are_drawn_in_welsh_and_a_stale_post_is_marked(
    app: Flask, bundle: Path
) -> None:
    with_measurement(bundle)
    folder = bundle / "02-reporting"
    with app.app_context():
        module = read_bundle(bundle).modules[1]
    start_translation(module, "cy")
    welsh = module.translations["cy"]
    welsh["measure:report-step-1-a"]["text"]["prompt"] = "Datganiad 1 am gadw'n ddiogel."
    welsh["post:post-1-a"]["text"]["text"] = "Neges 1 o set a: neges a welwch bob dydd."
    write_translation(module, "cy", folder)
    import_bundle(app, bundle)
    replace_in(folder / "measure.yaml", "why: Why post 1 of set a", "why: Why post one of set a")
    import_bundle(app, bundle)

    with app.test_request_context(headers=WELSH_PAGE), app.app_context():
        version = Module.query.filter_by(slug="reporting").one().current_version
        assert version is not None
        items, posts = measurement_form_in_language(version, "a")

    (first, shown), (second, second_shown) = items[0], items[1]
    assert first["prompt"] == "Datganiad 1 am gadw'n ddiogel." and shown.language == "cy"
    assert second["prompt"] == "Statement 2 of form a about staying safe."
    assert second_shown.language == "cy"  # a copy of the English is still a current translation
    assert first["answer"] is True  # the answer key is the English's
    assert posts[0]["text"].startswith("Neges 1") and posts[0]["stale"] is True
    assert posts[0]["kind"] == "legitimate" and posts[0]["language"] == "cy"


def test_a_translated_lesson_must_keep_the_englishs_region_passages(welsh_bundle: Path) -> None:
    lesson = welsh_bundle / WELSH_FOLDER / "01-the-steps.md"
    replace_in(lesson, "::: region us\nCofiwch **Rhedeg, Cuddio, Ymladd**.\n:::\n", "")

    found = problems_in(welsh_bundle)

    assert (
        f"bundle/{WELSH_FOLDER}/01-the-steps.md:5: the region passages must be those of the "
        "English, in its order (eu uk; us; au), not eu uk; au" in found
    ), found


def test_a_broken_link_in_a_translated_lesson_is_reported_at_its_line(welsh_bundle: Path) -> None:
    replace_in(
        welsh_bundle / WELSH_FOLDER / "01-the-steps.md",
        "/modules/staying-safe/calling-for-help",
        "/modules/staying-safe/galw-am-help",
    )

    found = problems_in(welsh_bundle)

    assert found == [
        f"bundle/{WELSH_FOLDER}/01-the-steps.md:19: broken link "
        "'/modules/staying-safe/galw-am-help': no such page in the course"
    ]
