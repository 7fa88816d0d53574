"""Measuring learning in a real browser, by keyboard only, with axe-core on every page: a learner
agrees to take part, takes the check before the propaganda module, takes the module, then the
check after it, rating the posts, and sees how they did before and after; on the demo's
research panel, an admin finds the figures with their intervals, and the demo organisation's
manager the same over its members."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from course.accounts.models import Role
from course.config import PROJECT_ROOT
from course.demo.seeding import DEMO_DOMAIN, seed_demo
from course.extensions import db
from course.measurement.models import Check
from tests.fixtures.apps import import_bundle
from tests.fixtures.browser import (
    BrowserSession,
    answer_by_keyboard,
    sign_in_with_code,
    take_module_by_keyboard,
)
from tests.fixtures.factories import STRONG_PASSWORD, make_user, new_two_factor_secret

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


def test_an_admin_and_a_manager_read_the_reports_on_the_demo(
    desktop: BrowserSession, app: Flask
) -> None:
    import_bundle(app, COURSE)
    with app.test_request_context():  # the demo's emails link to the site
        seed_demo(STRONG_PASSWORD)
        db.session.commit()
        secret = new_two_factor_secret()
        make_user(email="chief@example.org", role=Role.ADMIN, two_factor_secret=secret)
    page = desktop.page

    sign_in_with_code(desktop, "chief@example.org", secret, "admin")
    desktop.open("/admin/", label="admin")
    desktop.activate("What learners learn", "report")
    main = page.locator("main").inner_text()
    assert "Both taken: 24." in main and "95% interval" in main and "Discernment" in main
    desktop.activate("Sign out", "admin-signed-out")

    desktop.sign_in(f"manager@{DEMO_DOMAIN}", STRONG_PASSWORD, "manager-dashboard")
    desktop.open("/orgs/1/", label="organisation")
    desktop.activate("What your members learned", "organisation-report")
    main = page.locator("main").inner_text()
    assert "Both taken: 12." in main and "never one person" in main
