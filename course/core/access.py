"""Access rules for views.

Every view declares who may reach it, with one of the decorators here (the accounts feature adds
the signed-in and role rules). A test walks the URL map and fails for any view without a rule, so a
new page cannot be added without deciding who may see it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

ViewT = TypeVar("ViewT", bound=Callable[..., object])

PUBLIC = "public"


def public(view: ViewT) -> ViewT:
    """Mark a view as open to everyone, signed in or not."""
    view.access_rule = PUBLIC  # type: ignore[attr-defined]
    return view


def access_rule_of(view: Callable[..., object]) -> str | None:
    """Return the access rule a view was declared with, or ``None`` if it has none."""
    return getattr(view, "access_rule", None)
