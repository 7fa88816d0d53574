"""Security headers on every page, HTTPS in production, trusted proxies and CSRF."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.fixtures.apps import build_app
from tests.fixtures.database import counter_value
from tests.fixtures.web import csrf_token_from


def page_paths(app: Flask) -> list[str]:
    """Every GET route of the real site that takes no URL arguments, public or not."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or set())
        and not rule.arguments
        and rule.endpoint != "static"
        and not rule.endpoint.startswith("support.")
    )


def test_the_pages_checked_here_include_every_public_page(app: Flask) -> None:
    assert set(page_paths(app)) >= {
        "/",
        "/about",
        "/accessibility",
        "/healthz",
        "/privacy",
        "/who-to-call",
        "/login",
        "/register",
        "/password/forgotten",
        "/account/",
        "/admin/",
    }


def test_every_page_and_error_sends_the_security_headers(app: Flask, client: FlaskClient) -> None:
    for path in [*page_paths(app), "/no-such-page", "/static/css/site.css"]:
        response = client.get(path)
        response.close()
        headers = response.headers
        policy = headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy, path
        assert "script-src 'self'" in policy and "style-src 'self'" in policy, path
        assert "'unsafe-inline'" not in policy, path
        assert "frame-ancestors 'none'" in policy, path
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["X-Frame-Options"] == "DENY", path
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin", path
        assert "Strict-Transport-Security" not in headers, path


def test_pages_contain_no_inline_script_or_style(app: Flask, client: FlaskClient) -> None:
    for path in page_paths(app):
        page = client.get(path).get_data(as_text=True)
        assert "<script>" not in page and "<style" not in page and " style=" not in page, path
        assert " on" + "click=" not in page, path


def test_plain_http_works_when_https_is_not_required(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200


def test_production_redirects_to_https_and_sends_hsts(tmp_path: Path) -> None:
    client = build_app(tmp_path, HTTPS_ONLY=True, BASE_URL="https://localhost").test_client()

    insecure = client.get("/about")
    secure = client.get("/about", base_url="https://localhost")

    assert insecure.status_code in (301, 302)
    assert insecure.headers["Location"] == "https://localhost/about"
    assert secure.status_code == 200
    assert "max-age=63072000" in secure.headers["Strict-Transport-Security"]
    assert "upgrade-insecure-requests" in secure.headers["Content-Security-Policy"]


def test_health_checks_over_plain_http_are_not_redirected_in_production(tmp_path: Path) -> None:
    client = build_app(tmp_path, HTTPS_ONLY=True, BASE_URL="https://localhost").test_client()

    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize(("trusted_proxies", "expected_status"), [(0, 302), (1, 200)])
def test_https_is_detected_behind_trusted_proxies_only(
    tmp_path: Path, trusted_proxies: int, expected_status: int
) -> None:
    client = build_app(
        tmp_path, HTTPS_ONLY=True, BASE_URL="https://localhost", TRUSTED_PROXIES=trusted_proxies
    ).test_client()

    response = client.get("/about", headers={"X-Forwarded-Proto": "https"})

    assert response.status_code == expected_status


def test_session_cookie_is_secure_only_in_production(tmp_path: Path) -> None:
    production = build_app(tmp_path / "production", HTTPS_ONLY=True, BASE_URL="https://localhost")
    development = build_app(tmp_path / "development")

    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert production.config["REMEMBER_COOKIE_SECURE"] is True
    assert development.config["SESSION_COOKIE_SECURE"] is False
    assert development.config["SESSION_COOKIE_HTTPONLY"] is True
    assert development.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_a_post_without_a_csrf_token_is_refused_and_changes_nothing(
    client: FlaskClient, app: Flask
) -> None:
    response = client.post("/_test/counter/visits")

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The form could not be sent" in page
    assert "Nothing has been saved" in page

    assert counter_value(app, "visits") is None


def test_a_post_with_a_wrong_csrf_token_is_refused(client: FlaskClient) -> None:
    client.get("/_test/form")

    response = client.post("/_test/form", data={"csrf_token": "forged"})

    assert response.status_code == 400
    assert "The form could not be sent" in response.get_data(as_text=True)


def test_a_post_with_the_forms_csrf_token_is_accepted(client: FlaskClient) -> None:
    token = csrf_token_from(client.get("/_test/form").get_data(as_text=True))

    response = client.post("/_test/form", data={"csrf_token": token, "full_name": "Ada"})

    assert response.status_code == 200
