"""Measuring what learners learn: their consent, the parallel form each takes first, and the
checks before and after a module (see :mod:`course.catalogue.measurement_bank` for the banks).

The rules:

- Nothing is measured without consent, asked once in plain words and withdrawable at any time;
  withdrawing deletes what was measured. Nobody is kept from the course for saying no or for
  skipping a check; a skipped check is recorded as skipped, so the report can say how many skip.
- The check before a module is offered only until the learner opens its first lesson: after
  that it would measure what they had already read. The check after is offered once the module
  is complete.
- Each module's learners are split evenly between the two orders (form ``a`` before and ``b``
  after, or the reverse), so that a difference between the forms cancels out of the gain.
- A check is stored as it was shown (its snapshot), like a quiz attempt, and graded from it.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from werkzeug.datastructures import MultiDict

from course.accounts.models import User
from course.catalogue.localised import language_marks, measurement_form_in_language
from course.catalogue.measurement_bank import FORMS
from course.catalogue.models import Module
from course.catalogue.question_types import question_type
from course.core.database import begin_write, get_for_update, utcnow
from course.extensions import db
from course.learning.models import LessonView, ModuleCompletion
from course.measurement.models import Check, FormOrder, Phase, ResearchConsent

#: How trustworthy a post looks, from 1 (not at all) to 6 (completely): an even number of points,
#: so there is no middle to hide in.
RATINGS = range(1, 7)


class CheckRefused(Exception):
    """The check cannot be taken now: no consent, no bank, or not its time."""


# Consent ----------------------------------------------------------------------------------------


def consent_of(user: User) -> ResearchConsent | None:
    return db.session.get(ResearchConsent, user.id)


def takes_part(user: User) -> bool:
    consent = consent_of(user)
    return consent is not None and consent.agreed


def record_consent(user: User, agreed: bool, follow_up_emails: bool) -> ResearchConsent:
    """Say yes or no (and whether the follow-up checks may come by email); a later answer
    replaces an earlier one. Saying no to someone who had said yes withdraws."""
    if not agreed:
        return withdraw(user)
    consent = consent_of(user) or ResearchConsent(user_id=user.id)
    consent.agreed = True
    consent.follow_up_emails = follow_up_emails
    consent.decided_at = utcnow()
    consent.withdrawn_at = None
    db.session.add(consent)
    db.session.flush()
    return consent


def withdraw(user: User) -> ResearchConsent:
    """No (more) measuring: delete every check and form order of the learner, and keep only
    their answer, so they are not asked again."""
    consent = consent_of(user)
    had_agreed = consent is not None and consent.agreed
    consent = consent or ResearchConsent(user_id=user.id)
    db.session.execute(delete(Check).where(Check.user_id == user.id))
    db.session.execute(delete(FormOrder).where(FormOrder.user_id == user.id))
    consent.agreed = False
    consent.follow_up_emails = False
    consent.decided_at = utcnow()
    consent.withdrawn_at = utcnow() if had_agreed else None
    db.session.add(consent)
    db.session.flush()
    return consent


# Which check, when -----------------------------------------------------------------------------


def has_bank(module: Module) -> bool:
    version = module.current_version
    return version is not None and version.measurement is not None


def check_of(user: User, module: Module, phase: Phase) -> Check | None:
    return db.session.scalar(
        select(Check).where(
            Check.user_id == user.id, Check.module_id == module.id, Check.phase == phase
        )
    )


def check_due(user: User, module: Module) -> Phase | None:
    """The check the learner may take now in this module, if any; ``None`` without consent."""
    return check_in_reach(user, module) if takes_part(user) else None


def check_in_reach(user: User, module: Module) -> Phase | None:
    """The check that would be due now if the learner takes part: the one before until they
    open a lesson, the one after once the module is complete, each until taken or skipped."""
    if not has_bank(module):
        return None
    completed = db.session.scalar(
        select(func.count())
        .select_from(ModuleCompletion)
        .where(ModuleCompletion.user_id == user.id, ModuleCompletion.module_id == module.id)
    )
    if completed:
        after = check_of(user, module, Phase.AFTER)
        return Phase.AFTER if after is None or after.completed_at is None else None
    before = check_of(user, module, Phase.BEFORE)
    if before is not None and before.completed_at is not None:
        return None
    return None if _has_begun(user.id, module.id) else Phase.BEFORE


def _has_begun(user_id: int, module_id: int) -> bool:
    """Whether the learner has opened a lesson of the module."""
    return bool(
        db.session.scalar(
            select(func.count())
            .select_from(LessonView)
            .where(LessonView.user_id == user_id, LessonView.module_id == module_id)
        )
    )


def is_closed(check: Check) -> bool:
    """Whether an unfinished check can no longer be answered: one before a module closes once
    the learner opens a lesson of it, since it would then measure what they had read."""
    return (
        check.completed_at is None
        and check.phase == Phase.BEFORE
        and _has_begun(check.user_id, check.module_id)
    )


def first_form(user: User, module: Module) -> str:
    """The form the learner takes before the module, assigned once: the order fewer of the
    module's learners have so far, so the two orders stay even (within one, or a few more when
    learners start at the very same moment)."""
    order = db.session.scalar(
        select(FormOrder).where(FormOrder.user_id == user.id, FormOrder.module_id == module.id)
    )
    if order is not None:
        return order.first_form
    counts = dict(
        db.session.execute(
            select(FormOrder.first_form, func.count())
            .where(FormOrder.module_id == module.id)
            .group_by(FormOrder.first_form)
        ).all()
    )
    fewest = min(counts.get(form, 0) for form in FORMS)
    form = secrets.choice([form for form in FORMS if counts.get(form, 0) == fewest])
    db.session.add(FormOrder(user_id=user.id, module_id=module.id, first_form=form))
    db.session.flush()
    return form


def form_for(user: User, module: Module, phase: Phase) -> str:
    first = first_form(user, module)
    return first if phase == Phase.BEFORE else next(form for form in FORMS if form != first)


# Taking a check --------------------------------------------------------------------------------


def start_check(
    user: User, module: Module, phase: Phase, rng: random.Random | None = None
) -> Check:
    """The learner's check for ``phase``, drawn from the module's bank as it stands (the one
    already started, if any, so a double click starts one).

    :raises CheckRefused: when it is not the check due now.
    """
    begin_write()
    existing = check_of(user, module, phase)
    if existing is not None and existing.completed_at is None:
        return existing
    if check_due(user, module) != phase:
        raise CheckRefused(phase)
    version = module.current_version
    assert version is not None and version.measurement is not None  # noqa: S101 - check_due
    form = form_for(user, module, phase)
    rng = rng or random.SystemRandom()
    items, posts = measurement_form_in_language(version, form)
    check = Check(
        user_id=user.id,
        module_id=module.id,
        module_version_id=version.id,
        phase=phase,
        form=form,
        items=[
            {**question_type(item["type"]).present(item, rng), **language_marks(shown)}
            for item, shown in items
        ],
        posts=posts,
    )
    db.session.add(check)
    db.session.flush()
    return check


def skip_check(user: User, module: Module, phase: Phase) -> Check:
    """Record that the learner chose not to take the check: kept, so skipping is counted, and
    never offered again.

    :raises CheckRefused: when it is not the check due now.
    """
    begin_write()
    if check_due(user, module) != phase:
        raise CheckRefused(phase)
    check = check_of(user, module, phase) or Check(
        user_id=user.id,
        module_id=module.id,
        module_version_id=module.current_version_id,
        phase=phase,
        form=form_for(user, module, phase),
        items=[],
        posts=[],
    )
    check.items, check.posts = [], []
    check.skipped = True
    check.completed_at = utcnow()
    db.session.add(check)
    db.session.flush()
    return check


def own_check(user: User, check_id: int) -> Check | None:
    check = db.session.get(Check, check_id)
    return check if check is not None and check.user_id == user.id else None


@dataclass(frozen=True)
class CheckAnswers:
    """What a submitted check said: an answer (or ``None``) per question and a rating (or
    ``None``) per post, in order."""

    answers: list[Any]
    ratings: list[int | None]

    @property
    def unanswered(self) -> list[str]:
        """The fields left empty, as the page names them (``item-2``, ``post-1``)."""
        return [
            item_field(number)
            for number, answer in enumerate(self.answers, start=1)
            if answer is None
        ] + [
            post_field(number)
            for number, rating in enumerate(self.ratings, start=1)
            if rating is None
        ]


def item_field(number: int) -> str:
    return f"item-{number}"


def post_field(number: int) -> str:
    return f"post-{number}"


def read_check_answers(check: Check, form: MultiDict[str, str]) -> CheckAnswers:
    return CheckAnswers(
        answers=[
            question_type(item["type"]).read_answer(item, form, item_field(number))
            for number, item in enumerate(check.items, start=1)
        ],
        ratings=[
            _rating(form.get(post_field(number))) for number in range(1, len(check.posts) + 1)
        ],
    )


def _rating(value: str | None) -> int | None:
    try:
        rating = int(value or "")
    except ValueError:
        return None
    return rating if rating in RATINGS else None


def submit_check(user: User, check_id: int, given: CheckAnswers) -> Check | None:
    """Grade the check once, from its snapshot; a second submission changes nothing. ``None``
    if it is not the learner's.

    :raises CheckRefused: when the check has closed (:func:`is_closed`).
    """
    check = get_for_update(Check, check_id)
    if check is None or check.user_id != user.id:
        return None
    if check.completed_at is not None:
        return check
    if is_closed(check):
        raise CheckRefused(check.phase)
    if given.unanswered:
        raise ValueError("a check is submitted whole")
    check.answers = given.answers
    check.results = [
        question_type(item["type"]).is_correct(item, answer)
        for item, answer in zip(check.items, given.answers, strict=True)
    ]
    check.ratings = [int(rating) for rating in given.ratings if rating is not None]
    check.completed_at = utcnow()
    db.session.flush()
    return check
