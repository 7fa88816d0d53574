"""What organisations hold about a person: their memberships, the invitations sent to their
address, and the training records organisations keep after someone leaves.

Registered with :mod:`course.core.personal_data`: the ``organisations`` section of the export; the
erasure of memberships and invitations when the account is deleted; the refusal to delete the
only manager of an open organisation; and the purge of training records past their time.

Deleting an account first keeps a training record of the person for each open organisation they
belong to, then clears the account from every record about it, then deletes the memberships: the
record is the organisation's, held for its own purposes (docs/privacy.md), and must be written
while the memberships and the person's progress (erased later, by certificates and learning)
still belong to them.

Invitations are found by email address, not by account, and anyone can register any address
without being able to read its mailbox. So they are exported, and erased, only for an account
whose address is confirmed: otherwise someone could read, or wipe out, the invitations a manager
sent to someone else.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from course.accounts.models import User
from course.core.personal_data import (
    Erasure,
    Expiry,
    ExportSection,
    PersonalData,
    exported_time,
    register,
)
from course.extensions import db
from course.organisations.annex import attestations_of
from course.organisations.invitations import invitations_to
from course.organisations.memberships import every_membership_of, managed_by
from course.organisations.models import Invitation, Membership, MembershipRole, RecordReason
from course.organisations.sites import site_places
from course.organisations.training_records import (
    exported,
    forget_account,
    keep_records_of,
    purge_expired_records,
    records_about,
)


def organisations(user: User, _now: datetime) -> dict[str, Any]:
    """The person's memberships; once their address is confirmed, the invitations sent to it;
    and the training records organisations keep of them after they left (held by each
    organisation, not by CT Citizen for itself: the key says so)."""
    sent_to_them = invitations_to(user.email) if user.email_verified else []
    held = every_membership_of(user)
    attested = attestations_of([membership.id for membership in held])
    return {
        "memberships": [
            {
                "organisation": membership.organisation.name,
                "role": membership.role.value,
                "team": membership.team,
                "joined_at": exported_time(membership.joined_at),
                "due_at": exported_time(membership.due_at),
                "last_reminded_at": exported_time(membership.last_reminded_at),
                "organisation_closed_at": exported_time(membership.organisation.closed_at),
                "sites": [
                    {"site": place.site.name, "role": place.role.value}
                    for place in site_places(membership)
                ],
                "site_procedures_confirmed": attested.get(membership.id, []),
            }
            for membership in held
        ],
        "invitations": [
            {
                "organisation": invitation.organisation.name,
                "name": invitation.name,
                "team": invitation.team,
                "sent_at": exported_time(invitation.sent_at),
                "times_sent": invitation.times_sent,
                "accepted_at": exported_time(invitation.accepted_at),
            }
            for invitation in sent_to_them
        ],
        "training_records_held_by_organisations": exported(records_about(user)),
    }


def only_manager_blockers(user: User) -> list[str]:
    """One reason for each open organisation that ``user`` alone manages: deleting the account
    would leave it without a manager."""
    blockers = []
    for organisation in managed_by(user):
        other_managers = db.session.scalar(
            select(func.count(Membership.id)).where(
                Membership.organisation_id == organisation.id,
                Membership.role == MembershipRole.MANAGER,
                Membership.user_id != user.id,
            )
        )
        if not other_managers:
            blockers.append(
                _(
                    "You are the only manager of %(name)s. Make someone else a manager, or close "
                    "the organisation, first.",
                    name=organisation.name,
                )
            )
    return blockers


def erase_memberships_and_invitations(erasure: Erasure) -> dict[str, int]:
    """Keep a training record for each open organisation the person belongs to, with no link to
    the account, and clear the account from the records kept before; then end the memberships,
    so managers see them gone; and, if their address is confirmed, delete the invitations sent
    to it."""
    person = erasure.person
    kept = keep_records_of(person, RecordReason.ACCOUNT_DELETED)
    forget_account(person.id)
    db.session.execute(delete(Membership).where(Membership.user_id == person.id))
    if person.email_verified:
        db.session.execute(delete(Invitation).where(Invitation.email == person.email))
    return {"training_records_kept": kept}


register(
    PersonalData(
        feature="organisations",
        exported={
            "memberships": "organisations",
            "site_members": "organisations (the sites of each membership)",
            "annex_attestations": "organisations (the site procedures confirmed in each "
            "membership)",
            "invitations": "organisations (invitations sent to the person's email address, once "
            "it is confirmed)",
            "training_records": "organisations.training_records_held_by_organisations (while the "
            "account exists: deleting it clears the link)",
        },
        not_exported={
            "invitations.invited_by_id": "invitations a manager sent to other people: data about "
            "the people invited, exported to them",
            "organisations": "an organisation's own details; the name of each organisation the "
            "person belongs to or is invited to appears in the organisations section",
            "sites": "an organisation's premises, not a person; the sites the person works at "
            "appear with each membership",
            "annex_versions.published_by_id": "a site's procedures as its organisation keeps "
            "them, with who published each version: the organisation's record of its own "
            "procedures, not data about the person's training (the link to the account is "
            "cleared when it is deleted; the name stays with the version)",
        },
        sections=(ExportSection("organisations", position=50, read=organisations),),
        erasure_order=20,
        erase=erase_memberships_and_invitations,
        blockers=only_manager_blockers,
        expiries=(Expiry("expired training records", purge_expired_records),),
    )
)
