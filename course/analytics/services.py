"""Per-module analytics: learners started and completed, how many read each lesson, how many
attempts learners needed to pass, how often each question is answered correctly, and how learners
chose at each decision point of its scenarios.

Every figure comes from a fixed number of aggregate queries, whatever the number of learners:
nothing is loaded per learner or per module. Each query reads an index made for it rather than
the rows (see ``course.learning.models``): attempt rows hold their question snapshot and are slow
to read. Per-question figures count every answer ever handed in, from the narrow
:class:`~course.learning.models.QuestionAnswer` rows written when an attempt is graded.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Subquery, func, select, union
from sqlalchemy.orm import selectinload

from course.catalogue.models import Course, Module, ModuleVersion, Question
from course.core.charts import BarChart, bar_chart
from course.extensions import db
from course.learning.models import (
    LessonView,
    ModuleCompletion,
    QuestionAnswer,
    QuizAttempt,
    ScenarioChoice,
)

#: A question is flagged once it has been answered this many times...
OUTLIER_MIN_ANSWERS = 30
#: ...and fewer than this percentage of answers are correct (too hard, or wrong)...
OUTLIER_LOW_PERCENT = 40
#: ...or more than this percentage are (too easy to tell anyone anything).
OUTLIER_HIGH_PERCENT = 97
#: Attempts to pass are shown as 1, 2, 3, and this many or more.
ATTEMPTS_TOP_BUCKET = 4
ATTEMPT_LABELS = {
    1: _l("1st attempt"),
    2: _l("2nd attempt"),
    3: _l("3rd attempt"),
    4: _l("4th attempt or later"),
}


class Outlier(Enum):
    LOW = "low"
    HIGH = "high"


def outlier(answered: int, correct: int) -> Outlier | None:
    """Whether a question's correct rate is an outlier: below 40% or above 97% of answers, once it
    has been answered at least 30 times. Compared exactly, without rounding: 39.9% is low, 40% is
    not; 97% is not high, 97.1% is."""
    if answered < OUTLIER_MIN_ANSWERS:
        return None
    if correct * 100 < OUTLIER_LOW_PERCENT * answered:
        return Outlier.LOW
    if correct * 100 > OUTLIER_HIGH_PERCENT * answered:
        return Outlier.HIGH
    return None


def percent(part: int, whole: int) -> float | None:
    """``part`` as a percentage of ``whole``, or ``None`` when there is no whole."""
    return 100 * part / whole if whole else None


@dataclass(frozen=True)
class ModuleFigures:
    """How many learners started a module (read a lesson or started its quiz) and completed it."""

    module: Module
    title: str
    started: int
    completed: int

    @property
    def completion_rate(self) -> float | None:
        return percent(self.completed, self.started)


@dataclass(frozen=True)
class LessonReach:
    """How many learners read one lesson of the module's current version."""

    position: int
    slug: str
    title: str
    learners: int


@dataclass(frozen=True)
class QuestionFigures:
    """How often a question (by its stable id) was answered, in submitted attempts, and how often
    correctly."""

    key: str
    prompt: str
    answered: int
    correct: int

    @property
    def correct_rate(self) -> float | None:
        return percent(self.correct, self.answered)

    @property
    def outlier(self) -> Outlier | None:
        return outlier(self.answered, self.correct)


@dataclass(frozen=True)
class DecisionFigures:
    """How learners chose at one decision point of a scenario: per choice, the learners who made
    it at least once (a learner who tried several paths counts for each choice they made)."""

    lesson_title: str
    step_id: str
    choices: list[tuple[str, int]]

    @property
    def learners(self) -> int:
        """Choices made, counted once per learner and choice: the whole that each share is of."""
        return sum(count for _label, count in self.choices)


@dataclass(frozen=True)
class ModuleAnalytics:
    figures: ModuleFigures
    #: How many submitted attempts the question rates come from: all of them.
    submitted_attempts: int
    lessons: list[LessonReach]
    lesson_chart: BarChart
    #: Learners who passed, by the attempt they passed on: ``(1, n), (2, n), (3, n), (4, n)``,
    #: the last meaning 4 or more.
    attempts_to_pass: list[tuple[int, int]]
    attempts_chart: BarChart
    questions: list[QuestionFigures]
    decisions: list[DecisionFigures]

    @property
    def passed(self) -> int:
        return sum(count for _attempts, count in self.attempts_to_pass)


