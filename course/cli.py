"""Command-line commands, grouped by feature: ``flask --app course <group> <command> --help``."""

from __future__ import annotations

import time

import click
from flask import Flask
from flask.cli import AppGroup

from course.accounts import services as accounts
from course.accounts.models import Role
from course.accounts.passwords import password_problem
from course.core.mail import deliver_due_messages
from course.extensions import db

users_cli = AppGroup("users", help="Manage accounts and roles.")
mail_cli = AppGroup("mail", help="Deliver the outbox.")


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
        problem = password_problem(password, personal_words=[name, email])
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


def register_commands(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(mail_cli)
