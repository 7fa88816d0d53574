"""Signed-in sessions: Flask-Login wiring, sign-in and sign-out, timeouts, two-factor state.

The session cookie carries the user's ``session_token`` (an alternative token), never the id, so
replacing the token (sign-out, password change or reset, disabling) ends every session of that
user on every device. Within a session, the signed cookie records when it started and when it was
last used, for the idle and absolute timeouts. A "remember me" cookie restores a session for up to
``REMEMBER_ME_DAYS`` after the token was issued; older tokens are replaced at the next sign-in.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, MutableMapping
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from flask import Flask, current_app, session
from flask_login import current_user, login_user, logout_user, user_loaded_from_cookie
from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.sql.elements import BindParameter

from course.accounts.models import User
from course.accounts.services import end_all_sessions
from course.core.database import utcnow
from course.extensions import db, login_manager

SIGNED_IN_AT = "signed_in_at"
LAST_SEEN_AT = "last_seen_at"
REMEMBERED = "remembered"
TWO_FACTOR_PASSED = "two_factor_passed"
PENDING_TWO_FACTOR_USER = "pending_two_factor_user"
PENDING_REMEMBER = "pending_remember"
PENDING_SINCE = "pending_since"
#: How long someone has to type their two-factor code after their password.
PENDING_TWO_FACTOR_SECONDS = 300
#: Refresh the "last seen" time in the cookie at most this often, not on every request.
LAST_SEEN_RESOLUTION_SECONDS = 60


class SessionClock(Enum):
    """Where a signed-in session stands against its idle and absolute timeouts."""

    CURRENT = "current"
    #: Still live, but the "last seen" time in the cookie is due to be written again.
    DUE_FOR_REFRESH = "due for refresh"
    TIMED_OUT = "timed out"


def init_sessions(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "basic"
    app.config.setdefault(
        "REMEMBER_COOKIE_DURATION", timedelta(days=app.config["REMEMBER_ME_DAYS"])
    )
    app.before_request(_enforce_session_timeouts)


@login_manager.user_loader
def load_user(session_token: str) -> User | None:
    return db.session.scalar(select(User).where(signs_in(session_token, oldest_live_token())))


def signs_in(session_token: str, oldest: datetime) -> ColumnElement[bool]:
    """The condition for the person whose live session token this is: the account is not
    disabled and the token was issued no earlier than ``oldest`` (see :func:`oldest_live_token`)."""
    return and_(holds_session_token(session_token), User.session_token_created_at >= oldest)


def holds_session_token(session_token: str | BindParameter[str]) -> ColumnElement[bool]:
    """The condition for the account, not disabled, whose session token this is, however old."""
    return and_(User.session_token == session_token, User.disabled_at.is_(None))


def oldest_live_token() -> datetime:
    """When the oldest session token still in use was issued: "remember me" lasts that long."""
    return utcnow() - timedelta(days=current_app.config["REMEMBER_ME_DAYS"])


@user_loaded_from_cookie.connect
def _remembered_session_restored(_app: Flask, user: User) -> None:
    now = time.time()
    session[SIGNED_IN_AT] = now
    session[LAST_SEEN_AT] = now
    session[REMEMBERED] = True
    # A remembered session passed two factors when it was first signed in.
    session[TWO_FACTOR_PASSED] = user.two_factor_enabled


def sign_in(user: User, *, remember: bool, two_factor_passed: bool) -> None:
    """Start a fresh session for ``user``: the old session's contents are dropped (rotation)."""
    token_age = utcnow() - user.session_token_created_at
    if token_age > timedelta(days=current_app.config["REMEMBER_ME_DAYS"] / 2):
        end_all_sessions(user)  # so a remembered session can always last its full term
    session.clear()
    login_user(user, remember=remember, fresh=True)
    now = time.time()
    session[SIGNED_IN_AT] = now
    session[LAST_SEEN_AT] = now
    session[REMEMBERED] = remember
    session[TWO_FACTOR_PASSED] = two_factor_passed


def sign_out_everywhere(user: User) -> None:
    """End this session and every other session of ``user``."""
    end_all_sessions(user)
    logout_user()
    session.clear()


def await_second_factor(user: User, *, remember: bool) -> None:
    """Remember, for a few minutes, who gave the right password and must now give a code."""
    session.clear()
    session[PENDING_TWO_FACTOR_USER] = user.session_token
    session[PENDING_REMEMBER] = remember
    session[PENDING_SINCE] = time.time()


def user_awaiting_second_factor() -> tuple[User, bool] | None:
    """The user who gave their password and the "remember me" choice, unless too long ago."""
    token = session.get(PENDING_TWO_FACTOR_USER)
    since = session.get(PENDING_SINCE, 0)
    if token is None or time.time() - since > PENDING_TWO_FACTOR_SECONDS:
        return None
    user = load_user(token)
    return (user, bool(session.get(PENDING_REMEMBER))) if user else None


def mark_two_factor_passed() -> None:
    session[TWO_FACTOR_PASSED] = True


def two_factor_passed() -> bool:
    return bool(session.get(TWO_FACTOR_PASSED))


def session_clock(
    contents: Mapping[str, Any], config: Mapping[str, Any], now: float
) -> SessionClock:
    """Where the session with these cookie ``contents`` stands at ``now`` (a Unix time).

    A remembered session has no timeouts: it lasts as long as its "remember me" cookie.
    """
    if contents.get(REMEMBERED):
        return SessionClock.CURRENT
    last_seen = contents.get(LAST_SEEN_AT, 0)
    idle_limit = config["SESSION_IDLE_MINUTES"] * 60
    absolute_limit = config["SESSION_LIFETIME_HOURS"] * 3600
    if now - last_seen > idle_limit or now - contents.get(SIGNED_IN_AT, 0) > absolute_limit:
        return SessionClock.TIMED_OUT
    if now - last_seen > LAST_SEEN_RESOLUTION_SECONDS:
        return SessionClock.DUE_FOR_REFRESH
    return SessionClock.CURRENT


def mark_seen(contents: MutableMapping[str, Any], now: float) -> None:
    """Record in a session due for its refresh that it was used at ``now``."""
    contents[LAST_SEEN_AT] = now


def _enforce_session_timeouts() -> None:
    if not current_user.is_authenticated:
        return
    now = time.time()
    clock = session_clock(session, current_app.config, now)
    if clock is SessionClock.TIMED_OUT:
        logout_user()
        session.clear()
    elif clock is SessionClock.DUE_FOR_REFRESH:
        mark_seen(session, now)
