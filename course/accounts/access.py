"""Access rules that depend on accounts: the two-factor requirement for staff, and the gate every
admin page shares (:func:`staff_required`), so a feature's admin pages need nothing from the admin
area to declare who may see them."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from course.accounts.sessions import await_second_factor, two_factor_passed
from course.core.access import role_required

ViewT = TypeVar("ViewT", bound=Callable[..., Any])


def two_factor_required(view: ViewT) -> ViewT:
    """Let through only people who signed in with two factors; send the rest to set it up.

    Apply inside :func:`course.core.access.role_required`, which has already checked the role.
    """

    @wraps(view)
    def protected(*args: Any, **kwargs: Any) -> Any:
        if not current_user.two_factor_enabled:
            flash(_("Set up two-factor sign-in to use the admin area."), "error")
            return redirect(url_for("accounts.two_factor_setup"))
        if not two_factor_passed():
            await_second_factor(current_user, remember=False)
            flash(_("Enter your security code to use the admin area."), "error")
            return redirect(url_for("accounts.two_factor_challenge"))
        return view(*args, **kwargs)

    return protected  # type: ignore[return-value]


def staff_required(*roles: str) -> Callable[[ViewT], ViewT]:
    """Let through only people holding one of ``roles`` who signed in with two factors: the gate
    of every admin page.

    Anyone not signed in is sent to sign in, anyone without the role gets 403
    (:func:`course.core.access.role_required`, whose rule the view declares), and staff who have
    not set up or not passed two-factor sign-in are sent to do so (:func:`two_factor_required`).
    """

    def decorator(view: ViewT) -> ViewT:
        return role_required(*roles)(two_factor_required(view))

    return decorator
