"""A module as a zip: export any stored version, import a module folder uploaded by an author.

The zip holds one folder in the ``modules/`` format (``01-some-slug/`` with ``module.yaml``,
``quiz.yaml`` and ``NN-slug.md`` lessons), exactly as ``flask content export --module`` writes it.
Exporting a version and importing the zip again gives the same content hash, so no version is
added.

An upload is untrusted. Before anything is written it is refused, with every reason found, when it
is not a zip, too big, has too many entries, holds unsafe names (absolute paths, drive letters,
backslashes, ``..``), symbolic links, encrypted files, nested folders, more than one folder, or
files a module folder cannot hold. Each file is read with a hard cap whatever its header claims,
so a zip bomb stops at the cap. The accepted files are written, by this code and never by
``ZipFile.extractall``, into a temporary folder and checked by the very validator the command-line
import uses; its problems come back as ``file:line: message`` with the names inside the zip.

An import publishes nothing: the zip becomes the module's draft, which the author previews and
publishes like any other draft (publishing checks it again, exactly as the files are checked).
A module whose slug the course already has gets its draft from the zip, unless the zip holds what
the draft (or, with no draft, the published version) already holds. A draft with other changes is
replaced only when the author says so, naming the revision they agreed to replace, so nobody's
unpublished work is lost to an upload. A new slug becomes a module at the end of the course, not
required, with the zip as its draft and no version: learners see nothing of it until it is
published. An archived module stays archived: archiving is a deliberate, audited choice, so
bringing the module back is done on its page, not as a side effect of an upload.

The command line's ``flask content import`` is the files workflow and publishes at once; it does
not come through here.
"""

from __future__ import annotations

import enum
import io
import re
import stat
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from course.accounts.models import User
from course.audit.services import record
from course.authoring import drafts, images
from course.authoring.draft_document import document_of, source_of
from course.authoring.models import ModuleDraft
from course.catalogue.bundle import (
    MEDIA_PATH,
    MODULE_FILE,
    NUMBERED_NAME,
    QUIZ_FILE,
    ModuleSource,
    Problem,
    check_module_folder,
    module_files,
)
from course.catalogue.bundle.translation_files import PICTURES_TEXT_FILE
from course.catalogue.measurement_bank import MEASURE_FILE
from course.catalogue.models import Course, Module, ModuleVersion
from course.catalogue.pictures import MAX_PICTURE_BYTES, PICTURE_NAME, PICTURES_FOLDER
from course.catalogue.scenarios import SCENARIO_SUFFIX
from course.catalogue.services import module_source
from course.catalogue.translations import LANGUAGE_CODE, TRANSLATIONS_FOLDER
from course.core.database import get_for_update, utcnow
from course.extensions import db

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ENTRIES = 200
MAX_FILE_BYTES = 1024 * 1024
MAX_TOTAL_BYTES = 10 * 1024 * 1024
#: The module folder's sub-folder for the images its lessons show.
MEDIA_FOLDER = "media"

#: Every entry of an exported zip carries this time, so one version always gives the same bytes.
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
EXPORTED_FILE_MODE = 0o100644

#: What the upload's check names the root it extracts to; stripped from problems' file names.
_EXTRACT_ROOT = "modules"
#: Entries that archivers add on their own (macOS Finder); skipped, never read or written.
_ARCHIVER_LITTER = re.compile(r"^(?:__MACOSX/.*|(?:.*/)?\.DS_Store)$")
_DRIVE_LETTER = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class EntryKind:
    """A kind of file a module folder in a zip may hold.

    :param folder: the sub-folder of the module folder it lives in, as a pattern of its path;
        ``""`` for the folder itself.
    :param file_name: the pattern its name must match, whole.
    :param is_content: text the content validator reads (written to the folder it checks).
    """

    name: str
    folder: str
    file_name: re.Pattern[str]
    is_content: bool = True
    #: The most one such file may hold, unzipped.
    max_bytes: int = MAX_FILE_BYTES


