"""Panels a feature adds to a page of a feature below it, which cannot import it.

A page leaves a named slot, ``{{ page_panels("module-page", module=module) }}``; a feature higher
up registers a panel for that slot (:func:`register_panel`), a function given the page's values
that returns the panel's HTML, or an empty string to show nothing. Measuring learning, for one,
offers its check before a module on the module's own page, which belongs to learning.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from markupsafe import Markup

Panel = Callable[..., str]

#: Each slot's panels by name, in the order they were registered: registering a name again (as
#: every app built in one process does) replaces it.
_slots: dict[str, dict[str, Panel]] = {}


def register_panel(slot: str, name: str, panel: Panel) -> None:
    _slots.setdefault(slot, {})[name] = panel


def page_panels(slot: str, **values: Any) -> Markup:
    """Every panel registered for ``slot``, drawn with the page's ``values``, one after another."""
    # Each panel is HTML its feature drew from its own template, escaped as it was drawn.
    drawn = (panel(**values) for panel in _slots.get(slot, {}).values())
    return Markup("").join(Markup(html) for html in drawn)  # noqa: S704


def init_page_panels(app: Flask) -> None:
    app.jinja_env.globals["page_panels"] = page_panels
