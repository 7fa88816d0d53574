"""A site's annex: its own procedures for evacuation, invacuation, lockdown and communication,
written by its managers, published in numbered versions, and read and confirmed ("attested") by
the people who work there.

A version never changes once published; publishing a new one asks everyone at the site to read
and confirm again, and the member table, the CSV and reminders count who has not confirmed the
current version. The SQL here (:func:`unconfirmed_sites`) is a correlated subquery, so those
reports stay a fixed number of queries however many members there are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, exists, func, select

from course.accounts.models import User
from course.catalogue.markdown import render_text
from course.core.database import begin_write, get_for_update, utcnow
from course.extensions import db
from course.organisations.models import (
    AnnexVersion,
    Attestation,
    Membership,
    Organisation,
    ProcedureKind,
    Site,
    SiteMember,
)

#: Each section's heading, in the order the annex sets them out.
PROCEDURE_HEADINGS = {
    ProcedureKind.EVACUATION: _l("Evacuation"),
    ProcedureKind.INVACUATION: _l("Invacuation"),
    ProcedureKind.LOCKDOWN: _l("Lockdown"),
    ProcedureKind.COMMUNICATION: _l("Communication"),
}
#: What each section is for, as the form explains it.
PROCEDURE_HINTS = {
    ProcedureKind.EVACUATION: _l(
        "Getting everyone out when the danger is inside: routes, exits, assembly points and "
        "who leads."
    ),
    ProcedureKind.INVACUATION: _l(
        "Bringing people inside to safety when the danger is outside: where they go and who "
        "brings them in."
    ),
    ProcedureKind.LOCKDOWN: _l(
        "Keeping an attacker out: which doors are locked and how, where people hide, and how "
        "they keep silent."
    ),
    ProcedureKind.COMMUNICATION: _l(
        "Telling staff and the public what to do: alarms, radios, announcements, and who calls 999."
    ),
}
SECTION_MAX_LENGTH = 10_000


class AnnexError(Exception):
    """An annex could not be confirmed; the message says why, for the member."""


@dataclass(frozen=True)
class VersionSummary:
    version: AnnexVersion
    attested: int


@dataclass(frozen=True)
class AnnexToRead:
    """A site the person works at, its current annex, and when they confirmed it (if they have)."""

    site: Site
    version: AnnexVersion
    attested_at: datetime | None


def section_problem(text: str) -> str | None:
    """Why a section cannot be published, or ``None``."""
    if not text.strip():
        return str(_l("Write this procedure, or say why the site has none."))
    if len(text) > SECTION_MAX_LENGTH:
        return str(
            _l("Keep each procedure to %(max)s characters or fewer.", max=f"{SECTION_MAX_LENGTH:,}")
        )
    return None


def rendered(sections: Mapping[str, str]) -> dict[str, str]:
    """Each section's sanitised HTML, keyed by kind."""
    return {kind.value: render_text(sections[kind.value]) for kind in ProcedureKind}


def publish(site: Site, sections: Mapping[str, str], author: User) -> AnnexVersion:
    """Publish ``sections`` as the site's next version. The site's row is locked first, so two
    managers publishing at once get consecutive numbers, never the same one."""
    begin_write()
    get_for_update(Site, site.id)
    latest = current_version(site)
    version = AnnexVersion(
        site_id=site.id,
        number=(latest.number + 1) if latest else 1,
        sections={kind.value: sections[kind.value].strip() for kind in ProcedureKind},
        sections_html=rendered(sections),
        published_at=utcnow(),
        published_by_id=author.id,
        published_by_name=author.name,
    )
    db.session.add(version)
    db.session.flush()
    return version


def current_version(site: Site) -> AnnexVersion | None:
    """The site's latest version, or ``None`` before its first."""
    return db.session.scalar(
        select(AnnexVersion)
        .where(AnnexVersion.site_id == site.id)
        .order_by(AnnexVersion.number.desc())
        .limit(1)
    )


def version_numbered(site: Site, number: int) -> AnnexVersion | None:
    return db.session.scalar(
        select(AnnexVersion).where(AnnexVersion.site_id == site.id, AnnexVersion.number == number)
    )


def version_summaries(site: Site) -> list[VersionSummary]:
    """Every version, newest first, with how many people confirmed it, in one query."""
    rows = db.session.execute(
        select(AnnexVersion, func.count(Attestation.id))
        .outerjoin(Attestation, Attestation.annex_version_id == AnnexVersion.id)
        .where(AnnexVersion.site_id == site.id)
        .group_by(AnnexVersion.id)
        .order_by(AnnexVersion.number.desc())
    )
    return [VersionSummary(version, attested) for version, attested in rows]


def site_member_count(site: Site) -> int:
    return (
        db.session.scalar(
            select(func.count()).select_from(SiteMember).where(SiteMember.site_id == site.id)
        )
        or 0
    )


