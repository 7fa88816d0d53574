"""An organisation's sites (premises): adding and changing them, who works at each, and who
manages each.

Organisation managers run every site. A site manager is a member given the site's manager role:
they see, remind and report on that site's members and nothing else of the organisation (see
:func:`managed_site`). A member may work at several sites; leaving the organisation takes them out
of all of them (the rows go with the membership).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, delete, func, select

from course.accounts.models import User
from course.core.database import begin_write
from course.extensions import db
from course.organisations.memberships import ManagementError, managed_organisation, member_in
from course.organisations.models import (
    CapacityTier,
    Membership,
    Organisation,
    Site,
    SiteMember,
    SiteRole,
)

NAME_MAX_LENGTH = 200
ADDRESS_MAX_LENGTH = 500

#: Each tier's words, for forms, tables and reports.
TIER_NAMES = {
    CapacityTier.UNDER_200: _l("Under 200 people"),
    CapacityTier.STANDARD: _l("Standard: 200 to 799 people"),
    CapacityTier.ENHANCED: _l("Enhanced: 800 or more people"),
}


@dataclass(frozen=True)
class SiteSummary:
    """A line of the organisation's list of sites."""

    site: Site
    members: int
    managers: int


def sites_of(organisation: Organisation) -> list[Site]:
    """The organisation's sites, by name."""
    return list(
        db.session.scalars(
            select(Site).where(Site.organisation_id == organisation.id).order_by(Site.name, Site.id)
        )
    )


def site_summaries(organisation: Organisation) -> list[SiteSummary]:
    """Every site with how many members and site managers it has, in one query."""
    managers = func.count(SiteMember.membership_id).filter(SiteMember.role == SiteRole.MANAGER)
    rows = db.session.execute(
        select(Site, func.count(SiteMember.membership_id), managers)
        .outerjoin(SiteMember, SiteMember.site_id == Site.id)
        .where(Site.organisation_id == organisation.id)
        .group_by(Site.id)
        .order_by(Site.name, Site.id)
    )
    return [SiteSummary(site, members, managers) for site, members, managers in rows]


def site_in(organisation: Organisation, site_id: int) -> Site | None:
    """The site ``site_id`` if it belongs to ``organisation``; ``None`` hides any other."""
    site = db.session.get(Site, site_id)
    return site if site is not None and site.organisation_id == organisation.id else None


def _name_taken(organisation: Organisation, name: str, other_than: Site | None = None) -> bool:
    query = select(Site.id).where(
        Site.organisation_id == organisation.id, func.lower(Site.name) == name.lower()
    )
    if other_than is not None:
        query = query.where(Site.id != other_than.id)
    return db.session.scalar(query) is not None


def add_site(
    organisation: Organisation, name: str, address: str, capacity_tier: CapacityTier
) -> Site:
    """Add a site to ``organisation``.

    :raises ManagementError: when another of its sites has the same name.
    """
    begin_write()
    name = " ".join(name.split())
    if _name_taken(organisation, name):
        raise ManagementError(
            _l("%(name)s already has a site with that name.", name=organisation.name)
        )
    site = Site(
        organisation_id=organisation.id,
        name=name,
        address=address.strip(),
        capacity_tier=capacity_tier,
    )
    db.session.add(site)
    db.session.flush()
    return site


def change_site(site: Site, name: str, address: str, capacity_tier: CapacityTier) -> Site:
    """Change a site's name, address or capacity.

    :raises ManagementError: when another site of the organisation has the new name.
    """
    begin_write()
    name = " ".join(name.split())
    if _name_taken(site.organisation, name, other_than=site):
        raise ManagementError(
            _l("%(name)s already has a site with that name.", name=site.organisation.name)
        )
    site.name = name
    site.address = address.strip()
    site.capacity_tier = capacity_tier
    return site


def delete_site(site: Site) -> None:
    """Delete a site; its members stay in the organisation, and invitations to it no longer
    place anyone there."""
    begin_write()
    db.session.execute(delete(SiteMember).where(SiteMember.site_id == site.id))
    db.session.delete(site)
    db.session.flush()


