"""``flask --app course measurement ...``: the follow-up checks, for a scheduler."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from course.core.urls import require_base_url
from course.extensions import db
from course.measurement.follow_ups import send_follow_ups

measurement_cli = AppGroup("measurement", help="Measuring learning: the follow-up checks.")


@measurement_cli.command("remind")
def remind_command() -> None:
    """Email the follow-up checks whose day has come: 30 and 90 days after a learner who agreed
    to them finished the course. Each goes once per learner: run it daily. Needs
    COURSE_BASE_URL for the links in the emails. Send them with `mail send`.
    """
    require_base_url("the emails link to the checks")
    sent = send_follow_ups()
    db.session.commit()
    click.echo(
        "Emailed "
        + ", ".join(f"{count} learner(s) their {phase} check" for phase, count in sent.items())
        + "."
    )
