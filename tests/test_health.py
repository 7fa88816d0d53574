"""``GET /healthz`` for load balancers and monitors."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from course import create_app


def test_healthz_reports_ok_when_the_database_answers(client: FlaskClient) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_reports_unavailable_without_details_when_the_database_is_down(
    tmp_path: Path,
) -> None:
    unreachable = f"sqlite:///{tmp_path / 'missing-folder' / 'course.sqlite3'}"
    app = create_app(
        {"SECRET_KEY": "x", "DATABASE_URL": unreachable}, instance_path=str(tmp_path / "instance")
    )

    response = app.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable"}
    assert "missing-folder" not in response.get_data(as_text=True)
