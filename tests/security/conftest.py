"""One populated site per security module, and the people who visit it.

Building the site takes a few seconds (an imported course, an organisation with a member and an
invitation, certificates, a quiz attempt, an image), so each module builds it once and its tests
share it. Tests that must not disturb the others ask :meth:`Site.fresh_client` for a client of
their own.
"""

from __future__ import annotations

import itertools
import re
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.routing import Rule

from course.accounts.models import Role
from course.catalogue.models import Module
from course.catalogue.services import the_course
from course.certificates import services as certificates
from course.certificates.download_links import make_grant
from course.extensions import db
from course.organisations.models import Invitation, Membership, MembershipRole
from tests.conftest import build_app, post_form, sign_in
from tests.factories import STRONG_PASSWORD, make_user, new_two_factor_secret
from tests.learning_helpers import complete_course
from tests.test_accounts_two_factor import code_at, enter_code, enter_password
from tests.test_images import image_bytes, upload
from tests.test_organisations import create_org, join_path

ANONYMOUS = "anonymous"
LEARNER = "learner"
MEMBER = "member of the organisation"
MANAGER = "manager of the organisation"
OTHER_MANAGER = "manager of another organisation"
AUTHOR = "author (two factors)"
ADMIN = "admin (two factors)"
ROLES = (ANONYMOUS, LEARNER, MEMBER, MANAGER, OTHER_MANAGER, AUTHOR, ADMIN)

# A body that any form refuses or ignores: requests in the matrix must decide access, not change
# the site (the targets below are chosen so that a request that does change something harms no
# other test).
HARMLESS_BODY = {"action": "none", "name": "", "email": "", "password": "", "code": ""}

_numbers = itertools.count(1)


@dataclass
class Site:
    """The app, the ids its URLs are filled with, and one signed-in client per role."""

    app: Flask
    https: bool
    ids: dict[str, object]
    clients: dict[str, FlaskClient] = field(default_factory=dict)

    def new_client(self) -> FlaskClient:
        return self.app.test_client()

    def fresh_client(self, role: str) -> FlaskClient:
        """A newly signed-in client for ``role``, as a new person, for requests that would spoil
        the shared client (signing out, for one)."""
        if role == ANONYMOUS:
            return self.new_client()
        email = f"person{next(_numbers)}@example.org"
        client = self.new_client()
        with self.app.app_context():
            if role in (AUTHOR, ADMIN):
                secret = new_two_factor_secret()
                make_user(
                    email=email,
                    role=Role.ADMIN if role == ADMIN else Role.AUTHOR,
                    two_factor_secret=secret,
                )
            else:
                user = make_user(email=email)
                organisation = {
                    MEMBER: self.ids["organisation_id"],
                    MANAGER: self.ids["organisation_id"],
                    OTHER_MANAGER: self.ids["other_organisation_id"],
                }.get(role)
                if organisation is not None:
                    kind = MembershipRole.MEMBER if role == MEMBER else MembershipRole.MANAGER
                    db.session.add(
                        Membership(organisation_id=organisation, user_id=user.id, role=kind)
                    )
                    db.session.commit()
        if role in (AUTHOR, ADMIN):
            enter_password(client, email)
            response = enter_code(client, code_at(secret))
            assert response.status_code == 302, response.get_data(as_text=True)
        else:
            sign_in(client, email, STRONG_PASSWORD)
        return client

    def path_for(self, rule: Rule, **overrides: object) -> str:
        """The rule's URL, filled with the ids of real rows, or with ``overrides`` where given."""
        values = dict(self.ids)
        if rule.endpoint.startswith("organisation_members."):
            values["user_id"] = self.ids["member_id"]
        if "<any(" in rule.rule:
            values["action"] = "resend"
        if rule.endpoint == "static":
            values["filename"] = "css/site.css"
        values.update(overrides)
        with self.app.test_request_context():
            return url_for(
                rule.endpoint, **{k: v for k, v in values.items() if k in rule.arguments}
            )


_tokens: weakref.WeakKeyDictionary[FlaskClient, str] = weakref.WeakKeyDictionary()


def csrf_token_for(client: FlaskClient) -> str:
    """A valid CSRF token for ``client``'s session, from a page with a form (once per client)."""
    if client in _tokens:
        return _tokens[client]
    for page in ("/", "/login", "/account/profile"):
        response = client.get(page)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.get_data(as_text=True))
        if match:
            _tokens[client] = match.group(1)
            return match.group(1)
    raise AssertionError("no page with a form to take a CSRF token from")


