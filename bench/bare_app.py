"""A bare Flask app that serves one file's bytes, the yardstick for stored-PDF downloads, and a
health check, the yardstick for the app's own cost per request.

``BENCH_FILE`` names the file; the response matches ours: a PDF attachment with a filename.
"""

from __future__ import annotations

import os
from io import BytesIO
from pathlib import Path

from flask import Flask, Response, send_file

CONTENT = Path(os.environ.get("BENCH_FILE", os.devnull)).read_bytes()
app = Flask("bare")


@app.get("/file.pdf")
def bare_file() -> Response:
    return send_file(
        BytesIO(CONTENT),
        mimetype="application/pdf",
        as_attachment=True,
        download_name="certificate.pdf",
    )


@app.get("/healthz")
def bare_health() -> dict[str, str]:
    return {"status": "ok"}
