"""``flask --app course demo``: a demo organisation and its people, to look around the site."""

from __future__ import annotations

import contextlib
from contextlib import AbstractContextManager

import click
from flask import current_app
from flask.cli import with_appcontext

from course.accounts.passwords import password_problem
from course.core.urls import absolute_url
from course.demo import seeding
from course.extensions import db

#: Where ``make run`` serves the site: the address of the links in the demo's emails and in what
#: the command prints, when ``COURSE_BASE_URL`` does not say another.
LOCAL_SITE = "http://127.0.0.1:5000"
COLUMNS = ("Who", "Email", "Password", "What they will see")


@click.command("demo")
@click.option(
    "--password",
    help="The password for every demo account (default: a new random one each time).",
)
@with_appcontext
def demo_command(password: str | None) -> None:
    """Seed a demo organisation with learners at every stage of the course (not started,
    part-way, certified, certificate expiring, certificate revoked), its manager, an author and
    an admin, all at @ct-citizen.example, and print how to sign in as each.

    Refuses, writing nothing, when COURSE_HTTPS_ONLY is on, when the database holds any account
    that is not the demo's, or when there is no course (import it first with `content import
    modules`). Running it again gives every demo account a new password, keeps what was done
    with them, and makes again whatever of the demo is missing.
    """
    if password is None:
        password = seeding.new_password()
    else:
        problem = password_problem(password, personal_words=seeding.personal_words())
        if problem:
            raise click.UsageError(problem)
    with _links_to_the_site():
        try:
            report = seeding.seed_demo(password)
        except seeding.DemoRefused as refusal:
            db.session.rollback()
            raise click.ClickException(str(refusal)) from None
        db.session.commit()
        _echo_report(report, password)


def _links_to_the_site() -> AbstractContextManager[object]:
    """Where links point, in the demo's emails and in what is printed: ``COURSE_BASE_URL``, or
    else ``make run``'s address, given as a request's, since a command has none."""
    if current_app.config["BASE_URL"]:
        return contextlib.nullcontext()
    return current_app.test_request_context(base_url=LOCAL_SITE)


def _echo_report(report: seeding.DemoReport, password: str) -> None:
    created, total = len(report.created), len(report.people)
    if created == total:
        click.echo(f"Seeded the demo: {total} accounts at @{seeding.DEMO_DOMAIN}.")
    else:
        again = f" {created} missing account(s) were made again, and" if created else ""
        click.echo(
            f"The demo was already here.{again} {total - created} account(s) already here now "
            "have the password below and keep what was done with them."
        )
    click.echo(f"Sign in at {absolute_url('accounts.login')} as any of them:")
    click.echo("")
    rows = [COLUMNS] + [
        (seeded.person.who, seeded.person.email, password, seeded.person.sees)
        for seeded in report.people
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(COLUMNS) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        click.echo("  ".join([*cells, row[-1]]))
    click.echo("")
    organisation = report.organisation
    manager = next(each for each in report.people if each.person.stage == seeding.Stage.MANAGER)
    click.echo(
        f"The learners are members of {organisation.name!r}, which {manager.person.email} "
        f"manages: {absolute_url('organisations.manage', organisation_id=organisation.id)}"
    )
    if report.panel:
        click.echo(
            f"{report.panel} learners of a research panel (panel01@{seeding.DEMO_DOMAIN} on) took "
            "the checks before and after each module, so the admin's report on what learners "
            f"learn has figures: {absolute_url('admin_measurement.index')}"
        )
    click.echo(
        "The author and the admin must set up two-factor sign-in the first time they open "
        "/admin/: the site shows a QR code to scan with an authenticator app, then recovery "
        "codes to keep."
    )
    if not current_app.config["MAIL_SERVER"]:
        click.echo(
            "The emails they were sent (confirmations, certificates) wait in the outbox: "
            "`make run`, or `flask --app course mail send`, writes them to instance/outbox/."
        )
