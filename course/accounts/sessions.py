"""Signed-in sessions: Flask-Login wiring, sign-in and sign-out, timeouts, two-factor state.

The session cookie carries the user's ``session_token`` (an alternative token), never the id, so
replacing the token (sign-out, password change or reset, disabling, turning two-factor on) ends
every session of that user on every device. Within a session, the signed cookie records when it
started and when it was last used, for the idle and absolute timeouts. A "remember me" cookie
restores a session for up to ``REMEMBER_ME_DAYS`` after the token was issued; older tokens are
replaced at the next sign-in.

An account with two-factor sign-in on is signed in only by a session that passed it. Any other
session of such an account (one restored from a "remember me" cookie, one from before two-factor
was turned on) is turned, at its next request, into one that asks for a security code. The cookie
is signed, not encrypted, so it holds no secret: while a code is awaited it names the account by id
and a digest of its session token, never the token itself.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import datetime, timedelta

from flask import Flask, current_app, flash, redirect, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_url, login_user, logout_user, user_loaded_from_cookie
from sqlalchemy import bindparam, select
from werkzeug.wrappers import Response

from course.accounts.models import User
from course.accounts.services import end_all_sessions
from course.core.database import utcnow
from course.extensions import db, login_manager

SIGNED_IN_AT = "signed_in_at"
LAST_SEEN_AT = "last_seen_at"
REMEMBERED = "remembered"
TWO_FACTOR_PASSED = "two_factor_passed"
PENDING_TWO_FACTOR_USER = "pending_two_factor_user"
PENDING_TOKEN_DIGEST = "pending_token_digest"  # noqa: S105 - the name of a session key
PENDING_REMEMBER = "pending_remember"
PENDING_SINCE = "pending_since"
#: The account this browser registered, and when: confirming its address here signs it in.
REGISTERED_USER = "registered_user"
REGISTERED_AT = "registered_at"
#: As long as a confirmation link lasts.
REGISTERED_SECONDS = 2 * 24 * 3600
#: How long someone has to type their two-factor code after their password.
PENDING_TWO_FACTOR_SECONDS = 300
#: Refresh the "last seen" time in the cookie at most this often, not on every request.
LAST_SEEN_RESOLUTION_SECONDS = 60


def init_sessions(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    # Flask-Login's own message says "log in", in English only; every page here says "sign in".
    login_manager.login_message = _l("Sign in to see that page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.config.setdefault(
        "REMEMBER_COOKIE_DURATION", timedelta(days=app.config["REMEMBER_ME_DAYS"])
    )
    app.before_request(_enforce_session_rules)


# Built once: every signed-in request runs it, and building a statement costs more than running
# this one.
_USER_OF_LIVE_TOKEN = select(User).where(
    User.session_token == bindparam("session_token"),
    User.disabled_at.is_(None),
    User.session_token_created_at >= bindparam("oldest"),
)


@login_manager.user_loader
def load_user(session_token: str) -> User | None:
    """The person whose live session token this is: the account is not disabled and the token was
    issued no earlier than "remember me" lasts (see :func:`oldest_live_token`)."""
    return db.session.scalar(
        _USER_OF_LIVE_TOKEN, {"session_token": session_token, "oldest": oldest_live_token()}
    )


def oldest_live_token() -> datetime:
    """When the oldest session token still in use was issued: "remember me" lasts that long."""
    return utcnow() - timedelta(days=current_app.config["REMEMBER_ME_DAYS"])


@login_manager.unauthorized_handler
def _sign_in_first() -> Response:
    """Send a visitor to a page that needs signing in to the security code page when their
    password (or "remember me" cookie) has been accepted and only the code is missing, and to the
    sign-in page otherwise (as Flask-Login would), coming back to the page afterwards."""
    if user_awaiting_second_factor() is not None:
        return redirect(login_url("accounts.two_factor_challenge", next_url=request.url))
    if login_manager.login_message:
        flash(login_manager.login_message, login_manager.login_message_category)
    return redirect(login_url(login_manager.login_view, next_url=request.url))


@user_loaded_from_cookie.connect
def _remembered_session_restored(_app: Flask, user: User) -> None:
    now = time.time()
    session[SIGNED_IN_AT] = now
    session[LAST_SEEN_AT] = now
    session[REMEMBERED] = True
    # The cookie stands in for the password only: with two-factor on, this session has yet to
    # pass it (see _enforce_session_rules).
    session[TWO_FACTOR_PASSED] = False


def sign_in(user: User, *, remember: bool, two_factor_passed: bool) -> None:
    """Start a fresh session for ``user``: the old session's contents are dropped (rotation)."""
    # ``current_user`` itself would become the request's user and then resolve to itself forever.
    user = getattr(user, "_get_current_object", lambda: user)()
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


