"""The app served as in production, for the benchmarks that load it over HTTP.

What :mod:`bench.concurrency` and :mod:`bench.soak` share: a database migrated as ``bin/serve``
does, holding the real course and many learners; a throwaway PostgreSQL 15 cluster; gunicorn
started from the production ``gunicorn.conf.py`` with its log kept in a file; and a small HTTP
client that behaves like one visitor's browser behind the load balancer (keep-alive, cookies, the
form's CSRF token, ``X-Forwarded-For`` and ``X-Forwarded-Proto: https``).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from bench.http_server import GUNICORN, free_port

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "plum kettle orbit saddle"  # noqa: S105 (throwaway benchmark accounts)
PUBLIC_URL = "https://ct-citizen.example"
POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")
#: A keep-alive connection idle for longer than this is replaced before use: gunicorn closes idle
#: connections after ``keepalive`` (5 s), and a request racing that close could be lost.
IDLE_RECONNECT_SECONDS = 3.0
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def production_settings(database_url: str) -> dict[str, Any]:
    """The settings a production host runs with (docs/deployment.md), as app overrides.

    Behind one trusted proxy, over HTTPS, JSON logs. Rate limits stay on with the default
    per-worker storage; the benchmark clients give each learner its own address, as real
    learners behind a load balancer have.
    """
    return {
        "SECRET_KEY": "bench-secret-key-for-throwaway-databases",
        "DATABASE_URL": database_url,
        "HTTPS_ONLY": True,
        "TRUSTED_PROXIES": 1,
        "BASE_URL": PUBLIC_URL,
        "LOG_FORMAT": "json",
    }


def environment_for(settings: dict[str, Any]) -> dict[str, str]:
    """The same settings as ``COURSE_*`` variables, for gunicorn's workers."""
    return {
        f"COURSE_{name}": value if isinstance(value, str) else json.dumps(value)
        for name, value in settings.items()
    }


@dataclass(frozen=True)
class Learner:
    id: int
    email: str
    name: str

    @property
    def address(self) -> str:
        """A client address of its own, so per-address rate limits count each learner apart."""
        return f"10.{self.id >> 16 & 255}.{self.id >> 8 & 255}.{self.id & 255}"


@dataclass(frozen=True)
class CourseOutline:
    """The required modules, each with its lessons' slugs, in course order."""

    modules: list[tuple[str, list[str]]]


def build_database(folder: Path, database_url: str, learners: int) -> tuple[Any, list[Learner]]:
    """Migrate the database, import the real course, and add ``learners`` confirmed learners who
    all have :data:`PASSWORD` (hashed once: argon2 is slow on purpose)."""
    from flask_migrate import upgrade

    from course import create_app
    from course.accounts.models import User
    from course.accounts.passwords import hash_password
    from course.catalogue.bundle import read_bundle
    from course.catalogue.services import import_course
    from course.config import PROJECT_ROOT
    from course.core.database import utcnow
    from course.extensions import db

    app = create_app(production_settings(database_url), instance_path=str(folder / "instance"))
    with app.app_context():
        upgrade()
        import_course(read_bundle(PROJECT_ROOT / "modules"))
        db.session.commit()
        password_hash = hash_password(PASSWORD)
        now = utcnow()
        users = [
            User(
                email=f"learner{number}@example.org",
                name=f"Learner {number}",
                password_hash=password_hash,
                email_verified_at=now,
            )
            for number in range(1, learners + 1)
        ]
        db.session.add_all(users)
        db.session.commit()
        made = [Learner(user.id, user.email, user.name) for user in users]
    return app, made


def course_outline(app: Any) -> CourseOutline:
    from course.catalogue.services import the_course

    with app.app_context():
        course = the_course()
        assert course is not None
        return CourseOutline(
            [
                (module.slug, [lesson.slug for lesson in module.current_version.lessons])
                for module in course.required_modules
            ]
        )


