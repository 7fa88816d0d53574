"""Factories: rows built through the real models, with sensible defaults, for any test to use.

Call them inside an app context (the ``db`` fixture, or ``with app.app_context()``). Each commits,
so what it makes is visible to requests made afterwards.
"""

from __future__ import annotations

import itertools

import pyotp

from course.accounts.models import Role, User
from course.accounts.passwords import hash_password
from course.core.database import utcnow
from course.core.regions import Region
from course.extensions import db

STRONG_PASSWORD = "plum kettle orbit saddle"
_numbers = itertools.count(1)
_password_hashes: dict[str, str] = {}


def make_user(
    *,
    email: str | None = None,
    name: str = "Ada Lovelace",
    password: str = STRONG_PASSWORD,
    role: Role = Role.LEARNER,
    verified: bool = True,
    region: Region = Region.UK,
    two_factor_secret: str | None = None,
) -> User:
    """A user who can sign in with ``password``; with ``two_factor_secret``, two-factor is on."""
    if password not in _password_hashes:  # argon2 is slow on purpose; hash each password once
        _password_hashes[password] = hash_password(password)
    user = User(
        email=email or f"learner{next(_numbers)}@example.org",
        name=name,
        password_hash=_password_hashes[password],
        role=role,
        region=region,
        email_verified_at=utcnow() if verified else None,
    )
    if two_factor_secret:
        user.totp_secret = two_factor_secret
        user.totp_enabled_at = utcnow()
    db.session.add(user)
    db.session.commit()
    return user


def new_two_factor_secret() -> str:
    return pyotp.random_base32(length=32)
