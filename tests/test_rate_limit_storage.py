"""Rate limits in Redis are shared by every worker and host, as production runs them.

The tests start their own ``redis-server`` on a free port. Without it they are skipped, except in
CI (``CI`` set), where a missing Redis is a failure: ``.ci/run`` installs it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from flask import Flask

from tests.fixtures.apps import build_app
from tests.fixtures.redis_server import running_redis
from tests.fixtures.web import post_form

# Sign-in allows 5 attempts a minute per account (course/accounts/views.py).
EMAIL = "ada@example.org"


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A Redis server of the test's own, in a temporary folder, stopped afterwards."""
    with running_redis(tmp_path / "redis", "shared rate limits") as url:
        yield url


def sign_in_attempts(app: Flask, email: str, count: int) -> list[int]:
    """Wrong-password attempts for ``email``, each from a new browser."""
    return [
        post_form(app.test_client(), "/login", {"email": email, "password": "wrong"}).status_code
        for _ in range(count)
    ]


def test_two_app_instances_share_sign_in_limits_through_redis(
    tmp_path: Path, redis_url: str
) -> None:
    # Unknown and known accounts answer alike, so the account need not exist.
    first = build_app(tmp_path / "first", RATELIMIT_STORAGE_URI=redis_url)
    on_first = sign_in_attempts(first, EMAIL, 3)
    # Building the second instance gives the rate limiter a fresh connection: whatever it counted
    # in this process is gone, so only Redis can know about the first three attempts.
    second = build_app(tmp_path / "second", RATELIMIT_STORAGE_URI=redis_url)
    on_second = sign_in_attempts(second, EMAIL, 3)

    assert on_first == [200, 200, 200]
    assert on_second == [200, 200, 429]
    assert sign_in_attempts(first, EMAIL, 1) == [429]


def test_the_limit_is_kept_in_redis_under_the_site_prefix_without_the_email_address(
    tmp_path: Path, redis_url: str
) -> None:
    app = build_app(tmp_path, RATELIMIT_STORAGE_URI=redis_url)

    sign_in_attempts(app, EMAIL, 1)

    keys = [key.decode() for key in redis.Redis.from_url(redis_url).keys("*")]
    assert keys and all("/course/" in key for key in keys), keys
    assert not any("ada" in key for key in keys), keys


def test_without_shared_storage_each_instance_counts_alone(tmp_path: Path) -> None:
    first = build_app(tmp_path / "first", RATELIMIT_STORAGE_URI="memory://")
    sign_in_attempts(first, EMAIL, 3)
    second = build_app(tmp_path / "second", RATELIMIT_STORAGE_URI="memory://")

    # The control for the Redis test: in memory, the second instance starts from nothing.
    assert sign_in_attempts(second, EMAIL, 3) == [200, 200, 200]
