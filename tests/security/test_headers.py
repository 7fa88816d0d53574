"""Every page, served over HTTPS as in production, to the people allowed to see it, carries exactly
the security headers course.core.security sets; images at /media/<name> carry a stricter policy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask_talisman import Talisman
from werkzeug.test import TestResponse

from course.core.security import CONTENT_SECURITY_POLICY, INERT_IMAGE_POLICY, PERMISSIONS_POLICY
from course.extensions import db
from tests.fixtures.security_site import (
    ADMIN,
    ANONYMOUS,
    AUTHOR,
    LEARNER,
    MANAGER,
    Site,
    build_site,
)
from tests.security.access_table import (
    ADMIN_ONLY,
    EXPECTED_RULE,
    ORGANISATION_MANAGER,
    REAL_APP,
    SIGNED_IN,
    STAFF,
    routes,
    rule_of,
)

GET_ROUTES = [endpoint for _method, endpoint in routes(REAL_APP, {"GET"})]
VIEWER = {STAFF: AUTHOR, ADMIN_ONLY: ADMIN, ORGANISATION_MANAGER: MANAGER, SIGNED_IN: LEARNER}
HSTS = "max-age=63072000; includeSubDomains"
#: The views that serve images (uploaded, the course's pictures, a draft's pictures) under the
#: inert image policy.
INERT_IMAGES = ("media.image", "learning.picture", "admin_modules.draft_picture")

# Views that declare header options of their own (``Talisman()(...)``), as declared.
DECLARED_VIEW_OPTIONS = {
    endpoint: dict(view.talisman_view_options)
    for endpoint, view in REAL_APP.view_functions.items()
    if hasattr(view, "talisman_view_options")
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The populated site over HTTPS, with HTTPS required, as in production."""
    built = build_site(tmp_path_factory.mktemp("https-site"), https=True)
    yield built
    with built.app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def pages(site: Site) -> Iterator[dict[str, TestResponse]]:
    """Each GET route, as its viewer sees it."""
    seen = {}
    for endpoint in GET_ROUTES:
        viewer = VIEWER.get(EXPECTED_RULE[endpoint], ANONYMOUS)
        response = site.clients[viewer].get(site.path_for(rule_of(site.app, endpoint)))
        response.close()
        seen[endpoint] = response
    yield seen


def test_views_with_their_own_header_options_are_known() -> None:
    assert set(DECLARED_VIEW_OPTIONS) == {
        "health.healthz",
        *INERT_IMAGES,
    }


def test_serving_a_view_leaves_its_declared_options_as_declared(
    pages: dict[str, TestResponse],
) -> None:
    """Flask-Talisman alone fills them in place with the first app's settings, which every later
    app in the process would then inherit (course.core.security._Talisman reads a copy)."""
    for endpoint, declared in DECLARED_VIEW_OPTIONS.items():
        assert pages[endpoint].status_code == 200
        assert REAL_APP.view_functions[endpoint].talisman_view_options == declared


def test_a_view_without_options_gets_what_flask_talisman_itself_would_give(site: Site) -> None:
    """The copy holds every setting Talisman's own reading fills in, so an upgrade that adds one
    fails here rather than silently dropping it."""
    talisman = site.app.extensions["talisman"]
    with site.app.test_request_context("/"):
        assert talisman._get_local_options() == Talisman._get_local_options(talisman)


def policy(header: str) -> dict[str, str]:
    directives = (directive.strip().split(" ", 1) for directive in header.split(";"))
    return {parts[0]: (parts[1] if len(parts) > 1 else "") for parts in directives if parts[0]}


def test_the_viewers_see_the_pages_themselves(pages: dict[str, TestResponse]) -> None:
    """The header checks below look at real pages, not at refusals or redirects to sign in."""
    statuses = {endpoint: response.status_code for endpoint, response in pages.items()}
    assert all(status < 400 or status == 404 for status in statuses.values()), statuses
    assert sum(status == 200 for status in statuses.values()) >= 50, statuses
    for endpoint in (
        "admin_users.user",
        "organisations.manage",
        *INERT_IMAGES,
        "static",
    ):
        assert statuses[endpoint] == 200, endpoint


@pytest.mark.parametrize("endpoint", GET_ROUTES)
def test_every_page_carries_the_security_headers(
    pages: dict[str, TestResponse], endpoint: str
) -> None:
    headers = pages[endpoint].headers
    # An image loads nothing, so its own policy has nothing to upgrade.
    expected_policy = (
        INERT_IMAGE_POLICY
        if endpoint in INERT_IMAGES
        else {**CONTENT_SECURITY_POLICY, "upgrade-insecure-requests": ""}
    )

    assert policy(headers["Content-Security-Policy"]) == expected_policy
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["Strict-Transport-Security"] == HSTS
    assert policy(headers["Permissions-Policy"].replace(",", ";").replace("=", " ")) == dict(
        PERMISSIONS_POLICY
    )


def test_images_may_not_run_anything_even_opened_on_their_own(
    pages: dict[str, TestResponse],
) -> None:
    for endpoint in INERT_IMAGES:
        image_policy = policy(pages[endpoint].headers["Content-Security-Policy"])

        assert image_policy["default-src"] == "'none'" and "sandbox" in image_policy
        assert "script-src" not in image_policy
