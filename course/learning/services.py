"""Learning operations: reading lessons, taking quizzes, completing modules, and progress.

Rules (see the design): a module is complete when every lesson of its current version has been
read (its scenario played to an ending, unless the module says a scenario does not count) and its
quiz passed; it stays complete when republished. The course is complete when every
required module is. A quiz attempt draws ``questions_per_attempt`` questions for the learner's
region at random, shuffles their choices, stores the lot, and is graded once, from what it stored.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_login import current_user
from sqlalchemy import bindparam, case, func, literal, null, select, union_all
from werkzeug.datastructures import MultiDict

from course.accounts.models import User
from course.catalogue.localised import language_marks, question_in_language
from course.catalogue.models import Course, Lesson, Module, Question
from course.catalogue.outline import (
    CourseOutline,
    LessonOutline,
    ModuleOutline,
    VersionOutline,
    current_outline,
)
from course.catalogue.question_types import Presented, question_type
from course.core.database import get_for_update, utcnow
from course.core.regions import Region, visitor_region
from course.extensions import db
from course.learning.models import (
    LessonView,
    ModuleCompletion,
    QuestionAnswer,
    QuizAttempt,
    ScenarioChoice,
)


def current_region() -> Region:
    """The region whose advice to show: the learner's own, or the visitor's
    (:func:`~course.core.regions.visitor_region`: their choice, else their browser's languages)."""
    if current_user.is_authenticated:
        return Region(current_user.region)
    return visitor_region()


def record_lesson_read(user: User, module: Module, lesson: Lesson) -> None:
    """Note that ``user`` has read ``lesson`` (once), and complete the module if that was all.

    Reading the same lesson in two tabs at once records it once: see :func:`_lock_learner`.
    """
    _lock_learner(user)
    already = db.session.scalar(
        select(LessonView.id).where(
            LessonView.user_id == user.id,
            LessonView.module_id == module.id,
            LessonView.lesson_slug == lesson.slug,
        )
    )
    if already is None:
        view = LessonView(user_id=user.id, module_id=module.id, lesson_slug=lesson.slug)
        view.viewed_at = user.last_activity_at = utcnow()
        db.session.add(view)
        db.session.flush()
    _complete_module_if_done(user, module)


def lessons_read(user: User, module: Module) -> set[str]:
    return set(
        db.session.scalars(
            select(LessonView.lesson_slug).where(
                LessonView.user_id == user.id, LessonView.module_id == module.id
            )
        )
    )


def open_attempt(user: User, module: Module) -> QuizAttempt | None:
    """The learner's unsubmitted attempt at this module's quiz, if any."""
    return db.session.scalar(
        select(QuizAttempt)
        .where(
            QuizAttempt.user_id == user.id,
            QuizAttempt.module_id == module.id,
            QuizAttempt.submitted_at.is_(None),
        )
        .order_by(QuizAttempt.id.desc())
        .limit(1)
    )


def _lock_learner(user: User) -> None:
    """Take the learner's row lock for the rest of the transaction, so that their reads, starts
    and hand-ins run one after another.

    Each of them reads what the learner has done, then inserts rows under unique constraints
    (a lesson read, the module's completion). On SQLite ``begin_write`` alone serialises them; on
    PostgreSQL two of them at once (two tabs, a double click) would both see nothing and both
    insert: one fails with a unique violation, or neither sees the other's part and the module is
    never completed. Always taken before any other row lock of the learner's, so locks cannot
    deadlock.
    """
    get_for_update(User, user.id)


def own_attempt(user: User, module: Module, attempt_id: int) -> QuizAttempt | None:
    """The attempt, if it is ``user``'s and at ``module``; ``None`` for anyone else's."""
    attempt = db.session.get(QuizAttempt, attempt_id)
    if attempt is None or attempt.user_id != user.id or attempt.module_id != module.id:
        return None
    return attempt


def start_attempt(
    user: User, module: Module, region: Region, rng: random.Random | None = None
) -> QuizAttempt:
    """Draw a new attempt, or return the one already open (so a double click starts one)."""
    _lock_learner(user)
    existing = open_attempt(user, module)
    if existing is not None:
        return existing
    version = module.current_version
    if version is None:
        raise ValueError(f"module {module.slug!r} has no published version")
    rng = rng or random.SystemRandom()
    bank = version.questions_for(region)
    drawn = rng.sample(bank, min(version.questions_per_attempt, len(bank)))
    attempt = QuizAttempt(
        user_id=user.id,
        module_id=module.id,
        module_version_id=version.id,
        region=region.value,
        pass_mark=version.pass_mark,
        questions=[_presented(question, rng) for question in drawn],
    )
    db.session.add(attempt)
    db.session.flush()
    return attempt


def _presented(question: Question, rng: random.Random) -> Presented:
    """The question as the attempt keeps it, in the learner's language where it is translated:
    an attempt shows the words it was started with."""
    data, shown = question_in_language(question)
    return {**question_type(question.type).present(data, rng), **language_marks(shown)}


@dataclass(frozen=True)
class AnswerSheet:
    """What a submitted form said: one answer (or ``None``) per question, in order."""

    answers: list[Any]

    @property
    def unanswered(self) -> list[int]:
        """1-based numbers of the questions left unanswered."""
        return [number for number, answer in enumerate(self.answers, start=1) if answer is None]


def question_field(number: int) -> str:
    return f"question-{number}"


def read_answers(attempt: QuizAttempt, form: MultiDict[str, str]) -> AnswerSheet:
    return AnswerSheet(
        [
            question_type(question["type"]).read_answer(question, form, question_field(number))
            for number, question in enumerate(attempt.questions, start=1)
        ]
    )


def submit_attempt(user: User, attempt_id: int, sheet: AnswerSheet) -> QuizAttempt | None:
    """Grade the attempt once, from its own snapshot, record each question's result as a
    :class:`QuestionAnswer` (for analytics), and complete the module if it passed.

    A second submission (double click, back button, another tab) changes nothing and returns the
    graded attempt. ``None`` if the attempt is not this learner's.
    """
    _lock_learner(user)
    attempt = get_for_update(QuizAttempt, attempt_id)
    if attempt is None or attempt.user_id != user.id:
        return None
    if attempt.is_submitted:
        return attempt
    results = [
        question_type(question["type"]).is_correct(question, answer)
        for question, answer in zip(attempt.questions, sheet.answers, strict=True)
    ]
    attempt.answers = sheet.answers
    attempt.results = results
    attempt.score_percent = round(100 * sum(results) / len(results)) if results else 0
    attempt.passed = attempt.score_percent >= attempt.pass_mark
    attempt.submitted_at = user.last_activity_at = utcnow()
    db.session.add_all(
        QuestionAnswer(
            attempt_id=attempt.id,
            module_id=attempt.module_id,
            question_key=question["key"],
            correct=correct,
            submitted_at=attempt.submitted_at,
        )
        for question, correct in zip(attempt.questions, results, strict=True)
    )
    db.session.flush()
    if attempt.passed:
        _complete_module_if_done(user, attempt.module)
    return attempt


def _complete_module_if_done(user: User, module: Module) -> None:
    version = module.current_version
    if version is None or _completion(user, module) is not None:
        return
    counted = {lesson.slug for lesson in version.lessons if lesson.counts_for(version)}
    if counted - lessons_read(user, module):
        return
    passed = db.session.scalar(
        select(QuizAttempt)
        .where(
            QuizAttempt.user_id == user.id,
            QuizAttempt.module_id == module.id,
            QuizAttempt.passed.is_(True),
        )
        .order_by(QuizAttempt.submitted_at.desc())
        .limit(1)
    )
    if passed is not None:
        db.session.add(
            ModuleCompletion(
                user_id=user.id,
                module_id=module.id,
                module_version_id=passed.module_version_id,
                attempt_id=passed.id,
            )
        )


def _completion(user: User, module: Module) -> ModuleCompletion | None:
    return db.session.scalar(
        select(ModuleCompletion).where(
            ModuleCompletion.user_id == user.id, ModuleCompletion.module_id == module.id
        )
    )


def submitted_attempts(user: User, module: Module) -> list[QuizAttempt]:
    return list(
        db.session.scalars(
            select(QuizAttempt)
            .where(
                QuizAttempt.user_id == user.id,
                QuizAttempt.module_id == module.id,
                QuizAttempt.submitted_at.is_not(None),
            )
            .order_by(QuizAttempt.submitted_at.desc())
        )
    )


@dataclass(frozen=True)
class NextStep:
    """What a learner does next in a module: read ``lesson`` (a slug), or take the quiz, or, when
    neither, nothing: the module is complete."""

    lesson: LessonOutline | None = None
    take_quiz: bool = False
    #: Whether the learner has read any of the module's lessons yet ("start" or "continue").
    started: bool = False


@dataclass(frozen=True)
class ModuleProgress:
    module: ModuleOutline
    version: VersionOutline
    lessons_read: int
    lessons_total: int
    best_score: int | None
    passed: bool
    completed: bool
    #: The slugs of the current version's lessons the learner has read.
    read: frozenset[str] = frozenset()

    @property
    def next_step(self) -> NextStep:
        """The first lesson not yet read, in order; else the quiz until it is passed."""
        unread = [
            lesson
            for lesson in self.version.lessons
            if lesson.counts and lesson.slug not in self.read
        ]
        if unread:
            return NextStep(lesson=unread[0], started=bool(self.read))
        return NextStep(take_quiz=not self.passed, started=True)

    @property
    def status(self) -> str:
        if self.completed:
            return "completed"
        if self.lessons_read or self.best_score is not None:
            return "in-progress"
        return "not-started"


@dataclass(frozen=True)
class CourseProgress:
    modules: list[ModuleProgress]

    @property
    def required(self) -> list[ModuleProgress]:
        return [progress for progress in self.modules if progress.module.is_required]

    @property
    def completed_required(self) -> int:
        return sum(1 for progress in self.required if progress.completed)

    @property
    def is_complete(self) -> bool:
        return bool(self.required) and self.completed_required == len(self.required)

    @property
    def percent(self) -> int:
        return round(100 * self.completed_required / len(self.required)) if self.required else 0

    @property
    def next_module(self) -> ModuleProgress | None:
        """Where to carry on: the first module begun but not finished, else the first not begun."""
        unfinished = [progress for progress in self.required if not progress.completed]
        begun = [progress for progress in unfinished if progress.status == "in-progress"]
        return (begun or unfinished or [None])[0]

    def next_module_after(self, module_id: int) -> ModuleProgress | None:
        """The required module to go on to after ``module_id``: the next one in course order not
        yet complete, else an earlier one left unfinished; ``None`` when all are complete."""
        unfinished = [p for p in self.required if not p.completed and p.module.id != module_id]
        position = {progress.module.id: index for index, progress in enumerate(self.modules)}
        here = position.get(module_id, -1)
        later = [progress for progress in unfinished if position[progress.module.id] > here]
        return (later or unfinished or [None])[0]


def course_progress(user: User | None, course: Course | CourseOutline) -> CourseProgress:
    """Progress in every listed module, from one query of the learner's records (none per
    module). ``course`` is best the cached :func:`~course.catalogue.outline.current_outline`; a
    loaded :class:`Course` is outlined first."""
    outline = course if isinstance(course, CourseOutline) else CourseOutline.of(course)
    return CourseProgress(_progress_in(user, outline.listed_modules))


def module_to_go_on_to(user: User, progress: ModuleProgress | None) -> ModuleProgress | None:
    """Once a module is complete, the one for ``user`` to go on to (``None`` while it is not, or
    when the whole course is)."""
    if progress is None or not progress.completed:
        return None
    outline = current_outline()
    if outline is None:
        return None
    return course_progress(user, outline).next_module_after(progress.module.id)


def module_progress(user: User, module: Module) -> ModuleProgress | None:
    """Progress in one module, from the same query; ``None`` when it has no published version."""
    if module.current_version is None:
        return None
    return _progress_in(user, [ModuleOutline.of(module)])[0]


# Built once, with the learner as its one parameter: everything progress needs of what they have
# done, in one round trip. Each row is (what, module id, lesson slug, best score, passed): a
# lesson read, a module's submitted attempts (best score and whether any passed), or a completed
# module. Rows of modules no longer listed are dropped when they are counted.
_READ, _QUIZ, _COMPLETED = "read", "quiz", "completed"
_LEARNERS_RECORDS = union_all(
    select(literal(_READ), LessonView.module_id, LessonView.lesson_slug, null(), null()).where(
        LessonView.user_id == bindparam("user_id")
    ),
    select(
        literal(_QUIZ),
        QuizAttempt.module_id,
        null(),
        func.max(QuizAttempt.score_percent),
        func.max(case((QuizAttempt.passed.is_(True), 1), else_=0)),
    )
    .where(QuizAttempt.user_id == bindparam("user_id"), QuizAttempt.submitted_at.is_not(None))
    .group_by(QuizAttempt.module_id),
    select(literal(_COMPLETED), ModuleCompletion.module_id, null(), null(), null()).where(
        ModuleCompletion.user_id == bindparam("user_id")
    ),
)


def _progress_in(user: User | None, modules: Sequence[ModuleOutline]) -> list[ModuleProgress]:
    read: dict[int, set[str]] = {}
    scores: dict[int, tuple[int | None, bool]] = {}
    completed: set[int] = set()
    if user is not None:
        # Plain rows, so the session's connection runs it without the ORM's layer.
        for what, module_id, slug, best, passed in db.session.connection().execute(
            _LEARNERS_RECORDS, {"user_id": user.id}
        ):
            if what == _READ:
                read.setdefault(module_id, set()).add(slug)
            elif what == _QUIZ:
                scores[module_id] = (best, bool(passed))
            else:
                completed.add(module_id)
    progress = []
    for module in modules:
        version = module.current_version
        slugs = {lesson.slug for lesson in version.lessons if lesson.counts}
        best, passed = scores.get(module.id, (None, False))
        read_here = frozenset(read.get(module.id, set()) & slugs)
        progress.append(
            ModuleProgress(
                module=module,
                version=version,
                read=read_here,
                lessons_read=len(read_here),
                lessons_total=len(slugs),
                best_score=best,
                passed=passed,
                completed=module.id in completed,
            )
        )
    return progress


def modules_passed_on_current_version_since(
    user: User, modules: Sequence[Module | ModuleOutline], since: datetime
) -> set[int]:
    """Ids of the modules whose current version's quiz ``user`` passed at or after ``since``."""
    current_versions = {module.current_version_id: module.id for module in modules}
    passed_versions = db.session.scalars(
        select(QuizAttempt.module_version_id).where(
            QuizAttempt.user_id == user.id,
            QuizAttempt.passed.is_(True),
            QuizAttempt.submitted_at >= since,
            QuizAttempt.module_version_id.in_([v for v in current_versions if v is not None]),
        )
    )
    return {current_versions[version_id] for version_id in passed_versions}


def completed_versions(user: User, modules: list[Module]) -> dict[int, int]:
    """For each completed module among ``modules``: the version it was completed on."""
    rows = db.session.execute(
        select(ModuleCompletion.module_id, ModuleCompletion.module_version_id).where(
            ModuleCompletion.user_id == user.id,
            ModuleCompletion.module_id.in_([module.id for module in modules]),
        )
    )
    return {module_id: version_id for module_id, version_id in rows}


def lesson_views_of(user: User) -> list[LessonView]:
    """Every lesson ``user`` has read, in any module, oldest first."""
    return list(
        db.session.scalars(
            select(LessonView)
            .where(LessonView.user_id == user.id)
            .order_by(LessonView.viewed_at, LessonView.id)
        )
    )


def completions_of(user: User) -> list[ModuleCompletion]:
    """Every module ``user`` has completed, oldest first."""
    return list(
        db.session.scalars(
            select(ModuleCompletion)
            .where(ModuleCompletion.user_id == user.id)
            .order_by(ModuleCompletion.completed_at, ModuleCompletion.id)
        )
    )


def attempts_of(user: User) -> list[QuizAttempt]:
    """Every quiz attempt of ``user``, submitted or not, in any module, oldest first."""
    return list(
        db.session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.user_id == user.id)
            .order_by(QuizAttempt.started_at, QuizAttempt.id)
        )
    )


def record_scenario_choice(
    user: User, module: Module | ModuleOutline, lesson: Lesson, step_id: str, number: int
) -> bool:
    """Keep the learner's choice ``number`` (from 1) at a step of the lesson's scenario, for the
    analytics. :returns: whether it was a choice the step has (nothing is kept otherwise)."""
    step = lesson.step(step_id)
    if step is None or not 1 <= number <= len(step.get("choices", [])):
        return False
    db.session.add(
        ScenarioChoice(
            user_id=user.id,
            module_id=module.id,
            lesson_slug=lesson.slug,
            step_id=step_id,
            choice=number,
        )
    )
    return True
