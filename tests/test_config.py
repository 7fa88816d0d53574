"""Configuration layers and the secret key written on first run."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from course import create_app


def write_instance_config(instance: Path, body: str) -> None:
    instance.mkdir(parents=True, exist_ok=True)
    (instance / "config.py").write_text(body)


def test_settings_load_in_order_defaults_instance_environment_then_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = tmp_path / "instance"
    write_instance_config(
        instance,
        "SECRET_KEY = 'from-instance'\nCONTACT_EMAIL = 'instance@example.org'\n"
        "BASE_URL = 'https://instance.example.org'\nTRUSTED_PROXIES = 1\n",
    )
    monkeypatch.setenv("COURSE_BASE_URL", "https://environment.example.org")
    monkeypatch.setenv("COURSE_TRUSTED_PROXIES", "2")

    app = create_app({"TRUSTED_PROXIES": 3}, instance_path=str(instance))

    assert app.config["MAX_CONTENT_LENGTH"] == 16 * 1024 * 1024  # default only
    assert app.config["CONTACT_EMAIL"] == "instance@example.org"  # instance beats default
    assert app.config["BASE_URL"] == "https://environment.example.org"  # environment beats instance
    assert app.config["TRUSTED_PROXIES"] == 3  # override beats everything
    assert app.config["SECRET_KEY"] == "from-instance"


def test_environment_values_are_decoded_like_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COURSE_HTTPS_ONLY", "true")
    monkeypatch.setenv("COURSE_BASE_URL", "https://course.example.org")
    monkeypatch.setenv("COURSE_TRUSTED_HOSTS", '["course.example.org", ".course.example.org"]')
    monkeypatch.setenv("COURSE_SECRET_KEY", "from-environment")

    app = create_app(instance_path=str(tmp_path / "instance"))

    assert app.config["HTTPS_ONLY"] is True
    assert app.config["TRUSTED_HOSTS"] == ["course.example.org", ".course.example.org"]
    assert app.config["SECRET_KEY"] == "from-environment"
    assert not (tmp_path / "instance" / "config.py").exists()


def test_first_start_writes_a_private_random_secret_key_and_reuses_it(tmp_path: Path) -> None:
    instance = tmp_path / "instance"

    first = create_app(instance_path=str(instance))
    second = create_app(instance_path=str(instance))
    elsewhere = create_app(instance_path=str(tmp_path / "another-instance"))

    config_file = instance / "config.py"
    assert stat.S_IMODE(config_file.stat().st_mode) == 0o600
    key = first.config["SECRET_KEY"]
    assert len(key) == 64 and int(key, 16)
    assert f"SECRET_KEY = {key!r}" in config_file.read_text()
    assert second.config["SECRET_KEY"] == key
    assert elsewhere.config["SECRET_KEY"] != key


def test_instance_config_without_a_secret_key_is_refused_with_a_clear_message(
    tmp_path: Path,
) -> None:
    instance = tmp_path / "instance"
    write_instance_config(instance, "CONTACT_EMAIL = 'ops@example.org'\n")

    with pytest.raises(RuntimeError, match="sets no SECRET_KEY.*COURSE_SECRET_KEY"):
        create_app(instance_path=str(instance))

    assert (instance / "config.py").read_text() == "CONTACT_EMAIL = 'ops@example.org'\n"


def test_default_database_is_sqlite_in_the_instance_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COURSE_DATABASE_URL", raising=False)
    instance = tmp_path / "instance"

    app = create_app({"SECRET_KEY": "x"}, instance_path=str(instance))

    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'course.sqlite3'}"


def test_database_url_from_environment_selects_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'elsewhere.sqlite3'}"
    monkeypatch.setenv("COURSE_DATABASE_URL", url)

    app = create_app({"SECRET_KEY": "x"}, instance_path=str(tmp_path / "instance"))

    assert app.config["SQLALCHEMY_DATABASE_URI"] == url


def test_by_default_the_site_trusts_this_machine_and_the_base_url_host(tmp_path: Path) -> None:
    development = create_app(instance_path=str(tmp_path / "instance"))
    production = create_app(
        {"BASE_URL": "https://course.example.org:8443/"}, instance_path=str(tmp_path / "instance")
    )

    assert development.config["TRUSTED_HOSTS"] == ["localhost", "127.0.0.1"]
    assert production.config["TRUSTED_HOSTS"] == ["localhost", "127.0.0.1", "course.example.org"]


def test_trusted_hosts_from_the_environment_may_be_a_comma_separated_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COURSE_TRUSTED_HOSTS", "course.example.org, www.course.example.org")

    app = create_app(instance_path=str(tmp_path / "instance"))

    assert app.config["TRUSTED_HOSTS"] == ["course.example.org", "www.course.example.org"]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"HTTPS_ONLY": True}, "COURSE_HTTPS_ONLY is on, so set COURSE_BASE_URL"),
        (
            {"HTTPS_ONLY": True, "BASE_URL": "http://course.example.org"},
            "COURSE_HTTPS_ONLY is on, so set COURSE_BASE_URL to the site's https address",
        ),
        ({"BASE_URL": "course.example.org"}, "COURSE_BASE_URL must be the site's full address"),
        ({"BASE_URL": "ftp://course.example.org"}, "COURSE_BASE_URL must be the site's full"),
        ({"TRUSTED_HOSTS": []}, "COURSE_TRUSTED_HOSTS is empty"),
        ({"TRUSTED_HOSTS": " , "}, "COURSE_TRUSTED_HOSTS is empty"),
    ],
)
def test_the_app_refuses_to_start_with_addresses_that_would_trust_any_host(
    tmp_path: Path, settings: dict[str, object], message: str
) -> None:
    with pytest.raises(RuntimeError, match=message):
        create_app(settings, instance_path=str(tmp_path / "instance"))
