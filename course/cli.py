"""Command-line commands, grouped by feature: ``flask --app course <group> <command> --help``."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from course.accounts import services as accounts
from course.accounts.models import Role
from course.accounts.passwords import password_problem
from course.admin import user_administration
from course.catalogue import services as catalogue
from course.catalogue.bundle import ContentError, read_bundle, write_bundle, write_module
from course.certificates import services as certificate_services
from course.core.mail import deliver_due_messages
from course.core.names import name_problem
from course.extensions import db
from course.organisations.cli import orgs_cli
from course.privacy.cli import privacy_cli

users_cli = AppGroup("users", help="Manage accounts and roles.")
content_cli = AppGroup("content", help="Check, import and export the course files.")
mail_cli = AppGroup("mail", help="Deliver the outbox.")
certificates_cli = AppGroup("certificates", help="Revoke certificates.")


@certificates_cli.command("revoke")
@click.argument("code")
@click.option("--reason", required=True, help="Why (kept privately; never shown publicly).")
def revoke_certificate_command(code: str, reason: str) -> None:
    """Revoke the certificate with CODE at once; its verification page then says revoked."""
    certificate = certificate_services.find_by_code(code)
    if certificate is None:
        raise click.UsageError("No certificate has that code.")
    try:
        user_administration.revoke(None, certificate, reason)
    except user_administration.AdministrationError as refusal:
        raise click.UsageError(str(refusal)) from None
    db.session.commit()
    click.echo(f"Revoked {certificate.display_code}.")


@users_cli.command("create-admin")
@click.argument("email")
@click.option("--name", default="Administrator", show_default=True, help="The name on the account.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    envvar="COURSE_ADMIN_PASSWORD",
    help="The password (asked for when not given; or set COURSE_ADMIN_PASSWORD for scripts).",
)
def create_admin_command(email: str, name: str, password: str) -> None:
    """Create an admin account for EMAIL, or make the existing account with that address an admin.

    The new account's address counts as confirmed. An existing account keeps its password. The
    admin must set up two-factor sign-in the first time they open the admin area.
    """
    existing = accounts.find_user_by_email(email)
    if existing is None:
        problem = name_problem(name) or password_problem(password, personal_words=[name, email])
        if problem:
            raise click.UsageError(problem)
    user = accounts.create_admin(email, password, name)
    db.session.commit()
    if existing is None:
        click.echo(f"Created admin account {user.email}.")
    else:
        click.echo(f"{user.email} is now an admin. Its password is unchanged.")


@users_cli.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice([role.value for role in Role]))
def set_role_command(email: str, role: str) -> None:
    """Give the account with EMAIL the role ROLE (learner, author or admin)."""
    user = accounts.find_user_by_email(email)
    if user is None:
        raise click.UsageError(f"No account has the email address {email.strip()!r}.")
    accounts.set_role(user, Role(role))
    db.session.commit()
    click.echo(f"{user.email} is now {role}.")


@mail_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep running, checking the outbox every few seconds.")
@click.option(
    "--interval", default=5.0, show_default=True, help="Seconds between checks with --loop."
)
def send_mail_command(loop: bool, interval: float) -> None:
    """Send the emails that are due, retrying failed ones with backoff.

    Run it from a scheduler (every minute, say) or as a worker with --loop.
    """
    while True:
        sent = deliver_due_messages()
        if sent or not loop:
            click.echo(f"Sent {sent} email(s).")
        if not loop:
            return
        db.session.remove()
        time.sleep(interval)


def _report_problems(error: ContentError) -> None:
    for problem in error.problems:
        click.echo(str(problem), err=True)
    count = len(error.problems)
    click.echo(f"{count} problem{'s' if count != 1 else ''} found; nothing was imported.", err=True)


@content_cli.command("check")
@click.argument("path", type=click.Path(path_type=Path))
def check_content_command(path: Path) -> None:
    """Check the bundle at PATH and list every problem as file:line: message.

    Exits with status 1 if there is any problem.
    """
    try:
        course = read_bundle(path)
    except ContentError as error:
        _report_problems(error)
        sys.exit(1)
    click.echo(f"{path}: {len(course.modules)} modules, no problems found.")


@content_cli.command("import")
@click.argument("path", type=click.Path(path_type=Path))
def import_content_command(path: Path) -> None:
    """Import the bundle at PATH if it has no problems; otherwise import nothing.

    Unchanged modules are left alone; changed modules get a new version.
    """
    try:
        course = read_bundle(path)
    except ContentError as error:
        _report_problems(error)
        sys.exit(1)
    report = catalogue.import_course(course)
    db.session.commit()
    for label, slugs in (
        ("new module", report.created),
        ("new version", report.new_versions),
        ("unchanged", report.unchanged),
        ("archived", report.archived),
    ):
        for slug in slugs:
            click.echo(f"{label}: {slug}")


@content_cli.command("export")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--module", "module_slug", help="Export only this module's folder.")
def export_content_command(path: Path, module_slug: str | None) -> None:
    """Write the course (course.yaml and every module) to PATH, which must be empty or new.

    With --module SLUG, write just that module's folder inside PATH.
    """
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise click.UsageError(f"{path} is not an empty folder; export into a new or empty one.")
    course = catalogue.the_course()
    if course is None:
        raise click.UsageError("There is no course to export yet: import one first.")
    source = catalogue.course_source(course)
    if module_slug is None:
        write_bundle(source, path)
        click.echo(f"Exported {len(source.modules)} modules to {path}.")
        return
    chosen = next((module for module in source.modules if module.slug == module_slug), None)
    if chosen is None:
        raise click.UsageError(f"No module has the slug {module_slug!r}.")
    write_module(chosen, path / chosen.folder_name)
    click.echo(f"Exported {module_slug} to {path / chosen.folder_name}.")


def register_commands(app: Flask) -> None:
    app.cli.add_command(certificates_cli)
    app.cli.add_command(content_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(orgs_cli)
    app.cli.add_command(privacy_cli)
