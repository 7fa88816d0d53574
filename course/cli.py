"""Command-line commands, grouped by feature: ``flask --app course <group> <command> --help``."""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import ngettext

from course.accounts import services as accounts
from course.accounts.models import Role
from course.accounts.passwords import password_problem
from course.admin import user_administration
from course.catalogue import services as catalogue
from course.catalogue.bundle import (
    MODULE_FILE,
    ContentError,
    CourseSource,
    ModuleCitations,
    SourceKind,
    course_warnings,
    module_citations,
    overdue_reviews,
    read_bundle,
    write_bundle,
    write_module,
)
from course.catalogue.bundle.citations import uncited_problem
from course.catalogue.bundle.translation_files import start_translation, write_translation
from course.catalogue.source_links import check_links
from course.catalogue.translations import is_language_code
from course.certificates import services as certificate_services
from course.core.mail import deliver_due_messages
from course.core.names import name_problem
from course.core.urls import require_base_url
from course.demo.cli import demo_command
from course.evidence.cli import evidence_cli
from course.extensions import db
from course.measurement.cli import measurement_cli
from course.organisations.cli import orgs_cli
from course.privacy.cli import privacy_cli

users_cli = AppGroup("users", help="Manage accounts and roles.")
content_cli = AppGroup("content", help="Check, import and export the course files.")
mail_cli = AppGroup("mail", help="Deliver the outbox.")
certificates_cli = AppGroup("certificates", help="Revoke certificates and send expiry emails.")


@certificates_cli.command("remind")
def remind_certificates_command() -> None:
    """Email holders whose certificate expires within 30 days, and those whose certificate has
    just expired, with the way to renew it. Each email goes once per certificate: run it daily.
    """
    require_base_url("the emails link to the site")
    reminders, notices = certificate_services.send_expiry_emails()
    db.session.commit()
    click.echo(f"Queued {reminders} reminder(s) to renew and {notices} expiry notice(s).")


