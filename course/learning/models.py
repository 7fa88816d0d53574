"""What each learner has done: lessons read, quiz attempts, modules completed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from course.catalogue.models import Module, ModuleVersion
from course.core.database import UTCDateTime, utcnow
from course.extensions import db


class LessonView(db.Model):
    """A learner has read a lesson. Keyed by the lesson's slug, so it carries over to new
    versions of the module that keep the lesson."""

    __tablename__ = "lesson_views"
    __table_args__ = (
        UniqueConstraint("user_id", "module_id", "lesson_slug"),
        # Learners started and readers per lesson read this index alone, never the rows.
        Index("ix_lesson_views_module_user", "module_id", "user_id", "lesson_slug"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"))
    lesson_slug: Mapped[str] = mapped_column(String(100))
    viewed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<LessonView user {self.user_id} {self.lesson_slug!r}>"


class ScenarioChoice(db.Model):
    """A learner's choice at one step of a branching scenario: the analytics show, per decision
    point, how learners chose. Keyed by the lesson's and step's slugs, as lesson views are."""

    __tablename__ = "scenario_choices"
    __table_args__ = (
        Index("ix_scenario_choices_step", "module_id", "lesson_slug", "step_id", "choice"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"))
    lesson_slug: Mapped[str] = mapped_column(String(100))
    step_id: Mapped[str] = mapped_column(String(100))
    #: The choice's number on the step, from 1.
    choice: Mapped[int] = mapped_column(Integer)
    chosen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<ScenarioChoice user {self.user_id} {self.step_id!r} {self.choice}>"


class QuizAttempt(db.Model):
    """One try at a module's quiz, stored exactly as it was shown and answered.

    ``questions`` is the snapshot drawn for this attempt: each question's prompt, its choices in
    the order shown with their random ids, what is correct, and the explanation. It is graded and
    shown again from this snapshot only, so later edits to the module never change it.
    """

    __tablename__ = "quiz_attempts"
    __table_args__ = (
        Index("ix_quiz_attempts_user_module", "user_id", "module_id"),
        # Attempts to pass and learners started read this index alone: the rows hold the
        # snapshot, so reading ``passed`` or ``submitted_at`` from them walks overflow pages.
        Index(
            "ix_quiz_attempts_module_progress",
            "module_id",
            "user_id",
            "id",
            "passed",
            "submitted_at",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"))
    module_version_id: Mapped[int] = mapped_column(ForeignKey("module_versions.id"), index=True)
    region: Mapped[str] = mapped_column(String(8))
    pass_mark: Mapped[int] = mapped_column(Integer)
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    answers: Mapped[list[Any] | None] = mapped_column(JSON)
    results: Mapped[list[bool] | None] = mapped_column(JSON)
    score_percent: Mapped[int | None] = mapped_column(Integer)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    module: Mapped[Module] = relationship()
    module_version: Mapped[ModuleVersion] = relationship()

    def __repr__(self) -> str:
        return f"<QuizAttempt {self.id} user {self.user_id} module {self.module_id}>"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def correct_count(self) -> int:
        return sum(1 for result in self.results or [] if result)


class QuestionAnswer(db.Model):
    """One question of a submitted attempt, and whether it was answered correctly.

    Written with the grading of the attempt, one row per question of its snapshot, so that the
    correct rate of each question is counted from these narrow rows instead of the snapshots.
    """

    __tablename__ = "question_answers"
    __table_args__ = (
        UniqueConstraint("attempt_id", "question_key"),
        # The correct rate per question is grouped from this index alone.
        Index(
            "ix_question_answers_module_question",
            "module_id",
            "question_key",
            "correct",
            "attempt_id",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"))
    #: The question's stable id, as in the snapshot (``key``).
    question_key: Mapped[str] = mapped_column(String(100))
    correct: Mapped[bool] = mapped_column(Boolean)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return (
            f"<QuestionAnswer attempt {self.attempt_id} {self.question_key!r} "
            f"{'correct' if self.correct else 'wrong'}>"
        )


class ModuleCompletion(db.Model):
    """A learner completed a module: read every lesson and passed its quiz. It stays complete
    when the module is republished."""

    __tablename__ = "module_completions"
    __table_args__ = (UniqueConstraint("user_id", "module_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    module_version_id: Mapped[int] = mapped_column(ForeignKey("module_versions.id"))
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id"))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    module_version: Mapped[ModuleVersion] = relationship()

    def __repr__(self) -> str:
        return f"<ModuleCompletion user {self.user_id} module {self.module_id}>"
