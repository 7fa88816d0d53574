"""Soak benchmark: gunicorn with the production settings under a steady load for minutes, watching
every worker's memory. Run with ``python -m bench.soak [seconds] [requests_per_second]
[leak_seconds]`` (defaults 600, 100 and 120).

Gunicorn runs the production ``gunicorn.conf.py`` (on two cores: 5 workers of 4 threads), except
that each worker is replaced after about 1,000 requests (jitter 100) rather than production's
10,000, so that ten minutes see several generations of workers; on a SQLite database
with the real course and learners who hold certificates. The load is a mix a signed-in learner
and the public make: a lesson page, the course overview, the learner's certificate PDF, and a
certificate's public verification page.

The load is paced, not as fast as possible (wrk would measure the most the server can take; a
soak wants a steady, known rate): requests are numbered and request *n* is due at
``start + n / rate``. A pool of threads, each with its own keep-alive connection and signed-in
session, takes the next number, sleeps until it is due and sends it; if every thread is busy the
request goes out late, which is counted, so a server that cannot keep up shows as a lower achieved
rate rather than a quietly lower load. When the server closes a connection without answering (an
idle kept-alive one, or one a recycled worker had accepted), the GET is sent again on a new
connection, as browsers do; those are counted apart, not as errors.

Every few seconds the resident size (VmRSS, from /proc) of each worker of the gunicorn master is
sampled. Workers are grouped in generations: the first five, then each replacement is one
generation after the worker it replaced. A second, shorter run with ``--max-requests 0`` (no
recycling) shows whether memory grows with the requests served.
"""

from __future__ import annotations

import itertools
import random
import runpy
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.production_server import (
    PUBLIC_URL,
    ROOT,
    Browser,
    Learner,
    build_database,
    production_settings,
    rss_megabytes,
    served,
    summarise_log,
    worker_pids,
)

LEARNERS = 16
#: Worker recycling during the soak: more often than production's, to show it at work.
SOAK_MAX_REQUESTS = 1000
SOAK_MAX_REQUESTS_JITTER = 100
#: The rate when no load benchmark measured one (``make bench`` soaks at half the measured rate).
DEFAULT_REQUESTS_PER_SECOND = 100.0
CONNECTIONS = 32
SAMPLE_SECONDS = 3
#: Shares of the load, by kind of request.
MIX = {"lesson": 35, "overview": 25, "certificate PDF": 15, "verification": 25}
#: Public verification is limited per client address (30 a minute); the load comes through the
#: pretend load balancer from this many visitors' addresses, as it would in production.
VISITOR_ADDRESSES = 2000
#: A request sent this much after it was due counts as late.
LATE_SECONDS = 0.25
#: The leak run ignores the first part of its samples: caches and lazy imports filling up.
WARM_UP_SHARE = 0.25


@dataclass
class Site:
    """What the load needs: the learners' certificates and every lesson's address."""

    learners: list[Learner]
    codes: dict[int, str]
    lessons: list[str]


def build_site(folder: Path, database_url: str) -> tuple[Any, Site]:
    """The production database with :data:`LEARNERS` learners who finished the course through
    the real services and hold a certificate each (PDF rendered and stored)."""
    from course.accounts.models import User
    from course.catalogue.services import the_course
    from course.certificates import services as certificates
    from course.extensions import db
    from tests.fixtures.learning import complete_course

    app, learners = build_database(folder, database_url, LEARNERS)
    codes: dict[int, str] = {}
    with app.test_request_context(base_url=PUBLIC_URL):
        course = the_course()
        assert course is not None
        for learner in learners:
            user = db.session.get(User, learner.id)
            assert user is not None
            complete_course(user, course)
            certificate = certificates.issue_certificate(user, course, learner.name)
            certificates.commit_and_store_pdf(certificate)
            codes[learner.id] = certificate.code
        lessons = [
            f"/modules/{module.slug}/{lesson.slug}"
            for module in course.listed_modules
            for lesson in module.current_version.lessons
        ]
    return app, Site(learners, codes, lessons)


