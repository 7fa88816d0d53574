"""Fixtures for the whole suite: an app with a fresh database per test, its client and runner.

Set ``COURSE_DATABASE_URL`` to run the suite against PostgreSQL (``.ci/run`` does, for a second
pass); the schema is then dropped and rebuilt for every test.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import create_engine, make_url, text

from course import create_app
from course.accounts import passwords
from course.extensions import db as database
from tests.support import install_support


def database_of_this_worker(url: str) -> str:
    """The PostgreSQL database this test process uses: under pytest-xdist each worker has one of
    its own beside ``url``'s (``course_test_gw0``...), made here the first time, since every test
    empties the schema of the database it uses."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url.startswith("postgresql") or not worker:
        return url
    shared = make_url(url)
    name = f"{shared.database}_{worker}"
    server = create_engine(shared.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            if not connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ):
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        server.dispose()
    return shared.set(database=name).render_as_string(hide_password=False)


POSTGRES_URL = database_of_this_worker(os.environ.get("COURSE_DATABASE_URL", ""))
USES_POSTGRES = POSTGRES_URL.startswith("postgresql")
_apps_built_by_this_test: list[Flask] = []


def build_app(tmp_path: Path, **overrides: object) -> Flask:
    """Create an app for one test, with the test-only routes and a fresh database."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    config: dict[str, object] = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "DATABASE_URL": POSTGRES_URL or f"sqlite:///{tmp_path / 'course.sqlite3'}",
        "RATELIMIT_STORAGE_URI": "memory://",
        # The limiter is one object shared by every app; Flask-Limiter keeps the last app's
        # RATELIMIT_ENABLED unless each app says it again, so one test turning limits off would
        # turn them off for every test after it.
        "RATELIMIT_ENABLED": True,
    }
    config.update(overrides)
    app = create_app(config, instance_path=str(tmp_path / "instance"))
    with app.app_context():
        reset_schema()
    install_support(app)
    _apps_built_by_this_test.append(app)
    return app


def reset_schema() -> None:
    """Give the test an empty database holding the current models' tables."""
    if database.engine.dialect.name == "postgresql":
        with database.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    database.create_all()


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashing() -> Iterator[None]:
    """argon2id at its cheapest (``argon2.profiles.CHEAPEST``) for the whole suite, which signs in
    and registers thousands of times: at the production cost each takes a fifth of a second. What
    the tests prove about hashing (argon2id is used, the same work is done whether or not an
    account exists) holds at any cost."""
    patch = pytest.MonkeyPatch()
    hasher = PasswordHasher.from_parameters(CHEAPEST)
    patch.setattr(passwords, "_hasher", hasher)
    patch.setattr(passwords, "_UNMATCHABLE_HASH", hasher.hash("no account has this password"))
    yield
    patch.undo()


@pytest.fixture(autouse=True)
def close_database_connections() -> Iterator[None]:
    """Close the connections of every app the test built, so none outlives it."""
    yield
    while _apps_built_by_this_test:
        with _apps_built_by_this_test.pop().app_context():
            database.session.remove()
            database.engine.dispose()


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return build_app(tmp_path)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def db(app: Flask) -> Iterator[SQLAlchemy]:
    """The database, inside an app context, for tests that call services or read rows."""
    with app.app_context():
        yield database
        database.session.rollback()


CSRF_TOKEN_PATTERN = re.compile(r'<input[^>]*\bname="csrf_token"[^>]*\bvalue="([^"]+)"')


def csrf_token_from(page: str) -> str:
    """The CSRF token of the first form on a rendered page."""
    found = CSRF_TOKEN_PATTERN.search(page)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: FlaskClient, email: str, password: str, remember: bool = False) -> None:
    """Sign in through the real form; fails the test if the account is not signed in after."""
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    data = {"csrf_token": token, "email": email, "password": password}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)


def post_form(client: FlaskClient, path: str, data: dict[str, str], form_page: str | None = None):
    """Fetch the form at ``form_page`` (default ``path``) for its CSRF token, then post ``data``."""
    token = csrf_token_from(client.get(form_page or path).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


EXAMPLE_BUNDLE = Path(__file__).parent / "content" / "example"


def import_bundle(app: Flask, path: Path = EXAMPLE_BUNDLE) -> None:
    """Import a content bundle into the test's database, as `flask content import` would."""
    from course.catalogue.bundle import read_bundle
    from course.catalogue.services import import_course

    with app.app_context():
        import_course(read_bundle(path))
        database.session.commit()


@pytest.fixture
def course_app(app: Flask) -> Flask:
    """The app with the example course (tests/content/example) imported."""
    import_bundle(app)
    return app