#: The one place that says what a module zip may hold: the module's files (its SVG drawings in
#: ``pictures/`` among them), and in ``media/`` the images its lessons show (``/media/<name>``),
#: so a zip carries everything to another site.
ENTRY_KINDS: tuple[EntryKind, ...] = (
    EntryKind("module", "", re.compile(re.escape(MODULE_FILE))),
    EntryKind("quiz", "", re.compile(re.escape(QUIZ_FILE))),
    EntryKind("measurement", "", re.compile(re.escape(MEASURE_FILE))),
    EntryKind("lesson", "", re.compile(NUMBERED_NAME.pattern.removesuffix("$") + r"\.md$")),
    EntryKind(
        "scenario",
        "",
        re.compile(NUMBERED_NAME.pattern.removesuffix("$") + re.escape(SCENARIO_SUFFIX) + "$"),
    ),
    EntryKind(
        "picture",
        PICTURES_FOLDER,
        PICTURE_NAME,
        # A picture's own limit is checked by the validator, with its file and line.
        max_bytes=MAX_PICTURE_BYTES * 4,
    ),
    EntryKind(
        "translation",
        TRANSLATIONS_FOLDER + "/" + LANGUAGE_CODE.pattern.removeprefix("^").removesuffix("$"),
        re.compile(
            "|".join(
                (
                    re.escape(MODULE_FILE),
                    re.escape(QUIZ_FILE),
                    re.escape(MEASURE_FILE),
                    re.escape(PICTURES_TEXT_FILE),
                    NUMBERED_NAME.pattern.removeprefix("^").removesuffix("$")
                    + rf"(?:\.md|{re.escape(SCENARIO_SUFFIX)})",
                )
            )
        ),
    ),
    EntryKind(
        "media",
        MEDIA_FOLDER,
        re.compile(MEDIA_PATH.pattern.removeprefix("^/media/").removesuffix("$")),
        is_content=False,
        max_bytes=images.MAX_BYTES,
    ),
)


class ModuleZipRefused(Exception):
    """The upload was refused and nothing was stored.

    :ivar reason: one sentence for the upload field.
    :ivar messages: every reason found: unsafe entries, or the validator's ``file:line: message``
        problems.
    """

    def __init__(self, reason: str, messages: list[str] | None = None) -> None:
        self.reason = reason
        self.messages = list(messages) if messages is not None else [reason]
        super().__init__("\n".join(self.messages))


class DraftInTheWay(ModuleZipRefused):
    """The module has a draft with other changes, and the author has not agreed to replace that
    revision of it; nothing was stored.

    :ivar revision: the draft's revision, which the author may agree to replace.
    """

    def __init__(self, module_title: str, draft: ModuleDraft) -> None:
        self.module_title = module_title
        self.revision = draft.revision
        self.updated_by = draft.updated_by.email if draft.updated_by else None
        self.updated_at = draft.updated_at
        super().__init__(
            _(
                "%(title)s has unpublished changes that the zip would replace.",
                title=module_title,
            )
        )


class ImportOutcome(enum.StrEnum):
    #: A new module, with the zip as its draft.
    CREATED = "created"
    #: An existing module, whose draft now holds the zip.
    DRAFTED = "drafted"
    #: The zip holds what the draft holds, or with no draft what learners see.
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class ModuleImport:
    """What an import did: the module, its title in the zip, and whether its draft changed."""

    module: Module
    title: str
    outcome: ImportOutcome
    #: The version learners see, still; ``None`` for a module never published.
    version: ModuleVersion | None
    #: The import replaced a draft with other unpublished changes (the author agreed to).
    replaced_draft: bool
    #: The module is archived, so learners do not see it even once published.
    is_archived: bool


@dataclass(frozen=True)
class UploadedModule:
    """The safe entries of an uploaded zip: the folder's name and each file's bytes, by its path
    inside the folder (``"01-why.md"``, later ``"media/…"``)."""

    folder_name: str
    files: dict[str, bytes]
    kinds: dict[str, str]

    def files_of(self, kind: str) -> dict[str, bytes]:
        return {path: data for path, data in self.files.items() if self.kinds[path] == kind}


# Export ----------------------------------------------------------------------------------------


