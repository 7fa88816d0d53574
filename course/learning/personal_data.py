"""What learning holds about a person: the lessons they read, their quiz attempts and answers, and
the modules they completed.

Registered with :mod:`course.core.personal_data`: the ``progress`` and ``quiz_attempts`` sections
of the export; and, when the account is deleted, these records move to the anonymous stand-in, so
the course's statistics keep their counts while nothing links them back to the person.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import exists, select, update

from course.accounts.models import User
from course.catalogue.models import Module
from course.catalogue.question_types import question_type
from course.core.personal_data import Erasure, ExportSection, PersonalData, exported_time, register
from course.extensions import db
from course.learning.models import LessonView, ModuleCompletion, QuizAttempt, ScenarioChoice
from course.learning.services import attempts_of, completions_of, lesson_views_of

#: The models whose rows about a person are kept, anonymously, when their account is deleted.
KEPT_FOR_STATISTICS = (LessonView, QuizAttempt, ModuleCompletion, ScenarioChoice)


def progress(user: User, _now: datetime) -> list[dict[str, Any]]:
    """Per module the person has begun: the lessons read, with when, and when it was completed."""
    views = lesson_views_of(user)
    completions = {completion.module_id: completion for completion in completions_of(user)}
    module_ids = {view.module_id for view in views} | completions.keys()
    modules = db.session.scalars(
        select(Module).where(Module.id.in_(module_ids)).order_by(Module.position)
    )
    found = []
    for module in modules:
        version = module.current_version
        lesson_titles = {lesson.slug: lesson.title for lesson in version.lessons} if version else {}
        completion = completions.get(module.id)
        found.append(
            {
                "module": module.slug,
                "title": version.title if version else None,
                "lessons_viewed": [
                    {
                        "lesson": view.lesson_slug,
                        "title": lesson_titles.get(view.lesson_slug),
                        "viewed_at": exported_time(view.viewed_at),
                    }
                    for view in views
                    if view.module_id == module.id
                ],
                "completed_at": exported_time(completion.completed_at) if completion else None,
                "completed_on_version": completion.module_version.number if completion else None,
            }
        )
    return found


def scenario_choices(user: User, _now: datetime) -> list[dict[str, Any]]:
    """Each choice the person made in a branching scenario, oldest first."""
    found = db.session.execute(
        select(ScenarioChoice, Module.slug)
        .join(Module, Module.id == ScenarioChoice.module_id)
        .where(ScenarioChoice.user_id == user.id)
        .order_by(ScenarioChoice.chosen_at, ScenarioChoice.id)
    )
    return [
        {
            "module": module_slug,
            "lesson": choice.lesson_slug,
            "step": choice.step_id,
            "choice": choice.choice,
            "chosen_at": exported_time(choice.chosen_at),
        }
        for choice, module_slug in found
    ]


def quiz_attempts(user: User, _now: datetime) -> list[dict[str, Any]]:
    """Every quiz attempt of the person, oldest first, as it was shown and answered."""
    return [_attempt(attempt) for attempt in attempts_of(user)]


def _attempt(attempt: QuizAttempt) -> dict[str, Any]:
    """One quiz attempt as it was shown and answered, from the snapshot it stored.

    An attempt not yet submitted is shown as the quiz page shows it, without the right answers
    or explanations: a download must not give away the answers of an open quiz.
    """
    answers = attempt.answers or [None] * len(attempt.questions)
    results = attempt.results or [None] * len(attempt.questions)
    shown = [
        question if attempt.is_submitted else question_type(question["type"]).for_display(question)
        for question in attempt.questions
    ]
    return {
        "module": attempt.module.slug,
        "title": attempt.module_version.title,
        "version": attempt.module_version.number,
        "region": attempt.region,
        "started_at": exported_time(attempt.started_at),
        "submitted_at": exported_time(attempt.submitted_at),
        "score_percent": attempt.score_percent,
        "pass_mark": attempt.pass_mark,
        "passed": attempt.passed,
        "questions": [
            {
                "prompt": question["prompt"],
                "as_shown": as_shown,
                "your_answer": question_type(question["type"]).answer_in_words(question, answer),
                "right": result,
            }
            for question, as_shown, answer, result in zip(
                attempt.questions, shown, answers, results, strict=True
            )
        ],
    }


def keeps_records(user: User) -> bool:
    """Whether the person has read a lesson, started a quiz or completed a module."""
    return any(
        db.session.scalar(select(exists().where(model.user_id == user.id)))
        for model in KEPT_FOR_STATISTICS
    )


def move_to_stand_in(erasure: Erasure) -> None:
    """Give the person's lesson views, quiz attempts (their answers go with them), completions and
    scenario choices to the stand-in."""
    if erasure.stand_in is None:
        return
    for model in KEPT_FOR_STATISTICS:
        db.session.execute(
            update(model)
            .where(model.user_id == erasure.person.id)
            .values(user_id=erasure.stand_in.id)
            .execution_options(synchronize_session=False)
        )


register(
    PersonalData(
        feature="learning",
        exported={
            "lesson_views": "progress",
            "module_completions": "progress",
            "quiz_attempts": "quiz_attempts",
            "question_answers": "quiz_attempts (whether each question was answered right)",
            "scenario_choices": "scenario_choices",
        },
        sections=(
            ExportSection("progress", position=20, read=progress),
            ExportSection("quiz_attempts", position=30, read=quiz_attempts),
            ExportSection("scenario_choices", position=35, read=scenario_choices),
        ),
        erasure_order=40,
        erase=move_to_stand_in,
        keeps_records=keeps_records,
    )
)
