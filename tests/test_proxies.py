"""Trusted proxies: X-Forwarded-For names the client only when a proxy is configured to send it."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from tests.fixtures.apps import build_app

# /_test/limited allows 2 requests a minute per client address (tests/fixtures/support.py).
LIMITED = "/_test/limited"


def statuses_from(client: FlaskClient, forwarded_for: str, count: int) -> list[int]:
    return [
        client.get(LIMITED, headers={"X-Forwarded-For": forwarded_for}).status_code
        for _ in range(count)
    ]


def test_behind_a_trusted_proxy_rate_limits_count_the_forwarded_client(tmp_path: Path) -> None:
    client = build_app(tmp_path, TRUSTED_PROXIES=1).test_client()

    first_client = statuses_from(client, "203.0.113.7", 3)
    second_client = statuses_from(client, "203.0.113.8", 2)

    assert first_client == [200, 200, 429]
    assert second_client == [200, 200]


def test_without_trusted_proxies_x_forwarded_for_is_ignored(tmp_path: Path) -> None:
    client = build_app(tmp_path).test_client()

    first_claim = statuses_from(client, "203.0.113.7", 2)
    second_claim = statuses_from(client, "203.0.113.8", 1)

    # Every request came from the same socket address, whatever the header claimed.
    assert first_claim == [200, 200]
    assert second_claim == [429]


def test_only_the_address_added_by_the_trusted_proxy_counts(tmp_path: Path) -> None:
    client = build_app(tmp_path, TRUSTED_PROXIES=1).test_client()

    # The client forged the first address; the load balancer appended the real one.
    forged = [
        client.get(LIMITED, headers={"X-Forwarded-For": f"10.0.0.{n}, 203.0.113.7"}).status_code
        for n in range(3)
    ]

    assert forged == [200, 200, 429]
