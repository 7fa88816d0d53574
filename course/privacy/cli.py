"""``flask --app course privacy ...``: keeping personal data no longer than it is needed."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from course.extensions import db
from course.privacy.erasure import UNCONFIRMED_ACCOUNT_DAYS, purge_expired

privacy_cli = AppGroup("privacy", help="Personal data: purge what is kept no longer.")


@privacy_cli.command("purge")
def purge_command() -> None:
    """Delete accounts whose email address was not confirmed within 30 days (everything personal
    about them, as if they had deleted their account), expired email links (confirmation,
    password reset, email change), and organisations' training records of former members once
    their retention period has passed. Safe to run as often as you like: daily from cron, say.

    An unconfirmed account that is the only manager of an organisation is kept and counted
    below, so that the organisation is not left without a manager.
    """
    report = purge_expired()
    db.session.commit()
    deleted = [
        f"{report.unconfirmed_accounts} accounts unconfirmed after {UNCONFIRMED_ACCOUNT_DAYS} days",
        *(f"{count} {what}" for what, count in report.expired.items()),
    ]
    click.echo(f"Deleted {' and '.join(deleted)}.")
    if report.kept_unconfirmed:
        click.echo(
            f"Kept {report.kept_unconfirmed} unconfirmed accounts that alone manage an "
            "organisation."
        )