def annexes_for(user: User) -> list[AnnexToRead]:
    """Every site of an open organisation that ``user`` works at and that has an annex, with its
    current version and when they confirmed it: what they are asked to read."""
    latest = _latest_number(SiteMember.site_id)
    rows = db.session.execute(
        select(Site, AnnexVersion, Attestation.attested_at)
        .join(SiteMember, SiteMember.site_id == Site.id)
        .join(Membership, Membership.id == SiteMember.membership_id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .join(
            AnnexVersion,
            and_(AnnexVersion.site_id == Site.id, AnnexVersion.number == latest),
        )
        .outerjoin(
            Attestation,
            and_(
                Attestation.annex_version_id == AnnexVersion.id,
                Attestation.membership_id == Membership.id,
            ),
        )
        .where(Membership.user_id == user.id, Organisation.closed_at.is_(None))
        .order_by(Organisation.name, Site.name)
    )
    return [AnnexToRead(site, version, attested_at) for site, version, attested_at in rows]


def annex_for(user: User, site_id: int) -> AnnexToRead | None:
    """The annex of one site ``user`` works at, or ``None`` (not theirs, or none written)."""
    return next((found for found in annexes_for(user) if found.site.id == site_id), None)


def attest(user: User, site_id: int, number: int) -> Attestation:
    """Record that ``user`` has read and understood version ``number`` of the site's annex.
    Confirming again changes nothing.

    :raises AnnexError: when the site is not theirs, or ``number`` is no longer the current
        version (a new one was published while they read it).
    """
    begin_write()
    found = annex_for(user, site_id)
    if found is None:
        raise AnnexError(_l("You do not work at that site, or it has no procedures to read."))
    if found.version.number != number:
        raise AnnexError(
            _l(
                "%(site)s published version %(number)d of its procedures while you were "
                "reading. Read it, then confirm it.",
                site=found.site.name,
                number=found.version.number,
            )
        )
    membership_id = db.session.scalar(
        select(SiteMember.membership_id)
        .join(Membership, Membership.id == SiteMember.membership_id)
        .where(SiteMember.site_id == site_id, Membership.user_id == user.id)
    )
    existing = db.session.scalar(
        select(Attestation).where(
            Attestation.annex_version_id == found.version.id,
            Attestation.membership_id == membership_id,
        )
    )
    if existing is not None:
        return existing
    attestation = Attestation(
        annex_version_id=found.version.id, membership_id=membership_id, attested_at=utcnow()
    )
    db.session.add(attestation)
    db.session.flush()
    return attestation


def _latest_number(site_id: ColumnElement[int]) -> ColumnElement[int]:
    return (
        select(func.max(AnnexVersion.number))
        .where(AnnexVersion.site_id == site_id)
        .correlate_except(AnnexVersion)
        .scalar_subquery()
    )


def sites_with_procedures(site_id: int | None = None) -> ColumnElement[int]:
    """For the membership of the enclosing query: how many of its sites (only ``site_id``, if
    given) have published procedures."""
    query = (
        select(func.count())
        .select_from(SiteMember)
        .where(
            SiteMember.membership_id == Membership.id,
            exists().where(AnnexVersion.site_id == SiteMember.site_id),
        )
    )
    if site_id is not None:
        query = query.where(SiteMember.site_id == site_id)
    return query.correlate(Membership).scalar_subquery()


def unconfirmed_sites(site_id: int | None = None) -> ColumnElement[int]:
    """For the membership of the enclosing query: how many of its sites (only ``site_id``, if
    given) have a current version of their procedures that the member has not confirmed."""
    current = and_(
        AnnexVersion.site_id == SiteMember.site_id,
        AnnexVersion.number == _latest_number(SiteMember.site_id),
    )
    # Correlated by hand: the membership is two queries out, beyond automatic correlation.
    confirmed = (
        exists()
        .where(
            Attestation.annex_version_id == AnnexVersion.id,
            Attestation.membership_id == Membership.id,
        )
        .correlate_except(Attestation)
    )
    query = (
        select(func.count())
        .select_from(SiteMember)
        .join(AnnexVersion, current)
        .where(SiteMember.membership_id == Membership.id, ~confirmed)
    )
    if site_id is not None:
        query = query.where(SiteMember.site_id == site_id)
    return query.correlate(Membership).scalar_subquery()


def unconfirmed_site_names(membership_ids: list[int], site: Site | None) -> dict[int, list[str]]:
    """For each of ``membership_ids``, the names of its sites (only ``site``, if given) whose
    current procedures it has not confirmed, for the reminder emails: one query."""
    current = and_(
        AnnexVersion.site_id == SiteMember.site_id,
        AnnexVersion.number == _latest_number(SiteMember.site_id),
    )
    confirmed = exists().where(
        Attestation.annex_version_id == AnnexVersion.id,
        Attestation.membership_id == SiteMember.membership_id,
    )
    query = (
        select(SiteMember.membership_id, Site.name)
        .join(Site, Site.id == SiteMember.site_id)
        .join(AnnexVersion, current)
        .where(SiteMember.membership_id.in_(membership_ids), ~confirmed)
        .order_by(Site.name)
    )
    if site is not None:
        query = query.where(SiteMember.site_id == site.id)
    names: dict[int, list[str]] = {}
    for membership_id, name in db.session.execute(query):
        names.setdefault(membership_id, []).append(name)
    return names


def attestations_of(membership_ids: list[int]) -> dict[int, list[dict[str, object]]]:
    """Every version of site procedures each membership confirmed, by site and version, as a
    training record keeps them: one query."""
    found: dict[int, list[dict[str, object]]] = {}
    for membership_id, site_name, number, attested_at in db.session.execute(
        select(Attestation.membership_id, Site.name, AnnexVersion.number, Attestation.attested_at)
        .join(AnnexVersion, AnnexVersion.id == Attestation.annex_version_id)
        .join(Site, Site.id == AnnexVersion.site_id)
        .where(Attestation.membership_id.in_(membership_ids))
        .order_by(Site.name, AnnexVersion.number)
    ):
        found.setdefault(membership_id, []).append(
            {"site": site_name, "version": number, "attested_at": attested_at.isoformat()}
        )
    return found