def export_version_zip(version: ModuleVersion) -> tuple[str, bytes]:
    """The version as a zip holding its module folder, and a file name for it.

    The files are those ``flask content export --module`` writes; entries have a fixed time, mode
    and order, so the same version always gives the same bytes.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, data in _exported_files(version).items():
            entry = zipfile.ZipInfo(f"{version.folder_name}/{path}", date_time=FIXED_ZIP_TIME)
            entry.create_system = 3  # Unix, so the mode below means the same everywhere
            entry.external_attr = EXPORTED_FILE_MODE << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, data)
    return f"{version.folder_name}-version-{version.number}.zip", buffer.getvalue()


def _exported_files(version: ModuleVersion) -> dict[str, bytes]:
    """The module's files, then every image its lessons show, in ``media/``."""
    source = module_source(version)
    files = {name: text.encode("utf-8") for name, text in module_files(source).items()}
    shown = [name for lesson in source.lessons for name in images.referenced_media(lesson.markdown)]
    for name, media in sorted(images.media_files_named(shown).items()):
        files[f"{MEDIA_FOLDER}/{name}"] = media.data
    return files


# Import ----------------------------------------------------------------------------------------


def import_module_zip(
    course: Course, data: bytes, author: User, replace_revision: int | None = None
) -> ModuleImport:
    """Check an uploaded module zip and make it the draft of its module, in the current
    transaction; learners see nothing of it until an author publishes the draft.

    A new slug makes a module at the end of the course, not required, with the zip as its draft.
    A known slug's draft is made from the zip (the first change of a draft, as on the web), unless
    nothing would change. Images the zip carries are stored. Every import is written to the audit
    log.

    :param replace_revision: the revision of the module's draft the author agreed to replace;
        a draft with other changes is replaced only when it is still at this revision.
    :raises DraftInTheWay: when the module's draft holds other changes and ``replace_revision``
        is not its revision; nothing is stored then.
    :raises ModuleZipRefused: with every reason, when the upload is unsafe or malformed or its
        content has problems; nothing is stored then.
    """
    uploaded = read_module_zip(data)
    # Lock the course: two imports of the same new slug then run one after the other, and the
    # second finds the module the first made.
    course = get_for_update(Course, course.id) or course
    source = _checked_source(course, uploaded)
    carried = _checked_media(source, uploaded)
    module = db.session.scalar(
        select(Module).where(Module.course_id == course.id, Module.slug == source.slug)
    )
    if module is None:
        module = _new_module(course, source, author)
        outcome, replaced = ImportOutcome.CREATED, False
    else:
        outcome, replaced = _draft_from_zip(module, source, author, replace_revision)
    _store_media(carried, uploaded, author)
    draft = drafts.draft_of(module)
    audited = {"outcome": outcome.value, "folder": source.folder_name}
    if draft is not None:
        audited["revision"] = draft.revision
    elif module.current_version is not None:
        audited["version"] = module.current_version.number
    record(
        "module.imported",
        actor=author,
        target_type="module",
        target_id=module.id,
        summary=_audit_summary(outcome, module.slug),
        after=audited,
    )
    return ModuleImport(
        module=module,
        title=source.title,
        outcome=outcome,
        version=module.current_version,
        replaced_draft=replaced,
        is_archived=module.archived_at is not None,
    )


def _new_module(course: Course, source: ModuleSource, author: User) -> Module:
    """A module at the end of the course, not required, whose first draft is ``source``."""
    last_position = db.session.scalar(
        select(func.max(Module.position)).where(Module.course_id == course.id)
    )
    module = Module(
        course=course, slug=source.slug, position=(last_position or 0) + 1, is_required=False
    )
    db.session.add(module)
    db.session.flush()
    db.session.add(
        ModuleDraft(
            module=module,
            revision=1,
            content=document_of(source, required=False),
            updated_by=author,
            updated_at=utcnow(),
        )
    )
    return module


