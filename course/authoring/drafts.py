"""A module's draft on the web: making it, changing it safely, its details, publishing,
discarding and restoring.

A module has at most one draft. Pages show the draft when there is one and the published version
when there is not; the first save makes the draft. Every change names the draft revision it was
made from (``0`` when there was no draft yet) and is refused with :class:`StaleDraft` when someone
else has saved since, so no author silently overwrites another. Lessons and questions are changed
in :mod:`course.authoring.lesson_and_question_edits`, through :func:`change_draft` like every
other change.

Publishing checks the draft with the same code that checks module folders
(:func:`course.catalogue.bundle.check_module`) and stores it as a new immutable version, which
learners see at once. Attempts already started keep the version they began on.

Every change is written to the audit log in the same transaction.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from course.accounts.models import User
from course.audit.services import record
from course.authoring.draft_document import (
    Document,
    blank_document,
    document_of,
    document_of_version,
    source_of,
)
from course.authoring.models import ModuleDraft
from course.catalogue.bundle import (
    MODULE_FIELDS,
    MODULE_FILE,
    QUIZ_FILE,
    SLUG,
    ContentError,
    ModuleSource,
    check_module,
)
from course.catalogue.models import Course, Module, ModuleVersion
from course.catalogue.services import module_source, store_version
from course.core.database import begin_write, get_for_update, utcnow
from course.core.page_cache import forget_shared_pages
from course.extensions import db


class StaleDraft(Exception):
    """The draft changed since the page was opened; the change was not made."""

    def __init__(self, draft: ModuleDraft | None) -> None:
        self.updated_by = draft.updated_by.email if draft and draft.updated_by else None
        self.updated_at = draft.updated_at if draft else None
        super().__init__("the draft changed since the page was opened")


class DraftRefused(ValueError):
    """A change that cannot be made, with what is wrong by form field."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(message for messages in errors.values() for message in messages))


class NothingToPublish(Exception):
    """The draft holds exactly what learners already see."""


@dataclass(frozen=True)
class Editing:
    """What an author edits: the draft if there is one, else the published version."""

    module: Module
    draft: ModuleDraft | None
    document: Document

    @property
    def revision(self) -> int:
        return self.draft.revision if self.draft else 0

    @property
    def source(self) -> ModuleSource:
        return source_of(self.document)


@dataclass(frozen=True)
class ModuleSummary:
    """One row of the authors' module list."""

    module: Module
    title: str
    status: str  # "draft", "published" or "archived"
    version_number: int | None
    has_unpublished_changes: bool
    last_change_at: Any
    last_change_by: str


def editing(module: Module) -> Editing:
    draft = draft_of(module)
    if draft is not None:
        return Editing(module, draft, draft.content)
    if module.current_version is None:
        raise LookupError(f"module {module.slug} has neither a draft nor a version")
    return Editing(module, None, document_of_version(module.current_version))


def draft_of(module: Module) -> ModuleDraft | None:
    return db.session.scalar(select(ModuleDraft).where(ModuleDraft.module_id == module.id))


def module_summaries(course: Course) -> list[ModuleSummary]:
    """Every module of the course, archived ones too, in course order."""
    drafts = {draft.module_id: draft for draft in db.session.scalars(select(ModuleDraft))}
    publishers = {
        user.id: user.email
        for user in db.session.scalars(
            select(User).where(
                User.id.in_(
                    [m.current_version.published_by_id for m in course.modules if m.current_version]
                )
            )
        )
    }
    rows = []
    for module in course.modules:
        draft = drafts.get(module.id)
        version = module.current_version
        if module.archived_at is not None:
            status = "archived"
        elif version is not None:
            status = "published"
        else:
            status = "draft"
        if draft is not None:
            changed_at, changed_by = (
                draft.updated_at,
                draft.updated_by.email if draft.updated_by else "",
            )
            title = draft.content["metadata"]["title"]
        elif version is not None:
            changed_at = version.created_at
            changed_by = publishers.get(version.published_by_id or 0, _("files (command line)"))
            title = version.title
        else:  # a module with neither, which the services never leave behind
            changed_at, changed_by, title = module.created_at, "", module.slug
        rows.append(
            ModuleSummary(
                module=module,
                title=title,
                status=status,
                version_number=version.number if version else None,
                has_unpublished_changes=draft is not None,
                last_change_at=changed_at,
                last_change_by=changed_by,
            )
        )
    return rows


