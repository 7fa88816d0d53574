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
from course.catalogue.localised import AS_WRITTEN, Shown, VersionTranslation, reading_language
from course.catalogue.models import Course, Module, ModuleVersion
from course.catalogue.translations import MODULE_PART, lesson_part


@dataclass(frozen=True)
class LessonOutline:
    slug: str
    title: str
    #: Whether completing the module needs it read (a scenario may not count).
    counts: bool = True
    #: The language of its title (the page's, or English where it has no translation).
    shown: Shown = AS_WRITTEN


@dataclass(frozen=True)
class VersionOutline:
    """What learners see of a module's current version, without its lessons' text or its quiz."""

    id: int
    number: int
    title: str
    summary: str
    minutes: int
    lessons: tuple[LessonOutline, ...]
    #: The language of its title and summary.
    shown: Shown = AS_WRITTEN

    @classmethod
    def of(cls, version: ModuleVersion, language: str | None = None) -> VersionOutline:
        """The version's outline, its titles in ``language`` where they are translated."""
        translation = VersionTranslation(version.id, language)
        module_text = translation.text(MODULE_PART) or {}
        lessons = []
        for lesson in version.lessons:
            part = lesson_part(lesson.file_name)
            lesson_text = translation.text(part) or {}
            lessons.append(
                LessonOutline(
                    lesson.slug,
                    lesson_text.get("title", lesson.title),
                    lesson.counts_for(version),
                    translation.shown(part),
                )
            )
        return cls(
            id=version.id,
            number=version.number,
            title=module_text.get("title", version.title),
            summary=module_text.get("summary", version.summary),
            minutes=version.minutes,
            lessons=tuple(lessons),
            shown=translation.shown(MODULE_PART),
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
    def of(cls, module: Module, language: str | None = None) -> ModuleOutline:
        """The outline of ``module``, which must have a current version."""
        if module.current_version is None:
            raise ValueError(f"module {module.slug!r} has no published version")
        return cls(
            id=module.id,
            slug=module.slug,
            is_required=module.is_required,
            current_version=VersionOutline.of(module.current_version, language),
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
    def of(cls, course: Course, language: str | None = None) -> CourseOutline:
        return cls(
            id=course.id,
            slug=course.slug,
            title=course.title,
            listed_modules=tuple(
                ModuleOutline.of(module, language) for module in course.listed_modules
            ),
        )


#: Each app's outlines, by the page's language, under the content version they were built for.
#: One set per app: an app is one database, and only the course as it is now is asked for.
_kept: WeakKeyDictionary[Flask, tuple[str, dict[str | None, CourseOutline | None]]] = (
    WeakKeyDictionary()
)


def current_outline() -> CourseOutline | None:
    """The outline of the course this site serves as it is now (``None`` before any import), in
    the page's language: built from the database when the content version has changed since it
    was last built, else the one kept in this process's memory."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    language = reading_language()
    version = catalogue.content_version()
    kept = _kept.get(app)
    if kept is not None and kept[0] == version and language in kept[1]:
        return kept[1][language]
    course = catalogue.the_course()
    outline = CourseOutline.of(course, language) if course is not None else None
    # Where each statement sees the latest commit (PostgreSQL), something published while the
    # course was read would leave an outline newer than its key: keep it only when the content
    # version still matches.
    if catalogue.content_version() == version:
        outlines = kept[1] if kept is not None and kept[0] == version else {}
        _kept[app] = (version, {**outlines, language: outline})
    return outline
