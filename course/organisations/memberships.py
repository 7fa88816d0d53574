"""An organisation's life and who belongs to it: creating and closing it, its join link, joining
and leaving, who manages it, and the managers' changes to members (team labels, manager rights,
removing members, handing over management).

Every change from the manager's pages that depends on what it reads (above all "never leave the
organisation without a manager") first locks the organisation's row, so concurrent changes to one
organisation run one after another.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, func, or_, select

from course.accounts.models import User
from course.core.database import begin_write, get_for_update, utcnow
from course.extensions import db
from course.organisations import training_records
from course.organisations.models import (
    Membership,
    MembershipRole,
    Organisation,
    SiteMember,
    SiteRole,
    new_join_token,
)

TEAM_MAX_LENGTH = 100
TEAM_INVISIBLE_CHARACTER = _l(
    "The team contains an invisible formatting character (%(character)s). "
    "Remove it and type the team again."
)


class MembershipError(Exception):
    """A member's change to their own membership (leaving) was refused; the message says why."""


class ManagementError(Exception):
    """A change to an organisation was refused; the message says why, in words for the manager."""


def create_organisation(user: User, name: str, due_days: int | None) -> Organisation:
    """Create an organisation with ``user`` as its first manager."""
    organisation = Organisation(name=" ".join(name.split()), due_days=due_days)
    db.session.add(organisation)
    db.session.add(
        Membership(
            organisation=organisation,
            user_id=user.id,
            role=MembershipRole.MANAGER,
            due_at=due_date(organisation, utcnow()),
        )
    )
    db.session.flush()
    return organisation


def due_date(organisation: Organisation, joined_at: datetime) -> datetime | None:
    """When someone joining at ``joined_at`` should have finished the course, if ever."""
    return joined_at + timedelta(days=organisation.due_days) if organisation.due_days else None


def managed_organisation(
    user: User, organisation_id: int, *, as_admin: bool = False
) -> Organisation | None:
    """The organisation if ``user`` manages it, or is an admin acting as one (``as_admin``: only
    after signing in with two factors); ``None`` hides it from everyone else."""
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or not organisation.is_open:
        return None
    if as_admin and user.has_role("admin"):
        return organisation
    membership = membership_of(user, organisation)
    return organisation if membership is not None and membership.is_manager else None


def membership_of(user: User, organisation: Organisation) -> Membership | None:
    """``user``'s membership of ``organisation``, or ``None`` when they do not belong to it."""
    return db.session.scalar(
        select(Membership).where(
            Membership.organisation_id == organisation.id, Membership.user_id == user.id
        )
    )


def member_in(organisation: Organisation, user_id: int) -> Membership | None:
    """The membership of user ``user_id`` in ``organisation``, with its user, or ``None`` when they
    do not belong to it."""
    return db.session.scalar(
        select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(Membership.organisation_id == organisation.id, Membership.user_id == user_id)
    )


def memberships_of(user: User) -> list[Membership]:
    """Every open organisation ``user`` belongs to: all of them can see the user's progress."""
    return list(
        db.session.scalars(
            select(Membership)
            .join(Organisation)
            .where(Membership.user_id == user.id, Organisation.closed_at.is_(None))
            .order_by(Organisation.name)
        )
    )


def managed_by(user: User) -> list[Organisation]:
    """The open organisations ``user`` manages, by name."""
    return list(
        db.session.scalars(
            select(Organisation)
            .join(Membership)
            .where(*_managing(user))
            .order_by(Organisation.name, Organisation.id)
        )
    )


def manages_any(user: User) -> bool:
    """Whether ``user`` manages an open organisation or one of its sites: one small query,
    asked on every page."""
    manages_a_site = (
        select(SiteMember.membership_id)
        .where(SiteMember.membership_id == Membership.id, SiteMember.role == SiteRole.MANAGER)
        .exists()
    )
    return bool(
        db.session.scalar(
            select(
                select(Membership.id)
                .join(Organisation)
                .where(
                    Membership.user_id == user.id,
                    Organisation.closed_at.is_(None),
                    or_(Membership.role == MembershipRole.MANAGER, manages_a_site),
                )
                .exists()
            )
        )
    )


def _managing(user: User) -> tuple[ColumnElement[bool], ...]:
    return (
        Membership.user_id == user.id,
        Membership.role == MembershipRole.MANAGER,
        Organisation.closed_at.is_(None),
    )


def every_membership_of(user: User) -> list[Membership]:
    """Every membership of ``user``, in closed organisations as well as open ones, by the
    organisation's name: what is held about them, rather than who can see it now."""
    return list(
        db.session.scalars(
            select(Membership)
            .join(Organisation)
            .where(Membership.user_id == user.id)
            .order_by(Organisation.name, Membership.id)
        )
    )


