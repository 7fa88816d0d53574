"""What measuring learning holds about a person: their answer to taking part, which form they
take first in each module, and each check they took or skipped, with answers and post ratings.

Registered with :mod:`course.core.personal_data`: the ``learning_checks`` section of the export;
when the account is deleted, all of it is deleted (the figures keep nothing of the person, unlike
the course's counts of lessons read).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from course.accounts.models import User
from course.catalogue.question_types import question_type
from course.core.personal_data import Erasure, ExportSection, PersonalData, exported_time, register
from course.extensions import db
from course.measurement.models import Check, FormOrder, ResearchConsent


def learning_checks(user: User, _now: datetime) -> dict[str, Any]:
    """Whether the person takes part, and every check they took or skipped, as it was shown
    and answered."""
    consent = db.session.get(ResearchConsent, user.id)
    checks = db.session.scalars(
        select(Check).where(Check.user_id == user.id).order_by(Check.started_at, Check.id)
    )
    return {
        "takes_part": consent.agreed if consent else None,
        "follow_up_emails": consent.follow_up_emails if consent else None,
        "decided_at": exported_time(consent.decided_at) if consent else None,
        "withdrawn_at": exported_time(consent.withdrawn_at) if consent else None,
        "checks": [_check(check) for check in checks],
    }


def _check(check: Check) -> dict[str, Any]:
    answers = check.answers or [None] * len(check.items)
    results = check.results or [None] * len(check.items)
    ratings = check.ratings or [None] * len(check.posts)
    return {
        "module": check.module.slug,
        "phase": check.phase,
        "form": check.form,
        "skipped": check.skipped,
        "started_at": exported_time(check.started_at),
        "completed_at": exported_time(check.completed_at),
        "questions": [
            {
                "prompt": item["prompt"],
                "your_answer": question_type(item["type"]).answer_in_words(item, answer),
                "right": result,
            }
            for item, answer, result in zip(check.items, answers, results, strict=True)
        ],
        "posts": [
            {"author": post["author"], "text": post["text"], "your_rating": rating}
            for post, rating in zip(check.posts, ratings, strict=True)
        ],
    }


def erase(erasure: Erasure) -> None:
    for model in (Check, FormOrder, ResearchConsent):
        db.session.execute(delete(model).where(model.user_id == erasure.person.id))


register(
    PersonalData(
        feature="measurement",
        exported={
            "research_consents": "learning_checks",
            "measurement_checks": "learning_checks",
            "measurement_form_orders": "learning_checks (the form of each check)",
        },
        sections=(ExportSection("learning_checks", position=37, read=learning_checks),),
        erasure_order=5,
        erase=erase,
    )
)
