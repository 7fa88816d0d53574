"""Absolute links for emails and PDFs, and which ``next=`` targets count as local."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from course.core.urls import absolute_url, local_path_or_none
from tests.fixtures.apps import build_app


def test_links_use_the_request_address_when_no_base_url_is_set(app: Flask) -> None:
    with app.test_request_context(base_url="http://127.0.0.1:5001"):
        assert absolute_url("accounts.login") == "http://127.0.0.1:5001/login"


def test_links_use_the_base_url_in_requests_and_outside_them(tmp_path: Path) -> None:
    app = build_app(tmp_path, BASE_URL="https://course.example.org/")

    with app.test_request_context(base_url="http://127.0.0.1:8000"):
        assert absolute_url("accounts.login") == "https://course.example.org/login"
    with app.app_context():
        assert (
            absolute_url("accounts.reset_password", token="abc")
            == "https://course.example.org/password/reset/abc"
        )


def test_links_outside_a_request_without_base_url_say_what_to_set(app: Flask) -> None:
    with app.app_context(), pytest.raises(RuntimeError, match="COURSE_BASE_URL"):
        absolute_url("accounts.login")


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/account/", "/account/"),
        ("/modules/a/?x=1#part", "/modules/a/?x=1#part"),
        (None, None),
        ("", None),
        ("account", None),
        ("https://evil.example/", None),
        ("//evil.example", None),
        ("/\\evil.example", None),
        ("/\\/evil.example", None),
        ("/ok\r\nSet-Cookie: x", None),
        ("javascript:alert(1)", None),
    ],
)
def test_only_paths_on_this_site_are_local(target: str | None, expected: str | None) -> None:
    assert local_path_or_none(target) == expected