@certificates_cli.command("revoke")
@click.argument("code")
@click.option("--reason", required=True, help="Why (emailed to the holder; never shown publicly).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (for scripts).")
def revoke_certificate_command(code: str, reason: str, yes: bool) -> None:
    """Revoke the certificate with CODE at once; its verification page then says revoked, and its
    holder is emailed the reason and how to earn a new certificate. It cannot be undone."""
    require_base_url("the holder's email links to the site")
    certificate = certificate_services.find_by_code(code)
    if certificate is None:
        raise click.UsageError("No certificate has that code.")
    if not yes:
        click.confirm(
            f"Revoke {certificate.display_code}, printed for {certificate.holder_name}? "
            "This cannot be undone.",
            abort=True,
        )
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

    Exits with status 1 if there is any problem. Warnings do not change the exit status: a
    module reviewed more than 12 months ago, minutes that do not match what there is to read, a
    quiz whose right answer is too often the longest option, and region passages that leave some
    of the course's regions out. A person should look at each.
    """
    for warning in overdue_reviews(path, date.today()):
        click.echo(str(warning), err=True)
    try:
        course = read_bundle(path)
    except ContentError as error:
        _report_problems(error)
        sys.exit(1)
    for warning in course_warnings(path, course):
        click.echo(str(warning), err=True)
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


@content_cli.command("translate")
@click.argument("path", type=click.Path(path_type=Path))
@click.argument("language")
@click.option("--module", "module_slug", help="Start only this module's translation.")
def translate_content_command(path: Path, language: str, module_slug: str | None) -> None:
    """Start or continue translating the bundle at PATH into LANGUAGE (a code such as cy).

    Writes each part that has no LANGUAGE translation yet into the module's translations/LANGUAGE/
    folder, as a copy of its English with the hash of that English: replace the English with the
    translation. Translations already there, stale ones included, are left as they are; `content
    check` lists what is left (and any text still the same as the English).
    """
    if not is_language_code(language):
        raise click.UsageError(f"{language!r} is not a language code such as cy, fr or pt_BR.")
    try:
        course = read_bundle(path)
    except ContentError as error:
        _report_problems(error)
        sys.exit(1)
    modules = [m for m in course.modules if module_slug in (None, m.slug)]
    if not modules:
        raise click.UsageError(f"No module has the slug {module_slug!r}.")
    for module in modules:
        started = start_translation(module, language)
        write_translation(module, language, path / module.folder_name)
        click.echo(f"{module.folder_name}: {started} parts to translate into {language}.")
    if language not in course.languages:
        click.echo(f"Add {language} to languages in course.yaml to have it checked.", err=True)


@content_cli.command("sources")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--online",
    is_flag=True,
    help="Also check that every source's link answers (HEAD, then GET), with a short timeout.",
)
def sources_content_command(path: Path, online: bool) -> None:
    """List each module's sources in the bundle at PATH, grouped by kind, with the lessons that
    cite each, and flag every lesson that teaches facts but cites no source.

    Exits with status 1 if the bundle has problems (as content check lists them), if a lesson
    that teaches facts cites no source, or, with --online, if a link does not answer with 2xx or
    3xx. When no link reaches any server (no network), the online check is skipped with a note.
    """
    try:
        course = read_bundle(path, require_citations=False)
    except ContentError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        count = len(error.problems)
        click.echo(ngettext("%(num)d problem found.", "%(num)d problems found.", count), err=True)
        sys.exit(1)
    reports = [module_citations(module) for module in course.modules]
    for report in reports:
        _echo_module_sources(path, report)
    failed = _echo_sources_summary(path, course, reports)
    if online:
        failed = _echo_link_check(path, reports) or failed
    if failed:
        sys.exit(1)


def _echo_module_sources(path: Path, report: ModuleCitations) -> None:
    module = report.module
    click.echo(f"{module.slug} ({path / module.folder_name / MODULE_FILE})")
    for kind, sources in report.by_kind.items():
        if not sources:
            continue
        click.echo(f"  {kind.value} ({len(sources)})")
        for source in sources:
            click.echo(f"    {source.id}: {source.title}")
            click.echo(f"      {source.url}")
            cited_by = ", ".join(source.cited_by) or _("no lesson")
            click.echo("      " + _("cited by: %(lessons)s", lessons=cited_by))
    for lesson in report.scenario_lessons:
        click.echo("  " + _("%(file)s: a scenario, needs no source", file=lesson.file_name))
    for lesson in report.uncited_lessons:
        # Line 2 is the front matter's first field, where the validator reports it too.
        click.echo(f"  {path / module.folder_name / lesson.file_name}:2: {uncited_problem()}")
    click.echo("")


def _echo_sources_summary(path: Path, course: CourseSource, reports: list[ModuleCitations]) -> bool:
    """Print the totals; ``True`` when some lesson that teaches facts cites no source."""
    sources = [source for report in reports for source in report.sources]
    by_kind = ", ".join(
        f"{kind.value} {sum(1 for source in sources if source.kind == kind)}" for kind in SourceKind
    )
    click.echo(
        _(
            "%(modules)d modules, %(sources)d sources (%(by_kind)s).",
            modules=len(course.modules),
            sources=len(sources),
            by_kind=by_kind,
        )
    )
    lessons = [lesson for module in course.modules for lesson in module.lessons]
    scenarios = sum(len(report.scenario_lessons) for report in reports)
    uncited = sum(len(report.uncited_lessons) for report in reports)
    click.echo(
        _(
            "%(lessons)d lessons: %(facts)d teach facts, %(scenarios)d are scenarios; "
            "%(uncited)d of those teaching facts cite no source.",
            lessons=len(lessons),
            facts=len(lessons) - scenarios,
            scenarios=scenarios,
            uncited=uncited,
        )
    )
    unused = sum(1 for source in sources if not source.cited_by)
    if unused:
        click.echo(
            ngettext(
                "%(num)d source is cited by no lesson.",
                "%(num)d sources are cited by no lesson.",
                unused,
            )
        )
    return uncited > 0


def _echo_link_check(path: Path, reports: list[ModuleCitations]) -> bool:
    """Check every source's link; ``True`` when some link is dead (never when offline)."""
    check = check_links(source.url for report in reports for source in report.sources)
    if check.offline:
        reason = next(iter(check.answers.values())).reason
        click.echo(
            _(
                "Online checks skipped: no link reached any server, so this machine seems to be "
                "offline (%(reason)s). Run again with a network connection.",
                reason=reason,
            )
        )
        return False
    dead = {answer.url: answer for answer in check.dead}
    click.echo(
        _(
            "Checked %(links)d links: %(alive)d answered, %(dead)d did not.",
            links=len(check.answers),
            alive=len(check.answers) - len(dead),
            dead=len(dead),
        )
    )
    for report in reports:
        for source in report.sources:
            if source.url in dead:
                answer = dead[source.url]
                reason = answer.reason or _("no answer")
                click.echo(
                    f"{path / report.module.folder_name / MODULE_FILE}: "
                    + _(
                        "source %(id)s: %(url)s did not answer (%(reason)s)",
                        id=source.id,
                        url=source.url,
                        reason=reason,
                    ),
                    err=True,
                )
    return bool(dead)


def register_commands(app: Flask) -> None:
    app.cli.add_command(certificates_cli)
    app.cli.add_command(content_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(orgs_cli)
    app.cli.add_command(measurement_cli)
    app.cli.add_command(privacy_cli)
    app.cli.add_command(evidence_cli)
    app.cli.add_command(demo_command)