def site_places(membership: Membership) -> list[SiteMember]:
    """The sites ``membership``'s member works at, with their role there, by site name."""
    return list(
        db.session.scalars(
            select(SiteMember)
            .join(Site)
            .where(SiteMember.membership_id == membership.id)
            .order_by(Site.name, Site.id)
        )
    )


def place_member(
    organisation: Organisation, user_id: int, site_ids: Iterable[int], managing: Iterable[int]
) -> list[SiteMember]:
    """Set the sites member ``user_id`` works at to ``site_ids``, managing those in ``managing``
    (which must be among them). Sites of other organisations are refused, not ignored.

    :raises ManagementError: when the user is not a member, a site is not the organisation's, or
        they would manage a site they do not work at.
    """
    begin_write()
    membership = member_in(organisation, user_id)
    if membership is None:
        raise ManagementError(_l("That person is not a member of this organisation."))
    wanted, managed = set(site_ids), set(managing)
    own = {site.id for site in sites_of(organisation)}
    if not wanted <= own:
        raise ManagementError(_l("Choose sites from this organisation's list."))
    if not managed <= wanted:
        raise ManagementError(_l("A site manager must also work at the site."))
    existing = {place.site_id: place for place in site_places(membership)}
    for site_id, place in existing.items():
        if site_id not in wanted:
            db.session.delete(place)
    for site_id in wanted:
        role = SiteRole.MANAGER if site_id in managed else SiteRole.MEMBER
        place = existing.get(site_id)
        if place is None:
            db.session.add(SiteMember(site_id=site_id, membership_id=membership.id, role=role))
        else:
            place.role = role
    db.session.flush()
    return site_places(membership)


def add_to_site(membership: Membership, site: Site) -> None:
    """Put a member at ``site`` (an invitation that named it, say); nothing if already there."""
    present = db.session.get(SiteMember, (site.id, membership.id))
    if present is None and site.organisation_id == membership.organisation_id:
        db.session.add(SiteMember(site_id=site.id, membership_id=membership.id))
        db.session.flush()


def managed_site(
    user: User, organisation_id: int, site_id: int, *, as_admin: bool = False
) -> tuple[Organisation, Site, bool] | None:
    """The organisation, the site and whether ``user`` runs the whole organisation, for its
    organisation managers (and admins signed in with two factors, ``as_admin``) and for the
    site's own managers; ``None`` hides the site from everyone else, site managers of other
    sites included."""
    organisation = managed_organisation(user, organisation_id, as_admin=as_admin)
    if organisation is not None:
        site = site_in(organisation, site_id)
        return (organisation, site, True) if site is not None else None
    place = db.session.scalar(
        select(SiteMember)
        .join(Membership, Membership.id == SiteMember.membership_id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(
            SiteMember.site_id == site_id,
            SiteMember.role == SiteRole.MANAGER,
            Membership.user_id == user.id,
            Membership.organisation_id == organisation_id,
            Organisation.closed_at.is_(None),
        )
    )
    return (place.membership.organisation, place.site, False) if place is not None else None


def sites_managed_by(user: User) -> list[Site]:
    """The sites of open organisations where ``user`` is a site manager, by organisation and
    name: their way in, since they cannot see the organisation's own page."""
    return list(
        db.session.scalars(
            select(Site)
            .join(SiteMember, SiteMember.site_id == Site.id)
            .join(Membership, Membership.id == SiteMember.membership_id)
            .join(Organisation, Organisation.id == Site.organisation_id)
            .where(
                Membership.user_id == user.id,
                SiteMember.role == SiteRole.MANAGER,
                Organisation.closed_at.is_(None),
            )
            .order_by(Organisation.name, Site.name)
        )
    )


def at_site(site_id: int) -> ColumnElement[bool]:
    """True for a membership of someone who works at the site: the member table, reports,
    reminders and certificate downloads narrow to a site with it."""
    return Membership.id.in_(select(SiteMember.membership_id).where(SiteMember.site_id == site_id))
