"""Authoring in a real browser, by keyboard, with axe-core on every page: an author writes a new
module with a lesson (text and preview side by side), an image and a question of every type (the
single choice's right answer picked with a radio button, its identifier made from its words),
previews it as a US learner and switches the preview to the UK, and publishes it; a learner takes
it; the author changes a question and publishes version 2, then imports a zip of the module into
its draft, previews it and publishes version 3; the learner's earlier attempt still shows version 1
exactly as answered; an admin sees the changes in the audit log, field by field, and the
question's correct rate in analytics. The pages changed for issue 18 are also checked at 360
pixels."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from flask import Flask
from PIL import Image
from sqlalchemy import select

from course.accounts.models import Role
from course.authoring.module_zip import export_version_zip
from course.catalogue.models import Module
from course.catalogue.question_types import all_question_types, question_type
from course.extensions import db
from tests.fixtures.apps import import_bundle
from tests.fixtures.browser import (
    BrowserSession,
    answer_by_keyboard,
    open_attempt_questions,
    sign_in_with_code,
)
from tests.fixtures.factories import STRONG_PASSWORD, make_user, new_two_factor_secret

LESSON = (
    "Leave the area and keep others away.\n\n"
    "![A cordon tape across an empty street](IMAGE)\n\n"
    "::: region us\nCall 911 once you are safe.\n:::\n\n"
    "::: region uk\nCall 999 once you are safe.\n:::\n"
)

#: One question of each type, as the author types it: field id -> text, and the controls to set,
#: each reached by Tab and set with a key: Space ticks a box; in a radio group, which Tab enters
#: at its first button, each ArrowDown picks the next one.
QUESTIONS: dict[str, tuple[dict[str, str], list[tuple[str, str]]]] = {
    "single_choice": (
        {
            # No identifier: the editor makes one from the question's first words.
            "question-prompt": "What do you do first when you find a suspicious item?",
            "question-choices-1-text": "Pick it up",
            "question-choices-2-text": "Move away from it",
            "question-explanation": "Distance keeps you safe.",
        },
        [("question-choices-1-right", "ArrowDown")],
    ),
    "multiple_choice": (
        {
            "question-id": "who-to-tell",
            "question-prompt": "Who should you tell?",
            "question-choices-1-text": "The police",
            "question-choices-2-text": "Staff in charge",
            "question-choices-3-text": "Nobody",
            "question-explanation": "Tell the police and the people in charge.",
        },
        [("question-choices-1-correct", "Space"), ("question-choices-2-correct", "Space")],
    ),
    "true_false": (
        {
            "question-id": "use-radio",
            "question-prompt": "You should use a radio right next to a suspicious item.",
            "question-explanation": "Radios and phones should be used at a distance.",
        },
        [("question-answer-true", "ArrowDown")],
    ),
    "ordering": (
        {
            "question-id": "order-of-steps",
            "question-prompt": "Put the steps in order.",
            "question-items-1": "Move away",
            "question-items-2": "Keep others away",
            "question-items-3": "Call the police",
            "question-explanation": "Get safe first, then keep others safe, then call.",
        },
        [],
    ),
    "matching": (
        {
            "question-id": "match-numbers",
            "question-prompt": "Match each country to its emergency number.",
            "question-pairs-1-left": "United Kingdom",
            "question-pairs-1-right": "999",
            "question-pairs-2-left": "United States",
            "question-pairs-2-right": "911",
            "question-explanation": "Use the number for where you are.",
        },
        [],
    ),
}


def png_file(tmp_path: Path) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 60), (200, 160, 0)).save(buffer, format="PNG")
    path = tmp_path / "cordon.png"
    path.write_bytes(buffer.getvalue())
    return path


def changed_module_zip(
    app: Flask,
    tmp_path: Path,
    slug: str = "suspicious-items",
    sentence: str = "Wait for the police to say it is safe.",
) -> Path:
    """A zip of the module's published version, as downloaded from its page, with ``sentence``
    added to its first lesson."""
    with app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == slug))
        assert module is not None and module.current_version is not None
        file_name, data = export_version_zip(module.current_version)
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as original, zipfile.ZipFile(buffer, "w") as changed:
        for entry in original.infolist():
            content = original.read(entry)
            if entry.filename.split("/")[-1].startswith("01-"):
                content += f"\n{sentence}\n".encode()
            changed.writestr(entry, content)
    path = tmp_path / file_name
    path.write_bytes(buffer.getvalue())
    return path


def test_an_author_writes_publishes_and_revises_a_module(
    desktop: BrowserSession, app: Flask, tmp_path: Path
) -> None:
    import_bundle(app)
    author_secret, admin_secret = new_two_factor_secret(), new_two_factor_secret()
    with app.app_context():
        make_user(email="writer@example.org", role=Role.AUTHOR, two_factor_secret=author_secret)
        make_user(email="chief@example.org", role=Role.ADMIN, two_factor_secret=admin_secret)
        make_user(email="lee@example.org", name="Lee Learner")
    page = desktop.page
    assert set(QUESTIONS) == set(all_question_types()), "the story writes a question of every type"

    # The author creates the module and fills in its details.
    sign_in_with_code(desktop, "writer@example.org", author_secret, "author")
    desktop.open("/admin/", label="admin")
    desktop.activate("Modules: write", "modules")
    desktop.activate("Add a module", "new-module")
    desktop.type_into("title", "Suspicious items")
    desktop.type_into("slug", "suspicious-items")
    desktop.activate("Add the module", "module-page")
    module_url = page.url
    assert "Not published yet" in page.locator("main").inner_text()
    desktop.activate("Change the details", "details")
    desktop.type_into("summary", "What to do when you find an item that could be dangerous.")
    desktop.type_into("objectives", "Know how far to move away.")
    desktop.type_into(
        "sources",
        "protectuk-other-threats | official | ProtectUK, Other threats | "
        "https://www.protectuk.police.uk/other-threats",
    )
    desktop.activate("Save the details", "details-saved")

    # An image for the lesson.
    desktop.open("/admin/images/", label="images")
    desktop.tab_to(element_id="image")
    page.set_input_files("#image", str(png_file(tmp_path)))
    desktop.type_into("alt_text", "A cordon tape across an empty street")
    desktop.activate("Upload the image", "image-uploaded")
    image_markdown = page.locator("main table code").first.inner_text()
    image_path = image_markdown.split("(", 1)[1].rstrip(")")
    assert image_path.startswith("/media/")

    # A lesson, previewed for the US before saving.
    page.goto(module_url)
    desktop.audit("module-before-lesson")
    desktop.activate("Add a lesson", "new-lesson")
    desktop.type_into("title", "Move away")
    desktop.type_into("slug", "move-away")
    desktop.tab_to(element_id="markdown")
    page.keyboard.insert_text(LESSON.replace("IMAGE", image_path))
    page.keyboard.type(" ")  # typing shows the preview as it goes, for the region chosen (UK)
    page.wait_for_function(
        "() => document.getElementById('live-preview').innerText.includes('Call 999')"
    )
    desktop.tab_to(element_id="region")
    page.keyboard.press("End")  # the last region, then back up to the United States
    page.select_option("#region", "us")
    desktop.activate("Preview", "lesson-preview")
    preview = page.locator("#live-preview").inner_text()
    assert "Call 911 once you are safe." in preview and "999" not in preview
    text_box = page.locator("#markdown").bounding_box()
    preview_box = page.locator("#live-preview").bounding_box()
    assert text_box is not None and preview_box is not None
    assert preview_box["x"] >= text_box["x"] + text_box["width"], "side by side on a wide screen"
    assert page.locator("#live-preview img").get_attribute("alt") == (
        "A cordon tape across an empty street"
    )
    desktop.tab_to(element_id="sources-0")  # the lesson's facts come from the module's source
    page.keyboard.press("Space")
    desktop.activate("Save the lesson", "lesson-saved")

    # One question of every type, through the one editor.
    for type_name, (texts, ticks) in QUESTIONS.items():
        desktop.activate("Edit the questions", f"{type_name}-bank")
        desktop.activate("Add a question", f"{type_name}-choose")
        desktop.activate(str(question_type(type_name).label), f"{type_name}-editor")
        for element_id, text in texts.items():
            desktop.type_into(element_id, text)
        for element_id, key in ticks:
            desktop.tab_to(element_id=element_id)
            page.keyboard.press(key)
        if type_name == "single_choice":
            radios = page.locator("input[name=choices-right]")
            assert radios.count() == 8 and radios.first.get_attribute("type") == "radio"
            assert page.locator("#question-choices-2-right").is_checked()
        desktop.activate("Save question", f"{type_name}-saved")
        if type_name == "single_choice":
            saved = page.locator(".notification").inner_text()
            assert "with the identifier what-do-you-do-first made from its words" in saved
        page.goto(module_url)
        desktop.audit(f"{type_name}-module")

    # Preview as a US learner: the lesson with its image and the US passage, then the quiz.
    desktop.activate("United States", "preview-us")
    desktop.activate("Move away", "preview-us-lesson")
    lesson_text = page.locator("main").inner_text()
    assert "Call 911 once you are safe." in lesson_text and "Call 999" not in lesson_text
    switcher = page.get_by_role("navigation", name="Preview as a learner in")
    assert switcher.get_by_role("link").all_inner_texts() == [
        "United Kingdom",
        "Australia",
        "European Union",
    ]
    assert switcher.locator("[aria-current=page]").inner_text() == "United States"
    desktop.activate("United Kingdom", "preview-uk-lesson")
    lesson_text = page.locator("main").inner_text()
    assert "Call 999 once you are safe." in lesson_text and "Call 911" not in lesson_text
    assert page.locator("nav [aria-current=page]").inner_text() == "United Kingdom"
    desktop.activate("United States", "preview-us-lesson-again")
    image = page.locator(".prose img")
    assert image.evaluate("element => element.complete && element.naturalWidth") == 120
    desktop.activate("Next: the quiz", "preview-us-quiz")
    assert page.locator(".question").count() == 5
    page.goto(module_url)
    desktop.audit("module-ready")
    desktop.activate("Publish the draft", "published")
    assert "Version 1 is published" in page.locator(".notification").inner_text()
    desktop.activate("Sign out", "author-signed-out")

    # A learner takes the new module.
    desktop.open("/login", label="learner-login")
    desktop.sign_in("lee@example.org", STRONG_PASSWORD, "learner-dashboard")
    desktop.open("/modules/suspicious-items/", label="learner-module")
    desktop.activate("Start the first lesson", "learner-lesson")
    assert page.locator(".prose img").count() == 1
    desktop.activate("Continue to the quiz", "learner-quiz-intro")
    desktop.activate("Start the quiz", "learner-quiz")
    first_attempt = open_attempt_questions(app)
    answer_by_keyboard(desktop, first_attempt, right=True)
    desktop.activate("Submit my answers", "learner-result")
    result_url = page.url
    assert (
        "What do you do first when you find a suspicious item?" in page.locator("main").inner_text()
    )
    desktop.activate("Sign out", "learner-signed-out")

    # The author rewrites a question and publishes version 2.
    sign_in_with_code(desktop, "writer@example.org", author_secret, "author-again")
    page.goto(module_url)
    desktop.audit("module-v1")
    desktop.activate("Edit the questions", "bank-v1")
    desktop.activate("Edit question 1", "edit-first-question")
    desktop.type_into("question-prompt", "What is the first thing to do about a suspicious item?")
    desktop.activate("Save question", "question-changed")
    page.goto(module_url)
    desktop.audit("module-changed")
    desktop.activate("Publish the draft", "published-v2")
    assert "Version 2 is published" in page.locator(".notification").inner_text()
    desktop.activate("Version history", "history")
    desktop.activate("Show the differences", "differences")
    differences = page.locator("main").inner_text()
    assert "What is the first thing to do about a suspicious item?" in differences

    # A zip of the module with a changed lesson goes into the draft; learners keep version 2
    # until the author has previewed it and published version 3.
    zip_path = changed_module_zip(app, tmp_path)
    desktop.open("/admin/modules/", label="modules-before-import")
    desktop.activate("Import a module zip", "import")
    desktop.tab_to(element_id="file")
    page.set_input_files("#file", str(zip_path))
    desktop.activate("Upload into the draft", "imported")
    assert page.url == module_url
    imported = page.locator(".notification").inner_text()
    assert "into its draft" in imported and "learners keep seeing version 2" in imported
    assert "Learners see version 2." in page.locator("main").inner_text()
    learners_see = app.test_client().get("/modules/suspicious-items/move-away")
    assert "Wait for the police" not in learners_see.get_data(as_text=True)
    desktop.activate("United Kingdom", "imported-preview")
    desktop.activate("Move away", "imported-preview-lesson")
    assert "Wait for the police to say it is safe." in page.locator("main").inner_text()
    desktop.activate("Back to editing", "imported-module")
    desktop.activate("Publish the draft", "published-v3")
    assert "Version 3 is published" in page.locator(".notification").inner_text()
    desktop.activate("Sign out", "author-out-again")

    # The learner's earlier attempt still shows version 1, exactly as answered.
    desktop.open("/login", label="learner-login-again")
    desktop.sign_in("lee@example.org", STRONG_PASSWORD, "learner-dashboard-again")
    page.goto(result_url)
    desktop.audit("earlier-attempt")
    earlier = page.locator("main").inner_text()
    assert "What do you do first when you find a suspicious item?" in earlier
    assert "What is the first thing to do about a suspicious item?" not in earlier
    desktop.activate("Sign out", "learner-out-again")

    # The admin sees the change in the audit log and the question's correct rate.
    sign_in_with_code(desktop, "chief@example.org", admin_secret, "admin")
    desktop.open("/admin/audit/?q=question.saved", label="audit")
    log = page.locator("main").inner_text()
    assert "writer@example.org" in log and "What is the first thing to do" in log
    changes = page.locator("td.audit-log__changes").first
    before, after = (
        " ".join((changes.locator(tag).text_content() or "").split()) for tag in ("del", "ins")
    )
    assert before == "Before: What do you do first when you find a suspicious item?"
    assert after == "After: What is the first thing to do about a suspicious item?"
    assert "{" not in changes.inner_text()
    desktop.open("/admin/audit/?q=module.imported", label="audit-import")
    desktop.open("/admin/analytics/", label="analytics")
    desktop.activate("Suspicious items", "analytics-module")
    desktop.tab_to(text="Correct answers by question")
    table = page.evaluate("() => document.activeElement.innerText")
    assert "first thing to do about a suspicious item" in table or "what-do-you-do-first" in table
    assert "100%" in table


def test_the_changed_authoring_pages_fit_a_phone(
    phone: BrowserSession, app: Flask, tmp_path: Path
) -> None:
    import_bundle(app)
    author_secret, admin_secret = new_two_factor_secret(), new_two_factor_secret()
    with app.app_context():
        make_user(email="writer@example.org", role=Role.AUTHOR, two_factor_secret=author_secret)
        make_user(email="chief@example.org", role=Role.ADMIN, two_factor_secret=admin_secret)
        module_id = db.session.scalar(select(Module.id).where(Module.slug == "staying-safe"))
    page = phone.page

    def fits_the_screen() -> None:
        overflow = page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
        too_wide = page.evaluate(
            """() => [...document.querySelectorAll("body *")]
                .filter(element => element.getBoundingClientRect().right > innerWidth + 1)
                .slice(0, 5).map(element => element.tagName + "." + element.className)"""
        )
        assert overflow <= 0, f"{page.url} is {overflow} pixels wider than the phone: {too_wide}"

    sign_in_with_code(phone, "writer@example.org", author_secret, "author")
    phone.open(f"/admin/modules/{module_id}/preview/lessons/1?region=au", label="preview-lesson")
    switcher = page.get_by_role("navigation", name="Preview as a learner in")
    assert switcher.get_by_role("link").count() == 3
    assert switcher.locator("[aria-current=page]").inner_text() == "Australia"
    fits_the_screen()
    phone.open(f"/admin/modules/{module_id}/lessons/1", label="lesson-editor")
    phone.tab_to(element_id="markdown")
    page.keyboard.press("Control+End")
    page.keyboard.type("\nStay where the police can see you.")
    phone.activate("Preview", "lesson-editor-preview")
    text_box = page.locator("#markdown").bounding_box()
    preview_box = page.locator("#live-preview").bounding_box()
    assert text_box is not None and preview_box is not None
    assert preview_box["y"] >= text_box["y"] + text_box["height"], "one column on a phone"
    fits_the_screen()
    phone.activate("Save the lesson", "lesson-saved")
    phone.open(f"/admin/modules/{module_id}/questions/new/single_choice", label="single-choice")
    fits_the_screen()
    phone.activate("Save question", "single-choice-refused")
    assert "Choose one right answer" in page.locator(".error-summary").inner_text()
    # The saved lesson started a draft: a zip replaces it only once the author agrees.
    zip_path = changed_module_zip(app, tmp_path, "staying-safe", "Keep your phone with you.")
    phone.open("/admin/modules/import", label="import")
    fits_the_screen()
    phone.tab_to(element_id="file")
    page.set_input_files("#file", str(zip_path))
    phone.expect_error_status("/admin/modules/import")
    phone.activate("Upload into the draft", "import-asks-first")
    fits_the_screen()
    assert "has unpublished changes" in page.locator(".error-summary").inner_text()
    phone.tab_to(element_id="replace_draft")
    page.keyboard.press("Space")
    phone.tab_to(element_id="file")
    page.set_input_files("#file", str(zip_path))
    phone.activate("Upload into the draft", "import-replaced")
    assert "replaced the unpublished changes" in page.locator(".notification").inner_text()
    phone.activate("Sign out", "author-signed-out")

    sign_in_with_code(phone, "chief@example.org", admin_secret, "admin")
    phone.open("/admin/audit/?q=lesson.saved", label="audit")
    fits_the_screen()
    phone.tab_to(text="Changed lines")
    page.keyboard.press("Enter")
    phone.audit("audit-changes-open")
    fits_the_screen()
    assert page.locator(".audit-log__changes details").first.get_attribute("open") is not None