@dataclass
class Tally:
    """What the load generator saw, shared by its threads."""

    sent: int = 0
    late: int = 0
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    durations: list[float] = field(default_factory=list)
    reconnects: int = 0
    dropped: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Sample:
    at: float
    requests: int
    rss: dict[int, float]


def sign_in_browsers(base_url: str, site: Site) -> list[tuple[Learner, Browser, Browser]]:
    """One signed-in learner and one anonymous visitor per connection. The sessions stay valid
    for the next server on the same database, so the leak run reuses them."""
    browsers = []
    for index in range(CONNECTIONS):
        learner = site.learners[index % len(site.learners)]
        browser = Browser(base_url, learner.address)
        browser.sign_in(learner.email, then=site.lessons[0])
        browsers.append((learner, browser, Browser(base_url, "")))
    return browsers


def _load(
    server: Any,
    site: Site,
    browsers: list[tuple[Learner, Browser, Browser]],
    seconds: float,
    rate: float,
) -> tuple[Tally, list[Sample], float]:
    """Send ``rate`` requests a second for ``seconds`` while sampling every worker's memory;
    what the client saw, the samples, and the time it took."""
    tally, samples = Tally(), []
    kinds = list(itertools.chain.from_iterable([kind] * share for kind, share in MIX.items()))
    numbers = itertools.count()
    addresses = itertools.cycle(
        f"172.{16 + n // 65536}.{n // 256 % 256}.{n % 256}" for n in range(VISITOR_ADDRESSES)
    )
    for _, browser, visitor in browsers:
        for one in (browser, visitor):
            one.close()
            one.base_url = server.base_url
    start = time.monotonic() + 0.5
    end = start + seconds

    def send(learner: Learner, browser: Browser, visitor: Browser) -> None:
        rng = random.Random(learner.id)
        while True:
            with tally.lock:
                number = next(numbers)
                address = next(addresses)
            due = start + number / rate
            if due >= end:
                return
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            elif -delay > LATE_SECONDS:
                with tally.lock:
                    tally.late += 1
            kind = kinds[number % len(kinds)]
            sent = time.monotonic()
            try:
                if kind == "lesson":
                    reply = browser.get(rng.choice(site.lessons))
                elif kind == "overview":
                    reply = browser.get("/")
                elif kind == "certificate PDF":
                    reply = browser.get(f"/certificates/{site.codes[learner.id]}.pdf")
                else:
                    visitor.address, visitor.cookies = address, {}
                    code = site.codes[rng.choice(site.learners).id]
                    reply = visitor.get(f"/verify/{code}")
                status = reply.status
                if status == 200 and kind == "certificate PDF" and reply.body[:5] != b"%PDF-":
                    status = 0
            except OSError as failure:
                status = 0
                with tally.lock:
                    tally.errors.append(f"{kind}: {type(failure).__name__}: {failure}")
            with tally.lock:
                tally.sent += 1
                tally.statuses[(kind, status)] += 1
                tally.durations.append(time.monotonic() - sent)
                if status not in (0, 200):
                    tally.errors.append(f"{kind} answered {status}")

    reconnects_before = sum(b.reconnects + v.reconnects for _, b, v in browsers)
    dropped_before = sum(b.dropped + v.dropped for _, b, v in browsers)
    threads = [threading.Thread(target=send, args=trio, daemon=True) for trio in browsers]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        rss = {}
        for pid in worker_pids(server.process.pid):
            megabytes = rss_megabytes(pid)
            if megabytes is not None:
                rss[pid] = megabytes
        samples.append(Sample(time.monotonic() - start, tally.sent, rss))
        for thread in threads:
            thread.join(timeout=SAMPLE_SECONDS / len(threads))
    tally.reconnects = sum(b.reconnects + v.reconnects for _, b, v in browsers) - reconnects_before
    tally.dropped = sum(b.dropped + v.dropped for _, b, v in browsers) - dropped_before
    return tally, samples, time.monotonic() - start


@dataclass
class Generation:
    number: int
    workers: int
    start: list[float]
    peak: float
    end: list[float]


