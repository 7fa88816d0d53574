"""A bare Flask app that answers with bytes captured from CT Citizen: the yardstick for the load
benchmark (bench/load.py).

The manifest (a JSON file; ``BENCH_PAGES`` names it for gunicorn) maps each GET path to a body file
and its content type, and ``"POST"`` to the redirect every form post answers with. The bare app
does what any Flask app must (routing, reading the form of a post, building the response) and
nothing else, so the ratio between the two shows what the course's own work costs.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from flask import Flask, Response, abort, redirect, request


def create_bare_app(manifest: Path | None = None) -> Flask:
    """The bare app for ``manifest`` (by default the file ``BENCH_PAGES`` names)."""
    pages: dict[str, dict[str, str]] = json.loads(
        Path(manifest or os.environ["BENCH_PAGES"]).read_text()
    )
    bodies = {
        path: Path(page["file"]).read_bytes() for path, page in pages.items() if "file" in page
    }
    app = Flask("bare")

    @app.route("/<path:path>", methods=["GET", "POST"])
    @app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
    def captured(path: str) -> Response:
        if request.method == "POST":
            request.form.get("csrf_token")  # parse the body, as any form view would
            return redirect(pages["POST"]["location"])
        page = pages.get("/" + path) or abort(404)
        return Response(bodies["/" + path], content_type=page["content_type"])

    return app