def _draft_from_zip(
    module: Module, source: ModuleSource, author: User, replace_revision: int | None
) -> tuple[ImportOutcome, bool]:
    """Make ``source`` the module's draft, unless the draft (or, with no draft, the published
    version) already holds it: the outcome, and whether a draft with other changes was replaced.

    :raises DraftInTheWay: when the draft holds other changes and is not at ``replace_revision``.
    """
    get_for_update(Module, module.id)
    draft = db.session.scalar(
        select(ModuleDraft)
        .where(ModuleDraft.module_id == module.id)
        .execution_options(populate_existing=True)
    )
    content_hash = source.content_hash()
    if draft is not None:
        if source_of(draft.content).content_hash() == content_hash:
            return ImportOutcome.UNCHANGED, False
        if draft.revision != replace_revision:
            raise DraftInTheWay(draft.content["metadata"]["title"], draft)
    elif module.current_version is not None and (
        module.current_version.content_hash == content_hash
    ):
        return ImportOutcome.UNCHANGED, False
    if draft is None:
        draft = ModuleDraft(module=module, revision=0)
        db.session.add(draft)
        replaced = False
    else:
        replaced = True
    draft.content = document_of(source, module.is_required)
    draft.based_on_version_id = module.current_version_id
    draft.revision += 1
    draft.updated_at, draft.updated_by = utcnow(), author
    return ImportOutcome.DRAFTED, replaced


def _checked_media(source: ModuleSource, uploaded: UploadedModule) -> dict[str, bytes]:
    """The zip's images by name, each checked, after checking that every image a lesson shows is
    in the zip or already on this site.

    :raises ModuleZipRefused: listing every image refused or missing.
    """
    carried = {
        path.removeprefix(MEDIA_FOLDER + "/"): data
        for path, data in uploaded.files_of("media").items()
    }
    messages = []
    for name, data in carried.items():
        try:
            images.check_image(data)
        except images.ImageRefused as refusal:
            messages.append(f"{uploaded.folder_name}/{MEDIA_FOLDER}/{name}: {refusal}")
    stored = images.media_files_named(
        name for lesson in source.lessons for name in images.referenced_media(lesson.markdown)
    )
    for lesson in source.lessons:
        for name in images.referenced_media(lesson.markdown):
            if name not in carried and name not in stored:
                messages.append(
                    _(
                        "%(lesson)s shows the image /media/%(name)s, which is neither in the "
                        "zip's media folder nor on this site.",
                        lesson=f"{uploaded.folder_name}/{lesson.file_name}",
                        name=name,
                    )
                )
    if messages:
        raise ModuleZipRefused(
            ngettext(
                "%(num)d image cannot be used.", "%(num)d images cannot be used.", len(messages)
            ),
            messages,
        )
    return carried


def _store_media(carried: dict[str, bytes], uploaded: UploadedModule, author: User) -> None:
    """Store the zip's checked images under their own names."""
    for name, data in carried.items():
        try:
            images.restore_image(name, data, author)
        except images.ImageRefused as refusal:
            raise ModuleZipRefused(
                f"{uploaded.folder_name}/{MEDIA_FOLDER}/{name}: {refusal}"
            ) from None


def _audit_summary(outcome: ImportOutcome, slug: str) -> str:
    if outcome is ImportOutcome.CREATED:
        return f"Imported new module {slug} from a zip as its draft"
    if outcome is ImportOutcome.DRAFTED:
        return f"Imported {slug} from a zip into its draft"
    return f"Imported {slug} from a zip, unchanged"


def _checked_source(course: Course, uploaded: UploadedModule) -> ModuleSource:
    """Write the content files to a temporary folder and run the file validator on it."""
    with tempfile.TemporaryDirectory(prefix="module-zip-") as temporary:
        root = Path(temporary) / _EXTRACT_ROOT
        folder = root / uploaded.folder_name
        folder.mkdir(parents=True)
        content_kinds = {kind.name for kind in ENTRY_KINDS if kind.is_content}
        for path, data in uploaded.files.items():
            if uploaded.kinds[path] not in content_kinds:
                continue
            target = folder / path
            # The names were checked already; this guards against a future rule that lets
            # through more than it should.
            if not target.resolve().is_relative_to(folder.resolve()):
                raise ModuleZipRefused(_("The zip holds a file outside its module folder."))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        others = [
            module_source(module.current_version)
            for module in course.listed_modules
            if module.current_version is not None
        ]
        checked, problems = check_module_folder(root, folder, others, list(course.regions))
    if problems or checked is None:
        lines = [str(_named_as_in_zip(problem)) for problem in problems]
        raise ModuleZipRefused(
            ngettext(
                "The module has %(num)d problem. Fix it and upload the zip again.",
                "The module has %(num)d problems. Fix them and upload the zip again.",
                len(lines),
            ),
            lines,
        )
    return checked


