"""Error pages: each says what happened and what to do, and leaks nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.fixtures.apps import build_app


def assert_clean_error_page(page: str, heading: str) -> None:
    assert f'<h1 class="heading-xl">{heading}</h1>' in page
    assert page.count("<h1") == 1
    assert "Traceback" not in page and "werkzeug" not in page.lower()
    assert 'href="/who-to-call"' in page  # the layout, footer included, is intact


def test_unknown_page_gets_404_page(client: FlaskClient) -> None:
    response = client.get("/no-such-page")

    assert response.status_code == 404
    assert_clean_error_page(response.get_data(as_text=True), "Page not found")


def test_wrong_method_gets_405_page_and_says_which_methods_work(client: FlaskClient) -> None:
    response = client.delete("/about")

    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD"}
    assert_clean_error_page(response.get_data(as_text=True), "This page cannot do that")


def test_too_large_request_gets_413_page(tmp_path: Path) -> None:
    client = build_app(tmp_path, MAX_CONTENT_LENGTH=1024).test_client()

    response = client.post("/_test/form", data={"full_name": "x" * 5000})

    assert response.status_code == 413
    assert_clean_error_page(response.get_data(as_text=True), "What you sent is too large")


def test_forbidden_gets_403_page(client: FlaskClient, app: Flask) -> None:
    app.config["WTF_CSRF_ENABLED"] = False

    response = client.post("/_test/counter/x/then-refuse")

    assert response.status_code == 403
    assert_clean_error_page(
        response.get_data(as_text=True), "You do not have permission to see this page"
    )


def test_bad_request_gets_400_page(client: FlaskClient) -> None:
    response = client.post("/_test/counter/x")  # no CSRF token: a 400 with its own explanation

    assert response.status_code == 400
    assert_clean_error_page(response.get_data(as_text=True), "The form could not be sent")


def test_too_many_requests_gets_429_page_with_retry_after(client: FlaskClient) -> None:
    assert client.get("/_test/limited").status_code == 200
    assert client.get("/_test/limited").status_code == 200

    response = client.get("/_test/limited")

    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert_clean_error_page(response.get_data(as_text=True), "Too many requests")


def test_unexpected_error_gets_500_page_without_details(client: FlaskClient, app: Flask) -> None:
    app.config.update(WTF_CSRF_ENABLED=False, PROPAGATE_EXCEPTIONS=False)

    response = client.post("/_test/counter/x/then-fail")

    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert_clean_error_page(page, "Sorry, there is a problem with the service")
    assert "secret internal detail" not in page and "/etc/passwd" not in page


@pytest.mark.parametrize(
    ("path", "method", "code"), [("/no-such-page", "get", 404), ("/about", "put", 405)]
)
def test_json_clients_get_json_errors(
    client: FlaskClient, path: str, method: str, code: int
) -> None:
    response = getattr(client, method)(path, headers={"Accept": "application/json"})

    assert response.status_code == code
    assert response.is_json
    assert response.get_json()["error"] == code
    assert response.get_json()["message"]
