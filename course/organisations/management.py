"""Running an organisation's membership: team labels, manager rights, removing members, handing
over management, closing the organisation, and the admins' list of every organisation.

Every change that depends on what it reads (above all "never leave the organisation without a
manager") first locks the organisation's row, so concurrent changes to one organisation run one
after another.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from course.accounts.models import User
from course.core.database import get_for_update, utcnow
from course.core.paging import Page
from course.extensions import db
from course.organisations.models import Membership, MembershipRole, Organisation
from course.organisations.services import manager_count

TEAM_MAX_LENGTH = 100
TEAM_INVISIBLE_CHARACTER = _l(
    "The team contains an invisible formatting character (%(character)s). "
    "Remove it and type the team again."
)
DIRECTORY_PAGE_SIZE = 50


class ManagementError(Exception):
    """A change to an organisation was refused; the message says why, in words for the manager."""


def member_in(organisation: Organisation, user_id: int) -> Membership | None:
    """The membership of user ``user_id`` in ``organisation``, with its user, or ``None`` when they
    do not belong to it."""
    return db.session.scalar(
        select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(Membership.organisation_id == organisation.id, Membership.user_id == user_id)
    )


def _lock(organisation: Organisation) -> Organisation:
    locked = get_for_update(Organisation, organisation.id)
    if locked is None or not locked.is_open:
        raise ManagementError(_l("This organisation has been closed."))
    return locked


def _locked_member(organisation: Organisation, user_id: int) -> Membership:
    _lock(organisation)
    membership = db.session.scalar(
        select(Membership)
        .where(Membership.organisation_id == organisation.id, Membership.user_id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if membership is None:
        raise ManagementError(_l("That person is not a member of this organisation."))
    return membership


def normalised_team(team: str | None) -> str | None:
    """The team label as stored: spaces trimmed and runs of spaces made one; empty means none."""
    cleaned = " ".join((team or "").split())
    return cleaned or None


def set_team(organisation: Organisation, user_id: int, team: str | None) -> Membership:
    """Set the member's team or site label, or clear it with an empty ``team``.

    :raises ManagementError: when the label is longer than 100 characters or the user is not a
        member.
    """
    label = normalised_team(team)
    if label is not None and len(label) > TEAM_MAX_LENGTH:
        raise ManagementError(_l("The team must be 100 characters or fewer."))
    membership = _locked_member(organisation, user_id)
    membership.team = label
    return membership


def make_manager(organisation: Organisation, user_id: int) -> Membership:
    """Give the member manager rights (nothing changes if they already have them).

    :raises ManagementError: when the user is not a member.
    """
    membership = _locked_member(organisation, user_id)
    membership.role = MembershipRole.MANAGER
    return membership


def remove_manager(organisation: Organisation, user_id: int) -> Membership:
    """Make a manager a plain member again.

    :raises ManagementError: when they are the organisation's only manager, or not a member.
    """
    membership = _locked_member(organisation, user_id)
    if membership.is_manager and manager_count(organisation) <= 1:
        raise ManagementError(_l("This is the only manager. Make someone else a manager first."))
    membership.role = MembershipRole.MEMBER
    return membership


def remove_member(organisation: Organisation, user_id: int, acting_user: User) -> None:
    """Take a member out of the organisation, which then no longer sees their progress. Their own
    progress and certificates stay theirs.

    :raises ManagementError: for the acting manager themselves (they leave from their own
        organisations page), for the only manager, or when the user is not a member.
    """
    if user_id == acting_user.id:
        raise ManagementError(
            _l("You cannot remove yourself here. Leave from your own organisations page.")
        )
    membership = _locked_member(organisation, user_id)
    if membership.is_manager and manager_count(organisation) <= 1:
        raise ManagementError(_l("This is the only manager. Make someone else a manager first."))
    db.session.delete(membership)
    db.session.flush()


def transfer_management(organisation: Organisation, acting_user: User, to_user_id: int) -> None:
    """Make the member ``to_user_id`` a manager and the acting manager a plain member, together.

    :raises ManagementError: when the new manager is not a member, is the acting manager, or the
        acting user is not a manager of this organisation (an admin who is not a member has
        nothing to hand over).
    """
    if to_user_id == acting_user.id:
        raise ManagementError(_l("Choose someone other than yourself to take over."))
    new_manager = _locked_member(organisation, to_user_id)
    current = db.session.scalar(
        select(Membership)
        .where(Membership.organisation_id == organisation.id, Membership.user_id == acting_user.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if current is None or not current.is_manager:
        raise ManagementError(
            _l("You are not a manager of this organisation, so there is nothing to hand over.")
        )
    new_manager.role = MembershipRole.MANAGER
    current.role = MembershipRole.MEMBER


def names_match(organisation: Organisation, typed: str) -> bool:
    """Whether ``typed`` is the organisation's name, ignoring case and extra spaces."""
    return " ".join(typed.split()).casefold() == " ".join(organisation.name.split()).casefold()


def close_organisation(
    organisation: Organisation, typed_name: str, now: datetime | None = None
) -> None:
    """Close the organisation: its pages and join link stop working and its members no longer
    see it in their list. Members keep their own progress and certificates.

    :raises ManagementError: when ``typed_name`` is not the organisation's name, or it is closed.
    """
    if not names_match(organisation, typed_name):
        raise ManagementError(_l("Type the name of the organisation exactly as shown to close it."))
    locked = _lock(organisation)
    locked.closed_at = now or utcnow()
    locked.join_enabled = False


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