def _named_as_in_zip(problem: Problem) -> Problem:
    prefix = _EXTRACT_ROOT + "/"
    if problem.file.startswith(prefix):
        return Problem(problem.file.removeprefix(prefix), problem.line, problem.message)
    return problem


def read_module_zip(data: bytes) -> UploadedModule:
    """Read an uploaded zip's entries, refusing anything unsafe or out of place.

    :raises ModuleZipRefused: listing every entry that is refused, or why the zip as a whole is.
    """
    if len(data) > MAX_UPLOAD_BYTES:
        raise ModuleZipRefused(
            _("The file is larger than %(size)s MB.", size=MAX_UPLOAD_BYTES // (1024 * 1024))
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError):
        raise ModuleZipRefused(_("The file is not a zip file, or it is damaged.")) from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ENTRIES:
            raise ModuleZipRefused(
                _(
                    "The zip holds %(count)d entries; a module zip may hold at most %(limit)d.",
                    count=len(entries),
                    limit=MAX_ENTRIES,
                )
            )
        entries = [entry for entry in entries if not _ARCHIVER_LITTER.match(entry.filename)]
        folder_name, kinds, messages = _sorted_entries(entries)
        if messages:
            raise ModuleZipRefused(
                ngettext(
                    "The zip cannot be used: %(num)d thing needs fixing.",
                    "The zip cannot be used: %(num)d things need fixing.",
                    len(messages),
                ),
                messages,
            )
        if folder_name is None:  # pragma: no cover - a message above says why
            raise ModuleZipRefused(_("The zip holds no module folder."))
        files = _read_files(archive, entries, folder_name, kinds)
    return UploadedModule(folder_name, files, kinds)


def _sorted_entries(
    entries: list[zipfile.ZipInfo],
) -> tuple[str | None, dict[str, str], list[str]]:
    """Check every entry's name and type: the module folder's name, each file's kind by its path
    inside that folder, and every reason to refuse."""
    messages: list[str] = []
    top_folders: set[str] = set()
    kinds: dict[str, str] = {}
    seen: set[str] = set()
    subfolders = {kind.folder.split("/")[0] for kind in ENTRY_KINDS if kind.folder}
    for entry in entries:
        name = entry.filename
        shown = name if len(name) <= 120 else name[:117] + "..."
        unsafe = _unsafe_name(name)
        if unsafe:
            messages.append(unsafe % {"name": shown})
            continue
        mode = entry.external_attr >> 16
        if stat.S_ISLNK(mode):
            messages.append(_("%(name)s is a symbolic link; zips may hold only files.", name=shown))
            continue
        if entry.flag_bits & 0x1:
            messages.append(
                _("%(name)s is encrypted; make the zip without a password.", name=shown)
            )
            continue
        parts = PurePosixPath(name).parts
        if entry.is_dir() or len(parts) > 1:
            top_folders.add(parts[0])
        if entry.is_dir():
            if len(parts) > 1 and not _is_allowed_folder(parts[1:]):
                messages.append(
                    _("%(name)s is a folder inside the module folder; remove it.", name=shown)
                )
            continue
        if len(parts) == 1:
            messages.append(
                _(
                    "%(name)s is outside a folder: put every file in the module folder, "
                    "such as 01-some-slug/module.yaml.",
                    name=shown,
                )
            )
            continue
        inner = "/".join(parts[1:])
        kind = _kind_of(parts[1:])
        if kind is None:
            if len(parts) > 2 and parts[1] not in subfolders:
                messages.append(
                    _("%(name)s is in a folder inside the module folder; remove it.", name=shown)
                )
            else:
                messages.append(
                    _(
                        "%(name)s cannot be in a module: use module.yaml, quiz.yaml, lessons "
                        "named like 01-some-slug.md, and images of the lessons in media/.",
                        name=shown,
                    )
                )
            continue
        if name in seen:
            messages.append(_("%(name)s is in the zip twice.", name=shown))
            continue
        seen.add(name)
        kinds[inner] = kind.name
    if not entries:
        messages.append(_("The zip is empty."))
    if len(top_folders) > 1:
        messages.append(
            _(
                "The zip holds more than one folder (%(names)s): a module zip holds exactly one.",
                names=", ".join(sorted(top_folders)),
            )
        )
    folder_name = next(iter(top_folders)) if len(top_folders) == 1 else None
    if folder_name is not None and not NUMBERED_NAME.match(folder_name):
        messages.append(
            _(
                "The folder %(name)s must be named with two digits, a hyphen and the module's "
                "name, like 01-understanding-the-threat.",
                name=folder_name,
            )
        )
    if folder_name is not None and not kinds and not messages:
        messages.append(_("The folder %(name)s holds no files.", name=folder_name))
    return folder_name, kinds, messages


def _unsafe_name(name: str) -> str | None:
    """Why an entry's name could write outside the folder it is extracted to, if it could."""
    if "\\" in name:
        return _("%(name)s has a backslash in its name; zips use / between folders.")
    if name.startswith("/"):
        return _("%(name)s has an absolute path; paths must start with the module folder.")
    if _DRIVE_LETTER.match(name):
        return _("%(name)s starts with a drive letter; paths must start with the module folder.")
    parts = name.removesuffix("/").split("/")
    if any(part in ("", ".", "..") for part in parts) or "\x00" in name:
        return _("%(name)s has an unsafe path (such as ..); paths must stay inside the folder.")
    return None


def _kind_of(inner_parts: tuple[str, ...]) -> EntryKind | None:
    folder = "/".join(inner_parts[:-1])
    for kind in ENTRY_KINDS:
        if re.fullmatch(kind.folder, folder) and kind.file_name.fullmatch(inner_parts[-1]):
            return kind
    return None


def _is_allowed_folder(inner_parts: tuple[str, ...]) -> bool:
    """Whether a folder inside the module folder is one a kind of file lives in (or holds such
    folders: ``translations/`` holds one per language)."""
    folder = "/".join(inner_parts)
    return folder == TRANSLATIONS_FOLDER or any(
        kind.folder and re.fullmatch(kind.folder, folder) for kind in ENTRY_KINDS
    )


def _read_files(
    archive: zipfile.ZipFile,
    entries: list[zipfile.ZipInfo],
    folder_name: str,
    kinds: dict[str, str],
) -> dict[str, bytes]:
    """Each file's bytes, read with a hard cap (by its kind) whatever sizes the zip's headers
    claim."""
    limits = {kind.name: kind.max_bytes for kind in ENTRY_KINDS}
    files: dict[str, bytes] = {}
    total = 0
    for entry in entries:
        if entry.is_dir():
            continue
        inner = entry.filename.removeprefix(folder_name + "/")
        limit = limits[kinds[inner]]
        try:
            with archive.open(entry) as stream:
                # A short read means the end was reached, where the file's checksum is checked.
                data = stream.read(limit + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, ValueError):
            raise ModuleZipRefused(
                _("%(name)s is damaged and cannot be read.", name=entry.filename)
            ) from None
        except NotImplementedError:
            raise ModuleZipRefused(
                _(
                    "%(name)s is compressed in a way that cannot be read; make the zip again "
                    "with standard settings.",
                    name=entry.filename,
                )
            ) from None
        if len(data) > limit:
            raise ModuleZipRefused(
                _(
                    "%(name)s is larger than %(size)s MB when unzipped.",
                    name=entry.filename,
                    size=limit // (1024 * 1024),
                )
            )
        total += len(data)
        if total > MAX_TOTAL_BYTES:
            raise ModuleZipRefused(
                _(
                    "The zip's files add up to more than %(size)s MB when unzipped.",
                    size=MAX_TOTAL_BYTES // (1024 * 1024),
                )
            )
        files[inner] = data
    return files
