"""The course and its modules. A module's content lives in immutable versions: publishing or
importing changed content adds a version, and what learners saw, answered and earned keeps
pointing at the version they saw."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from course.core.database import UTCDateTime, utcnow
from course.core.regions import Region
from course.extensions import db


class Course(db.Model):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    certificate_validity_months: Mapped[int] = mapped_column(Integer, default=12)
    regions: Mapped[list[str]] = mapped_column(JSON)
    #: The languages the course is translated into besides English (``course.yaml``).
    languages: Mapped[list[str]] = mapped_column(JSON, server_default="[]")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    modules: Mapped[list[Module]] = relationship(
        back_populates="course", order_by="Module.position"
    )

    def __repr__(self) -> str:
        return f"<Course {self.slug!r}>"

    @property
    def listed_modules(self) -> list[Module]:
        """The modules learners see, in course order: those with a version and not archived."""
        return [module for module in self.modules if module.is_listed]

    @property
    def required_modules(self) -> list[Module]:
        return [module for module in self.listed_modules if module.is_required]


class Module(db.Model):
    __tablename__ = "modules"
    __table_args__ = (UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    slug: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)
    is_required: Mapped[bool] = mapped_column(Boolean, default=True)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("module_versions.id", use_alter=True, name="fk_modules_current_version")
    )
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    course: Mapped[Course] = relationship(back_populates="modules")
    current_version: Mapped[ModuleVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )
    versions: Mapped[list[ModuleVersion]] = relationship(
        back_populates="module",
        foreign_keys="ModuleVersion.module_id",
        order_by="ModuleVersion.number",
    )

    def __repr__(self) -> str:
        return f"<Module {self.slug!r}>"

    @property
    def is_listed(self) -> bool:
        return self.current_version is not None and self.archived_at is None


class ModuleVersion(db.Model):
    """One immutable state of a module's content."""

    __tablename__ = "module_versions"
    __table_args__ = (UniqueConstraint("module_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    folder_name: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    minutes: Mapped[int] = mapped_column(Integer)
    pass_mark: Mapped[int] = mapped_column(Integer)
    questions_per_attempt: Mapped[int] = mapped_column(Integer)
    reviewed: Mapped[date] = mapped_column(Date)
    objectives: Mapped[list[str]] = mapped_column(JSON)
    sources: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    #: SHA-256 of the canonical content: importing unchanged content adds no version.
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: Whether completing the module needs its scenario lessons played to an ending.
    scenario_counts: Mapped[bool] = mapped_column(Boolean, server_default="1")
    #: The pictures its lessons show: file name (``hot.svg``) -> digest of a :class:`Picture`.
    pictures: Mapped[dict[str, str]] = mapped_column(JSON, server_default="{}")
    #: Its measurement bank (``measure.yaml``) in canonical form, or ``None``: the questions of
    #: the optional tests before and after the module (see :mod:`course.measurement`).
    measurement: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    #: Who published it on the web; ``None`` when it came from files (the command line).
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    module: Mapped[Module] = relationship(back_populates="versions", foreign_keys=[module_id])
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="module_version", order_by="Lesson.position", cascade="all, delete-orphan"
    )
    questions: Mapped[list[Question]] = relationship(
        back_populates="module_version", order_by="Question.position", cascade="all, delete-orphan"
    )
    translations: Mapped[list[Translation]] = relationship(
        back_populates="module_version", order_by="Translation.id", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<ModuleVersion {self.module_id} v{self.number}>"

    def questions_for(self, region: Region) -> list[Question]:
        return [question for question in self.questions if question.applies_to(region)]


class Lesson(db.Model):
    __tablename__ = "lessons"
    __table_args__ = (UniqueConstraint("module_version_id", "slug"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    module_version_id: Mapped[int] = mapped_column(ForeignKey("module_versions.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    markdown: Mapped[str] = mapped_column(Text)
    #: ``facts`` or ``scenario`` (:class:`~course.catalogue.bundle.LessonKind`): only a lesson
    #: that teaches facts must cite a source.
    kind: Mapped[str] = mapped_column(String(20), default="facts", server_default="facts")
    #: The ids of the version's sources (``ModuleVersion.sources``) this lesson's facts come from.
    sources: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    #: Sanitised HTML for each region, rendered once when the version was made.
    html_by_region: Mapped[dict[str, str]] = mapped_column(JSON)
    #: A branching scenario in canonical form (:mod:`course.catalogue.scenarios`), or ``None``.
    scenario: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: The scenario's Markdown as sanitised HTML, rendered once: for each step id, its ``text``
    #: and each choice's ``feedback``, each by region code. Large, and read only by a scenario's
    #: own pages (once per step, region and version, into the shared fragments): loaded when
    #: asked for, not with every lesson of a module.
    scenario_html: Mapped[dict[str, Any] | None] = mapped_column(JSON, deferred=True)

    module_version: Mapped[ModuleVersion] = relationship(back_populates="lessons")

    def __repr__(self) -> str:
        return f"<Lesson {self.slug!r} of version {self.module_version_id}>"

    def html_for(self, region: Region) -> str:
        return self.html_by_region[region.value]

    def counts_for(self, version: ModuleVersion) -> bool:
        """Whether a learner must read this lesson (or play its scenario) to complete it."""
        return self.scenario is None or version.scenario_counts

    def step(self, step_id: str) -> dict[str, Any] | None:
        """The scenario's step with this id, if the lesson is a scenario and has one."""
        if self.scenario is None:
            return None
        return next((step for step in self.scenario["steps"] if step["id"] == step_id), None)


class Question(db.Model):
    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("module_version_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    module_version_id: Mapped[int] = mapped_column(ForeignKey("module_versions.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    #: The question's stable id from ``quiz.yaml``.
    key: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(40))
    #: The question in its type's canonical form (see ``catalogue.question_types``).
    data: Mapped[dict[str, Any]] = mapped_column(JSON)

    module_version: Mapped[ModuleVersion] = relationship(back_populates="questions")

    def __repr__(self) -> str:
        return f"<Question {self.key!r} ({self.type})>"

    def applies_to(self, region: Region) -> bool:
        regions = self.data.get("regions")
        return not regions or region.value in regions


class Picture(db.Model):
    """A picture's SVG text, stored once however many module versions show it."""

    __tablename__ = "pictures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: SHA-256 of the text, in hex: the picture's address.
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    svg: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<Picture {self.digest[:12]}>"


class Translation(db.Model):
    """One part of a module version (its text, a lesson, a question, ...) in another language: see
    :mod:`course.catalogue.translations`. Part of the version, so immutable like it."""

    __tablename__ = "translations"
    __table_args__ = (UniqueConstraint("module_version_id", "language", "part"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    module_version_id: Mapped[int] = mapped_column(ForeignKey("module_versions.id"), index=True)
    #: A language code as the translation's folder is named (``cy``).
    language: Mapped[str] = mapped_column(String(20))
    #: Which part it translates (``lesson:02-threat-levels.md``, ``question:<id>``, ...).
    part: Mapped[str] = mapped_column(String(200))
    #: The hash of the English it was made from.
    translates: Mapped[str] = mapped_column(String(64))
    #: Whether it was made from this version's English; a stale one was made from earlier English.
    is_current: Mapped[bool] = mapped_column(Boolean)
    #: The translated words, in the shape of the English part.
    text: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: Rendered once when the version was made: a lesson's Markdown as sanitised HTML by region
    #: (a scenario's like :attr:`Lesson.scenario_html`), a picture's translated SVG's digest
    #: (``{"digest": ...}``); ``None`` for parts shown as plain text.
    rendered: Mapped[dict[str, Any] | None] = mapped_column(JSON, deferred=True)

    module_version: Mapped[ModuleVersion] = relationship(back_populates="translations")

    def __repr__(self) -> str:
        return f"<Translation {self.language} {self.part!r} of version {self.module_version_id}>"