def course_modules(course: Course) -> list[Module]:
    """The course's modules that have a version (archived ones too), in course order."""
    return list(
        db.session.scalars(
            select(Module)
            .options(selectinload(Module.current_version))
            .where(Module.course_id == course.id, Module.current_version_id.is_not(None))
            .order_by(Module.position)
        )
    )


def find_module(course: Course, slug: str) -> Module | None:
    """The course's module with this slug and a version, or ``None``."""
    return db.session.scalar(
        select(Module)
        .options(selectinload(Module.current_version).selectinload(ModuleVersion.lessons))
        .where(
            Module.course_id == course.id,
            Module.slug == slug,
            Module.current_version_id.is_not(None),
        )
    )


def _learners(module: Module | None = None) -> Subquery:
    """Each (module, learner) pair where the learner read a lesson or started the quiz, of
    ``module`` or of every module.

    Both halves read only an index that starts with ``(module_id, user_id)``; ordering the union
    by those columns lets SQLite merge the two ordered scans instead of sorting every pair: less
    than half the time of the union unordered, and less than counting readers and quiz-only
    learners apart.
    """
    readers = select(LessonView.module_id, LessonView.user_id)
    takers = select(QuizAttempt.module_id, QuizAttempt.user_id)
    if module is not None:
        readers = readers.where(LessonView.module_id == module.id)
        takers = takers.where(QuizAttempt.module_id == module.id)
    pairs = union(readers, takers)
    return pairs.order_by(*pairs.selected_columns).subquery()


def _started(module: Module) -> int:
    """Learners who read a lesson of ``module`` or started its quiz."""
    return db.session.scalar(select(func.count()).select_from(_learners(module))) or 0


def course_analytics(course: Course) -> list[ModuleFigures]:
    """Learners started and completed for every module of ``course``, from three queries."""
    modules = course_modules(course)
    learners = _learners()
    started = dict(
        db.session.execute(
            select(learners.c.module_id, func.count()).group_by(learners.c.module_id)
        ).all()
    )
    completed = dict(
        db.session.execute(
            select(ModuleCompletion.module_id, func.count()).group_by(ModuleCompletion.module_id)
        ).all()
    )
    return [
        ModuleFigures(
            module=module,
            title=module.current_version.title if module.current_version else module.slug,
            started=started.get(module.id, 0),
            completed=completed.get(module.id, 0),
        )
        for module in modules
    ]


def module_analytics(module: Module) -> ModuleAnalytics:
    """Every figure of one module's page, from a fixed number of aggregate queries."""
    started = _started(module)
    completed = (
        db.session.scalar(select(func.count()).where(ModuleCompletion.module_id == module.id)) or 0
    )
    figures = ModuleFigures(
        module=module,
        title=module.current_version.title if module.current_version else module.slug,
        started=started,
        completed=completed,
    )
    lessons = _lesson_reach(module)
    attempts = _attempts_to_pass(module)
    submitted = (
        db.session.scalar(
            select(func.count()).where(
                QuizAttempt.module_id == module.id, QuizAttempt.submitted_at.is_not(None)
            )
        )
        or 0
    )
    return ModuleAnalytics(
        figures=figures,
        submitted_attempts=submitted,
        lessons=lessons,
        lesson_chart=bar_chart([(lesson.title, lesson.learners) for lesson in lessons]),
        attempts_to_pass=attempts,
        attempts_chart=bar_chart(
            [(str(ATTEMPT_LABELS[number]), count) for number, count in attempts]
        ),
        questions=_question_figures(module),
        decisions=_decision_figures(module),
    )


def _lesson_reach(module: Module) -> list[LessonReach]:
    """Learners who read each lesson of the current version, in lesson order. A view counts by
    the lesson's slug, so reading it in an earlier version that had it counts too."""
    if module.current_version is None:
        return []
    readers = dict(
        db.session.execute(
            select(LessonView.lesson_slug, func.count())
            .where(LessonView.module_id == module.id)
            .group_by(LessonView.lesson_slug)
        ).all()
    )
    return [
        LessonReach(
            position=lesson.position,
            slug=lesson.slug,
            title=lesson.title,
            learners=readers.get(lesson.slug, 0),
        )
        for lesson in module.current_version.lessons
    ]


