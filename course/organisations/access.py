"""The organisation access rules: only its managers (and admins) reach its pages; a site's pages
are for them and for that site's own managers."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g
from flask_login import current_user

from course.accounts.sessions import two_factor_passed
from course.extensions import login_manager
from course.organisations.memberships import managed_organisation
from course.organisations.sites import managed_site

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


def manager_of_site(view: ViewT) -> ViewT:
    """Load the organisation and the site named by ``organisation_id`` and ``site_id`` into
    ``g.organisation`` and ``g.site`` for the organisation's managers, admins signed in with two
    factors, and the site's own managers; ``g.runs_organisation`` says whether it is one of the
    first two. Everyone else, site managers of other sites included, gets 404."""

    @wraps(view)
    def protected(*args: Any, organisation_id: int, site_id: int, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        found = managed_site(current_user, organisation_id, site_id, as_admin=two_factor_passed())
        if found is None:
            abort(404)
        g.organisation, g.site, g.runs_organisation = found
        return view(*args, organisation_id=organisation_id, site_id=site_id, **kwargs)

    protected.access_rule = "manager-of-site"  # type: ignore[attr-defined]
    return protected  # type: ignore[return-value]