@contextmanager
def postgres_cluster() -> Iterator[str]:
    """A throwaway PostgreSQL 15 cluster, as ``.ci/run`` starts one; yields its database URL.

    Run as root, the server runs as the ``postgres`` user (``runuser``); it is stopped and its
    folder deleted whatever happens.

    :raises RuntimeError: when the cluster cannot be created or started, saying why.
    """
    if not (POSTGRES_BIN / "initdb").exists():
        raise RuntimeError(f"PostgreSQL 15 is not installed ({POSTGRES_BIN} has no initdb)")
    folder = Path(tempfile.mkdtemp(prefix="ct-bench-postgres-"))
    as_root = os.geteuid() == 0
    if as_root:
        shutil.chown(folder, "postgres")
    port = free_port()
    data = folder / "data"

    def as_owner(*command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
        finished = subprocess.run(  # noqa: S603
            [*prefix, *command], capture_output=True, text=True, timeout=120
        )
        if finished.returncode != 0:
            log = folder / "server.log"
            raise RuntimeError(
                f"{Path(command[0]).name} failed: {finished.stderr.strip() or finished.stdout}"
                + (f"\n{log.read_text()[-2000:]}" if log.exists() else "")
            )

    started = False
    try:
        as_owner(str(POSTGRES_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust")
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        as_owner(
            str(POSTGRES_BIN / "pg_ctl"),
            *("-D", str(data), "-l", str(folder / "server.log"), "-w", "-o", options, "start"),
        )
        started = True
        as_owner(
            str(POSTGRES_BIN / "createdb"),
            *("-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "course_bench"),
        )
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/course_bench"
    finally:
        if started:
            try:
                as_owner(str(POSTGRES_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
            except RuntimeError:
                pass
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Server:
    """A running gunicorn: its address, its master process, and the file its log goes to."""

    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_entries(self) -> list[dict[str, Any]]:
        """Every line of the log, as the JSON object it is (or ``{"raw": line}`` if it is not)."""
        entries = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                entry = {"raw": line}
            entries.append(entry if isinstance(entry, dict) else {"raw": line})
        return entries


@dataclass(frozen=True)
class LogSummary:
    errors: list[str]
    server_errors: int
    requests: int
    recycles: int


def summarise_log(server: Server) -> LogSummary:
    """Errors (ERROR or CRITICAL records, tracebacks, anything not JSON), request lines that
    answered 5xx, request lines in all, and workers replaced after ``max_requests``. Lines that
    are not JSON and follow one another (a traceback printed by Python itself) are one error,
    kept whole, so a report shows what failed and where."""
    errors: list[str] = []
    server_errors, requests, recycles = 0, 0, 0
    raw_lines: list[str] = []  # a traceback printed outside the logger: one record, kept whole
    for entry in [*server.log_entries(), {}]:
        if "raw" in entry:
            if entry["raw"].strip():
                raw_lines.append(entry["raw"].strip())
            continue
        if raw_lines:
            errors.append(" | ".join(raw_lines))
            raw_lines = []
        if entry.get("level") in ("ERROR", "CRITICAL"):
            errors.append(f"{entry.get('logger')}: {entry.get('message')}")
        if "exception" in entry:
            errors.append(entry["exception"].splitlines()[-1])
        if entry.get("logger") == "course.requests":
            requests += 1
            if int(entry.get("status", 0)) >= 500:
                server_errors += 1
        if "Autorestarting worker" in str(entry.get("message", "")):
            recycles += 1
    return LogSummary(errors, server_errors, requests, recycles)


@contextmanager
def served(settings: dict[str, Any], folder: Path, options: list[str]) -> Iterator[Server]:
    """Run the app under gunicorn with the production ``gunicorn.conf.py``; ``options`` are
    extra command-line options, which override it (``--workers 4``). Waits for ``/healthz``."""
    port = free_port()
    log_path = folder / f"gunicorn-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603
            [
                str(GUNICORN),
                *("--config", str(ROOT / "gunicorn.conf.py")),
                *("--bind", f"127.0.0.1:{port}"),
                *options,
            ],
            cwd=ROOT,
            env={**os.environ, **environment_for(settings)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log_path)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if Browser(server.base_url, "10.255.255.254").get("/healthz").status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"gunicorn did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.3)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def worker_pids(master: int) -> list[int]:
    """The gunicorn master's worker processes: those whose parent it is, from /proc."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == master:
            children.append(int(stat.parent.name))
    return sorted(children)


def rss_megabytes(pid: int) -> float | None:
    """Resident memory of a process in MB (VmRSS), or ``None`` if it has gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def location(self) -> str:
        """The path a redirect points to."""
        return urlsplit(self.headers.get("Location", "")).path

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


@dataclass
class Browser:
    """One visitor: a keep-alive connection, cookies, and the last CSRF token seen, arriving as
    the load balancer would forward it (the visitor's address, HTTPS)."""

    base_url: str
    address: str
    cookies: dict[str, str] = field(default_factory=dict)
    csrf_token: str | None = None
    #: Requests sent again because the server had closed the kept-alive connection (idle
    #: timeout, worker recycled)...
    reconnects: int = 0
    #: ...or GETs sent again because it closed a new connection without answering (a worker
    #: exiting after ``max_requests`` drops connections it had accepted but not yet served).
    dropped: int = 0
    _connection: http.client.HTTPConnection | None = None
    _last_used: float = 0.0

    def twin(self) -> Browser:
        """Another connection with the same session: a second tab, or a double click."""
        return Browser(self.base_url, self.address, dict(self.cookies), self.csrf_token)

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, form: dict[str, Any] | list[tuple[str, str]] | None = None) -> Reply:
        """POST a form with the CSRF token of the last page read."""
        fields = list(form.items()) if isinstance(form, dict) else list(form or [])
        if self.csrf_token:
            fields.append(("csrf_token", self.csrf_token))
        return self.request("POST", path, urlencode(fields).encode())

    def request(self, method: str, path: str, body: bytes | None = None) -> Reply:
        headers = {
            "X-Forwarded-For": self.address,
            "X-Forwarded-Proto": "https",
            "Accept": "text/html",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            # Over HTTPS, Flask-WTF also wants the form to come from a page of this site.
            headers["Referer"] = f"https://{urlsplit(self.base_url).netloc}{path}"
        if time.monotonic() - self._last_used > IDLE_RECONNECT_SECONDS:
            self.close()
        reused = self._connection is not None
        try:
            reply = self._send(method, path, body, headers)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # Closed without a byte of answer. As browsers do, the request is sent once more on
            # a new connection if the closed one had been kept alive (the server closed it while
            # idle, or its worker was recycled, before reading the request); on a new connection
            # only a GET is, since it is safe whatever the server did.
            self.close()
            if not reused and method != "GET":
                raise ConnectionError(f"{method} {path} on a new connection: no answer") from None
            if reused:
                self.reconnects += 1
            else:
                self.dropped += 1
            reply = self._send(method, path, body, headers)
        self._remember_cookies(reply)
        if b'name="csrf_token"' in reply.body:
            match = _CSRF.search(reply.text)
            if match:
                self.csrf_token = match.group(1)
        return reply

    def _send(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> Reply:
        if self._connection is None:
            split = urlsplit(self.base_url)
            self._connection = http.client.HTTPConnection(split.hostname, split.port, timeout=120)
        self._connection.request(method, path, body=body, headers=headers)
        response = self._connection.getresponse()
        reply = Reply(response.status, response.headers, response.read())
        if response.will_close:
            self.close()
        self._last_used = time.monotonic()
        return reply

    def _remember_cookies(self, reply: Reply) -> None:
        for header in reply.headers.get_all("Set-Cookie") or []:
            pair, _, attributes = header.partition(";")
            name, _, value = pair.strip().partition("=")
            gone = "max-age=0" in attributes.lower() or "1970" in attributes
            if gone or not value.strip('"'):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    def sign_in(self, email: str, then: str) -> Reply:
        """Sign in through the form, then read the page ``then``: signing in starts a new
        session, whose forms need a new CSRF token."""
        self.get("/login")
        reply = self.post("/login", {"email": email, "password": PASSWORD})
        if reply.status != 302:
            raise RuntimeError(f"signing in answered {reply.status}")
        self.csrf_token = None
        page = self.get(then)
        if page.status != 200 or self.csrf_token is None:
            raise RuntimeError(f"{then} answered {page.status} after signing in, with no form")
        return page

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
