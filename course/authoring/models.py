"""What authors work on before learners see it: a module's draft, and uploaded images."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from course.accounts.models import User
from course.catalogue.models import Module, ModuleVersion
from course.core.database import UTCDateTime, utcnow
from course.extensions import db


class ModuleDraft(db.Model):
    """The unpublished state of one module, edited on the web.

    ``content`` holds the whole module as one document (see
    :mod:`course.authoring.draft_document`); learners never see it. ``revision`` goes up by one
    with every save: a save names the revision it was made from, and one made from an older
    revision is refused (optimistic locking), so two authors never silently overwrite each other.
    """

    __tablename__ = "module_drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), unique=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: The published version the draft started from (``None`` for a module never published).
    based_on_version_id: Mapped[int | None] = mapped_column(ForeignKey("module_versions.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    module: Mapped[Module] = relationship()
    based_on_version: Mapped[ModuleVersion | None] = relationship()
    updated_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<ModuleDraft of module {self.module_id} r{self.revision}>"


class MediaFile(db.Model):
    """An image uploaded for lessons, served at ``/media/<name>``.

    The name is random (it says nothing about the uploader's file name), and the bytes live in the
    database, so every web server can serve them and backups hold them.
    """

    __tablename__ = "media_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    alt_text: Mapped[str] = mapped_column(String(300))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    def __repr__(self) -> str:
        return f"<MediaFile {self.name!r}>"
