"""A bare Flask app that answers with bytes captured from CT Citizen: the yardstick for the load
benchmark (bench/load.py).

``BENCH_PAGES`` names a JSON file mapping each GET path to a body file and its content type, and
``"POST"`` to the redirect every form post answers with. The bare app does what any Flask app must
(routing, reading the form of a post, building the response) and nothing else, so the ratio
between the two shows what the course's own work costs.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from flask import Flask, Response, abort, redirect, request

PAGES: dict[str, dict[str, str]] = json.loads(
    Path(os.environ.get("BENCH_PAGES", "")).read_text() if os.environ.get("BENCH_PAGES") else "{}"
)
BODIES = {path: Path(page["file"]).read_bytes() for path, page in PAGES.items() if "file" in page}
app = Flask("bare")


@app.route("/<path:path>", methods=["GET", "POST"])
@app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
def captured(path: str) -> Response:
    if request.method == "POST":
        request.form.get("csrf_token")  # parse the body, as any form view would
        return redirect(PAGES["POST"]["location"])
    page = PAGES.get("/" + path) or abort(404)
    return Response(BODIES["/" + path], content_type=page["content_type"])
