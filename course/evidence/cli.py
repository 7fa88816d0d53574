"""``flask --app course evidence ...``: checking evidence packs; showing the key that signs them."""

from __future__ import annotations

from pathlib import Path

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask.cli import AppGroup
from flask_babel import gettext as _

from course.evidence.keys import (
    fingerprint,
    public_key_from_pem,
    public_key_pem,
    signing_key,
    signing_key_location,
)
from course.evidence.pack import verify_pack

evidence_cli = AppGroup("evidence", help="Evidence packs: check one, show the signing key.")


@evidence_cli.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--public-key",
    "public_key_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A PEM file of the public key to check against (by default this platform's own).",
)
def verify_command(file: Path, public_key_file: Path | None) -> None:
    """Check the evidence pack FILE: its signature, every file in it, and that not one byte of
    the ZIP was changed. Prints "Valid" and the files, and exits 0; or prints each problem and
    exits 1.
    """
    key = _public_key(public_key_file)
    verdict = verify_pack(file, key)
    if verdict.ok:
        click.echo(
            _(
                "Valid: signed by CT Citizen key %(fingerprint)s; files: %(files)s",
                fingerprint=fingerprint(key),
                files=", ".join(verdict.files),
            )
        )
        return
    click.echo(_("Not valid: %(file)s", file=click.format_filename(file)))
    for problem in verdict.problems:
        click.echo(f"- {problem}")
    raise SystemExit(1)


@evidence_cli.command("public-key")
def public_key_command() -> None:
    """Print this platform's public key, as PEM text, and its fingerprint (on standard error, so
    that `public-key > key.pem` writes the key alone). Makes the key if there is none yet."""
    key = signing_key().public_key()
    click.echo(public_key_pem(key), nl=False)
    click.echo(
        _(
            "Fingerprint: %(fingerprint)s (key from %(location)s)",
            fingerprint=fingerprint(key),
            location=signing_key_location(),
        ),
        err=True,
    )


def _public_key(public_key_file: Path | None) -> Ed25519PublicKey:
    if public_key_file is None:
        return signing_key().public_key()
    try:
        return public_key_from_pem(public_key_file.read_bytes())
    except ValueError as error:
        raise click.BadParameter(
            _("%(file)s: %(reason)s.", file=public_key_file, reason=error),
            param_hint="--public-key",
        ) from None
