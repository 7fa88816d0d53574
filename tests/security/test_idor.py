"""V4 Access control (ASVS 4.2.1, insecure direct object references): every id and token in a URL.

Every argument of every URL of the app is classified below (``URL_ARGUMENTS``), straight from the
URL map, so a new route with an id or a token fails this module until someone decides what it
names. Each id is then tried with a value that names nothing, and the ids that name something
belonging to someone are tried with another person's or another organisation's.

Proved thoroughly by feature tests, and not repeated here:

* another person's certificate under a person's admin page: ``tests/test_admin_users.py::
  test_a_certificate_of_someone_else_is_not_found`` (this module adds the shared site's case);
* another organisation's members and invitations under your own organisation:
  ``tests/test_organisation_isolation.py::test_another_organisations_ids_are_not_found_under_your_own``,
  ``tests/test_organisation_invitations.py::
  test_another_organisations_manager_sees_and_changes_none_of_the_invitations``,
  ``tests/test_organisation_members.py::test_a_member_of_another_organisation_is_not_found``;
* another learner's quiz attempt: ``tests/test_learning_flow.py::
  test_nobody_else_can_see_or_submit_an_attempt``;
* another person's certificate PDF: ``tests/test_certificates.py::
  test_only_the_holder_and_admins_with_two_factors_can_download_the_pdf``;
* used and expired account links: ``tests/test_accounts_passwords.py`` (reset links),
  ``tests/test_accounts_registration.py`` (confirmation links), expired and resent invitations
  in ``tests/test_organisation_invitations.py``, rotated join links in
  ``tests/test_organisations.py::test_a_rotated_or_disabled_link_stops_working``.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from course.accounts import services as accounts
from course.accounts.models import AccountToken, TokenPurpose, User
from course.catalogue.models import Module
from course.certificates.models import Certificate
from course.core.database import utcnow
from course.extensions import db
from course.learning.models import QuizAttempt
from course.organisations import memberships as organisations
from course.organisations.models import Invitation, Membership, Organisation, TrainingRecord
from tests.fixtures.factories import STRONG_PASSWORD, make_user
from tests.fixtures.learning import answers_for
from tests.fixtures.mail import link_in, queued_emails
from tests.fixtures.security_site import (
    ADMIN,
    HARMLESS_BODY,
    LEARNER,
    MANAGER,
    MEMBER,
    Site,
    csrf_token_for,
)
from tests.fixtures.web import sign_in
from tests.security.access_table import (
    ADMIN_ONLY,
    EXPECTED_RULE,
    ORGANISATION_MANAGER,
    PUBLIC,
    REAL_APP,
    SIGNED_IN,
    SITE_MANAGER,
    STAFF,
    STATIC,
    rule_of,
)

# What an argument of a URL names.
OWN_ROW = "the id of a row the visitor must own, manage or administer"
STAFF_ROW = "the id of a row staff edit (modules, lessons, questions)"
SECRET = "a secret token from an email or a shared link"
PUBLIC_NAME = "a public name: a slug, a certificate code, a file name"
CHOICE = "one word of a fixed set"

URL_ARGUMENTS: dict[str, dict[str, str]] = {
    "static": {"filename": PUBLIC_NAME},
    "media.image": {"name": PUBLIC_NAME},
    "learning.module": {"slug": PUBLIC_NAME},
    "learning.lesson": {"slug": PUBLIC_NAME, "lesson_slug": PUBLIC_NAME},
    "learning.lesson_read": {"slug": PUBLIC_NAME, "lesson_slug": PUBLIC_NAME},
    "learning.quiz": {"slug": PUBLIC_NAME},
    "learning.start_quiz": {"slug": PUBLIC_NAME},
    "measurement.start": {"slug": PUBLIC_NAME, "phase": CHOICE},
    "measurement.skip": {"slug": PUBLIC_NAME, "phase": CHOICE},
    "measurement.check": {"check_id": OWN_ROW},
    "measurement.follow_up": {"phase": CHOICE},
    "admin_measurement.organisation": {"organisation_id": OWN_ROW},
    "measurement.result": {"check_id": OWN_ROW},
    "learning.quiz_attempt": {"slug": PUBLIC_NAME, "attempt_id": OWN_ROW},
    "learning.quiz_result": {"slug": PUBLIC_NAME, "attempt_id": OWN_ROW},
    "learning.wallet_card": {"region_code": CHOICE},
    "learning.picture": {"digest": PUBLIC_NAME},
    "language.choose": {"code": CHOICE},
    "learning.scenario_step": {
        "slug": PUBLIC_NAME,
        "lesson_slug": PUBLIC_NAME,
        "step_id": PUBLIC_NAME,
    },
    "learning.scenario_feedback": {
        "slug": PUBLIC_NAME,
        "lesson_slug": PUBLIC_NAME,
        "step_id": PUBLIC_NAME,
    },
    "learning.scenario_choose": {
        "slug": PUBLIC_NAME,
        "lesson_slug": PUBLIC_NAME,
        "step_id": PUBLIC_NAME,
    },
    "certificates.verify": {"code": PUBLIC_NAME},
    "certificates.short_verify": {"code": PUBLIC_NAME},
    "certificates.download": {"code": OWN_ROW},
    "certificates.correct_name": {"code": OWN_ROW},
    "accounts.confirm_email": {"token": SECRET},
    "accounts.confirm_email_change": {"token": SECRET},
    "accounts.reset_password": {"token": SECRET},
    "organisations.join": {"token": SECRET},
    "invitations.accept": {"token": SECRET},
    "invitations.register": {"token": SECRET},
    "organisations.leave": {"organisation_id": OWN_ROW},
    "organisations.manage": {"organisation_id": OWN_ROW},
    "organisations.members_csv": {"organisation_id": OWN_ROW},
    "organisations.certificates_zip": {"organisation_id": OWN_ROW},
    "organisations.join_link": {"organisation_id": OWN_ROW},
    "organisation_members.member": {"organisation_id": OWN_ROW, "user_id": OWN_ROW},
    "organisation_members.remove": {"organisation_id": OWN_ROW, "user_id": OWN_ROW},
    "organisation_members.hand_over": {"organisation_id": OWN_ROW, "user_id": OWN_ROW},
    "organisation_members.send_reminders": {"organisation_id": OWN_ROW},
    "organisation_members.close": {"organisation_id": OWN_ROW},
    "organisation_sites.add": {"organisation_id": OWN_ROW},
    "organisation_sites.edit": {"organisation_id": OWN_ROW, "site_id": OWN_ROW},
    "organisation_sites.delete": {"organisation_id": OWN_ROW, "site_id": OWN_ROW},
    "organisation_sites.member_sites": {"organisation_id": OWN_ROW, "user_id": OWN_ROW},
    "organisation_sites.site": {"organisation_id": OWN_ROW, "site_id": OWN_ROW},
    "organisation_sites.member": {
        "organisation_id": OWN_ROW,
        "site_id": OWN_ROW,
        "user_id": OWN_ROW,
    },
    "organisation_sites.members_csv": {"organisation_id": OWN_ROW, "site_id": OWN_ROW},
    "organisation_sites.certificates_zip": {"organisation_id": OWN_ROW, "site_id": OWN_ROW},
    "organisation_sites.send_reminders": {"organisation_id": OWN_ROW, "site_id": OWN_ROW},
    "site_procedures.versions": {"organisation_id": OWN_ROW, "site_id": OWN_ROW},
    "site_procedures.write": {"organisation_id": OWN_ROW, "site_id": OWN_ROW},
    "site_procedures.version": {
        "organisation_id": OWN_ROW,
        "site_id": OWN_ROW,
        "number": OWN_ROW,
    },
    "evidence.organisation_pack": {"organisation_id": OWN_ROW},
    "evidence.site_pack": {"organisation_id": OWN_ROW, "site_id": OWN_ROW},
    # A site the visitor works at; any other is not found.
    "site_procedures.read": {"site_id": OWN_ROW},
    "training_records.index": {"organisation_id": OWN_ROW},
    "training_records.retention": {"organisation_id": OWN_ROW},
    "training_records.record": {"organisation_id": OWN_ROW, "record_id": OWN_ROW},
    "training_records.delete": {"organisation_id": OWN_ROW, "record_id": OWN_ROW},
    "training_records.records_csv": {"organisation_id": OWN_ROW},
    "invitations.index": {"organisation_id": OWN_ROW},
    "invitations.invite_one": {"organisation_id": OWN_ROW},
    "invitations.upload": {"organisation_id": OWN_ROW},
    "invitations.change": {"organisation_id": OWN_ROW, "invitation_id": OWN_ROW, "action": CHOICE},
    "admin_users.user": {"user_id": OWN_ROW},
    "admin_users.change_role": {"user_id": OWN_ROW},
    "admin_users.disable": {"user_id": OWN_ROW},
    "admin_users.enable": {"user_id": OWN_ROW},
    "admin_users.erase": {"user_id": OWN_ROW},
    "admin_users.correct_name": {"user_id": OWN_ROW, "certificate_id": OWN_ROW},
    "admin_users.revoke": {"user_id": OWN_ROW, "certificate_id": OWN_ROW},
    "admin_analytics.module": {"slug": PUBLIC_NAME},
    "admin_modules.module": {"module_id": STAFF_ROW},
    "admin_modules.details": {"module_id": STAFF_ROW},
    "admin_modules.archive": {"module_id": STAFF_ROW},
    "admin_modules.discard": {"module_id": STAFF_ROW},
    "admin_modules.publish": {"module_id": STAFF_ROW},
    "admin_modules.preview_module": {"module_id": STAFF_ROW},
    "admin_modules.preview_lesson": {"module_id": STAFF_ROW, "number": STAFF_ROW},
    "admin_modules.draft_picture": {"module_id": STAFF_ROW, "picture_name": PUBLIC_NAME},
    "admin_modules.preview_quiz": {"module_id": STAFF_ROW},
    "admin_modules.versions": {"module_id": STAFF_ROW},
    "admin_translations.index": {"module_id": STAFF_ROW},
    "admin_translations.language": {"module_id": STAFF_ROW, "language": PUBLIC_NAME},
    "admin_translations.edit": {
        "module_id": STAFF_ROW,
        "language": PUBLIC_NAME,
        "part": PUBLIC_NAME,
    },
    "admin_modules.compare": {"module_id": STAFF_ROW},
    "admin_modules.restore": {"module_id": STAFF_ROW, "number": STAFF_ROW},
    "admin_module_zips.export_version": {"module_id": STAFF_ROW, "number": STAFF_ROW},
    "admin_lessons.new": {"module_id": STAFF_ROW},
    "admin_lessons.new_scenario": {"module_id": STAFF_ROW},
    "admin_lessons.edit": {"module_id": STAFF_ROW, "number": STAFF_ROW},
    "admin_lessons.delete": {"module_id": STAFF_ROW, "number": STAFF_ROW},
    "admin_lessons.move": {"module_id": STAFF_ROW, "number": STAFF_ROW},
    "admin_questions.index": {"module_id": STAFF_ROW},
    "admin_questions.choose_type": {"module_id": STAFF_ROW},
    "admin_questions.new": {"module_id": STAFF_ROW, "type_name": CHOICE},
    "admin_questions.edit": {"module_id": STAFF_ROW, "number": STAFF_ROW},
    "admin_questions.delete": {"module_id": STAFF_ROW, "number": STAFF_ROW},
    "admin_questions.move": {"module_id": STAFF_ROW, "number": STAFF_ROW},
}

# A value for each argument that names nothing on the site.
NOTHING = {
    "filename": "css/no-such-file.css",
    "name": "no-such-image.png",
    "picture_name": "no-such-picture.svg",
    "slug": "no-such-module",
    "lesson_slug": "no-such-lesson",
    "code": "NOPE-NOPE-NOPE",
    "token": "not-a-real-token",
    "type_name": "no_such_type",
    "region_code": "mars",
    "action": "explode",
    "phase": "during",
    "digest": "0" * 64,
    "step_id": "no-such-step",
    "language": "xx",
    "part": "question:no-such-question",
}
MISSING_ID = 2_000_000_000  # fits a 32-bit integer column, and no test makes that many rows

# The visitor who may reach each kind of page, so that a 404 is about the id, not about access.
VISITOR = {
    PUBLIC: LEARNER,
    STATIC: LEARNER,
    SIGNED_IN: LEARNER,
    STAFF: ADMIN,
    ADMIN_ONLY: ADMIN,
    ORGANISATION_MANAGER: ADMIN,
    SITE_MANAGER: ADMIN,
}


def url_arguments() -> list[tuple[str, str, str]]:
    """Every (method, endpoint, argument) of the app whose argument names something."""
    found = []
    for rule in REAL_APP.url_map.iter_rules():
        for argument in sorted(rule.arguments):
            for method in sorted((rule.methods or set()) & {"GET", "POST"}):
                found.append((method, rule.endpoint, argument))
    return sorted(found, key=lambda found_one: (found_one[1], found_one[2], found_one[0]))


ARGUMENTS = url_arguments()


def send(client: FlaskClient, method: str, path: str, data: dict[str, object] | None = None):
    if method == "GET":
        response = client.get(path)
    else:
        body = HARMLESS_BODY if data is None else data
        response = client.post(path, data={"csrf_token": csrf_token_for(client), **body})
    response.close()
    return response


def test_every_argument_of_every_url_is_classified() -> None:
    in_the_app = {
        (rule.endpoint, argument)
        for rule in REAL_APP.url_map.iter_rules()
        for argument in rule.arguments
    }
    in_the_table = {
        (endpoint, argument) for endpoint, found in URL_ARGUMENTS.items() for argument in found
    }

    assert sorted(in_the_app - in_the_table) == [], "URL arguments nobody has classified"
    assert sorted(in_the_table - in_the_app) == [], "the table names arguments that are gone"


@pytest.mark.parametrize(("method", "endpoint", "argument"), ARGUMENTS)
def test_a_url_naming_nothing_is_not_found(
    site: Site, method: str, endpoint: str, argument: str
) -> None:
    kind = URL_ARGUMENTS[endpoint][argument]
    value: object = MISSING_ID if kind in (OWN_ROW, STAFF_ROW) else NOTHING[argument]
    rule = rule_of(site.app, endpoint)
    if kind == CHOICE and "<any(" in rule.rule:
        # url_for refuses a word outside the set, so the URL is built by hand.
        real = site.choice_in(rule, argument)
        path = site.path_for(rule).replace(f"/{real}/", f"/{value}/")
        path = path.removesuffix(f"/{real}") + (f"/{value}" if path.endswith(f"/{real}") else "")
    else:
        path = site.path_for(rule, **{argument: value})
    client = site.clients[VISITOR[EXPECTED_RULE[endpoint]]]

    response = send(client, method, path)

    assert response.status_code == 404, (method, path, response.status_code)


def test_an_admin_cannot_reach_a_certificate_through_another_persons_page(site: Site) -> None:
    certificate_id = site.ids["certificate_id"]  # Sam Subject's certificate
    learners_page = f"/admin/users/{site.ids['learner_id']}"
    admin = site.clients[ADMIN]

    renamed = send(
        admin,
        "POST",
        f"{learners_page}/certificates/{certificate_id}/name",
        {f"name-{certificate_id}-holder_name": "Mallory Impostor"},
    )
    revoked = send(
        admin,
        "POST",
        f"{learners_page}/certificates/{certificate_id}/revoke",
        {f"revoke-{certificate_id}-reason": "Guessed the id"},
    )

    assert renamed.status_code == revoked.status_code == 404
    with site.app.app_context():
        certificate = db.session.get(Certificate, certificate_id)
        assert certificate is not None
        assert certificate.holder_name == "Sam Subject"
        assert certificate.revoked_at is None and certificate.revocation_reason is None


def memberships_now(site: Site) -> list[tuple[int, int, str, str | None]]:
    with site.app.app_context():
        return [
            (m.organisation_id, m.user_id, m.role.value, m.team)
            for m in db.session.scalars(select(Membership).order_by(Membership.id))
        ]


@pytest.mark.parametrize("who", ["learner_id", "other organisation's manager"])
@pytest.mark.parametrize("visitor", [MANAGER, ADMIN])
def test_a_person_outside_the_organisation_has_no_member_page_in_it(
    site: Site, who: str, visitor: str
) -> None:
    with site.app.app_context():
        user_id = (
            site.ids["learner_id"]
            if who == "learner_id"
            else db.session.scalar(
                select(Membership.user_id).where(
                    Membership.organisation_id == site.ids["other_organisation_id"]
                )
            )
        )
    path = f"/orgs/{site.ids['organisation_id']}/members/{user_id}"
    client = site.clients[visitor]
    before = memberships_now(site)

    page = send(client, "GET", path)
    actions = {
        action: send(client, "POST", path, {"action": action, "team": "Stolen"}).status_code
        for action in ("team", "make_manager", "remove_manager")
    }
    confirmations = {
        (method, step): send(client, method, f"{path}/{step}", {"action": action}).status_code
        for step, action in (("remove", "remove"), ("hand-over", "hand_over"))
        for method in ("GET", "POST")
    }

    assert page.status_code == 404
    assert "Page not found" in page.get_data(as_text=True)
    assert actions == dict.fromkeys(actions, 404)
    assert confirmations == dict.fromkeys(confirmations, 404)
    assert memberships_now(site) == before


@pytest.mark.parametrize("visitor", [MANAGER, ADMIN])
def test_another_organisations_training_record_is_not_found_under_your_own(
    site: Site, visitor: str
) -> None:
    with site.app.app_context():
        other = db.session.get(Organisation, site.ids["other_organisation_id"])
        assert other is not None
        leaver = make_user(email=f"leaver-{len(visitor)}@example.org", name="Lou Leaver")
        organisations.join(leaver, other)
        db.session.commit()
        organisations.leave(leaver, other)
        db.session.commit()
        record_id = db.session.scalar(
            select(TrainingRecord.id).where(TrainingRecord.email == leaver.email)
        )
    path = f"/orgs/{site.ids['organisation_id']}/records/{record_id}"
    client = site.clients[visitor]

    shown = send(client, "GET", path)
    asked = send(client, "GET", f"{path}/delete")
    deleted = send(client, "POST", f"{path}/delete", {"action": "delete"})

    assert shown.status_code == asked.status_code == deleted.status_code == 404
    with site.app.app_context():
        assert db.session.get(TrainingRecord, record_id) is not None


def test_reminders_reach_no_one_outside_the_organisation(site: Site) -> None:
    """The reminder form posts user ids in its body; ids of people elsewhere are left out."""
    with site.app.app_context():
        outsider_ids = list(
            db.session.scalars(
                select(Membership.user_id).where(
                    Membership.organisation_id == site.ids["other_organisation_id"]
                )
            )
        ) + [site.ids["learner_id"]]
        emails_before = len(queued_emails())
        reminded_before = list(db.session.scalars(select(Membership.last_reminded_at)))
    path = f"/orgs/{site.ids['organisation_id']}/reminders"

    response = send(
        site.clients[MANAGER],
        "POST",
        path,
        {"action": "selected", "user_id": [str(user_id) for user_id in outsider_ids]},
    )

    assert response.status_code == 302
    assert "0 reminders queued" in site.clients[MANAGER].get(path).get_data(as_text=True)
    with site.app.app_context():
        assert len(queued_emails()) == emails_before
        assert list(db.session.scalars(select(Membership.last_reminded_at))) == reminded_before


def test_an_attempt_is_only_found_under_its_own_module(site: Site) -> None:
    attempt_id = site.ids["attempt_id"]
    with site.app.app_context():
        other_slug = db.session.scalar(
            select(Module.slug).where(Module.slug != site.ids["slug"]).order_by(Module.id)
        )
        attempt = db.session.get(QuizAttempt, attempt_id)
        assert attempt is not None and attempt.submitted_at is None
        db.session.expunge(attempt)
    learner = site.clients[LEARNER]
    wrong_place = f"/modules/{other_slug}/quiz/{attempt_id}"

    shown = send(learner, "GET", wrong_place)
    result = send(learner, "GET", f"{wrong_place}/result")
    submitted = send(learner, "POST", wrong_place, answers_for(attempt, right=True))

    assert shown.status_code == result.status_code == submitted.status_code == 404
    with site.app.app_context():
        stored = db.session.get(QuizAttempt, attempt_id)
        assert stored is not None
        assert stored.submitted_at is None and stored.answers is None
    # Under its own module the same learner still reaches it.
    assert send(learner, "GET", f"/modules/{site.ids['slug']}/quiz/{attempt_id}").status_code == 200


def test_another_learners_attempt_is_not_found_and_stays_unanswered(site: Site) -> None:
    attempt_path = f"/modules/{site.ids['slug']}/quiz/{site.ids['attempt_id']}"
    with site.app.app_context():
        attempt = db.session.get(QuizAttempt, site.ids["attempt_id"])
        assert attempt is not None
        db.session.expunge(attempt)
    member = site.clients[MEMBER]

    shown = send(member, "GET", attempt_path)
    submitted = send(member, "POST", attempt_path, answers_for(attempt, right=True))
    result = send(member, "GET", f"{attempt_path}/result")

    assert shown.status_code == submitted.status_code == result.status_code == 404
    with site.app.app_context():
        stored = db.session.get(QuizAttempt, site.ids["attempt_id"])
        assert stored is not None and stored.submitted_at is None and stored.passed is None


@pytest.mark.parametrize("visitor", [MEMBER, MANAGER])
def test_someone_elses_certificate_pdf_is_not_found(site: Site, visitor: str) -> None:
    path = f"/certificates/{site.ids['code']}.pdf"

    response = send(site.clients[visitor], "GET", path)

    assert response.status_code == 404
    assert response.mimetype == "text/html"


# Account links: every page that takes a token from an email, and every way a token can be wrong.

TOKEN_PAGES = {
    TokenPurpose.CONFIRM_EMAIL: "/account/confirm/{}",
    TokenPurpose.RESET_PASSWORD: "/password/reset/{}",
    TokenPurpose.CHANGE_EMAIL: "/account/email/confirm/{}",
}
NEW_PASSWORD = "lantern meadow copper violin"


def account_row(site: Site, user_id: int) -> tuple[object, ...]:
    with site.app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        return (
            user.email,
            user.password_hash,
            user.email_verified_at,
            user.session_token,
            user.disabled_at,
        )


def token_for(site: Site, purpose: TokenPurpose, how: str) -> tuple[int, str]:
    """A new person, and a token for ``purpose`` that is wrong in the way ``how`` says."""
    with site.app.app_context():
        user = make_user(verified=False)
        other_purpose = next(other for other in TokenPurpose if other != purpose)
        issued_for = other_purpose if how == "made for another page" else purpose
        token = accounts.issue_token(
            user,
            issued_for,
            new_email=f"new-{user.id}@example.org"
            if issued_for == TokenPurpose.CHANGE_EMAIL
            else None,
        )
        stored = db.session.scalar(
            select(AccountToken).where(AccountToken.user_id == user.id).order_by(AccountToken.id)
        )
        assert stored is not None
        if how == "expired":
            stored.expires_at = utcnow() - timedelta(minutes=1)
        elif how == "used":
            stored.used_at = utcnow()
        elif how == "of a disabled account":
            accounts.disable_user(user)
        elif how == "tampered with":
            token = token[:-1] + ("A" if token[-1] != "A" else "B")
        db.session.commit()
        return user.id, token


@pytest.mark.parametrize(
    "how", ["tampered with", "made for another page", "expired", "used", "of a disabled account"]
)
@pytest.mark.parametrize("purpose", list(TOKEN_PAGES))
def test_a_wrong_account_link_is_refused_clearly_and_changes_nothing(
    site: Site, purpose: TokenPurpose, how: str
) -> None:
    user_id, token = token_for(site, purpose, how)
    path = TOKEN_PAGES[purpose].format(token)
    before = account_row(site, user_id)
    visitor = site.new_client()

    shown = send(visitor, "GET", path)
    posted = send(visitor, "POST", path, {"password": NEW_PASSWORD})

    for response in (shown, posted):
        assert response.status_code == 404
        assert "This link does not work" in response.get_data(as_text=True)
    assert account_row(site, user_id) == before


def test_someone_elses_email_change_link_changes_only_their_account(site: Site) -> None:
    """The link proves the new address is read; it never acts on whoever happens to be signed
    in."""
    owner_id, token = token_for(site, TokenPurpose.CHANGE_EMAIL, "valid")
    learner = site.clients[LEARNER]
    learner_before = account_row(site, site.ids["learner_id"])

    response = send(learner, "POST", TOKEN_PAGES[TokenPurpose.CHANGE_EMAIL].format(token), {})

    assert response.status_code == 302
    assert account_row(site, site.ids["learner_id"]) == learner_before
    assert account_row(site, owner_id)[0] == f"new-{owner_id}@example.org"
    again = send(learner, "GET", TOKEN_PAGES[TokenPurpose.CHANGE_EMAIL].format(token))
    assert again.status_code == 404


# Organisation links


def invitation_token(site: Site, email: str) -> str:
    with site.app.app_context():
        link = link_in(queued_emails(to=email)[-1], "/join/invitation/")
    return link.rsplit("/", 1)[1]


def invite(site: Site, email: str) -> tuple[int, str]:
    response = send(
        site.clients[MANAGER],
        "POST",
        f"/orgs/{site.ids['organisation_id']}/invitations",
        {"email": email},
    )
    assert response.status_code == 302
    with site.app.app_context():
        invitation_id = db.session.scalar(select(Invitation.id).where(Invitation.email == email))
        assert invitation_id is not None
    return invitation_id, invitation_token(site, email)


@pytest.mark.parametrize("how", ["tampered with", "accepted already", "expired", "withdrawn"])
def test_a_wrong_invitation_link_is_refused_clearly_and_joins_nobody(site: Site, how: str) -> None:
    email = f"invitee-{how.replace(' ', '-')}@example.org"
    invitation_id, token = invite(site, email)
    if how == "tampered with":
        token = token[:-1] + ("A" if token[-1] != "A" else "B")
    elif how == "accepted already":
        # Accepted by the account the invitation was sent to, the only one that can.
        with site.app.app_context():
            make_user(email=email)
        first = site.new_client()
        sign_in(first, email, STRONG_PASSWORD)
        assert send(first, "POST", f"/join/invitation/{token}", {}).status_code == 302
    else:
        with site.app.app_context():
            invitation = db.session.get(Invitation, invitation_id)
            assert invitation is not None
            if how == "expired":
                invitation.sent_at = utcnow() - timedelta(days=31)
            else:
                db.session.delete(invitation)
            db.session.commit()
    visitor = site.fresh_client(LEARNER)
    before = memberships_now(site)
    with site.app.app_context():
        accounts_before = db.session.scalar(select(func.count(User.id)))

    responses = [
        send(visitor, "GET", f"/join/invitation/{token}"),
        send(visitor, "POST", f"/join/invitation/{token}", {}),
        send(site.new_client(), "GET", f"/join/invitation/{token}/register"),
        send(
            site.new_client(),
            "POST",
            f"/join/invitation/{token}/register",
            {"name": "Eve", "email": email, "password": NEW_PASSWORD, "region": "uk"},
        ),
    ]

    for response in responses:
        assert response.status_code == 404
        assert "This invitation cannot be used" in response.get_data(as_text=True)
    assert memberships_now(site) == before
    with site.app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == accounts_before


@pytest.mark.parametrize("how", ["tampered with", "of a closed organisation", "switched off"])
def test_a_wrong_join_link_is_refused_and_joins_nobody(site: Site, how: str) -> None:
    owner = site.fresh_client(LEARNER)
    created = send(owner, "POST", "/orgs/new", {"name": f"Charlie {how}", "due_days": "30"})
    assert created.status_code == 302
    organisation_id = int(created.headers["Location"].split("/")[2])
    with site.app.app_context():
        organisation = db.session.get(Organisation, organisation_id)
        assert organisation is not None
        token = organisation.join_token
        if how == "tampered with":
            token = token[:-1] + ("A" if token[-1] != "A" else "B")
        elif how == "of a closed organisation":
            organisation.closed_at = utcnow()
        else:
            organisation.join_enabled = False
        db.session.commit()
    visitor = site.fresh_client(LEARNER)
    before = memberships_now(site)

    shown = send(visitor, "GET", f"/join/{token}")
    posted = send(visitor, "POST", f"/join/{token}", {})

    assert shown.status_code == posted.status_code == 404
    assert "Page not found" in posted.get_data(as_text=True)
    assert memberships_now(site) == before


@pytest.mark.parametrize("query", ["old=999", "new=999", "old=1&new=999"])
def test_version_numbers_in_the_query_must_be_the_modules_own(site: Site, query: str) -> None:
    path = f"/admin/modules/{site.ids['module_id']}/versions/compare?{query}"

    response = send(site.clients[ADMIN], "GET", path)

    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