def generations(samples: list[Sample]) -> tuple[list[Generation], dict[int, int]]:
    """Group the workers seen into generations: those of the first sample are generation 1, and
    a worker that appears when another has gone is one generation after the one it replaced."""
    generation_of: dict[int, int] = {}
    departed: list[int] = []
    previous: set[int] = set()
    for sample in samples:
        current = set(sample.rss)
        departed = sorted(departed + [generation_of[pid] for pid in previous - current])
        for pid in sorted(current - previous):
            generation_of[pid] = departed.pop(0) + 1 if departed else 1
        previous = current
    history: dict[int, list[float]] = {}
    for sample in samples:
        for pid, megabytes in sample.rss.items():
            history.setdefault(pid, []).append(megabytes)
    found = []
    for number in sorted(set(generation_of.values())):
        pids = [pid for pid, generation in generation_of.items() if generation == number]
        found.append(
            Generation(
                number,
                len(pids),
                [history[pid][0] for pid in pids],
                max(max(history[pid]) for pid in pids),
                [history[pid][-1] for pid in pids],
            )
        )
    return found, generation_of


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def _load_summary(tally: Tally, elapsed: float, rate: float) -> list[str]:
    durations = sorted(tally.durations)
    p50 = durations[len(durations) // 2] * 1000 if durations else 0
    p99 = durations[int(len(durations) * 0.99)] * 1000 if durations else 0
    by_kind = Counter()
    for (kind, _status), n in tally.statuses.items():
        by_kind[kind] += n
    mix = ", ".join(f"{kind} {n:,}" for kind, n in by_kind.items())
    return [
        f"Requests: {tally.sent:,} in {elapsed:.0f} s ({tally.sent / elapsed:.1f} a second, asked "
        f"for {rate:g}); {tally.late:,} sent more than {LATE_SECONDS * 1000:.0f} ms late; "
        f"response time p50 {p50:.0f} ms, p99 {p99:.0f} ms. Mix: {mix}. GETs sent again because "
        f"the server had closed the connection without answering: {tally.reconnects} on kept-alive "
        f"connections, {tally.dropped} on new ones.",
    ]


def _errors_line(tally: Tally, log: Any) -> str:
    shown = "; ".join(list(dict.fromkeys(tally.errors + log.errors))[:5])  # first seen first
    count = len(tally.errors) + len(log.errors)
    return (
        f"Errors: {len(tally.errors)} in the client (non-200 answers or failed requests), "
        f"{log.server_errors} 5xx and {len(log.errors)} error records in the server log"
        + (f": {shown}" if count else " (must be 0).")
    )


def _recycling_run(
    server: Any, site: Site, browsers: list[Any], seconds: int, rate: float
) -> list[str]:
    tally, samples, elapsed = _load(server, site, browsers, seconds, rate)
    log = summarise_log(server)
    found, generation_of = generations(samples)
    initial = found[0].workers if found else 0
    lines = [
        f"### With recycling: {seconds} s at {rate:g} requests a second, production settings",
        "",
        *_load_summary(tally, elapsed, rate),
        "",
        f"Workers recycled: {log.recycles} (gunicorn's 'Autorestarting worker' lines); "
        f"{len(generation_of) - initial} replacement workers seen by the memory sampler.",
        "",
        "| Generation | Workers | RSS at start (median) | RSS max | RSS at end (median) |",
        "|---|---|---|---|---|",
        *(
            f"| {g.number} | {g.workers} | {_median(g.start):.0f} MB | {g.peak:.0f} MB | "
            f"{_median(g.end):.0f} MB |"
            for g in found
        ),
        "",
    ]
    third = elapsed / 3
    early = [mb for s in samples if s.at <= third for mb in s.rss.values()]
    late = [mb for s in samples if s.at >= 2 * third for mb in s.rss.values()]
    if early and late:
        bounded = max(late) <= max(early) * 1.10 + 5
        lines.append(
            f"Largest worker in the first third of the run {max(early):.0f} MB, in the last third "
            f"{max(late):.0f} MB: RSS is {'bounded' if bounded else 'NOT bounded'} "
            "(the last third's peak within 10% + 5 MB of the first third's)."
        )
        lines.append("")
    lines += [_errors_line(tally, log), ""]
    return lines


def _leak_run(server: Any, site: Site, browsers: list[Any], seconds: int, rate: float) -> list[str]:
    tally, samples, elapsed = _load(server, site, browsers, seconds, rate)
    log = summarise_log(server)
    steady = [s for s in samples if s.at >= elapsed * WARM_UP_SHARE and s.rss]
    lines = [
        f"### Without recycling (`--max-requests 0`): {seconds} s at {rate:g} requests a second",
        "",
        *_load_summary(tally, elapsed, rate),
        "",
    ]
    if len(steady) >= 3:
        xs = [s.requests / 1000 for s in steady]
        ys = [sum(s.rss.values()) for s in steady]
        slope = statistics.linear_regression(xs, ys).slope
        first, last = steady[0], steady[-1]
        per_worker = {pid: last.rss[pid] - first.rss[pid] for pid in last.rss if pid in first.rss}
        lines += [
            "| Worker | RSS after warm-up | RSS at end | Growth |",
            "|---|---|---|---|",
            *(
                f"| {n} | {first.rss[pid]:.0f} MB | {last.rss[pid]:.0f} MB | {growth:+.1f} MB |"
                for n, (pid, growth) in enumerate(sorted(per_worker.items()), start=1)
            ),
            "",
            f"All workers together, after the first {WARM_UP_SHARE:.0%} of the run: "
            f"{ys[-1] - ys[0]:+.1f} MB over {last.requests - first.requests:,} requests; "
            f"least-squares growth {slope:+.2f} MB per 1,000 requests "
            f"({slope / max(1, len(last.rss)):+.2f} MB per 1,000 per worker, counting the "
            "requests of all workers).",
            "",
        ]
    lines += [_errors_line(tally, log), ""]
    return lines


def run(
    seconds: int = 600,
    requests_per_second: float = DEFAULT_REQUESTS_PER_SECOND,
    leak_seconds: int = 120,
) -> str:
    """Soak the production setup for ``seconds``, then run ``leak_seconds`` without worker
    recycling; return the results as Markdown."""
    folder = Path(tempfile.mkdtemp(prefix="ct-bench-soak-"))
    database_url = f"sqlite:///{folder / 'course.sqlite3'}"
    _app, site = build_site(folder, database_url)
    settings = production_settings(database_url)
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    lines = [
        "## Soak: memory of gunicorn's workers under a steady load",
        "",
        f"Gunicorn with the production `gunicorn.conf.py` (on this machine: {conf['workers']} "
        f"workers of {conf['threads']} threads) and production settings, on SQLite, except that "
        f"workers are recycled after {SOAK_MAX_REQUESTS:,} requests (jitter "
        f"{SOAK_MAX_REQUESTS_JITTER}) instead of the production {conf['max_requests']:,}, so "
        "that ten minutes see several generations of workers. The load "
        f"is paced, from {CONNECTIONS} keep-alive connections of signed-in learners: "
        + ", ".join(f"{share}% {kind}" for kind, share in MIX.items())
        + " (public, from many visitors' addresses). Worker memory (VmRSS) is sampled every "
        f"{SAMPLE_SECONDS} s.",
        "",
    ]
    recycling = ["--max-requests", str(SOAK_MAX_REQUESTS)]
    recycling += ["--max-requests-jitter", str(SOAK_MAX_REQUESTS_JITTER)]
    with served(settings, folder, recycling) as server:
        browsers = sign_in_browsers(server.base_url, site)
        lines += _recycling_run(server, site, browsers, seconds, requests_per_second)
    with served(settings, folder, ["--max-requests", "0"]) as server:
        lines += _leak_run(server, site, browsers, leak_seconds, requests_per_second)
    return "\n".join(lines)


if __name__ == "__main__":
    arguments = [float(argument) for argument in sys.argv[1:4]]
    print(
        run(
            int(arguments[0]) if arguments else 600,
            arguments[1] if len(arguments) > 1 else DEFAULT_REQUESTS_PER_SECOND,
            int(arguments[2]) if len(arguments) > 2 else 120,
        )
    )
