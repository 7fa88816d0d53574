"""Measuring learning, the learner's side: the bank's file and its checks, consent, the check
before a module (until its first lesson) and after it (once complete), counterbalanced forms,
skipping, and what the learner's data download and account deletion do with it."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from course.accounts.models import User
from course.catalogue.bundle import module_files, read_bundle
from course.catalogue.models import Module
from course.catalogue.services import import_course, module_source
from course.extensions import db
from course.learning import services as learning
from course.measurement import services as measuring
from course.measurement.models import Check, FormOrder, Phase, ResearchConsent
from tests.fixtures.content_bundles import problems_in, replace_in
from tests.fixtures.factories import STRONG_PASSWORD, make_user
from tests.fixtures.learning import pass_quiz
from tests.fixtures.measurement import REPORTING, STAYING_SAFE, bank, item, with_measurement
from tests.fixtures.web import post_form, sign_in

MODULE_PAGE = "/modules/staying-safe/"


@pytest.fixture
def measured_app(app: Flask, bundle: Path) -> Flask:
    with app.app_context():
        import_course(read_bundle(with_measurement(bundle)))
        db.session.commit()
    return app


def learner(app: Flask, email: str = "lee@example.org", consent: bool | None = True) -> FlaskClient:
    with app.app_context():
        user = make_user(email=email)
        if consent is not None:
            measuring.record_consent(user, consent, follow_up_emails=False)
        db.session.commit()
    client = app.test_client()
    sign_in(client, email, STRONG_PASSWORD)
    return client


def module_named(slug: str = "staying-safe") -> Module:
    found = db.session.scalar(select(Module).where(Module.slug == slug))
    assert found is not None
    return found


def checks_of(app: Flask, email: str = "lee@example.org") -> list[Check]:
    with app.app_context():
        found = list(
            db.session.scalars(
                select(Check).join(User, User.id == Check.user_id).where(User.email == email)
            )
        )
        for check in found:
            db.session.expunge(check)
        return found


def complete_module(app: Flask, slug: str, email: str = "lee@example.org") -> None:
    """Read every lesson of the module and pass its quiz, as the learner."""
    with app.app_context():
        person = db.session.scalar(select(User).where(User.email == email))
        assert person is not None
        module = module_named(slug)
        for lesson in module.current_version.lessons:  # type: ignore[union-attr]
            learning.record_lesson_read(person, module, lesson)
        pass_quiz(person, module)
        db.session.commit()


def start(client: FlaskClient, phase: str, slug: str = "staying-safe") -> str:
    response = post_form(
        client, f"/modules/{slug}/checks/{phase}/start", {}, form_page=f"/modules/{slug}/"
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def answer_all(client: FlaskClient, path: str, right: bool = True, rating: str = "3"):  # type: ignore[no-untyped-def]
    page = client.get(path).get_data(as_text=True)
    fields: dict[str, str] = {}
    for name in sorted(set(re.findall(r'name="(item-\d+)"', page))):
        form = "a" if "form a about" in page.split(f'id="{name}-legend"')[1][:400] else "b"
        truth = "true" if form == "a" else "false"
        fields[name] = truth if right else ("false" if truth == "true" else "true")
    for name in sorted(set(re.findall(r'name="(post-\d+)"', page))):
        fields[name] = rating
    return post_form(client, path, fields)


# The bank's file


def test_a_bank_is_read_with_the_module_and_written_back_the_same(app: Flask, bundle: Path) -> None:
    course = read_bundle(with_measurement(bundle))
    staying_safe, reporting = course.modules

    assert staying_safe.measurement is not None and reporting.measurement is not None
    assert [item["id"] for item in staying_safe.measurement["forms"]["a"]] == [
        "safe-step-1-a",
        "safe-step-2-a",
        "safe-step-3-a",
    ]
    assert "posts" not in staying_safe.measurement
    assert [post["kind"] for post in reporting.measurement["posts"]["b"]] == [
        "legitimate",
        "manipulative",
        "manipulative",
        "legitimate",
    ]
    written = module_files(staying_safe)["measure.yaml"]
    (bundle / STAYING_SAFE).write_text(written)
    assert read_bundle(bundle).modules[0].measurement == staying_safe.measurement
    with app.app_context():
        import_course(course)
        db.session.commit()
        stored = module_source(module_named().current_version)  # type: ignore[arg-type]
    assert stored.measurement == staying_safe.measurement


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda text: text + item(4, "b"),
            "forms a has 3 items and b has 4",
        ),
        (lambda text: text.replace("safe-step-2-b", "first-step"), "is a quiz question's"),
        (lambda text: text.replace("safe-step-2-b", "safe-step-1-a"), "also used on line 3"),
        (
            lambda text: text.replace(
                "Statement 1 of form a about staying safe.",
                "You should film the attacker to help the police.",
            ),
            "the quiz asks this very question",
        ),
        (
            lambda text: text.replace(
                "      type: true_false\n", "      regions: [uk]\n      type: true_false\n", 1
            ),
            "measurement items hold in every region",
        ),
        (lambda text: text.replace("forms:", "forms:\n  c: []"), "forms has only a: and b:"),
        (lambda text: "extra: 1\n" + text, "unknown field 'extra'"),
    ],
)
def test_each_problem_in_a_bank_is_reported_at_its_line(
    bundle: Path,
    change,
    problem: str,  # noqa: ANN001
) -> None:
    with_measurement(bundle)
    (bundle / STAYING_SAFE).write_text(change(bank()))

    found = [line for line in problems_in(bundle) if STAYING_SAFE in line]

    assert any(problem in line for line in found), found
    assert all(re.search(rf"{re.escape(STAYING_SAFE)}:\d+: ", line) for line in found), found


def test_posts_are_half_manipulative_and_parallel_by_kind(bundle: Path) -> None:
    with_measurement(bundle)
    replace_in(bundle / REPORTING, "kind: manipulative", "kind: legitimate")

    found = [line for line in problems_in(bundle) if REPORTING in line]

    assert any("posts a must be half manipulative and half legitimate" in line for line in found)


# Consent


def test_the_consent_page_says_what_is_kept_and_records_yes_then_no(
    measured_app: Flask,
) -> None:
    client = learner(measured_app, consent=None)
    page = client.get("/research").get_data(as_text=True)
    assert "Nobody sees your own answers or score" in page
    assert "deleted with your account" in page

    response = post_form(
        client,
        "/research?next=/modules/staying-safe",
        {"take_part": "yes", "follow_up_emails": "y", "next": MODULE_PAGE},
    )
    assert response.status_code == 302 and response.headers["Location"] == MODULE_PAGE
    with measured_app.app_context():
        consent = db.session.scalar(select(ResearchConsent))
        assert consent is not None and consent.agreed and consent.follow_up_emails
    answer_all(client, start(client, "before"))

    post_form(client, "/research", {"take_part": "no"})
    with measured_app.app_context():
        consent = db.session.scalar(select(ResearchConsent))
        assert consent is not None and not consent.agreed and consent.withdrawn_at is not None
        assert db.session.scalar(select(func.count()).select_from(Check)) == 0
        assert db.session.scalar(select(func.count()).select_from(FormOrder)) == 0
    assert "Help us measure" not in client.get(MODULE_PAGE).get_data(as_text=True)


def test_no_answer_is_refused_at_the_field(measured_app: Flask) -> None:
    client = learner(measured_app, consent=None)
    response = post_form(client, "/research", {"take_part": "maybe"})
    assert response.status_code == 200
    assert "Not a valid choice" in response.get_data(as_text=True) or "Choose yes or no" in (
        response.get_data(as_text=True)
    )
    with measured_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ResearchConsent)) == 0


def test_the_consent_page_needs_an_account(measured_app: Flask) -> None:
    response = measured_app.test_client().get("/research")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# Before the module


def test_before_deciding_the_module_page_asks_and_after_agreeing_offers_the_check(
    measured_app: Flask,
) -> None:
    undecided = learner(measured_app, "undecided@example.org", consent=None)
    asked = undecided.get(MODULE_PAGE).get_data(as_text=True)
    assert "Help us measure what people learn" in asked and "/research?next=" in asked

    client = learner(measured_app)
    offered = client.get(MODULE_PAGE).get_data(as_text=True)
    assert "Before you start: a one-minute check" in offered
    assert 'action="/modules/staying-safe/checks/before/start"' in offered

    declined = learner(measured_app, "no@example.org", consent=False)
    assert "one-minute check" not in declined.get(MODULE_PAGE).get_data(as_text=True)
    assert "Help us measure" not in declined.get(MODULE_PAGE).get_data(as_text=True)
    visitor = measured_app.test_client().get(MODULE_PAGE).get_data(as_text=True)
    assert "one-minute check" not in visitor and "Help us measure" not in visitor


def test_the_check_before_is_answered_whole_and_leads_to_the_first_lesson(
    measured_app: Flask,
) -> None:
    client = learner(measured_app)
    check_path = start(client, "before")
    page = client.get(check_path).get_data(as_text=True)
    assert page.count('class="fieldset__legend question__prompt"') == 3

    incomplete = post_form(client, check_path, {"item-1": "true"})
    assert incomplete.status_code == 200
    text = incomplete.get_data(as_text=True)
    assert "Answer question 2" in text and "Answer question 3" in text
    assert checks_of(measured_app)[0].completed_at is None

    done = answer_all(client, check_path)
    assert done.status_code == 302
    assert done.headers["Location"] == "/modules/staying-safe/the-steps"
    [check] = checks_of(measured_app)
    assert check.phase == Phase.BEFORE and check.results == [True, True, True]
    assert check.completed_at is not None and not check.skipped
    assert "one-minute check" not in client.get(MODULE_PAGE).get_data(as_text=True)
    # Submitting again changes nothing.
    again = post_form(client, check_path, {"item-1": "false"}, form_page=MODULE_PAGE)
    assert again.status_code == 302
    assert checks_of(measured_app)[0].results == [True, True, True]


def test_the_check_before_is_not_offered_once_a_lesson_is_opened(measured_app: Flask) -> None:
    client = learner(measured_app)
    post_form(client, f"{MODULE_PAGE}the-steps/read", {}, form_page=f"{MODULE_PAGE}the-steps")

    assert "one-minute check" not in client.get(MODULE_PAGE).get_data(as_text=True)
    refused = post_form(client, f"{MODULE_PAGE}checks/before/start", {}, form_page=MODULE_PAGE)
    assert refused.status_code == 302 and refused.headers["Location"] == MODULE_PAGE
    assert checks_of(measured_app) == []


def test_skipping_is_recorded_and_never_offered_again(measured_app: Flask) -> None:
    client = learner(measured_app)
    skipped = post_form(client, f"{MODULE_PAGE}checks/before/skip", {}, form_page=MODULE_PAGE)

    assert skipped.status_code == 302
    assert skipped.headers["Location"] == "/modules/staying-safe/the-steps"
    [check] = checks_of(measured_app)
    assert check.skipped and check.completed_at is not None and check.items == []
    assert "one-minute check" not in client.get(MODULE_PAGE).get_data(as_text=True)


def test_learners_are_split_evenly_between_the_two_orders(measured_app: Flask) -> None:
    with measured_app.app_context():
        module = module_named()
        firsts = []
        for number in range(10):
            user = make_user(email=f"learner{number}@example.org")
            measuring.record_consent(user, True, follow_up_emails=False)
            db.session.commit()
            before = measuring.start_check(user, module, Phase.BEFORE, random.Random(number))
            firsts.append(before.form)
            assert measuring.form_for(user, module, Phase.AFTER) != before.form
        db.session.commit()

    assert sorted(firsts) == ["a"] * 5 + ["b"] * 5


# After the module


def test_after_the_module_the_check_after_shows_both_scores_and_why(
    measured_app: Flask,
) -> None:
    client = learner(measured_app)
    answer_all(client, start(client, "before"), right=False)
    complete_module(measured_app, "staying-safe")
    offered = client.get(MODULE_PAGE).get_data(as_text=True)
    assert "One more minute: the check after the module" in offered

    result = answer_all(client, start(client, "after"))
    assert result.status_code == 302
    page = client.get(result.headers["Location"]).get_data(as_text=True)

    assert "3 of 3 after the module" in page
    assert "Before it: 0 of 3, on different questions about the same things." in page
    assert "Why:" in page
    before, after = sorted(checks_of(measured_app), key=lambda check: check.id)
    assert {before.form, after.form} == {"a", "b"}


def test_posts_are_rated_and_explained_after_the_module(measured_app: Flask) -> None:
    client = learner(measured_app)
    complete_module(measured_app, "reporting")
    check_path = start(client, "after", "reporting")
    page = client.get(check_path).get_data(as_text=True)
    assert page.count('class="social-post"') == 4
    assert "How trustworthy is each post?" in page

    missing = answer_all(client, check_path, rating="7")
    assert missing.status_code == 200 and "Rate post 1" in missing.get_data(as_text=True)
    done = answer_all(client, check_path, rating="5")
    page = client.get(done.headers["Location"]).get_data(as_text=True)

    assert "You rated it 5 out of 6." in page and "Manipulative" in page
    [check] = checks_of(measured_app)
    assert check.ratings == [5, 5, 5, 5]


def test_a_learner_cannot_open_another_learners_check(measured_app: Flask) -> None:
    owner = learner(measured_app)
    check_path = start(owner, "before")
    other = learner(measured_app, "other@example.org")

    assert other.get(check_path).status_code == 404
    assert other.get(f"{check_path}/result").status_code == 404


def test_a_measurement_item_is_never_drawn_for_the_quiz(measured_app: Flask) -> None:
    with measured_app.app_context():
        user = make_user(email="quiz@example.org")
        bank_ids = {
            item["id"]
            for module in (module_named(), module_named("reporting"))
            for form in module.current_version.measurement["forms"].values()  # type: ignore[union-attr]
            for item in form
        }
        drawn = set()
        for seed in range(30):
            for module in (module_named(), module_named("reporting")):
                attempt = learning.start_attempt(user, module, user.region, random.Random(seed))
                drawn |= {question["key"] for question in attempt.questions}
                db.session.delete(attempt)
                db.session.flush()

    assert drawn and not drawn & bank_ids


# The learner's data


def test_the_data_download_holds_each_check_and_deleting_the_account_erases_them(
    measured_app: Flask,
) -> None:
    from course.privacy.erasure import ErasureReason, erase_account
    from course.privacy.export import personal_data_export

    client = learner(measured_app)
    answer_all(client, start(client, "before"), right=False)
    with measured_app.app_context():
        person = db.session.scalar(select(User).where(User.email == "lee@example.org"))
        assert person is not None
        exported = personal_data_export(person)["learning_checks"]
        assert exported["takes_part"] is True and exported["follow_up_emails"] is False
        [check] = exported["checks"]
        assert check["module"] == "staying-safe" and check["phase"] == "before"
        assert [question["right"] for question in check["questions"]] == [False] * 3
        assert check["questions"][0]["prompt"].startswith("Statement 1 of form")

        db.session.commit()
        erase_account(person, by=None, reason=ErasureReason.HOLDER_ASKED)
        db.session.commit()
        for model in (Check, FormOrder, ResearchConsent):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0


def test_a_check_before_left_open_closes_once_a_lesson_is_opened(measured_app: Flask) -> None:
    client = learner(measured_app)
    check_path = start(client, "before")
    post_form(client, f"{MODULE_PAGE}the-steps/read", {}, form_page=f"{MODULE_PAGE}the-steps")

    response = client.get(check_path)

    assert response.status_code == 302 and response.headers["Location"] == MODULE_PAGE
    assert "closed when you opened" in client.get(MODULE_PAGE).get_data(as_text=True)
    with measured_app.app_context():
        person = db.session.scalar(select(User).where(User.email == "lee@example.org"))
        [check] = db.session.scalars(select(Check)).all()
        with pytest.raises(measuring.CheckRefused):
            measuring.submit_check(
                person,  # type: ignore[arg-type]
                check.id,
                measuring.CheckAnswers([True] * len(check.items), []),
            )
    assert checks_of(measured_app)[0].completed_at is None
