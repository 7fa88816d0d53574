"""The course's outline: its listed modules, their current versions and their lessons' titles, as
plain data that no database session owns.

The dashboard (and every page that shows progress) needs the course's structure on each request,
and it changes only when something is published, imported, archived or moved. Loading it from the
database cost four queries and the ORM's work for some sixty objects. :func:`current_outline`
builds it once per content version (:func:`course.catalogue.services.content_version`, the same
fingerprint the page cache keys shared pages by) and keeps it in this process's memory: the
content version is read from the database on every call, so a change committed by any worker,
host or command shows on the next request. It is kept in memory rather than in the page cache's
Redis: it is small and the same in every process, and Redis would add a round trip to every
request that asks for it.

An outline holds nothing personal: what a learner has done is read afresh on each request
(:mod:`course.learning.services`).
"""

from __future__ import annotations

from dataclasses import dataclass
from weakref import WeakKeyDictionary

from flask import Flask, current_app

from course.catalogue import services as catalogue
from course.catalogue.models import Course, Module, ModuleVersion


@dataclass(frozen=True)
class LessonOutline:
    slug: str
    title: str
    #: Whether completing the module needs it read (a scenario may not count).
    counts: bool = True


@dataclass(frozen=True)
class VersionOutline:
    """What learners see of a module's current version, without its lessons' text or its quiz."""

    id: int
    number: int
    title: str
    summary: str
    minutes: int
    lessons: tuple[LessonOutline, ...]

    @classmethod
    def of(cls, version: ModuleVersion) -> VersionOutline:
        return cls(
            id=version.id,
            number=version.number,
            title=version.title,
            summary=version.summary,
            minutes=version.minutes,
            lessons=tuple(
                LessonOutline(lesson.slug, lesson.title, lesson.counts_for(version))
                for lesson in version.lessons
            ),
        )


@dataclass(frozen=True)
class ModuleOutline:
    """A listed module (published and not archived) with its current version."""

    id: int
    slug: str
    is_required: bool
    current_version: VersionOutline

    @property
    def current_version_id(self) -> int:
        return self.current_version.id

    @classmethod
    def of(cls, module: Module) -> ModuleOutline:
        """The outline of ``module``, which must have a current version."""
        if module.current_version is None:
            raise ValueError(f"module {module.slug!r} has no published version")
        return cls(
            id=module.id,
            slug=module.slug,
            is_required=module.is_required,
            current_version=VersionOutline.of(module.current_version),
        )


@dataclass(frozen=True)
class CourseOutline:
    id: int
    slug: str
    title: str
    #: The modules learners see, in course order.
    listed_modules: tuple[ModuleOutline, ...]

    @property
    def required_modules(self) -> list[ModuleOutline]:
        return [module for module in self.listed_modules if module.is_required]

    @property
    def required_minutes(self) -> int:
        """About how long the required modules take, rounded up to five minutes: each module's
        minutes are an estimate already."""
        minutes = sum(module.current_version.minutes for module in self.required_modules)
        return -(-minutes // 5) * 5

    @classmethod
    def of(cls, course: Course) -> CourseOutline:
        return cls(
            id=course.id,
            slug=course.slug,
            title=course.title,
            listed_modules=tuple(ModuleOutline.of(module) for module in course.listed_modules),
        )


#: Each app's last outline, under the content version it was built for. One per app: an app is
#: one database, and only the course as it is now is asked for.
_kept: WeakKeyDictionary[Flask, tuple[str, CourseOutline | None]] = WeakKeyDictionary()


def current_outline() -> CourseOutline | None:
    """The outline of the course this site serves as it is now (``None`` before any import):
    built from the database when the content version has changed since it was last built, else
    the one kept in this process's memory."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    version = catalogue.content_version()
    kept = _kept.get(app)
    if kept is not None and kept[0] == version:
        return kept[1]
    course = catalogue.the_course()
    outline = CourseOutline.of(course) if course is not None else None
    # Where each statement sees the latest commit (PostgreSQL), something published while the
    # course was read would leave an outline newer than its key: keep it only when the content
    # version still matches.
    if catalogue.content_version() == version:
        _kept[app] = (version, outline)
    return outline
