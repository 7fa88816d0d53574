"""Version history: every published version of a module, and a readable diff of any two.

Versions are compared file by file in the ``modules/`` format, so the diff shows exactly what an
author would see comparing two exported folders: the details, each lesson and the question bank.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from course.accounts.models import User
from course.catalogue.bundle import module_files
from course.catalogue.models import Module, ModuleVersion
from course.catalogue.services import module_source
from course.core.line_diff import DiffLine, line_diff
from course.extensions import db


@dataclass(frozen=True)
class VersionEntry:
    version: ModuleVersion
    published_by: str | None  # an email, or None when it came from files


@dataclass
class FileDiff:
    name: str
    status: str  # "added", "removed" or "changed"
    lines: list[DiffLine] = field(default_factory=list)


def version_history(module: Module) -> list[VersionEntry]:
    """The module's versions, newest first, with who published each."""
    versions = list(
        db.session.scalars(
            select(ModuleVersion)
            .where(ModuleVersion.module_id == module.id)
            .order_by(ModuleVersion.number.desc())
        )
    )
    publisher_ids = {version.published_by_id for version in versions if version.published_by_id}
    emails = (
        dict(
            db.session.execute(select(User.id, User.email).where(User.id.in_(publisher_ids))).all()
        )
        if publisher_ids
        else {}
    )
    return [VersionEntry(version, emails.get(version.published_by_id or 0)) for version in versions]


def version_diff(old: ModuleVersion, new: ModuleVersion) -> list[FileDiff]:
    """What changed from ``old`` to ``new``, file by file; unchanged files are left out."""
    old_files = module_files(module_source(old))
    new_files = module_files(module_source(new))
    diffs = []
    for name in sorted(set(old_files) | set(new_files), key=_file_order):
        before, after = old_files.get(name), new_files.get(name)
        if before == after:
            continue
        status = "added" if before is None else "removed" if after is None else "changed"
        diffs.append(FileDiff(name, status, line_diff(before or "", after or "")))
    return diffs


def _file_order(name: str) -> tuple[int, str]:
    return (0 if name == "module.yaml" else 2 if name == "quiz.yaml" else 1, name)