def manager_count(organisation: Organisation) -> int:
    """How many managers ``organisation`` has."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(
                Membership.organisation_id == organisation.id,
                Membership.role == MembershipRole.MANAGER,
            )
        )
        or 0
    )


def _member_count(organisation: Organisation) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.organisation_id == organisation.id)
        )
        or 0
    )


def organisation_for_join_token(token: str) -> Organisation | None:
    """The open organisation whose join link is ``token`` and switched on, or ``None``."""
    organisation = db.session.scalar(select(Organisation).where(Organisation.join_token == token))
    if organisation is None or not organisation.is_open or not organisation.join_enabled:
        return None
    return organisation


def rotate_join_link(organisation: Organisation) -> None:
    """Replace the join link: the old one stops working at once."""
    organisation.join_token = new_join_token()
    organisation.join_enabled = True


def set_join_link_enabled(organisation: Organisation, enabled: bool) -> None:
    """Switch the join link on or off; it keeps its address."""
    organisation.join_enabled = enabled


def join(user: User, organisation: Organisation, team: str | None = None) -> Membership:
    """Add ``user`` to the organisation (once: joining again changes nothing)."""
    begin_write()
    existing = membership_of(user, organisation)
    if existing is not None:
        return existing
    now = utcnow()
    membership = Membership(
        organisation_id=organisation.id,
        user_id=user.id,
        team=team or None,
        joined_at=now,
        due_at=due_date(organisation, now),
    )
    db.session.add(membership)
    db.session.flush()
    return membership


def leave(user: User, organisation: Organisation) -> None:
    """Remove ``user`` from the organisation; their own progress and certificates stay theirs.

    :raises MembershipError: for the last manager, who must hand over first.
    """
    begin_write()
    membership = membership_of(user, organisation)
    if membership is None:
        return
    if (
        membership.is_manager
        and manager_count(organisation) == 1
        and _member_count(organisation) > 1
    ):
        raise MembershipError(
            _l("You are the only manager. Make someone else a manager before you leave.")
        )
    training_records.keep_record(membership, training_records.RecordReason.LEFT)
    db.session.delete(membership)


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


def check_removal(organisation: Organisation, membership: Membership, acting_user: User) -> None:
    """Refuse what :func:`remove_member` refuses, changing nothing, so that the manager hears it
    before being asked to confirm.

    :raises ManagementError: for the acting manager themselves (they leave from their own
        organisations page), or for the only manager.
    """
    if membership.user_id == acting_user.id:
        raise ManagementError(
            _l("You cannot remove yourself here. Leave from your own organisations page.")
        )
    if membership.is_manager and manager_count(organisation) <= 1:
        raise ManagementError(_l("This is the only manager. Make someone else a manager first."))


def remove_member(organisation: Organisation, user_id: int, acting_user: User) -> None:
    """Take a member out of the organisation, which then no longer sees their progress. Their own
    progress and certificates stay theirs.

    :raises ManagementError: for what :func:`check_removal` refuses, or when the user is not a
        member.
    """
    membership = _locked_member(organisation, user_id)
    check_removal(organisation, membership, acting_user)
    training_records.keep_record(membership, training_records.RecordReason.REMOVED)
    db.session.delete(membership)
    db.session.flush()


def _handing_over(to_user_id: int, acting_user: User, current: Membership | None) -> Membership:
    """The acting user's membership ``current``, once it is sure they may hand over to
    ``to_user_id``."""
    if to_user_id == acting_user.id:
        raise ManagementError(_l("Choose someone other than yourself to take over."))
    if current is None or not current.is_manager:
        raise ManagementError(
            _l("You are not a manager of this organisation, so there is nothing to hand over.")
        )
    return current


def check_hand_over(organisation: Organisation, acting_user: User, to_user_id: int) -> None:
    """Refuse what :func:`transfer_management` refuses of the acting user, changing nothing, so
    that the manager hears it before being asked to confirm.

    :raises ManagementError: when ``to_user_id`` is the acting user, or the acting user is not a
        manager of this organisation (an admin who is not a member has nothing to hand over).
    """
    _handing_over(to_user_id, acting_user, membership_of(acting_user, organisation))


def transfer_management(organisation: Organisation, acting_user: User, to_user_id: int) -> None:
    """Make the member ``to_user_id`` a manager and the acting manager a plain member, together.

    :raises ManagementError: for what :func:`check_hand_over` refuses, or when the new manager is
        not a member.
    """
    new_manager = _locked_member(organisation, to_user_id)
    current = _handing_over(
        to_user_id,
        acting_user,
        db.session.scalar(
            select(Membership)
            .where(
                Membership.organisation_id == organisation.id, Membership.user_id == acting_user.id
            )
            .with_for_update()
            .execution_options(populate_existing=True)
        ),
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
