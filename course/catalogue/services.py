"""Catalogue operations: import a bundle (only what changed), export it back, and look things up."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from course.accounts.models import User
from course.catalogue.bundle import CourseSource, LessonKind, LessonSource, ModuleSource
from course.catalogue.markdown import render_all_regions
from course.catalogue.models import (
    Course,
    Lesson,
    Module,
    ModuleVersion,
    Picture,
    Question,
    Translation,
)
from course.catalogue.pictures import digest_of, picture_url
from course.catalogue.translations import (
    Translations,
    english_parts,
    is_current,
    picture_part,
    translated_picture,
    translated_scenario,
)
from course.core.database import begin_write, utcnow
from course.core.i18n import is_right_to_left
from course.core.page_cache import forget_shared_pages
from course.extensions import db


@dataclass
class ImportReport:
    """What an import did, module by module."""

    created: list[str] = field(default_factory=list)
    new_versions: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)


def import_course(source: CourseSource) -> ImportReport:
    """Bring the database in line with a checked bundle, in the current transaction.

    Unchanged modules get no new version; changed ones get one, which learners see at once.
    Modules the bundle no longer has are archived (hidden), never deleted, so learners' records
    of them stay intact.
    """
    begin_write()
    report = ImportReport()
    course = db.session.scalar(select(Course).where(Course.slug == source.slug))
    if course is None:
        course = Course(slug=source.slug)
        db.session.add(course)
    course.title = source.title
    course.summary = source.summary
    course.certificate_validity_months = source.certificate_validity_months
    course.regions = list(source.regions)
    course.languages = list(source.languages)
    existing = {module.slug: module for module in course.modules}
    for position, module_source in enumerate(source.modules, start=1):
        module = existing.pop(module_source.slug, None)
        if module is None:
            module = Module(course=course, slug=module_source.slug)
            db.session.add(module)
            report.created.append(module_source.slug)
        module.position = position
        module.is_required = module_source.slug in source.required
        module.archived_at = None
        if store_version(module, module_source):
            if module_source.slug not in report.created:
                report.new_versions.append(module_source.slug)
        else:
            report.unchanged.append(module_source.slug)
    for module in existing.values():
        if module.archived_at is None:
            module.archived_at = utcnow()
            report.archived.append(module.slug)
    forget_shared_pages()
    return report


def store_version(
    module: Module, source: ModuleSource, published_by: User | None = None
) -> ModuleVersion | None:
    """Add a version for ``source`` and make it the one learners see, unless the current one has
    the same content (then ``None``)."""
    content_hash = source.content_hash()
    if module.current_version is not None and module.current_version.content_hash == content_hash:
        return None
    pictures = store_pictures(source.pictures)
    picture_urls = {name: picture_url(digest) for name, digest in pictures.items()}
    version = ModuleVersion(
        module=module,
        number=max((version.number for version in module.versions), default=0) + 1,
        folder_name=source.folder_name,
        title=source.title,
        summary=source.summary,
        minutes=source.minutes,
        pass_mark=source.pass_mark,
        questions_per_attempt=source.questions_per_attempt,
        reviewed=source.reviewed,
        objectives=list(source.objectives),
        sources=[dict(item) for item in source.sources],
        content_hash=content_hash,
        scenario_counts=source.scenario_counts,
        pictures=pictures,
        measurement=source.measurement,
        published_by_id=published_by.id if published_by is not None else None,
        lessons=[
            Lesson(
                position=position,
                file_name=lesson.file_name,
                slug=lesson.slug,
                title=lesson.title,
                markdown=lesson.markdown,
                kind=str(lesson.kind),
                sources=list(lesson.sources),
                html_by_region=render_all_regions(lesson.markdown, picture_urls),
                scenario=lesson.scenario,
                scenario_html=(
                    _render_scenario(lesson.scenario, picture_urls) if lesson.scenario else None
                ),
            )
            for position, lesson in enumerate(source.lessons, start=1)
        ],
        questions=[
            Question(position=position, key=data["id"], type=data["type"], data=data)
            for position, data in enumerate(source.questions, start=1)
        ],
        translations=_translations(source, picture_urls),
    )
    db.session.add(version)
    module.current_version = version
    return version


def _translations(source: ModuleSource, picture_urls: dict[str, str]) -> list[Translation]:
    """The module's translations as rows, each marked current or stale against the module's
    English, with what a page shows of it rendered once: a language's pictures with their words
    translated, and its lessons' Markdown showing those pictures."""
    english = english_parts(source)
    rows = []
    for language, translation in sorted(source.translations.items()):
        translated_svgs = {
            name: translated_picture(
                source.pictures[name], part["text"]["text"], is_right_to_left(language)
            )
            for name in source.pictures
            if (part := translation.get(picture_part(name))) is not None
        }
        digests = store_pictures(translated_svgs)
        urls = {**picture_urls, **{name: picture_url(d) for name, d in digests.items()}}
        scenarios = {lesson.file_name: lesson.scenario for lesson in source.lessons}
        for part_name, part in translation.items():
            rendered: dict[str, Any] | None = None
            kind, _colon, name = part_name.partition(":")
            scenario = scenarios.get(name) if kind == "lesson" else None
            if scenario is not None:
                rendered = _render_scenario(translated_scenario(scenario, part["text"]), urls)
            elif kind == "lesson":
                rendered = render_all_regions(part["text"]["markdown"], urls)
            elif kind == "picture":
                rendered = {"digest": digests[name]}
            rows.append(
                Translation(
                    language=language,
                    part=part_name,
                    translates=part["translates"],
                    is_current=is_current(part, english[part_name]),
                    text=part["text"],
                    rendered=rendered,
                )
            )
    return rows