def remember_registration(user: User) -> None:
    """Note in this browser's session that it registered ``user``."""
    session[REGISTERED_USER] = user.id
    session[REGISTERED_AT] = time.time()


def registered_in_this_browser(user: User) -> bool:
    """Whether this browser registered ``user`` within the life of a confirmation link, so that
    confirming the address here may sign them in; a link opened anywhere else asks for the
    password, as does an account with a second factor. The note is used up either way."""
    registered_id = session.pop(REGISTERED_USER, None)
    registered_at = session.pop(REGISTERED_AT, 0)
    return (
        registered_id == user.id
        and time.time() - registered_at < REGISTERED_SECONDS
        and user.is_active
        and not user.two_factor_enabled
    )


def sign_out_everywhere(user: User) -> None:
    """End this session and every other session of ``user``."""
    end_all_sessions(user)
    logout_user()
    session.clear()


def await_second_factor(user: User, *, remember: bool) -> None:
    """Remember, for a few minutes, who gave the right password and must now give a code.

    The session is not signed in meanwhile. It names the account by id and by a digest of its
    session token, so that ending the account's sessions also ends the wait.
    """
    session.clear()
    session[PENDING_TWO_FACTOR_USER] = user.id
    session[PENDING_TOKEN_DIGEST] = _token_digest(user.session_token)
    session[PENDING_REMEMBER] = remember
    session[PENDING_SINCE] = time.time()


def user_awaiting_second_factor() -> tuple[User, bool] | None:
    """The user who gave their password and the "remember me" choice, unless too long ago or the
    account's sessions have ended since."""
    user_id = session.get(PENDING_TWO_FACTOR_USER)
    since = session.get(PENDING_SINCE, 0)
    if not isinstance(user_id, int) or time.time() - since > PENDING_TWO_FACTOR_SECONDS:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.is_active or user.session_token_created_at < oldest_live_token():
        return None
    digest = str(session.get(PENDING_TOKEN_DIGEST, ""))
    if not hmac.compare_digest(digest, _token_digest(user.session_token)):
        return None
    return user, bool(session.get(PENDING_REMEMBER))


def _token_digest(session_token: str) -> str:
    return hashlib.sha256(session_token.encode()).hexdigest()


def two_factor_passed() -> bool:
    return bool(session.get(TWO_FACTOR_PASSED))


def _enforce_session_rules() -> None:
    """End a timed-out session, and make one that has not passed two-factor sign-in, on an account
    that has it on, ask for a code before it counts as signed in."""
    if not current_user.is_authenticated:
        return
    now = time.time()
    if _timed_out(now):
        logout_user()
        session.clear()
    elif current_user.two_factor_enabled and not two_factor_passed():
        _ask_for_second_factor(current_user._get_current_object())
    elif not session.get(REMEMBERED):
        # Written again only now and then, so that most requests send no new cookie.
        if now - session.get(LAST_SEEN_AT, 0) > LAST_SEEN_RESOLUTION_SECONDS:
            session[LAST_SEEN_AT] = now


def _timed_out(now: float) -> bool:
    """Whether this session has been idle, or signed in, for too long at ``now``.

    A remembered session has no timeouts: it lasts as long as its "remember me" cookie.
    """
    if session.get(REMEMBERED):
        return False
    config = current_app.config
    idle = now - session.get(LAST_SEEN_AT, 0) > config["SESSION_IDLE_MINUTES"] * 60
    too_old = now - session.get(SIGNED_IN_AT, 0) > config["SESSION_LIFETIME_HOURS"] * 3600
    return idle or too_old


def _ask_for_second_factor(user: User) -> None:
    """Make this request anonymous and the session one that waits for ``user``'s code.

    The "remember me" cookie stays, to stand in for the password again once the code is given;
    while the code is awaited it restores the account at every request, and a wait already under
    way is kept as it is (clearing the session again would lose the code form's CSRF token).
    """
    waiting = user_awaiting_second_factor()
    remember = bool(session.get(REMEMBERED))
    logout_user()
    session.pop("_remember", None)  # logout_user's order to delete the "remember me" cookie
    if waiting is None or waiting[0].id != user.id:
        await_second_factor(user, remember=remember)
