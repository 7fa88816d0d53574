"""The platform's Ed25519 key, which signs every evidence pack.

It comes from the ``EVIDENCE_SIGNING_KEY`` setting (``COURSE_EVIDENCE_SIGNING_KEY`` in the
environment) when that is set: the PEM text of the private key, which every host serving the same
site must share. Otherwise it is the PEM file ``instance/evidence-signing-key.pem``, made the first
time a key is needed, readable by its owner only, as the secret key is made into
``instance/config.py``.

Packs stay verifiable only as long as people can get the public key they were signed with, so the
key is never replaced on its own: losing the file means packs already given out can no longer be
checked against the published key (``docs/evidence.md`` says how to back it up and what rotating
it means).
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app

#: The setting that holds the key's PEM text; the environment gives it with the ``COURSE_`` prefix.
KEY_SETTING = "EVIDENCE_SIGNING_KEY"
ENVIRONMENT_VARIABLE = f"COURSE_{KEY_SETTING}"
#: The file in the instance folder that holds the key when the setting is empty.
KEY_FILENAME = "evidence-signing-key.pem"
#: How many bytes of the public key's SHA-256 the fingerprint shows: 128 bits, enough that no one
#: can make a key to match a given fingerprint, short enough to read out and compare by eye.
FINGERPRINT_BYTES = 16

log = logging.getLogger(__name__)


class SigningKeyError(RuntimeError):
    """The signing key that was configured cannot be used; the message names where it came from
    and what to do."""


def signing_key() -> Ed25519PrivateKey:
    """The current app's signing key: from ``EVIDENCE_SIGNING_KEY`` when set, else from the
    instance folder's key file, which is generated the first time.

    :raises SigningKeyError: when the setting or the file holds something other than an
        unencrypted Ed25519 private key in PEM form.
    """
    configured = configured_signing_key(current_app.config.get(KEY_SETTING))
    if configured is not None:
        return configured
    return instance_signing_key(Path(current_app.instance_path))


def signing_key_location() -> str:
    """Where :func:`signing_key` reads the key from, in words, for the commands that show it."""
    if current_app.config.get(KEY_SETTING):
        return f"the setting {ENVIRONMENT_VARIABLE}"
    return str(Path(current_app.instance_path) / KEY_FILENAME)


def configured_signing_key(setting: str | bytes | None) -> Ed25519PrivateKey | None:
    """The key the ``EVIDENCE_SIGNING_KEY`` setting holds, or ``None`` when it is empty.

    The PEM text may have its line breaks written as ``\\n``, for environment files that cannot
    hold a value over several lines (a PEM body never contains a backslash).

    :raises SigningKeyError: naming the setting, when it holds anything else.
    """
    if not setting:
        return None
    text = setting.decode("ascii", "replace") if isinstance(setting, bytes) else str(setting)
    if "\n" not in text:
        text = text.replace("\\n", "\n")
    return _private_key_from_pem(
        text.strip().encode("ascii", "replace") + b"\n",
        f"The {KEY_SETTING} setting ({ENVIRONMENT_VARIABLE})",
    )


def instance_signing_key(instance_path: Path) -> Ed25519PrivateKey:
    """The key in ``instance_path``'s key file, generated there if there is none.

    A new key is written to a private file of its own first (``O_EXCL``, mode 0600) and then
    linked to the key file's name, which fails if that name exists: so the key file appears whole
    or not at all, and when two workers start at once the one that links second reads and uses
    the first one's key.

    :raises SigningKeyError: naming the file, when it holds anything but an Ed25519 private key.
    """
    key_file = instance_path / KEY_FILENAME
    existing = _read_key_file(key_file)
    if existing is not None:
        return existing
    instance_path.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    draft = instance_path / f".{KEY_FILENAME}.{secrets.token_hex(8)}"
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(pem)
            stream.flush()
            os.fsync(stream.fileno())
        os.link(draft, key_file)
    except FileExistsError:
        winner = _read_key_file(key_file)
        if winner is None:  # the name existed a moment ago: someone deleted it since
            raise SigningKeyError(f"{key_file} disappeared while it was being read.") from None
        return winner
    finally:
        draft.unlink(missing_ok=True)
    log.warning(
        "Generated a new evidence signing key in %s: back it up, every pack is signed with it",
        key_file,
    )
    return key


def _read_key_file(key_file: Path) -> Ed25519PrivateKey | None:
    try:
        pem = key_file.read_bytes()
    except FileNotFoundError:
        return None
    if key_file.stat().st_mode & 0o077:
        log.warning("%s can be read by others than its owner: chmod 600 it", key_file)
    return _private_key_from_pem(pem, str(key_file))


def _private_key_from_pem(pem: bytes, source: str) -> Ed25519PrivateKey:
    fix = (
        f"Give the PEM text of an unencrypted Ed25519 private key (make one with "
        f"`openssl genpkey -algorithm ed25519`), or leave {ENVIRONMENT_VARIABLE} unset to use "
        f"the key file in the instance folder."
    )
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except TypeError:
        raise SigningKeyError(f"{source} holds a key protected by a password. {fix}") from None
    except (ValueError, UnsupportedAlgorithm):
        raise SigningKeyError(f"{source} does not hold a private key in PEM form. {fix}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(
            f"{source} holds a key of another kind ({_kind_of(key)}), not an Ed25519 one. {fix}"
        )
    return key


def _kind_of(key: object) -> str:
    return type(key).__name__.removesuffix("PrivateKey").removeprefix("_") or "different"


def public_key_pem(public_key: Ed25519PublicKey) -> str:
    """``public_key`` as the PEM text of its SubjectPublicKeyInfo, the form OpenSSL reads."""
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def public_key_from_pem(pem: bytes) -> Ed25519PublicKey:
    """The Ed25519 public key in ``pem``.

    :raises ValueError: when ``pem`` holds anything else (a private key included: give the public
        one).
    """
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, UnsupportedAlgorithm):
        raise ValueError("it is not a public key in PEM form") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("it is not an Ed25519 public key")
    return key


def fingerprint(public_key: Ed25519PublicKey) -> str:
    """A short form of ``public_key`` for people to compare by eye: the first 16 bytes of the
    SHA-256 of its 32 raw bytes, in hex, in groups of four (``1a2b 3c4d ...``).

    The same digits begin the output of ``openssl pkey -pubin -in key.pem -outform DER | tail -c
    32 | sha256sum``, so anyone can work it out from the published key with standard tools.
    """
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    digits = hashlib.sha256(raw).hexdigest()[: FINGERPRINT_BYTES * 2]
    return " ".join(digits[start : start + 4] for start in range(0, len(digits), 4))
