"""The organisation access rule: only its managers (and admins) reach its pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g
from flask_login import current_user

from course.accounts.sessions import two_factor_passed
from course.extensions import login_manager
from course.organisations.memberships import managed_organisation

ViewT = TypeVar("ViewT", bound=Callable[..., Any])


def manager_of_org(view: ViewT) -> ViewT:
    """Load the organisation named by ``organisation_id`` into ``g.organisation`` for its managers
    and for admins signed in with two factors; everyone else gets 404, so nothing tells them it
    exists."""

    @wraps(view)
    def protected(*args: Any, organisation_id: int, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        organisation = managed_organisation(
            current_user, organisation_id, as_admin=two_factor_passed()
        )
        if organisation is None:
            abort(404)
        g.organisation = organisation
        return view(*args, organisation_id=organisation_id, **kwargs)

    protected.access_rule = "manager-of-organisation"  # type: ignore[attr-defined]
    return protected  # type: ignore[return-value]
