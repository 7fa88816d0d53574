"""The demo: an organisation, learners at every stage of the course, its manager, an author and an
admin, made through the services the site itself uses, so that each account is as a real one
would be after the same steps (registered, confirmed, lessons read, quizzes passed, a certificate
issued or revoked) and every page shows what it shows for real people.

Rules: the demo is seeded only where it can mislead or harm no one. It is refused on a site served
with ``HTTPS_ONLY`` (a live site), in a database holding any account outside :data:`DEMO_DOMAIN`
(real people's; the anonymous stand-ins that keep a deleted account's records are no one's and do
not count), and in one without the course, where there is nothing to learn. Seeding is one
transaction, checked inside it: a refusal writes nothing.

Running it again where only the demo's accounts are is safe: every demo account gets the new
password, as if its owner had reset it, and keeps what was done with it while looking around;
whatever is missing (an account, its role, the organisation, a membership) is made again.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from course.accounts import services as accounts
from course.accounts.models import Role, TokenPurpose, User
from course.accounts.passwords import password_problem
from course.admin import user_administration
from course.catalogue import services as catalogue
from course.catalogue.models import Course, Module
from course.catalogue.question_types import question_type
from course.certificates import services as certificates
from course.core.database import begin_write, utcnow
from course.core.regions import Region
from course.demo.research_panel import seed_research_panel
from course.extensions import db
from course.learning import services as learning
from course.learning.models import LessonView, ModuleCompletion, QuestionAnswer, QuizAttempt
from course.organisations import memberships
from course.organisations.models import Organisation

#: RFC 2606 reserves ``.example``: no one can own these addresses, so no email reaches a person.
DEMO_DOMAIN = "ct-citizen.example"
ORGANISATION_NAME = "Harbour Arts Centre (demo)"
#: Days after joining by which the organisation's members should finish the course.
DUE_DAYS = 30
#: Shown to the revoked learner with their certificate.
REVOCATION_REASON = "the quizzes were taken by someone else"
#: How soon the expiring learner's certificate expires: well inside the 30 days before expiry in
#: which it counts as expiring and can be renewed.
EXPIRING_IN = timedelta(days=12)
#: How long the revoked learner held their certificate before it was revoked today.
REVOKED_AFTER = timedelta(days=60)
#: Letters and digits without look-alikes (0/o, 1/l/i), for a password read off a terminal.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # noqa: S105 - the letters, not a password


class Stage(enum.StrEnum):
    """Where a demo person stands: a learner's stage in the course, or a role in running it."""

    NOT_STARTED = "not-started"
    PART_WAY = "part-way"
    CERTIFIED = "certified"
    EXPIRING = "expiring"
    REVOKED = "revoked"
    MANAGER = "manager"
    AUTHOR = "author"
    ADMIN = "admin"


@dataclass(frozen=True)
class DemoPerson:
    """One of the demo's people, and what signing in as them shows."""

    stage: Stage
    #: Who they are, for the table the command prints.
    who: str
    name: str
    email: str
    role: Role = Role.LEARNER
    #: Their team in the organisation; ``None`` for people who are not its members.
    team: str | None = None
    sees: str = ""

    @property
    def is_member(self) -> bool:
        return self.team is not None


def _address(local_part: str) -> str:
    return f"{local_part}@{DEMO_DOMAIN}"


#: The demo's people, in the order they are made: the admin first (who revokes a certificate), the
#: manager before the members of the organisation they create.
PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson(
        Stage.ADMIN,
        "Admin",
        "Alex Admin",
        _address("admin"),
        role=Role.ADMIN,
        sees="The admin area at /admin/: people, roles, certificates, the audit log, analytics.",
    ),
    DemoPerson(
        Stage.AUTHOR,
        "Author",
        "Aris Author",
        _address("author"),
        role=Role.AUTHOR,
        sees="Writing, previewing and publishing modules at /admin/modules/.",
    ),
    DemoPerson(
        Stage.MANAGER,
        "Organisation manager",
        "Morgan Manager",
        _address("manager"),
        sees="The organisation's page: every member's progress and certificate, reminders.",
    ),
    DemoPerson(
        Stage.NOT_STARTED,
        "Learner, not started",
        "Nat Newcomer",
        _address("learner.not-started"),
        team="Box office",
        sees="A dashboard with nothing done yet, and where to start.",
    ),
    DemoPerson(
        Stage.PART_WAY,
        "Learner, part-way",
        "Pat Partway",
        _address("learner.part-way"),
        team="Front of house",
        sees="Half the modules complete, the next one begun, and where to carry on.",
    ),
    DemoPerson(
        Stage.CERTIFIED,
        "Learner, certified",
        "Cam Certified",
        _address("learner.certified"),
        team="Front of house",
        sees="A valid certificate to download and share.",
    ),
    DemoPerson(
        Stage.EXPIRING,
        "Learner, certificate expiring",
        "Eve Expiring",
        _address("learner.expiring"),
        team="Bar",
        sees="A certificate that expires within 30 days, and how to renew it.",
    ),
    DemoPerson(
        Stage.REVOKED,
        "Learner, certificate revoked",
        "Rex Revoked",
        _address("learner.revoked"),
        team="Bar",
        sees="A dashboard saying the certificate was revoked and why, and how to earn a new one.",
    ),
)