def _render_scenario(scenario: dict[str, Any], picture_urls: dict[str, str]) -> dict[str, Any]:
    """Each step's text and each choice's feedback as HTML for every region, by step id."""
    return {
        step["id"]: {
            "text": render_all_regions(step["text"], picture_urls),
            "feedback": [
                render_all_regions(choice["feedback"], picture_urls)
                for choice in step.get("choices", [])
            ],
        }
        for step in scenario["steps"]
    }


def module_source(version: ModuleVersion) -> ModuleSource:
    """A stored version as bundle data, ready to be written out."""
    return ModuleSource(
        folder_name=version.folder_name,
        slug=version.module.slug,
        title=version.title,
        summary=version.summary,
        minutes=version.minutes,
        pass_mark=version.pass_mark,
        questions_per_attempt=version.questions_per_attempt,
        reviewed=version.reviewed,
        objectives=list(version.objectives),
        sources=[dict(item) for item in version.sources],
        lessons=[
            LessonSource(
                lesson.file_name,
                lesson.slug,
                lesson.title,
                lesson.markdown,
                LessonKind(lesson.kind),
                list(lesson.sources),
                scenario=lesson.scenario,
            )
            for lesson in version.lessons
        ],
        questions=[dict(question.data) for question in version.questions],
        pictures=pictures_named(version.pictures or {}),
        scenario_counts=version.scenario_counts,
        measurement=version.measurement,
        translations=_translations_of(version),
    )


def _translations_of(version: ModuleVersion) -> Translations:
    translations: Translations = {}
    for row in version.translations:
        translations.setdefault(row.language, {})[row.part] = {
            "translates": row.translates,
            "text": row.text,
        }
    return translations


def course_source(course: Course) -> CourseSource:
    """The course as it stands (current versions of its listed modules) as bundle data."""
    listed = course.listed_modules
    return CourseSource(
        slug=course.slug,
        title=course.title,
        summary=course.summary,
        certificate_validity_months=course.certificate_validity_months,
        regions=list(course.regions),
        languages=list(course.languages),
        required=[module.slug for module in listed if module.is_required],
        modules=[
            module_source(module.current_version) for module in listed if module.current_version
        ],
    )


# Built once: the overview, dashboard and certificate pages ask for it on every request.
_THE_COURSE = (
    select(Course)
    .options(
        selectinload(Course.modules)
        .selectinload(Module.current_version)
        .selectinload(ModuleVersion.lessons)
        .defer(Lesson.markdown)
        .defer(Lesson.html_by_region)
    )
    .order_by(Course.id)
    .limit(1)
)


def the_course() -> Course | None:
    """The course this site serves (the first imported), with its modules, their current versions
    and lessons loaded up front: the overview and progress pages then make no query per module."""
    return db.session.scalar(_THE_COURSE)


# Built once: the module pages ask for it on every request. A lesson's HTML is left out: only the
# lesson page needs it, for one lesson, and only when its text is not already cached.
_MODULE_WITH_LESSONS = (
    select(Module)
    .where(Module.slug == bindparam("slug"))
    .options(
        joinedload(Module.current_version)
        .joinedload(ModuleVersion.lessons)
        .defer(Lesson.markdown)
        .defer(Lesson.html_by_region)
    )
)


def find_listed_module(slug: str) -> Module | None:
    """The module learners see at ``slug``, with its current version and lessons, in one query."""
    module = db.session.scalars(_MODULE_WITH_LESSONS, {"slug": slug}).unique().one_or_none()
    return module if module is not None and module.is_listed else None


# Built once: every page shared between visitors asks for it (course.core.page_cache).
_WHAT_LEARNERS_SEE = (
    select(
        Course.id,
        Course.updated_at,
        Module.id,
        Module.slug,
        Module.current_version_id,
        Module.archived_at,
        Module.is_required,
        Module.position,
    )
    .outerjoin(Module, Module.course_id == Course.id)
    .order_by(Course.id, Module.id)
)


def content_version() -> str:
    """A fingerprint of what learners see of the course, read from the database so that every
    worker, host and command agrees on it the moment a change is committed.

    It changes whenever a module gets a new current version (published on the web or imported
    from files), is archived or brought back, moves, or becomes required or optional, and when
    the course's own details change. It is taken from that state itself, so no code that changes
    what learners see has to remember to bump a counter.
    """
    # Plain rows, so the session's connection runs it without the ORM's layer: every shared page
    # and every dashboard asks for it.
    rows = db.session.connection().execute(_WHAT_LEARNERS_SEE).all()
    return hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()[:16]


def store_pictures(pictures: dict[str, str]) -> dict[str, str]:
    """Store each picture's text once (by its digest) and return name -> digest."""
    digests = {name: digest_of(svg) for name, svg in pictures.items()}
    if not digests:
        return {}
    known = set(
        db.session.scalars(select(Picture.digest).where(Picture.digest.in_(set(digests.values()))))
    )
    for name, digest in digests.items():
        if digest not in known:
            db.session.add(Picture(digest=digest, svg=pictures[name]))
            known.add(digest)
    return digests


def pictures_named(digests: dict[str, str]) -> dict[str, str]:
    """name -> SVG text for the pictures a version shows (name -> digest)."""
    if not digests:
        return {}
    found = db.session.execute(
        select(Picture.digest, Picture.svg).where(Picture.digest.in_(set(digests.values())))
    )
    texts = {digest: svg for digest, svg in found}
    return {name: texts[digest] for name, digest in digests.items() if digest in texts}


def svg_of(digest: str) -> str | None:
    return db.session.scalar(select(Picture.svg).where(Picture.digest == digest))
