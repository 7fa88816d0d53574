"""Every route declares who may reach it."""

from __future__ import annotations

from flask import Flask

from course.core.access import PUBLIC, access_rule_of


def test_every_route_declares_an_access_rule(app: Flask) -> None:
    undeclared = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and access_rule_of(view) is None
    ]

    assert undeclared == []


def test_a_route_without_a_rule_is_detected(new_app: Flask) -> None:
    @new_app.get("/_test/undeclared")
    def undeclared() -> str:
        return "no rule"

    assert access_rule_of(new_app.view_functions["undeclared"]) is None
    assert access_rule_of(new_app.view_functions["learning.overview"]) == PUBLIC
