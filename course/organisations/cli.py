"""``flask --app course orgs ...``: organisation commands for schedulers and operators."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from course.accounts.services import find_user_by_email
from course.catalogue import services as catalogue
from course.core.urls import require_base_url
from course.extensions import db
from course.organisations import invitations, reminders
from course.organisations.memberships import managed_organisation
from course.organisations.models import Organisation

orgs_cli = AppGroup("orgs", help="Organisations: reminders and invitations.")


@orgs_cli.command("remind")
def remind_command() -> None:
    """Queue reminder emails for every open organisation: to each member with a confirmed email
    address who has not completed the course, or whose certificate expires within 30 days, and
    who has had no reminder from that organisation in the last 7 days.

    Safe to run as often as you like (daily from cron, say): the 7-day limit holds whatever runs.
    Needs COURSE_BASE_URL for the links in the emails. Send them with `mail send`.
    """
    require_base_url("the reminder emails link to the course")
    results = reminders.remind_every_open_organisation(catalogue.the_course())
    for organisation, report in results:
        click.echo(
            f"{organisation.name} (#{organisation.id}): {report.queued} queued, "
            f"{report.skipped} skipped (reminded in the last 7 days)."
        )
    total = sum(report.queued for _organisation, report in results)
    click.echo(f"Queued {total} reminder(s) for {len(results)} organisation(s).")


@orgs_cli.command("invite")
@click.argument("organisation_id", type=int)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--from",
    "inviter_email",
    required=True,
    help="The email address of the manager the invitations come from.",
)
def invite_command(organisation_id: int, file: Path, inviter_email: str) -> None:
    """Invite everyone in a CSV FILE (columns: email, and optionally name and team) to the
    organisation ORGANISATION_ID, as the upload on its invitations page does, with a progress bar.
    Rows that are not invited are listed with their line and why.
    """
    require_base_url("the invitation emails link to the site")
    inviter = find_user_by_email(inviter_email)
    if inviter is None:
        raise click.UsageError(f"No account has the address {inviter_email}.")
    if db.session.get(Organisation, organisation_id) is None:
        raise click.UsageError(f"No open organisation has the id {organisation_id}.")
    organisation = managed_organisation(inviter, organisation_id, as_admin=True)
    if organisation is None:
        raise click.UsageError(
            f"{inviter_email} does not manage an open organisation with the id {organisation_id}."
        )
    try:
        people, problems = invitations.read_invitation_csv(file.read_bytes())
    except invitations.UploadRefused as refusal:
        raise click.UsageError(str(refusal)) from None
    with click.progressbar(length=len(people), label="Inviting") as bar:
        report = invitations.invite(organisation, inviter, people, progress=bar.update)
    db.session.commit()
    for result in sorted(report.not_invited + problems, key=lambda result: result.line):
        reason = result.reason or invitations.OUTCOME_LABELS[result.outcome]
        click.echo(f"line {result.line}: {result.email}: {reason}")
    click.echo(
        f"{len(report.invited)} invited, {len(report.not_invited) + len(problems)} not invited. "
        "Send the emails with `mail send`."
    )
