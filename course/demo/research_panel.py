"""The demo's research panel: learners who agreed to the checks before and after each module and
took them, so the report on what learners learn (``/admin/measurement/``, and the demo
organisation's own) has figures to show. Their answers are drawn at random, more often right after
a module than before it, and their post ratings more discerning after it: made-up learners, made
through the same services as real ones."""

from __future__ import annotations

import random
from collections.abc import Callable

from course.accounts import services as accounts
from course.accounts.models import TokenPurpose, User
from course.catalogue.models import Course, Module
from course.catalogue.question_types import question_type
from course.measurement import services as measuring
from course.measurement.models import Phase
from course.measurement.report import MIN_LEARNERS
from course.organisations import memberships
from course.organisations.models import Organisation

#: Enough for the admins' report, and half of them (enough for an organisation's) in the demo
#: organisation.
PANEL_SIZE = MIN_LEARNERS + 4
IN_THE_ORGANISATION = PANEL_SIZE // 2
TEAM = "Research panel"
#: How likely an answer is right, before and after the module; how the posts are rated.
RIGHT = {Phase.BEFORE: 0.45, Phase.AFTER: 0.8}
RATINGS = {
    (Phase.BEFORE, "legitimate"): [2, 3, 4, 5],
    (Phase.BEFORE, "manipulative"): [2, 3, 4, 5],
    (Phase.AFTER, "legitimate"): [3, 4, 5, 6],
    (Phase.AFTER, "manipulative"): [1, 2, 2, 3],
}


def panel_address(number: int, domain: str) -> str:
    return f"panel{number:02d}@{domain}"


def seed_research_panel(
    course: Course,
    organisation: Organisation,
    password: str,
    domain: str,
    complete_module: Callable[[User, Module], None],
) -> int:
    """Make the panel's learners that are missing, each through consent, the check before each
    module with a measurement bank, the module, and the check after. :returns: how many."""
    measured = [
        module
        for module in course.required_modules
        if module.current_version is not None and module.current_version.measurement
    ]
    if not measured:
        return 0
    rng = random.Random(2026)  # noqa: S311 - made-up answers, the same each time
    made = 0
    for number in range(1, PANEL_SIZE + 1):
        address = panel_address(number, domain)
        if accounts.find_user_by_email(address) is not None:
            continue
        user = accounts.register(f"Panel learner {number}", address, password)
        if user is None:
            raise RuntimeError(f"{address} was registered meanwhile")
        accounts.confirm_email(accounts.issue_token(user, TokenPurpose.CONFIRM_EMAIL))
        if number <= IN_THE_ORGANISATION:
            memberships.join(user, organisation, team=TEAM)
        measuring.record_consent(user, True, follow_up_emails=False)
        for module in measured:
            _take_check(user, module, Phase.BEFORE, rng)
            complete_module(user, module)
            _take_check(user, module, Phase.AFTER, rng)
        made += 1
    return made


def _take_check(user: User, module: Module, phase: Phase, rng: random.Random) -> None:
    check = measuring.start_check(user, module, phase, rng)
    answers = [
        question_type(item["type"]).correct_answer(item)
        if rng.random() < RIGHT[phase]
        else question_type(item["type"]).wrong_answer(item)
        for item in check.items
    ]
    ratings: list[int | None] = [rng.choice(RATINGS[(phase, post["kind"])]) for post in check.posts]
    measuring.submit_check(user, check.id, measuring.CheckAnswers(answers, ratings))
