"""Access rules for views.

Every view declares who may reach it with one of the decorators here. A test walks the URL map and
fails for any view without a rule, so a new page cannot be added without deciding who may see it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user
from flask_login import login_required as flask_login_required

from course.extensions import login_manager

ViewT = TypeVar("ViewT", bound=Callable[..., Any])

PUBLIC = "public"
SIGNED_IN = "signed-in"


def public(view: ViewT) -> ViewT:
    """Mark a view as open to everyone, signed in or not."""
    view.access_rule = PUBLIC  # type: ignore[attr-defined]
    return view


def login_required(view: ViewT) -> ViewT:
    """Send visitors who are not signed in to the sign-in page, then back."""
    protected = flask_login_required(view)
    protected.access_rule = SIGNED_IN
    return protected  # type: ignore[no-any-return]


def role_required(*roles: str) -> Callable[[ViewT], ViewT]:
    """Allow only signed-in users holding one of ``roles``; others get 403."""

    def decorator(view: ViewT) -> ViewT:
        @wraps(view)
        def protected(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        protected.access_rule = "role:" + ",".join(roles)  # type: ignore[attr-defined]
        return protected  # type: ignore[return-value]

    return decorator


def access_rule_of(view: Callable[..., object]) -> str | None:
    """Return the access rule a view was declared with, or ``None`` if it has none."""
    return getattr(view, "access_rule", None)


def signed_in_account() -> str:
    """The rate-limit key of a limit counted per account rather than per client address: the
    signed-in person (limits keyed so sit on views that require signing in)."""
    return f"user:{current_user.id}" if current_user.is_authenticated else "user:none"