def create_module(course: Course, slug: str, title: str, author: User) -> Module:
    """Add a module with a first draft; learners see nothing of it until it is published.

    :raises DraftRefused: when the slug is malformed or taken, or the title is empty.
    """
    begin_write()
    errors: dict[str, list[str]] = {}
    if not SLUG.match(slug) or len(slug) > 100:
        errors["slug"] = [_("Use lower-case letters, digits and single hyphens, like first-aid")]
    elif db.session.scalar(select(Module.id).where(Module.slug == slug)) is not None:
        errors["slug"] = [_("Another module already uses the slug %(slug)s", slug=slug)]
    if not title.strip():
        errors["title"] = [_("Enter the module's title")]
    if errors:
        raise DraftRefused(errors)
    last_position = db.session.scalar(
        select(func.max(Module.position)).where(Module.course_id == course.id)
    )
    module = Module(course=course, slug=slug, position=(last_position or 0) + 1, is_required=False)
    db.session.add(module)
    db.session.flush()
    db.session.add(
        ModuleDraft(
            module=module,
            revision=1,
            content=blank_document(module, title.strip()),
            updated_by=author,
            updated_at=utcnow(),
        )
    )
    record(
        "module.created",
        actor=author,
        target_type="module",
        target_id=module.id,
        summary=f"Created module {slug}",
        after={"slug": slug, "title": title.strip()},
    )
    return module


def change_draft(
    module: Module,
    revision: int,
    author: User,
    action: str,
    summary: str,
    change: Callable[[Document], tuple[Any, Any] | None],
) -> ModuleDraft:
    """Apply ``change`` to the module's document as one locked, audited save.

    ``change`` edits the document in place and returns the (before, after) values for the audit
    log, or ``None`` when there is nothing worth recording beyond the summary. It raises
    :class:`DraftRefused` to refuse the change, in which case nothing is written.
    """
    get_for_update(Module, module.id)
    draft = db.session.scalar(
        select(ModuleDraft)
        .where(ModuleDraft.module_id == module.id)
        .execution_options(populate_existing=True)
    )
    if (draft.revision if draft else 0) != revision:
        raise StaleDraft(draft)
    if draft is None and module.current_version is None:
        raise StaleDraft(None)
    document = copy.deepcopy(
        draft.content if draft else document_of_version(module.current_version)  # type: ignore[arg-type]
    )
    before_after = change(document)
    if draft is None:
        draft = ModuleDraft(
            module=module, revision=0, based_on_version_id=module.current_version_id
        )
        db.session.add(draft)
    draft.content = document
    draft.revision += 1
    draft.updated_at = utcnow()
    draft.updated_by = author
    before, after = before_after if before_after else (None, None)
    record(
        action,
        actor=author,
        target_type="module",
        target_id=module.id,
        summary=summary,
        before=before,
        after=after,
    )
    return draft


# Metadata -------------------------------------------------------------------------------------


#: What the details form edits: every field of ``module.yaml`` but the slug, which names the
#: module's address and never changes.
METADATA_FIELDS = tuple(name for name in MODULE_FIELDS if name != "slug")
#: What a field a document may lack means: older drafts, and modules that leave it to the default.
METADATA_DEFAULTS: dict[str, Any] = {"scenario_counts": True}


def save_metadata(
    module: Module, revision: int, author: User, metadata: dict[str, Any], required: bool
) -> ModuleDraft:
    """Replace the module's details (``metadata`` holds every one of :data:`METADATA_FIELDS`, or
    leaves one to its :data:`METADATA_DEFAULTS`, already checked by the form) and whether it is
    required for the certificate."""

    metadata = {**METADATA_DEFAULTS, **metadata}

    def change(document: Document) -> tuple[Any, Any]:
        old = {**METADATA_DEFAULTS, **document["metadata"]}
        changed = [name for name in METADATA_FIELDS if old[name] != metadata[name]]
        before = {name: old[name] for name in changed}
        after = {name: metadata[name] for name in changed}
        if document["required"] != required:
            before["required"], after["required"] = document["required"], required
        document["metadata"] = {**old, **{name: metadata[name] for name in METADATA_FIELDS}}
        document["required"] = required
        return before, after

    return change_draft(
        module,
        revision,
        author,
        "module.details_saved",
        f"Saved the details of {module.slug}",
        change,
    )


# Publishing, discarding, restoring, archiving ---------------------------------------------------