class _OverHttps:
    """Every request arrives over HTTPS, as it does in production behind TLS, from a browser that
    names the page it comes from (Flask-WTF checks the Referer of forms sent over HTTPS)."""

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        environ["wsgi.url_scheme"] = "https"
        environ.setdefault("HTTP_REFERER", "https://localhost/")
        return self.wsgi_app(environ, start_response)


def build_site(tmp_path: Path, *, https: bool = False) -> Site:
    app = build_app(
        tmp_path,
        RATELIMIT_ENABLED=False,
        HTTPS_ONLY=https,
        BASE_URL="https://localhost" if https else None,
    )
    if https:
        app.wsgi_app = _OverHttps(app.wsgi_app)  # type: ignore[method-assign]
    from tests.conftest import import_bundle

    import_bundle(app)
    site = Site(app=app, https=https, ids={})

    author = site.fresh_client(AUTHOR)
    # The image every /media/<name> request asks for.
    upload(author, image_bytes())
    manager = site.new_client()
    other_manager = site.new_client()
    with app.app_context():
        make_user(email="manager@example.org")
        make_user(email="other-manager@example.org")
    sign_in(manager, "manager@example.org", STRONG_PASSWORD)
    sign_in(other_manager, "other-manager@example.org", STRONG_PASSWORD)
    organisation_id = create_org(manager, "Alpha")
    other_organisation_id = create_org(other_manager, "Bravo")
    response = post_form(
        manager, f"/orgs/{organisation_id}/invitations", {"email": "invited@example.org"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    site.ids.update(organisation_id=organisation_id, other_organisation_id=other_organisation_id)

    member = site.fresh_client(MEMBER)
    learner = site.new_client()
    with app.test_request_context():
        course = the_course()
        assert course is not None
        learner_user = make_user(email="learner@example.org", name="Lee Learner")
        complete_course(learner_user, course)
        own_certificate = certificates.issue_certificate(learner_user, course, "Lee Learner")
        # The person the admin pages act on: disabling or erasing them harms no other test.
        subject = make_user(email="subject@example.org", name="Sam Subject")
        complete_course(subject, course)
        subject_certificate = certificates.issue_certificate(subject, course, "Sam Subject")
        db.session.commit()
        learning_module, authoring_module = course.required_modules[:2]
        lesson_slug = learning_module.current_version.lessons[0].slug
        member_id = db.session.scalar(
            select(Membership.user_id).where(
                Membership.organisation_id == organisation_id,
                Membership.role == MembershipRole.MEMBER,
            )
        )
        from course.authoring.models import MediaFile

        site.ids.update(
            slug=learning_module.slug,
            lesson_slug=lesson_slug,
            module_id=authoring_module.id,
            number=1,
            type_name="single_choice",
            code=own_certificate.code,
            certificate_id=subject_certificate.id,
            user_id=subject.id,
            member_id=member_id,
            invitation_id=db.session.scalar(select(Invitation.id)),
            name=db.session.scalar(select(MediaFile.name)),
            token="not-a-real-token",
            learner_id=learner_user.id,
            # The learner's link to their own PDF, as their certificates page gives it.
            grant=make_grant(
                own_certificate.code,
                learner_user.session_token,
                app.config["SECRET_KEY"],
                time.time(),
            ),
        )
        assert db.session.get(Module, authoring_module.id) is not None
    sign_in(learner, "learner@example.org", STRONG_PASSWORD)
    # The learner's own quiz attempt, for the quiz pages.
    started = post_form(
        learner,
        f"/modules/{site.ids['slug']}/quiz/start",
        {},
        form_page=f"/modules/{site.ids['slug']}/quiz",
    )
    assert started.status_code == 302, started.get_data(as_text=True)
    attempt = re.search(r"/quiz/(\d+)", started.headers["Location"])
    assert attempt, started.headers["Location"]
    site.ids["attempt_id"] = int(attempt.group(1))
    site.ids["join_path"] = join_path(app, organisation_id)

    site.clients = {
        ANONYMOUS: site.new_client(),
        LEARNER: learner,
        MEMBER: member,
        MANAGER: manager,
        OTHER_MANAGER: other_manager,
        AUTHOR: author,
        ADMIN: site.fresh_client(ADMIN),
    }
    return site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    built = build_site(tmp_path_factory.mktemp("site"))
    yield built
    with built.app.app_context():
        db.session.remove()
        db.engine.dispose()
