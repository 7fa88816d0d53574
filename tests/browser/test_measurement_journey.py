"""Measuring learning in a real browser, by keyboard only, with axe-core on every page: a learner
agrees to take part, takes the check before the propaganda module, takes the module, then the
check after it, rating the posts, and sees how they did before and after; an admin opens the
report on simulated learners and finds the figures with their intervals."""

from __future__ import annotations

import random

from flask import Flask
from sqlalchemy import select

from course.accounts.models import Role
from course.catalogue.models import Module
from course.catalogue.question_types import question_type
from course.config import PROJECT_ROOT
from course.extensions import db
from course.learning import services as learning
from course.measurement import services as measuring
from course.measurement.models import Check, Phase
from tests.fixtures.apps import import_bundle
from tests.fixtures.browser import (
    BrowserSession,
    answer_by_keyboard,
    sign_in_with_code,
    take_module_by_keyboard,
)
from tests.fixtures.factories import STRONG_PASSWORD, make_user, new_two_factor_secret
from tests.fixtures.learning import pass_quiz

COURSE = PROJECT_ROOT / "modules"
MODULE = "propaganda-and-radicalisation"


def open_check_items(app: Flask) -> list[dict]:
    with app.app_context():
        check = db.session.scalar(
            select(Check).where(Check.completed_at.is_(None)).order_by(Check.id.desc())
        )
        assert check is not None
        return list(check.items)


def rate_posts_by_keyboard(session: BrowserSession, rating: int) -> None:
    """Each post's rating: Tab into its group of six (one stop), Space for 1, then ArrowRight
    up to ``rating``."""
    posts = session.page.locator("input[name^=post-][value='1']").count()
    for number in range(1, posts + 1):
        session.tab_to(element_id=f"post-{number}-1")
        session.page.keyboard.press("Space")
        for _ in range(rating - 1):
            session.page.keyboard.press("ArrowRight")
        assert session.page.locator(f"#post-{number}-{rating}").is_checked()


def test_a_learner_takes_the_checks_before_and_after_a_module_by_keyboard(
    desktop: BrowserSession, app: Flask
) -> None:
    import_bundle(app, COURSE)
    with app.app_context():
        make_user(email="lee@example.org", name="Lee Learner")
    page = desktop.page

    desktop.open("/login", label="login")
    desktop.sign_in("lee@example.org", STRONG_PASSWORD, "dashboard")
    desktop.open(f"/modules/{MODULE}/", label="module-asks")
    desktop.activate("Find out more and choose", "consent")
    desktop.tab_to(element_id="take_part-0")
    page.keyboard.press("Space")
    desktop.tab_to(element_id="follow_up_emails")
    page.keyboard.press("Space")
    desktop.activate("Save my answer", "module-offers")
    assert "Thank you for taking part." in page.locator(".notification").inner_text()

    desktop.activate("Take the check", "check-before")
    items = open_check_items(app)
    assert page.locator(".social-post").count() == 8
    answer_by_keyboard(desktop, items, right=False, field="item")
    desktop.expect_error_status(page.url.removeprefix(desktop.base_url))
    desktop.activate("Submit my answers", "check-before-unrated")
    assert "Rate post 1" in page.locator(".error-summary").inner_text()
    # The answers given are kept on the page; only the ratings are missing.
    rate_posts_by_keyboard(desktop, 3)
    desktop.activate("Submit my answers", "first-lesson")
    assert "Now the module itself." in page.locator(".notification").inner_text()

    take_module_by_keyboard(desktop, app, "module")
    assert "the check after the module" in page.locator("main").inner_text()
    desktop.activate("Take the check", "check-after")
    answer_by_keyboard(desktop, open_check_items(app), right=True, field="item")
    rate_posts_by_keyboard(desktop, 4)
    desktop.activate("Submit my answers", "check-result")
    main = page.locator("main").inner_text()
    assert "4 of 4 after the module" in main
    assert "Before it: 0 of 4, on different questions about the same things." in main
    assert "You rated it 4 out of 6." in main


def test_an_admin_reads_the_report_on_simulated_learners(
    desktop: BrowserSession, app: Flask
) -> None:
    import_bundle(app, COURSE)
    secret = new_two_factor_secret()
    rng = random.Random(5)
    with app.app_context():
        make_user(email="chief@example.org", role=Role.ADMIN, two_factor_secret=secret)
        module = db.session.scalar(select(Module).where(Module.slug == MODULE))
        assert module is not None and module.current_version is not None
        for number in range(24):
            user = make_user(email=f"learner{number}@example.org")
            measuring.record_consent(user, True, follow_up_emails=False)
            db.session.commit()
            for phase, chance, ratings in (
                (Phase.BEFORE, 0.4, {"legitimate": [3, 4, 5], "manipulative": [3, 4, 5]}),
                (Phase.AFTER, 0.8, {"legitimate": [4, 5], "manipulative": [1, 2, 3]}),
            ):
                if phase == Phase.AFTER:
                    for lesson in module.current_version.lessons:
                        learning.record_lesson_read(user, module, lesson)
                    pass_quiz(user, module)
                    db.session.commit()
                check = measuring.start_check(user, module, phase, rng)
                answers = [
                    question_type(item["type"]).correct_answer(item)
                    if rng.random() < chance
                    else question_type(item["type"]).wrong_answer(item)
                    for item in check.items
                ]
                rated = [rng.choice(ratings[post["kind"]]) for post in check.posts]
                measuring.submit_check(user, check.id, measuring.CheckAnswers(answers, rated))
                db.session.commit()

    sign_in_with_code(desktop, "chief@example.org", secret, "admin")
    desktop.open("/admin/", label="admin")
    desktop.activate("What learners learn", "report")
    main = desktop.page.locator("main").inner_text()
    assert "Both taken: 24." in main and "95% interval" in main
    assert "Discernment" in main