def _other_modules(module: Module) -> list[ModuleSource]:
    return [
        module_source(other.current_version)
        for other in module.course.listed_modules
        if other.id != module.id and other.current_version is not None
    ]


@dataclass(frozen=True)
class PublishProblem:
    """A problem that stops publishing, and which part of the editor fixes it."""

    text: str  # as the file validator says it: ``file:line: message``
    part: str  # "details", "lesson", "questions" or "module"
    lesson_number: int | None = None


def publish_problems(module: Module) -> list[PublishProblem]:
    """What stops the draft being published; none when it can be."""
    current = editing(module)
    _, problems = check_module(current.source, _other_modules(module), list(module.course.regions))
    lesson_files = {
        lesson.file_name: number for number, lesson in enumerate(current.source.lessons, 1)
    }
    found = []
    for problem in problems:
        file_name = problem.file.rsplit("/", 1)[-1]
        if file_name == MODULE_FILE:
            found.append(PublishProblem(str(problem), "details"))
        elif file_name == QUIZ_FILE:
            found.append(PublishProblem(str(problem), "questions"))
        elif file_name in lesson_files:
            found.append(PublishProblem(str(problem), "lesson", lesson_files[file_name]))
        else:
            found.append(PublishProblem(str(problem), "module"))
    return found


def publish(module: Module, revision: int, author: User) -> ModuleVersion:
    """Check the draft as the file validator would and make it the version learners see.

    :raises StaleDraft: when the draft changed since ``revision``.
    :raises ContentError: listing every problem, when the draft cannot be published.
    :raises NothingToPublish: when the draft matches the published version (the draft is dropped).
    """
    get_for_update(Module, module.id)
    draft = draft_of(module)
    if draft is None or draft.revision != revision:
        raise StaleDraft(draft)
    checked, problems = check_module(
        source_of(draft.content), _other_modules(module), list(module.course.regions)
    )
    if problems or checked is None:
        raise ContentError(problems)
    required = bool(draft.content["required"])
    version = store_version(module, checked, published_by=author)
    module.is_required = required
    db.session.delete(draft)
    forget_shared_pages()
    if version is None:
        raise NothingToPublish()
    record(
        "module.published",
        actor=author,
        target_type="module",
        target_id=module.id,
        summary=f"Published version {version.number} of {module.slug}",
        after={"version": version.number, "required": required},
    )
    return version


def discard_draft(module: Module, revision: int, author: User) -> None:
    """Throw the draft away; what learners see is unchanged. A module never published keeps an
    empty draft instead, so it does not vanish from the list."""
    get_for_update(Module, module.id)
    draft = draft_of(module)
    if draft is None or draft.revision != revision:
        raise StaleDraft(draft)
    record(
        "module.draft_discarded",
        actor=author,
        target_type="module",
        target_id=module.id,
        summary=f"Discarded the unpublished changes to {module.slug}",
        before={"revision": draft.revision},
    )
    if module.current_version is None:
        draft.content = blank_document(module, draft.content["metadata"]["title"])
        draft.revision += 1
        draft.updated_at, draft.updated_by = utcnow(), author
    else:
        db.session.delete(draft)


def restore_version(module: Module, version: ModuleVersion, revision: int, author: User) -> None:
    """Make a new draft holding ``version``'s content, replacing any draft (the page says so)."""

    def change(document: Document) -> tuple[Any, Any]:
        restored = document_of(module_source(version), module.is_required)
        document.clear()
        document.update(restored)
        return None, {"version": version.number}

    change_draft(
        module,
        revision,
        author,
        "module.version_restored",
        f"Restored version {version.number} of {module.slug} as the draft",
        change,
    )


def set_archived(module: Module, archived: bool, author: User) -> None:
    """Hide a module from learners (their records of it stay) or show it again."""
    get_for_update(Module, module.id)
    if (module.archived_at is not None) == archived:
        return
    module.archived_at = utcnow() if archived else None
    forget_shared_pages()
    record(
        "module.archived" if archived else "module.unarchived",
        actor=author,
        target_type="module",
        target_id=module.id,
        summary=f"{'Archived' if archived else 'Brought back'} module {module.slug}",
    )


def module_version(module: Module, number: int) -> ModuleVersion | None:
    return db.session.scalar(
        select(ModuleVersion).where(
            ModuleVersion.module_id == module.id, ModuleVersion.number == number
        )
    )