def _decision_figures(module: Module) -> list[DecisionFigures]:
    """Each decision point of the current version's scenarios, in order, with how many learners
    made each choice; one query for the whole module."""
    if module.current_version is None:
        return []
    made = {
        (lesson_slug, step_id, choice): learners
        for lesson_slug, step_id, choice, learners in db.session.execute(
            select(
                ScenarioChoice.lesson_slug,
                ScenarioChoice.step_id,
                ScenarioChoice.choice,
                func.count(func.distinct(ScenarioChoice.user_id)),
            )
            .where(ScenarioChoice.module_id == module.id)
            .group_by(ScenarioChoice.lesson_slug, ScenarioChoice.step_id, ScenarioChoice.choice)
        )
    }
    return [
        DecisionFigures(
            lesson_title=lesson.title,
            step_id=step["id"],
            choices=[
                (choice["label"], made.get((lesson.slug, step["id"], number), 0))
                for number, choice in enumerate(step["choices"], start=1)
            ],
        )
        for lesson in module.current_version.lessons
        if lesson.scenario is not None
        for step in lesson.scenario["steps"]
        if step.get("choices")
    ]


def _attempts_to_pass(module: Module) -> list[tuple[int, int]]:
    """Learners who passed the quiz, by how many submitted attempts it took them (their first
    pass included); attempts after the first pass do not count."""
    numbered = (
        select(
            QuizAttempt.user_id,
            QuizAttempt.passed,
            func.row_number()
            .over(partition_by=QuizAttempt.user_id, order_by=QuizAttempt.id)
            .label("number"),
        )
        .where(QuizAttempt.module_id == module.id, QuizAttempt.submitted_at.is_not(None))
        .subquery()
    )
    needed = (
        select(func.min(numbered.c.number).label("needed"))
        .where(numbered.c.passed.is_(True))
        .group_by(numbered.c.user_id)
        .subquery()
    )
    buckets = dict.fromkeys(range(1, ATTEMPTS_TOP_BUCKET + 1), 0)
    for attempts, count in db.session.execute(
        select(needed.c.needed, func.count()).group_by(needed.c.needed)
    ):
        buckets[min(attempts, ATTEMPTS_TOP_BUCKET)] += count
    return list(buckets.items())


def _question_figures(module: Module) -> list[QuestionFigures]:
    """The correct rate of every question answered in the module's submitted attempts, counting
    every answer, hardest first. The prompt shown is the one in the latest version that has the
    question, or else the one it was shown with in its latest answered attempt."""
    counts: dict[str, list[int]] = {}
    latest_attempt: dict[str, int] = {}
    # Grouped by result too, so that the count needs nothing outside the index.
    for key, correct, answered, attempt_id in db.session.execute(
        select(
            QuestionAnswer.question_key,
            QuestionAnswer.correct,
            func.count(),
            func.max(QuestionAnswer.attempt_id),
        )
        .where(QuestionAnswer.module_id == module.id)
        .group_by(QuestionAnswer.question_key, QuestionAnswer.correct)
    ):
        answered_and_correct = counts.setdefault(key, [0, 0])
        answered_and_correct[0] += answered
        if correct:
            answered_and_correct[1] += answered
        latest_attempt[key] = max(latest_attempt.get(key, 0), attempt_id)
    prompts = _prompts(module, latest_attempt)
    figures = [
        QuestionFigures(key=key, prompt=prompts.get(key) or key, answered=answered, correct=correct)
        for key, (answered, correct) in counts.items()
    ]
    figures.sort(key=lambda question: (question.correct / question.answered, question.key))
    return figures


def _prompts(module: Module, latest_attempt: dict[str, int]) -> dict[str, str]:
    """Each question's prompt: from the latest version of ``module`` that has the question, else
    from the snapshot of the attempt given for it in ``latest_attempt`` (a question since removed
    from every version). One query, plus one for the snapshots when any question needs them."""
    prompts: dict[str, str] = {}
    for key, data in db.session.execute(
        select(Question.key, Question.data)
        .join(ModuleVersion, ModuleVersion.id == Question.module_version_id)
        .where(ModuleVersion.module_id == module.id)
        .order_by(ModuleVersion.number)
    ):
        prompts[key] = data.get("prompt", key)
    missing = {key: attempt for key, attempt in latest_attempt.items() if key not in prompts}
    if missing:
        for attempt_id, snapshot in db.session.execute(
            select(QuizAttempt.id, QuizAttempt.questions).where(
                QuizAttempt.id.in_(set(missing.values()))
            )
        ):
            for question in snapshot:
                if missing.get(question.get("key")) == attempt_id and question.get("prompt"):
                    prompts[question["key"]] = question["prompt"]
    return prompts