class DemoRefused(Exception):
    """The demo was not seeded; the message says why, and what to do instead."""


@dataclass(frozen=True)
class SeededPerson:
    person: DemoPerson
    user: User
    #: ``False`` when the account was already there and was given the new password.
    created: bool


@dataclass(frozen=True)
class DemoReport:
    """What :func:`seed_demo` made or found: the people, in :data:`PEOPLE`'s order, and the
    organisation."""

    people: list[SeededPerson]
    organisation: Organisation
    #: How many learners of the research panel were made (see :mod:`course.demo.research_panel`).
    panel: int = 0

    @property
    def created(self) -> list[SeededPerson]:
        return [seeded for seeded in self.people if seeded.created]


def personal_words() -> list[str]:
    """Every demo person's name and address, which a demo password must not be made from."""
    return [word for person in PEOPLE for word in (person.name, person.email)]


def new_password() -> str:
    """A random password that the password policy accepts, easy to read and type:
    ``xxxxx-xxxxx-xxxxx-xxxxx`` (about 99 bits)."""
    while True:
        groups = ("".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(5)) for _ in range(4))
        password = "-".join(groups)
        if password_problem(password, personal_words=personal_words()) is None:
            return password


def seed_demo(password: str) -> DemoReport:
    """Seed the demo, or bring back what is missing of it, giving every demo account ``password``.

    The caller commits; on :class:`DemoRefused` it rolls back, and nothing was written.

    :raises DemoRefused: when ``HTTPS_ONLY`` is on, when the database holds an account outside
        :data:`DEMO_DOMAIN`, or when there is no course.
    """
    if current_app.config["HTTPS_ONLY"]:
        raise DemoRefused(
            "COURSE_HTTPS_ONLY is on, so this looks like a live site. The demo is for a copy of "
            "your own: run it where COURSE_HTTPS_ONLY is off."
        )
    # One transaction from here: a refusal rolls back all of it (on SQLite, a writer's, so no
    # account can appear between the checks and the commit).
    begin_write()
    others = _accounts_outside_the_demo()
    if others:
        raise DemoRefused(
            f"The database holds {others} account(s) that are not the demo's, so it may hold real "
            "people's data. Seed the demo into a new database: set COURSE_DATABASE_URL to one, "
            "or move instance/course.sqlite3 aside, then run `flask --app course db upgrade`."
        )
    course = catalogue.the_course()
    if course is None or not course.required_modules:
        raise DemoRefused(
            "There is no course to look around yet. Import it first: "
            "`flask --app course content import modules`."
        )
    seeded = [_account(person, password) for person in PEOPLE]
    users = {each.person.stage: each.user for each in seeded}
    organisation = _organisation(users[Stage.MANAGER])
    for each in seeded:
        if each.person.is_member:
            memberships.join(each.user, organisation, team=each.person.team)
        if each.created:
            _bring_to_stage(each.person.stage, each.user, course, users[Stage.ADMIN])
    panel = seed_research_panel(course, organisation, password, DEMO_DOMAIN, _complete_module)
    db.session.flush()
    return DemoReport(seeded, organisation, panel)


def _accounts_outside_the_demo() -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(User)
            .where(
                ~User.email.endswith(f"@{DEMO_DOMAIN}", autoescape=True),
                User.erased_at.is_(None),
            )
        )
        or 0
    )


