"""``flask --app course users ...``: creating the first admin and changing roles."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from course.accounts.models import Role, User
from course.accounts.passwords import verify_password
from course.extensions import db
from tests.fixtures.factories import STRONG_PASSWORD, make_user


def stored(app: Flask, email: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None:
            db.session.expunge(user)
        return user


def test_create_admin_prompts_for_the_password_and_creates_a_confirmed_admin(
    runner: FlaskCliRunner, app: Flask
) -> None:
    result = runner.invoke(
        args=["users", "create-admin", " Boss@Example.org"],
        input=f"{STRONG_PASSWORD}\n{STRONG_PASSWORD}\n",
    )

    assert result.exit_code == 0, result.output
    assert "Created admin account boss@example.org." in result.output
    admin = stored(app, "boss@example.org")
    assert admin is not None and admin.role == Role.ADMIN and admin.email_verified
    assert verify_password(admin.password_hash, STRONG_PASSWORD)
    assert not admin.two_factor_enabled  # set up at the first visit to the admin area


def test_create_admin_takes_the_password_from_an_option_for_scripts(
    runner: FlaskCliRunner, app: Flask
) -> None:
    result = runner.invoke(
        args=["users", "create-admin", "boss@example.org", "--password", STRONG_PASSWORD]
    )

    assert result.exit_code == 0
    assert stored(app, "boss@example.org") is not None


def test_create_admin_refuses_a_weak_password_and_creates_nothing(
    runner: FlaskCliRunner, app: Flask
) -> None:
    result = runner.invoke(
        args=["users", "create-admin", "boss@example.org", "--password", "admin123"]
    )

    assert result.exit_code == 2
    assert "too common or too easy to guess" in result.output
    assert stored(app, "boss@example.org") is None


def test_create_admin_promotes_an_existing_account_and_keeps_its_password(
    runner: FlaskCliRunner, app: Flask
) -> None:
    with app.app_context():
        make_user(email="ada@example.org")

    result = runner.invoke(
        args=["users", "create-admin", "ada@example.org", "--password", "ignored x"]
    )

    assert result.exit_code == 0
    assert "is now an admin. Its password is unchanged." in result.output
    ada = stored(app, "ada@example.org")
    assert ada is not None and ada.role == Role.ADMIN
    assert verify_password(ada.password_hash, STRONG_PASSWORD)


def test_set_role_changes_the_role(runner: FlaskCliRunner, app: Flask) -> None:
    with app.app_context():
        make_user(email="ada@example.org")

    result = runner.invoke(args=["users", "set-role", "ADA@example.org", "author"])

    assert result.exit_code == 0 and "ada@example.org is now author." in result.output
    ada = stored(app, "ada@example.org")
    assert ada is not None and ada.role == Role.AUTHOR


def test_set_role_refuses_an_unknown_account_or_role(runner: FlaskCliRunner) -> None:
    unknown_account = runner.invoke(args=["users", "set-role", "ghost@example.org", "admin"])
    unknown_role = runner.invoke(args=["users", "set-role", "ghost@example.org", "emperor"])

    assert unknown_account.exit_code == 2
    assert "No account has the email address 'ghost@example.org'" in unknown_account.output
    assert unknown_role.exit_code == 2 and "emperor" in unknown_role.output
