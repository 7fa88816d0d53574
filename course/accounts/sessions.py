"""Signed-in sessions: Flask-Login wiring, sign-in and sign-out, timeouts, two-factor state.

The session cookie carries the user's ``session_token`` (an alternative token), never the id, so
replacing the token (sign-out, password change or reset, disabling) ends every session of that
user on every device. Within a session, the signed cookie records when it started and when it was
last used, for the idle and absolute timeouts. A "remember me" cookie restores a session for up to
``REMEMBER_ME_DAYS`` after the token was issued; older tokens are replaced at the next sign-in.
"""

from __future__ import annotations

import time
from datetime import timedelta

from flask import Flask, current_app, session
from flask_login import current_user, login_user, logout_user, user_loaded_from_cookie
from sqlalchemy import select

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
    user = db.session.scalar(select(User).where(User.session_token == session_token))
    if user is None or not user.is_active:
        return None
    token_age = utcnow() - user.session_token_created_at
    if token_age > timedelta(days=current_app.config["REMEMBER_ME_DAYS"]):
        return None
    return user


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


def _enforce_session_timeouts() -> None:
    if not current_user.is_authenticated or session.get(REMEMBERED):
        return
    now = time.time()
    idle_limit = current_app.config["SESSION_IDLE_MINUTES"] * 60
    absolute_limit = current_app.config["SESSION_LIFETIME_HOURS"] * 3600
    last_seen = session.get(LAST_SEEN_AT, 0)
    if now - last_seen > idle_limit or now - session.get(SIGNED_IN_AT, 0) > absolute_limit:
        logout_user()
        session.clear()
        return
    if now - last_seen > LAST_SEEN_RESOLUTION_SECONDS:
        session[LAST_SEEN_AT] = now
