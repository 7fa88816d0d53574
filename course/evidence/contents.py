"""What an evidence pack says: an organisation's (or one site's) staff training, as a PDF/UA
report for people and the same facts as CSV and JSON for machines, signed together by
:mod:`course.evidence.pack`.

Members are read from one streamed query (:class:`~course.organisations.member_table.MemberReport`
rows, a batch at a time) and written straight to files in a temporary folder, so the database
rows of a large organisation are never all in memory. Each batch's module completions and
confirmed site procedures come from one query per batch. The PDF lists every member as one line
of plain text, the cheapest thing for WeasyPrint to lay out (see
``templates/evidence/_roster_item.html`` and docs/performance.md); its HTML is built from the
same pass, and the report is the one part held whole in memory while it is laid out.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from flask import current_app, render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from course.catalogue.models import Course, Module, ModuleVersion
from course.core.database import utcnow
from course.core.pdf import render_pdf, static_folder
from course.core.urls import absolute_url
from course.extensions import db
from course.learning.models import ModuleCompletion
from course.organisations import annex, reports, sites
from course.organisations.member_table import MemberFilters, MemberReport, MemberRow
from course.organisations.models import Organisation, Site, TrainingRecord
from course.organisations.training_records import CERTIFICATE_WORDS

#: Member rows fetched, and completions and confirmations looked up, per batch.
BATCH = 500
STYLESHEET = "css/evidence.css"
#: The report's own time limit: an organisation of 10,000 renders in about 15 seconds.
RENDER_TIME_LIMIT_SECONDS = 60
STATEMENT = _l(
    "CT Citizen is an independent awareness course. It is not an official course, and this "
    "pack does not certify that the organisation complies with the Terrorism (Protection of "
    "Premises) Act 2025 or any other law. It records the training its staff did on CT Citizen "
    "and the site procedures they confirmed, to help the organisation show it."
)
REPORT_NAME = "report.pdf"
CSV_NAME = "members.csv"
JSON_NAME = "evidence.json"


@dataclass(frozen=True)
class Scope:
    """What a pack covers: an organisation, or one of its sites."""

    organisation: Organisation
    site: Site | None = None

    @property
    def sites(self) -> list[Site]:
        return [self.site] if self.site else sites.sites_of(self.organisation)


@dataclass
class RosterEntry:
    """One member as the pack records them."""

    row: MemberRow
    modules: list[dict[str, Any]] = field(default_factory=list)
    attestations: list[dict[str, Any]] = field(default_factory=list)
    verification_link: str = ""


def write_contents(scope: Scope, course: Course | None, folder: Path) -> list[Path]:
    """Write the report, the CSV and the JSON for ``scope`` into ``folder``; their paths, in the
    order the pack lists them."""
    now = utcnow()
    facts = _facts(scope, course, now)
    roster_items: list[str] = []
    # Rendered once per member: the bare template, without render_template's per-call work.
    item = current_app.jinja_env.get_template("evidence/_roster_item.html")
    json_path = folder / JSON_NAME
    with json_path.open("w", encoding="utf-8") as out:
        _open_json(out, facts)
        first = True
        for entry in roster(scope, course, now):
            out.write(
                ("" if first else ",\n") + json.dumps(_member_json(entry), ensure_ascii=False)
            )
            first = False
            roster_items.append(
                item.render(entry=entry, now=now, certificate_words=CERTIFICATE_WORDS)
            )
        out.write("],\n")
        former = _former_members_json(out, scope)
        out.write("}\n")
    csv_path = folder / CSV_NAME
    with csv_path.open("w", encoding="utf-8", newline="") as out:
        filters = MemberFilters(site=scope.site.id if scope.site else None)
        for text in reports.member_csv(scope.organisation, course, filters, now=now):
            out.write(text)
    report_path = folder / REPORT_NAME
    html = render_template(
        "evidence/report.html",
        facts=facts,
        former_members=former,
        roster_items=roster_items,
        statement=STATEMENT,
        tier_names=sites.TIER_NAMES,
        headings=annex.PROCEDURE_HEADINGS,
    )
    report_path.write_bytes(
        render_pdf(html, STYLESHEET, static_folder(), time_limit=RENDER_TIME_LIMIT_SECONDS)
    )
    return [report_path, csv_path, json_path]


@dataclass(frozen=True)
class SiteFacts:
    site: Site
    members: int
    versions: list[annex.VersionSummary]


@dataclass(frozen=True)
class Facts:
    """Everything in the pack but the members themselves."""

    scope: Scope
    generated_at: datetime
    summary: reports.OrganisationSummary
    modules: list[ModuleVersion]
    sites: list[SiteFacts]


def _facts(scope: Scope, course: Course | None, now: datetime) -> Facts:
    overview = reports.organisation_overview(scope.organisation, course, now, site=scope.site)
    counts = {line.site.id: line.members for line in sites.site_summaries(scope.organisation)}
    return Facts(
        scope=scope,
        generated_at=now,
        summary=overview.summary,
        modules=[
            module.current_version
            for module in (course.required_modules if course else [])
            if module.current_version is not None
        ],
        sites=[
            SiteFacts(site, counts.get(site.id, 0), annex.version_summaries(site))
            for site in scope.sites
        ],
    )


def roster(scope: Scope, course: Course | None, now: datetime) -> Iterator[RosterEntry]:
    """Every member in scope, by name, a batch at a time, with their modules (and versions)
    completed, the site procedures they confirmed and their certificate's verification link.
    Progress stays out for members who have not confirmed their email address, as everywhere an
    organisation looks."""
    report = MemberReport(scope.organisation.id, course, now)
    filters = MemberFilters(site=scope.site.id if scope.site else None)
    statement = report.rows(filters).execution_options(yield_per=BATCH)
    link = absolute_url("certificates.verify", code="CODE")
    batch: list[RosterEntry] = []
    for row in db.session.execute(statement):
        member = report.member_row(row)
        batch.append(
            RosterEntry(
                member,
                verification_link=link.replace("CODE", quote(member.certificate_code, safe="-"))
                if member.certificate_code
                else "",
            )
        )
        if len(batch) == BATCH:
            yield from _completed(batch)
            batch = []
    yield from _completed(batch)


def _completed(batch: list[RosterEntry]) -> Sequence[RosterEntry]:
    if not batch:
        return batch
    visible = [entry.row.user_id for entry in batch if entry.row.email_verified]
    modules: dict[int, list[dict[str, Any]]] = {}
    for user_id, slug, title, number, completed_at in db.session.execute(
        select(
            ModuleCompletion.user_id,
            Module.slug,
            ModuleVersion.title,
            ModuleVersion.number,
            ModuleCompletion.completed_at,
        )
        .join(ModuleVersion, ModuleVersion.id == ModuleCompletion.module_version_id)
        .join(Module, Module.id == ModuleCompletion.module_id)
        .where(ModuleCompletion.user_id.in_(visible))
        .order_by(Module.position, Module.id)
    ):
        modules.setdefault(user_id, []).append(
            {
                "module": slug,
                "title": title,
                "version": number,
                "completed_at": completed_at.isoformat(),
            }
        )
    attested = annex.attestations_of([entry.row.membership_id for entry in batch])
    for entry in batch:
        entry.modules = modules.get(entry.row.user_id, [])
        entry.attestations = attested.get(entry.row.membership_id, [])
    return batch


def former_members(scope: Scope) -> Iterator[TrainingRecord]:
    """The training records the organisation keeps of people who have left (of the site's, for
    a site), oldest first, a batch at a time."""
    records = db.session.scalars(
        select(TrainingRecord)
        .where(TrainingRecord.organisation_id == scope.organisation.id)
        .order_by(TrainingRecord.recorded_at, TrainingRecord.id)
        .execution_options(yield_per=BATCH)
    )
    for record in records:
        if scope.site is None or scope.site.name in record.details.get("sites", []):
            yield record


def _open_json(out: TextIO, facts: Facts) -> None:
    scope = facts.scope
    head = {
        "format": "ct-citizen-evidence/1",
        "generated_at": facts.generated_at.isoformat(),
        "statement": str(STATEMENT),
        "organisation": {"name": scope.organisation.name},
        "site": _site_json(scope.site) if scope.site else None,
        "summary": {
            "members": facts.summary.members,
            "completed": facts.summary.completed,
            "in_progress": facts.summary.in_progress,
            "not_started": facts.summary.not_started,
            "overdue": facts.summary.overdue,
            "certificates_expiring_within_30_days": facts.summary.expiring,
        },
        "course_modules": [
            {"module": version.module.slug, "title": version.title, "version": version.number}
            for version in facts.modules
        ],
        "sites": [
            {
                **_site_json(site.site),
                "members": site.members,
                "procedures": [
                    {
                        "version": line.version.number,
                        "published_at": line.version.published_at.isoformat(),
                        "published_by": line.version.published_by_name,
                        "confirmed_by": line.attested,
                    }
                    for line in site.versions
                ],
            }
            for site in facts.sites
        ],
    }
    text = json.dumps(head, ensure_ascii=False, indent=1)
    out.write(text.removesuffix("\n}") + ',\n "members": [\n')


def _site_json(site: Site) -> dict[str, Any]:
    return {"name": site.name, "address": site.address, "capacity_tier": site.capacity_tier.value}


def _member_json(entry: RosterEntry) -> dict[str, Any]:
    row = entry.row
    visible = row.email_verified
    return {
        "name": row.name,
        "email": row.email,
        "sites": [name for name in row.sites.split("; ") if name],
        "team": row.team,
        "manager": row.is_manager,
        "joined_at": row.joined_at.isoformat(),
        "due_at": row.due_at.isoformat() if row.due_at else None,
        "email_confirmed": visible,
        "modules_completed": entry.modules,
        "certificate": (
            {
                "code": row.certificate_code,
                "status": row.certificate_status,
                "expires_at": row.certificate_expires_at.isoformat()
                if row.certificate_expires_at
                else None,
                "verification_link": entry.verification_link,
            }
            if visible and row.certificate_code
            else None
        ),
        "site_procedures_confirmed": entry.attestations,
        "site_procedures_unconfirmed": row.procedures_unconfirmed,
    }


def _former_members_json(out: TextIO, scope: Scope) -> int:
    """Write the records kept of former members; how many there were."""
    out.write(' "former_members": [\n')
    count = 0
    for record in former_members(scope):
        item = {
            "name": record.name,
            "email": record.email,
            "reason": record.reason.value,
            "recorded_at": record.recorded_at.isoformat(),
            "keep_until": record.keep_until.isoformat(),
            "joined_at": record.joined_at.isoformat(),
            "team": record.team,
            **record.details,
        }
        out.write(("" if count == 0 else ",\n") + json.dumps(item, ensure_ascii=False))
        count += 1
    out.write("]\n")
    return count


def pack_filename(scope: Scope) -> str:
    return reports.download_filename(scope.organisation, "evidence", "zip", site=scope.site)
