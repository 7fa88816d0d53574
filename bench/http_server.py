"""Measuring a WSGI app through a real HTTP server: gunicorn serves it, wrk loads it.

Both are optional for the rest of the benchmarks: :func:`available` says whether they are
installed (gunicorn comes with the project; wrk is Debian's ``wrk`` package).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

GUNICORN = Path(sys.executable).with_name("gunicorn")


def available() -> bool:
    return GUNICORN.exists() and shutil.which("wrk") is not None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(app_spec: str, environment: dict[str, str]) -> Iterator[str]:
    """Run ``app_spec`` under gunicorn (one sync worker) and yield its base URL.

    Gunicorn also reads the production ``gunicorn.conf.py`` from the working directory; the options
    here undo what would change the measurement (threads, worker recycling, a log line per request).
    """
    options = ["--workers", "1", "--threads", "1", "--max-requests", "0"]
    with gunicorn(app_spec, environment, options) as (base_url, _server):
        yield base_url


@contextmanager
def gunicorn(
    app_spec: str, environment: dict[str, str], options: list[str]
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Run ``app_spec`` under gunicorn with the production ``gunicorn.conf.py`` (read from the
    working directory) and ``options`` over it; yield its base URL and the master process."""
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [str(GUNICORN), *options, "--bind", f"127.0.0.1:{port}", app_spec],
        env={**os.environ, "COURSE_LOG_REQUESTS": "false", **environment},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(f"gunicorn did not start {app_spec}") from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}", server
    finally:
        server.terminate()
        server.wait(timeout=30)


def requests_per_second(url: str, *, seconds: int = 8, cookie: str | None = None) -> float:
    """wrk's throughput for ``url`` over four connections; fails on any non-2xx answer."""
    command = ["wrk", "--threads", "1", "--connections", "4", "--duration", f"{seconds}s"]
    if cookie:
        command += ["--header", f"Cookie: {cookie}"]
    output = subprocess.run(  # noqa: S603
        [*command, url], capture_output=True, text=True, check=True
    ).stdout
    if "Non-2xx" in output:
        raise RuntimeError(f"{url} answered with errors under load:\n{output}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if match is None:
        raise RuntimeError(f"could not read wrk's output:\n{output}")
    return float(match.group(1))
