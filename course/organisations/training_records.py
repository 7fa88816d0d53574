"""Training records that last: what an organisation keeps of someone's training after they leave
it, are removed from it, or delete their account, and for how long.

Without them the organisation's only proof of who was trained, on what and when, goes with the
membership. A record is a copy taken in the same transaction as the leaving (``keep_record``):
the name and email address, team and sites, the modules completed with their versions and
dates, and the certificate's code and status at that moment. It links to no account once the
account is deleted (:func:`forget_account`), and it is deleted once the organisation's retention
period has passed (:func:`purge_expired_records`, run by ``flask privacy purge``).

Only open organisations keep records: a closed one has no pages left to show them. Records an
organisation already holds when it closes are kept until they expire, like any others.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import ColumnElement, delete, func, insert, or_, select, update

from course.accounts.models import User
from course.catalogue.models import Module, ModuleVersion
from course.certificates.codes import formatted
from course.certificates.models import Certificate
from course.core.database import begin_write, get_for_update, utcnow
from course.core.paging import Page
from course.core.spreadsheets import spreadsheet_csv
from course.core.urls import absolute_url
from course.extensions import db
from course.learning.models import ModuleCompletion
from course.organisations.annex import attestations_of
from course.organisations.models import (
    DEFAULT_RECORD_RETENTION_DAYS,
    Membership,
    Organisation,
    RecordReason,
    Site,
    SiteMember,
    TrainingRecord,
)

PAGE_SIZE = 50
CSV_BATCH = 1000
#: The shortest and longest retention an organisation may choose. Six years is the time limit
#: for most civil claims in England and Wales (Limitation Act 1980, sections 2 and 5); keeping
#: personal data longer than any use for it would not be fair to the people it is about.
MIN_RETENTION_DAYS = 30
MAX_RETENTION_DAYS = 2190
#: The periods a manager chooses from, in days: whole months of 30 days and years of 365.
RETENTION_CHOICES = (30, 90, 180, 365, 730, DEFAULT_RECORD_RETENTION_DAYS, 1460, 1825, 2190)

REASON_WORDS = {
    RecordReason.LEFT: _l("Left the organisation"),
    RecordReason.REMOVED: _l("Removed by a manager"),
    RecordReason.ACCOUNT_DELETED: _l("Deleted their account"),
}
CERTIFICATE_WORDS = {
    "none": _l("None"),
    "valid": _l("Valid"),
    "expiring": _l("Valid, expiring within 30 days"),
    "expired": _l("Expired"),
    "revoked": _l("Revoked"),
    "superseded": _l("Replaced by a newer one"),
    "erased": _l("No longer available"),
}


class RetentionRefused(Exception):
    """A change of the retention period was refused; the message says why."""


@dataclass(frozen=True)
class CompletedModule:
    module: str
    title: str
    version: int
    completed_at: datetime


@dataclass(frozen=True)
class CertificateThen:
    """The certificate as it was when the record was kept."""

    code: str
    status: str
    issued_at: datetime
    expires_at: datetime

    @property
    def display_code(self) -> str:
        return formatted(self.code)


@dataclass(frozen=True)
class AttestationThen:
    """A version of a site's procedures the member had confirmed."""

    site: str
    version: int
    attested_at: datetime


@dataclass(frozen=True)
class RecordDetails:
    """A record's ``details``, read with a default for every key (records written before a key
    existed lack it)."""

    training_visible: bool
    sites: list[str]
    modules: list[CompletedModule]
    certificate: CertificateThen | None
    attestations: list[AttestationThen]

    @property
    def certificate_status(self) -> str:
        return self.certificate.status if self.certificate is not None else "none"


def details_of(record: TrainingRecord) -> RecordDetails:
    """The nested parts of ``record`` as values, dates as datetimes."""
    details = record.details or {}
    certificate = details.get("certificate")
    return RecordDetails(
        training_visible=bool(details.get("training_visible", True)),
        sites=[str(site) for site in details.get("sites", [])],
        modules=[
            CompletedModule(
                module=module["module"],
                title=module["title"],
                version=int(module["version"]),
                completed_at=datetime.fromisoformat(module["completed_at"]),
            )
            for module in details.get("modules", [])
        ],
        certificate=(
            CertificateThen(
                code=certificate["code"],
                status=certificate["status"],
                issued_at=datetime.fromisoformat(certificate["issued_at"]),
                expires_at=datetime.fromisoformat(certificate["expires_at"]),
            )
            if certificate
            else None
        ),
        attestations=[
            AttestationThen(
                site=str(attested["site"]),
                version=int(attested["version"]),
                attested_at=datetime.fromisoformat(attested["attested_at"]),
            )
            for attested in details.get("attestations", [])
        ],
    )


