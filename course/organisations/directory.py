"""The admins' directory of every open organisation (its page is ``directory_views.py``): each
with its member and manager counts, searched by name, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from course.core.paging import Page
from course.extensions import db
from course.organisations.models import Membership, MembershipRole, Organisation

DIRECTORY_PAGE_SIZE = 50


@dataclass(frozen=True)
class DirectoryRow:
    organisation_id: int
    name: str
    created_at: datetime
    members: int
    managers: int


def organisation_directory(search: str = "", page: int = 1) -> Page[DirectoryRow]:
    """One page of every open organisation, by name, with its member and manager counts from a
    single grouped query."""
    managers = func.count(Membership.id).filter(Membership.role == MembershipRole.MANAGER)
    query = (
        select(
            Organisation.id,
            Organisation.name,
            Organisation.created_at,
            func.count(Membership.id),
            managers,
        )
        .outerjoin(Membership, Membership.organisation_id == Organisation.id)
        .where(Organisation.closed_at.is_(None))
        .group_by(Organisation.id, Organisation.name, Organisation.created_at)
    )
    if search.strip():
        query = query.where(
            func.lower(Organisation.name).contains(search.strip().lower(), autoescape=True)
        )
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, page)
    rows = db.session.execute(
        query.order_by(func.lower(Organisation.name), Organisation.id)
        .limit(DIRECTORY_PAGE_SIZE)
        .offset((page - 1) * DIRECTORY_PAGE_SIZE)
    ).all()
    return Page(
        rows=[DirectoryRow(*row) for row in rows],
        total=total,
        page=page,
        page_size=DIRECTORY_PAGE_SIZE,
    )
