"""Evidence packs to download, for an organisation or one of its sites; and the platform's public
key at a well-known address, so that anyone given a pack can fetch the key to check it from the
site itself rather than from whoever sent the pack.

Registering this blueprint also checks the ``EVIDENCE_SIGNING_KEY`` setting, so that a key set
wrong stops the app at start-up rather than at the first pack.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from flask import Blueprint, Response, g
from flask.blueprints import BlueprintSetupState

from course.catalogue import services as catalogue
from course.core.access import public, signed_in_account
from course.core.downloads import private_download
from course.evidence.contents import Scope, pack_filename, write_contents
from course.evidence.keys import (
    KEY_SETTING,
    configured_signing_key,
    public_key_pem,
    signing_key,
)
from course.evidence.pack import PackFile, pack_chunks
from course.extensions import limiter
from course.organisations.access import manager_of_org, manager_of_site

bp = Blueprint("evidence", __name__)

#: The key changes only when an operator rotates it; a day keeps fetches cheap and a new key
#: seen by the next day.
ONE_DAY_SECONDS = 24 * 60 * 60


@bp.record_once
def _check_the_configured_key(state: BlueprintSetupState) -> None:
    """Raise :class:`course.evidence.keys.SigningKeyError`, naming the setting, when
    ``EVIDENCE_SIGNING_KEY`` is set to anything but an Ed25519 private key."""
    configured_signing_key(state.app.config.get(KEY_SETTING))


@bp.get("/.well-known/ct-citizen-evidence-key.pem")
@public
def public_key() -> Response:
    """The public half of the key that signs evidence packs, as PEM text (what ``openssl pkeyutl
    -verify -pubin -inkey`` reads)."""
    key = signing_key().public_key()
    response = Response(public_key_pem(key), mimetype="text/plain")
    response.headers.set("Content-Disposition", "inline", filename="ct-citizen-evidence-key.pem")
    response.cache_control.public = True
    response.cache_control.max_age = ONE_DAY_SECONDS
    return response


#: Evidence packs an account may download: each is built afresh, a few seconds for thousands.
PACK_LIMIT = "10 per hour"


@bp.get("/orgs/<int:organisation_id>/evidence.zip")
@manager_of_org
@limiter.limit(PACK_LIMIT, key_func=signed_in_account)
def organisation_pack(organisation_id: int) -> Response:
    """The organisation's evidence pack: report, CSV and JSON, signed."""
    return _pack_download(Scope(g.organisation))


@bp.get("/orgs/<int:organisation_id>/sites/<int:site_id>/evidence.zip")
@manager_of_site
@limiter.limit(PACK_LIMIT, key_func=signed_in_account)
def site_pack(organisation_id: int, site_id: int) -> Response:
    """One site's evidence pack, for its managers and the organisation's."""
    return _pack_download(Scope(g.organisation, g.site))


def _pack_download(scope: Scope) -> Response:
    """Build the pack's files in a temporary folder, then stream the signed pack from them; the
    folder goes when the last chunk is sent, or when the response is closed before."""
    folder = Path(tempfile.mkdtemp(prefix="evidence-"))
    try:
        files = write_contents(scope, catalogue.the_course(), folder)
        chunks = pack_chunks([PackFile(path.name, path) for path in files])
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise

    def streamed() -> Iterator[bytes]:
        try:
            yield from chunks
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    response = private_download(streamed(), "application/zip", pack_filename(scope))
    response.call_on_close(lambda: shutil.rmtree(folder, ignore_errors=True))
    return response
