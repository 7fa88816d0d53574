"""``flask --app course evidence ...``: checking a pack and showing the platform's public key."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask
from flask.testing import FlaskCliRunner

from course.evidence import keys
from course.evidence.pack import PackFile, write_pack

KEY_URL = "https://course.example.org/.well-known/ct-citizen-evidence-key.pem"


@pytest.fixture
def pack(app: Flask, tmp_path: Path) -> Path:
    """A pack signed with the platform's key, of a small report and its CSV."""
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.7\nthe report\n%%EOF\n")
    (tmp_path / "staff.csv").write_bytes(b"name,completed\nAda Lovelace,2026-03-01\n")
    destination = tmp_path / "pack.zip"
    with app.app_context():
        write_pack(
            destination,
            [
                PackFile("report.pdf", tmp_path / "report.pdf"),
                PackFile("staff.csv", tmp_path / "staff.csv"),
            ],
            public_key_url=KEY_URL,
        )
    return destination


def platform_fingerprint(app: Flask) -> str:
    with app.app_context():
        return keys.fingerprint(keys.signing_key().public_key())


def test_verify_accepts_a_pack_signed_by_this_platform(
    runner: FlaskCliRunner, app: Flask, pack: Path
) -> None:
    result = runner.invoke(args=["evidence", "verify", str(pack)])

    assert result.exit_code == 0, result.output
    assert result.output == (
        f"Valid: signed by CT Citizen key {platform_fingerprint(app)}; "
        "files: report.pdf, staff.csv\n"
    )


def test_verify_rejects_a_pack_with_one_byte_changed_and_says_which_file(
    runner: FlaskCliRunner, pack: Path
) -> None:
    data = bytearray(pack.read_bytes())
    data[data.index(b"Ada Lovelace")] ^= 0x20
    pack.write_bytes(bytes(data))

    result = runner.invoke(args=["evidence", "verify", str(pack)])

    assert result.exit_code == 1
    assert result.output == (
        f"Not valid: {pack}\n- staff.csv was changed (its SHA-256 differs from SHA256SUMS).\n"
    )


def test_verify_rejects_a_file_that_is_not_a_pack(runner: FlaskCliRunner, tmp_path: Path) -> None:
    not_a_pack = tmp_path / "notes.txt"
    not_a_pack.write_text("just some notes\n")

    result = runner.invoke(args=["evidence", "verify", str(not_a_pack)])

    assert result.exit_code == 1
    assert "- This is not a ZIP file, so it is not an evidence pack." in result.output


def test_verify_reports_a_file_that_is_not_there(runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = runner.invoke(args=["evidence", "verify", str(tmp_path / "missing.zip")])

    assert result.exit_code == 1
    assert "- The file could not be read: No such file or directory" in result.output


def test_verify_checks_against_another_public_key_when_given_one(
    runner: FlaskCliRunner, app: Flask, pack: Path, tmp_path: Path
) -> None:
    other = Ed25519PrivateKey.generate().public_key()
    other_file = tmp_path / "other.pem"
    other_file.write_text(keys.public_key_pem(other))
    platform_file = tmp_path / "platform.pem"
    with app.app_context():
        platform_file.write_text(keys.public_key_pem(keys.signing_key().public_key()))

    refused = runner.invoke(args=["evidence", "verify", str(pack), "--public-key", str(other_file)])
    accepted = runner.invoke(
        args=["evidence", "verify", str(pack), "--public-key", str(platform_file)]
    )

    assert refused.exit_code == 1
    assert (
        "- SHA256SUMS.sig does not match: the pack was changed or was not signed by this "
        f"platform (key {keys.fingerprint(other)})." in refused.output
    )
    assert accepted.exit_code == 0
    assert accepted.output.startswith("Valid: ")


def test_verify_refuses_a_public_key_file_that_holds_no_ed25519_public_key(
    runner: FlaskCliRunner, pack: Path, tmp_path: Path
) -> None:
    private = tmp_path / "private.pem"
    private.write_text(
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )

    result = runner.invoke(args=["evidence", "verify", str(pack), "--public-key", str(private)])

    assert result.exit_code == 2
    assert "it is not a public key in PEM form" in result.output


def test_public_key_prints_the_pem_and_the_fingerprint_apart(
    runner: FlaskCliRunner, app: Flask
) -> None:
    result = runner.invoke(args=["evidence", "public-key"])

    assert result.exit_code == 0
    printed = keys.public_key_from_pem(result.stdout.encode())
    with app.app_context():
        assert keys.public_key_pem(printed) == keys.public_key_pem(keys.signing_key().public_key())
    assert result.stderr == (
        f"Fingerprint: {platform_fingerprint(app)} "
        f"(key from {Path(app.instance_path) / keys.KEY_FILENAME})\n"
    )
