"""The follow-up checks: what a learner still knows 30 and 90 days after finishing the course.

For learners who agreed to them by email, :func:`send_follow_ups` (run daily, ``flask measurement
remind``) prepares each check once its day has come and emails the link: one question a module,
taken from the learner's own check after that module, so their answer then and their answer now
can be compared. The day-30 and day-90 checks ask different questions of the same form. The
course counts as finished when the learner's first certificate was issued.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select

from course.accounts.models import User
from course.certificates.models import Certificate
from course.core.database import begin_write, utcnow
from course.core.mail import queue_email
from course.extensions import db
from course.measurement.models import FOLLOW_UPS, Check, Phase, ResearchConsent

#: How long after its day a follow-up is still sent, should the daily run have stopped for a while;
#: later than that, the gap would no longer be 30 (or 90) days.
LATE_BY_AT_MOST = timedelta(days=14)
#: Which of the learner's questions after the module each follow-up asks, counted from one that
#: depends on the learner, so that different learners are asked different questions.
QUESTION_OFFSET = {Phase.DAY_30: 0, Phase.DAY_90: 1}


def send_follow_ups(now: datetime | None = None) -> dict[Phase, int]:
    """Prepare and email each follow-up check whose day has come; each once per learner, however
    often this runs. :returns: how many learners were emailed, per follow-up."""
    now = now or utcnow()
    begin_write()
    finished = (
        select(Certificate.user_id, func.min(Certificate.issued_at).label("finished_at"))
        .group_by(Certificate.user_id)
        .subquery()
    )
    sent: dict[Phase, int] = {}
    for phase, days in FOLLOW_UPS.items():
        due = now - timedelta(days=days)
        learners = db.session.scalars(
            select(User)
            .join(ResearchConsent, ResearchConsent.user_id == User.id)
            .join(finished, finished.c.user_id == User.id)
            .where(
                ResearchConsent.agreed.is_(True),
                ResearchConsent.follow_up_emails.is_(True),
                User.disabled_at.is_(None),
                User.erased_at.is_(None),
                finished.c.finished_at <= due,
                finished.c.finished_at > due - LATE_BY_AT_MOST,
                ~exists().where(Check.user_id == User.id, Check.phase == phase),
            )
            .order_by(User.id)
            .with_for_update(of=ResearchConsent, skip_locked=True)
        ).all()
        sent[phase] = 0
        for learner in learners:
            if _prepare(learner, phase, now):
                queue_email(
                    learner.email,
                    _l("Two minutes: what do you remember?"),
                    "follow_up_check",
                    language=learner.language,
                    user=learner,
                    phase=phase,
                    days=days,
                )
                sent[phase] += 1
    db.session.flush()
    return sent


def _prepare(learner: User, phase: Phase, now: datetime) -> int:
    """One check of one question for each module whose check after the learner took; returns
    how many."""
    afters = db.session.scalars(
        select(Check)
        .where(
            Check.user_id == learner.id,
            Check.phase == Phase.AFTER,
            Check.completed_at.is_not(None),
            Check.skipped.is_(False),
        )
        .order_by(Check.module_id)
    ).all()
    for after in afters:
        index = (learner.id + QUESTION_OFFSET[phase]) % len(after.items)
        db.session.add(
            Check(
                user_id=learner.id,
                module_id=after.module_id,
                module_version_id=after.module_version_id,
                phase=phase,
                form=after.form,
                items=[after.items[index]],
                posts=[],
                started_at=now,
            )
        )
    return len(afters)


def next_open_follow_up(user: User, phase: Phase) -> Check | None:
    """The learner's first follow-up check of ``phase`` not yet answered, module by module."""
    return db.session.scalar(
        select(Check)
        .where(Check.user_id == user.id, Check.phase == phase, Check.completed_at.is_(None))
        .order_by(Check.module_id)
        .limit(1)
    )


def has_follow_up(user: User, phase: Phase) -> bool:
    return bool(
        db.session.scalar(select(exists().where(Check.user_id == user.id, Check.phase == phase)))
    )