def retention_in_words(days: int) -> str:
    """A retention period as people say it: "3 years", "6 months", "45 days"."""
    if days % 365 == 0:
        return ngettext("%(num)d year", "%(num)d years", days // 365)
    if days % 30 == 0:
        return ngettext("%(num)d month", "%(num)d months", days // 30)
    return ngettext("%(num)d day", "%(num)d days", days)


# Keeping records


def keep_record(membership: Membership, reason: RecordReason, now: datetime | None = None) -> int:
    """Keep a training record of ``membership``'s member for its organisation, in the current
    transaction: call it before the membership is deleted. Nothing is kept for a closed
    organisation. Returns how many records were written (0 or 1)."""
    return _keep([membership], membership.user, reason, now or utcnow())


def keep_records_of(user: User, reason: RecordReason, now: datetime | None = None) -> int:
    """Keep a training record of ``user`` for every open organisation they belong to, before
    their memberships are deleted (their account's erasure). One record per organisation, in a
    fixed number of statements however many there are. Returns how many were written."""
    memberships = list(db.session.scalars(select(Membership).where(Membership.user_id == user.id)))
    return _keep(memberships, user, reason, now or utcnow())


def _keep(memberships: list[Membership], user: User, reason: RecordReason, now: datetime) -> int:
    if not memberships:
        return 0
    # The retention is read under the organisations' locks, in id order: a concurrent change of
    # the period then either comes first, and this record gets the new one, or waits, and
    # recalculates this record with the rest.
    retention = dict(
        db.session.execute(
            select(Organisation.id, Organisation.record_retention_days)
            .where(
                Organisation.id.in_(sorted({m.organisation_id for m in memberships})),
                Organisation.closed_at.is_(None),
            )
            .order_by(Organisation.id)
            .with_for_update()
        ).all()
    )
    # Read again under the locks: a membership that a concurrent removal ended while this waited
    # has its record already.
    still_there = set(
        db.session.scalars(
            select(Membership.id).where(Membership.id.in_([m.id for m in memberships]))
        )
    )
    keeping = [m for m in memberships if m.organisation_id in retention and m.id in still_there]
    if not keeping:
        return 0
    training = training_of(user, now)
    sites = _sites_of([m.id for m in keeping])
    attested = attestations_of([m.id for m in keeping])
    db.session.execute(
        insert(TrainingRecord),
        [
            {
                "organisation_id": membership.organisation_id,
                # Cleared at once when the account itself is going.
                "user_id": None if reason == RecordReason.ACCOUNT_DELETED else user.id,
                "name": user.name,
                "email": user.email,
                "reason": reason,
                "team": membership.team,
                "joined_at": membership.joined_at,
                "recorded_at": now,
                "keep_until": now + timedelta(days=retention[membership.organisation_id]),
                "details": {
                    **training,
                    "sites": sites.get(membership.id, []),
                    "attestations": attested.get(membership.id, []),
                },
            }
            for membership in keeping
        ],
    )
    return len(keeping)


def training_of(user: User, now: datetime) -> dict[str, Any]:
    """``user``'s training as a record keeps it: every module completed, with the version and the
    date, and their current certificate with its status at ``now``. None of it while their email
    address is not confirmed: the organisation never saw their progress then (the member table
    hides it), so the record does not show it either."""
    if not user.email_verified:
        return {"training_visible": False, "modules": [], "certificate": None}
    modules = db.session.execute(
        select(
            Module.slug, ModuleVersion.title, ModuleVersion.number, ModuleCompletion.completed_at
        )
        .join(ModuleVersion, ModuleVersion.id == ModuleCompletion.module_version_id)
        .join(Module, Module.id == ModuleCompletion.module_id)
        .where(ModuleCompletion.user_id == user.id)
        .order_by(Module.course_id, Module.position, Module.id)
    ).all()
    # Renewing supersedes the last certificate, so the one not superseded is the current one.
    certificate = db.session.scalar(
        select(Certificate)
        .where(Certificate.user_id == user.id, Certificate.superseded_at.is_(None))
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        .limit(1)
    )
    return {
        "training_visible": True,
        "modules": [
            {
                "module": slug,
                "title": title,
                "version": number,
                "completed_at": completed_at.isoformat(),
            }
            for slug, title, number, completed_at in modules
        ],
        "certificate": (
            {
                "code": certificate.code,
                "status": certificate.status_at(now).value,
                "issued_at": certificate.issued_at.isoformat(),
                "expires_at": certificate.expires_at.isoformat(),
            }
            if certificate is not None
            else None
        ),
    }


def _sites_of(membership_ids: list[int]) -> dict[int, list[str]]:
    sites: dict[int, list[str]] = {}
    for membership_id, name in db.session.execute(
        select(SiteMember.membership_id, Site.name)
        .join(Site, Site.id == SiteMember.site_id)
        .where(SiteMember.membership_id.in_(membership_ids))
        .order_by(Site.name)
    ):
        sites.setdefault(membership_id, []).append(name)
    return sites


def forget_account(user_id: int) -> int:
    """Clear the account from every record about it (its deletion): the records stay, as the
    organisations' own, with nothing linking them to an account. Returns how many changed."""
    result = db.session.execute(
        update(TrainingRecord).where(TrainingRecord.user_id == user_id).values(user_id=None)
    )
    return result.rowcount or 0


def records_about(user: User) -> list[TrainingRecord]:
    """The records organisations keep about ``user``'s account, oldest first, each with its
    organisation (records of a deleted account are linked to none)."""
    return list(
        db.session.scalars(
            select(TrainingRecord)
            .where(TrainingRecord.user_id == user.id)
            .order_by(TrainingRecord.recorded_at, TrainingRecord.id)
        )
    )


# The manager's pages


def _matching(organisation: Organisation, search: str) -> list[ColumnElement[bool]]:
    conditions = [TrainingRecord.organisation_id == organisation.id]
    typed = search.strip().lower()
    if typed:
        conditions.append(
            or_(
                func.lower(TrainingRecord.name).contains(typed, autoescape=True),
                func.lower(TrainingRecord.email).contains(typed, autoescape=True),
            )
        )
    return conditions


def record_page(
    organisation: Organisation, *, search: str = "", page: int = 1
) -> Page[TrainingRecord]:
    """The organisation's records, newest first, a page at a time; ``search`` matches part of a
    name or an email address, in any case."""
    conditions = _matching(organisation, search)
    total = db.session.scalar(select(func.count(TrainingRecord.id)).where(*conditions)) or 0
    page = max(1, page)
    rows = db.session.scalars(
        select(TrainingRecord)
        .where(*conditions)
        .order_by(TrainingRecord.recorded_at.desc(), TrainingRecord.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return Page(list(rows), total, page, PAGE_SIZE)


def record_in(organisation: Organisation, record_id: int) -> TrainingRecord | None:
    """The organisation's record ``record_id``, or ``None``: another organisation's records are
    not found."""
    return db.session.scalar(
        select(TrainingRecord).where(
            TrainingRecord.id == record_id, TrainingRecord.organisation_id == organisation.id
        )
    )


def delete_record(organisation: Organisation, record_id: int) -> TrainingRecord:
    """Delete one of the organisation's records before its time, for good.

    :raises LookupError: when the organisation has no such record (already deleted, or
        another organisation's).
    """
    begin_write()
    record = record_in(organisation, record_id)
    if record is None:
        raise LookupError(record_id)
    db.session.delete(record)
    db.session.flush()
    return record


def set_record_retention(organisation: Organisation, days: int) -> int:
    """Keep the organisation's records for ``days`` from now on, the records already kept
    included: each one's ``keep_until`` becomes the day it was kept plus ``days``, so a shorter
    period lets the next purge delete the older ones. Returns how many records were changed.

    :raises RetentionRefused: for a period outside 30 days to 6 years, or a closed organisation.
    """
    if not MIN_RETENTION_DAYS <= days <= MAX_RETENTION_DAYS:
        raise RetentionRefused(_l("Choose a period from 30 days to 6 years (2190 days)."))
    locked = get_for_update(Organisation, organisation.id)
    if locked is None or not locked.is_open:
        raise RetentionRefused(_l("This organisation has been closed."))
    locked.record_retention_days = days
    period = timedelta(days=days)
    changed = 0
    last_id = 0
    # A batch at a time by id: memory stays flat however many records there are.
    while True:
        batch = db.session.execute(
            select(TrainingRecord.id, TrainingRecord.recorded_at)
            .where(TrainingRecord.organisation_id == locked.id, TrainingRecord.id > last_id)
            .order_by(TrainingRecord.id)
            .limit(CSV_BATCH)
        ).all()
        if not batch:
            return changed
        db.session.execute(
            update(TrainingRecord),
            [
                {"id": record_id, "keep_until": recorded_at + period}
                for record_id, recorded_at in batch
            ],
        )
        changed += len(batch)
        last_id = batch[-1][0]


def purge_expired_records(now: datetime) -> int:
    """Delete every record whose ``keep_until`` has passed, in every organisation, closed ones
    included. Returns how many were deleted."""
    result = db.session.execute(delete(TrainingRecord).where(TrainingRecord.keep_until <= now))
    return result.rowcount or 0


# The CSV file borrows the member table's file name and byte-order mark from ``reports``, imported
# where it is used: ``reports`` imports the member table, which imports ``memberships``, which
# imports this module to keep records.


def csv_filename(organisation: Organisation, now: datetime | None = None) -> str:
    from course.organisations.reports import download_filename

    return download_filename(organisation, "training-records", "csv", now)


def records_csv(organisation: Organisation, search: str = "") -> Iterator[str]:
    """The organisation's records matching ``search`` as CSV text, newest first, a batch of rows
    at a time from one query, with a byte-order mark for Excel and every cell made safe to open
    in a spreadsheet."""
    statement = (
        select(TrainingRecord)
        .where(*_matching(organisation, search))
        .order_by(TrainingRecord.recorded_at.desc(), TrainingRecord.id.desc())
        .execution_options(yield_per=CSV_BATCH)
    )
    placeholder = "CODE"
    link = absolute_url("certificates.verify", code=placeholder)
    header = [
        _l("Name"),
        _l("Email"),
        _l("Why kept"),
        _l("Kept on"),
        _l("Keep until"),
        _l("Joined"),
        _l("Team"),
        _l("Sites"),
        _l("Modules completed"),
        _l("Certificate code"),
        _l("Certificate status then"),
        _l("Certificate expires"),
        _l("Verification link"),
        _l("Site procedures confirmed"),
    ]
    hidden = str(_l("email not confirmed"))

    def cells(record: TrainingRecord) -> list[str]:
        details = details_of(record)
        certificate = details.certificate
        return [
            record.name,
            record.email,
            str(REASON_WORDS[record.reason]),
            _iso_date(record.recorded_at),
            _iso_date(record.keep_until),
            _iso_date(record.joined_at),
            record.team or "",
            "; ".join(details.sites),
            "; ".join(
                f"{module.title} (v{module.version}, {_iso_date(module.completed_at)})"
                for module in details.modules
            )
            if details.training_visible
            else "",
            certificate.display_code if certificate else "",
            str(CERTIFICATE_WORDS.get(details.certificate_status, details.certificate_status))
            if details.training_visible
            else hidden,
            _iso_date(certificate.expires_at) if certificate else "",
            link.replace(placeholder, quote(certificate.display_code, safe="-"))
            if certificate
            else "",
            "; ".join(
                f"{attested.site} (v{attested.version}, {_iso_date(attested.attested_at)})"
                for attested in details.attestations
            ),
        ]

    def rows() -> Iterator[list[str]]:
        # Run once the download streams, in the request's session that streaming keeps open.
        for record in db.session.scalars(statement):
            yield cells(record)

    return spreadsheet_csv(header, rows(), CSV_BATCH)


def _iso_date(moment: datetime | None) -> str:
    return moment.date().isoformat() if moment else ""


def exported(records: Iterable[TrainingRecord]) -> list[dict[str, Any]]:
    """The records as the personal-data download gives them."""
    return [
        {
            "held_by": record.organisation.name,
            "why_kept": record.reason.value,
            "kept_at": record.recorded_at.isoformat(),
            "keep_until": record.keep_until.isoformat(),
            "name": record.name,
            "email": record.email,
            "team": record.team,
            "joined_at": record.joined_at.isoformat(),
            **record.details,
        }
        for record in records
    ]