def _account(person: DemoPerson, password: str) -> SeededPerson:
    """The person's account with their demo role and ``password``: made as a person registers and
    confirms their address (an admin as ``users create-admin`` makes one), or, when it is already
    there, given the password as if its owner had reset it."""
    user = accounts.find_user_by_email(person.email)
    created = user is None
    if person.role == Role.ADMIN:
        # Makes a confirmed admin, or makes the account an admin again, keeping its password.
        user = accounts.create_admin(person.email, password, person.name)
    elif user is None:
        user = accounts.register(person.name, person.email, password)
        if user is None:  # the address had no account a moment ago
            raise RuntimeError(f"{person.email} was registered meanwhile")
        accounts.confirm_email(accounts.issue_token(user, TokenPurpose.CONFIRM_EMAIL))
    if not created:
        accounts.reset_password(accounts.issue_token(user, TokenPurpose.RESET_PASSWORD), password)
    accounts.set_role(user, person.role)
    db.session.flush()
    return SeededPerson(person, user, created)


def _organisation(manager: User) -> Organisation:
    """The open demo organisation ``manager`` manages, made again if there is none."""
    for membership in memberships.memberships_of(manager):
        if membership.is_manager and membership.organisation.name == ORGANISATION_NAME:
            return membership.organisation
    return memberships.create_organisation(manager, ORGANISATION_NAME, due_days=DUE_DAYS)


def _bring_to_stage(stage: Stage, user: User, course: Course, admin: User) -> None:
    """Do as a learner at ``stage`` has done, through the learning and certificate services."""
    required = course.required_modules
    if stage == Stage.PART_WAY:
        halfway = len(required) // 2
        for module in required[:halfway]:
            _complete_module(user, module)
        begun = required[halfway]
        for lesson in begun.current_version.lessons[:1]:
            learning.record_lesson_read(user, begun, lesson)
    elif stage == Stage.CERTIFIED:
        _complete_modules(user, required)
        certificates.issue_certificate(user, course, user.name)
    elif stage == Stage.EXPIRING:
        _complete_modules(user, required)
        issued_at = certificates.add_months(
            utcnow() + EXPIRING_IN, -course.certificate_validity_months
        )
        _date_learning_back(user, issued_at - timedelta(days=1))
        certificates.issue_certificate(user, course, user.name, now=issued_at)
    elif stage == Stage.REVOKED:
        _complete_modules(user, required)
        issued_at = utcnow() - REVOKED_AFTER
        _date_learning_back(user, issued_at - timedelta(days=1))
        certificate = certificates.issue_certificate(user, course, user.name, now=issued_at)
        user_administration.revoke(admin, certificate, REVOCATION_REASON)


def _complete_modules(user: User, modules: Sequence[Module]) -> None:
    for module in modules:
        _complete_module(user, module)


def _complete_module(user: User, module: Module) -> None:
    """Read every lesson of the module's current version, then pass its quiz."""
    for lesson in module.current_version.lessons:
        learning.record_lesson_read(user, module, lesson)
    attempt = learning.start_attempt(user, module, Region(user.region))
    answers = [
        question_type(question["type"]).correct_answer(question) for question in attempt.questions
    ]
    learning.submit_attempt(user, attempt.id, learning.AnswerSheet(answers))


def _date_learning_back(user: User, when: datetime) -> None:
    """Move the learner's account and everything they did in the course to ``when``.

    A certificate issued in the past was earned then, so the lessons and quizzes that earned it
    must be dated then too: renewing counts only the quizzes passed in the 30 days before expiry
    (and earning a revoked certificate again, those passed since it was revoked), so quizzes dated
    today would show as passed again, ready for a new certificate. No service moves records in
    time, so this is the one place the demo writes rows itself.
    """
    attempts = select(QuizAttempt.id).where(QuizAttempt.user_id == user.id)
    db.session.execute(
        update(QuestionAnswer)
        .where(QuestionAnswer.attempt_id.in_(attempts))
        .values(submitted_at=when)
    )
    db.session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.user_id == user.id)
        .values(started_at=when, submitted_at=when)
    )
    db.session.execute(
        update(LessonView).where(LessonView.user_id == user.id).values(viewed_at=when)
    )
    db.session.execute(
        update(ModuleCompletion)
        .where(ModuleCompletion.user_id == user.id)
        .values(completed_at=when)
    )
    user.created_at = user.last_activity_at = when
