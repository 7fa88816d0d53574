"""What measuring learning keeps: each learner's consent, which parallel form they take first in
each module, and each check they took or skipped, with their answers and post ratings."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from course.catalogue.models import Module, ModuleVersion
from course.core.database import UTCDateTime, utcnow
from course.extensions import db


class Phase(enum.StrEnum):
    """When a check is taken: before the module, after it, or 30 or 90 days after the course."""

    BEFORE = "before"
    AFTER = "after"
    DAY_30 = "day-30"
    DAY_90 = "day-90"


#: The checks that come by email once the course is complete, and after how many days.
FOLLOW_UPS = {Phase.DAY_30: 30, Phase.DAY_90: 90}


class ResearchConsent(db.Model):
    """A learner's answer to "will you help measure what people learn?": yes or no, and whether
    the two short follow-up checks may come by email. One row a learner; withdrawing keeps the
    row (so the question is not asked again) and deletes what was measured."""

    __tablename__ = "research_consents"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    agreed: Mapped[bool] = mapped_column(Boolean)
    follow_up_emails: Mapped[bool] = mapped_column(Boolean, server_default="0")
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<ResearchConsent user {self.user_id} agreed={self.agreed}>"


class FormOrder(db.Model):
    """Which parallel form (``a`` or ``b``) a learner takes before a module; the other comes after.
    Assigned so that each module's learners are split evenly between the two orders."""

    __tablename__ = "measurement_form_orders"
    __table_args__ = (UniqueConstraint("user_id", "module_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    first_form: Mapped[str] = mapped_column(String(1))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Check(db.Model):
    """One check a learner took (or skipped) for one module in one phase, stored as it was shown:
    ``items`` is the snapshot of the questions (and posts) asked, graded from itself alone."""

    __tablename__ = "measurement_checks"
    __table_args__ = (
        UniqueConstraint("user_id", "module_id", "phase"),
        Index("ix_measurement_checks_module_phase", "module_id", "phase"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"))
    module_version_id: Mapped[int] = mapped_column(ForeignKey("module_versions.id"))
    phase: Mapped[str] = mapped_column(String(8))
    form: Mapped[str] = mapped_column(String(1))
    skipped: Mapped[bool] = mapped_column(Boolean, server_default="0")
    #: The questions as presented (see :meth:`QuestionType.present`), in order.
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    #: The posts to rate, as written in the bank (empty where the module measures no discernment).
    posts: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    answers: Mapped[list[Any] | None] = mapped_column(JSON)
    results: Mapped[list[bool] | None] = mapped_column(JSON)
    #: Each post's trustworthiness as the learner rated it, 1 (not at all) to 6 (completely).
    ratings: Mapped[list[int] | None] = mapped_column(JSON)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    module: Mapped[Module] = relationship()
    module_version: Mapped[ModuleVersion] = relationship()

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None and not self.skipped

    @property
    def score(self) -> int:
        """How many questions were answered right."""
        return sum(self.results or [])

    def __repr__(self) -> str:
        return f"<Check user {self.user_id} module {self.module_id} {self.phase} {self.form}>"
