"""Audit entries, which are written once and never changed or deleted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, event
from sqlalchemy.orm import Mapped, Mapper, ORMExecuteState, Session, mapped_column

from course.core.database import UTCDateTime, utcnow
from course.extensions import db


class AuditLogIsAppendOnly(Exception):
    """Something tried to change or delete an audit entry."""


class AuditEntry(db.Model):
    """One action taken by an admin or author.

    ``actor_email`` is copied from the actor when the entry is written, so the entry still says who
    acted after their account is deleted (``actor_id`` then becomes empty) or their address changes.
    ``target_type`` and ``target_id`` name what was acted on ("user", "42"); ``before`` and
    ``after`` hold the fields that changed, as JSON.
    """

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    actor_email: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[str] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    ip_address: Mapped[str | None] = mapped_column(String(45))

    def __repr__(self) -> str:
        return f"<AuditEntry {self.id} {self.action} {self.target_type} {self.target_id}>"


#: Set in ``Session.info`` by :func:`course.audit.services.erase_person` alone: the one change the
#: log allows is removing a person's email and name when their account is deleted.
ERASING_PERSONAL_DATA = "erasing personal data from the audit log"


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_change(_mapper: Mapper[Any], _connection: Any, entry: AuditEntry) -> None:
    raise AuditLogIsAppendOnly(f"audit entries cannot be changed or deleted: {entry!r}")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_change(state: ORMExecuteState) -> None:
    """Refuse ``update(AuditEntry)`` and ``delete(AuditEntry)`` statements, which bypass the
    per-object events above; an erasure's update of personal data is the one exception."""
    if not (state.is_update or state.is_delete):
        return
    touches_log = state.bind_mapper is AuditEntry.__mapper__ or (
        AuditEntry.__table__ in getattr(state.statement, "_from_obj", ())
        or getattr(state.statement, "table", None) is AuditEntry.__table__
    )
    if touches_log and not (state.is_update and state.session.info.get(ERASING_PERSONAL_DATA)):
        raise AuditLogIsAppendOnly("audit entries cannot be changed or deleted")
