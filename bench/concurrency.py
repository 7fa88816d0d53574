"""Concurrency benchmark: learners handing in quizzes and claiming certificates all at once,
through gunicorn, on SQLite and on PostgreSQL 15; then the database is checked for anything
recorded twice. Run with ``python -m bench.concurrency [seconds]`` (default 60 seconds each).

Gunicorn serves the app with the production ``gunicorn.conf.py`` and settings (HTTPS behind one
trusted proxy, worker recycling, JSON logs) and four workers. Eight client processes, each a
stream of learners, sign in through the form and take the whole course over HTTP: read every
lesson, start and hand in each required module's quiz (some fail on purpose first and try again),
then confirm their name to get the certificate. Deliberate duplicates:

- a double click: one learner's hand-in sent twice at the same moment over two connections;
- two processes at once: every third learner of a client is shared with its partner client, and
  both processes send the same hand-in, and the same certificate confirmation, at the same moment.

A client knows the right answers by reading the attempt's stored snapshot from the database, as
nothing in the page gives them away. Each client records every hand-in and certificate
confirmation the server acknowledged (a redirect to the result, or to the certificates page).
"""

from __future__ import annotations

import json
import multiprocessing
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from bench.production_server import (
    Browser,
    CourseOutline,
    Learner,
    Reply,
    build_database,
    course_outline,
    postgres_cluster,
    production_settings,
    served,
    summarise_log,
)

CLIENTS = 8
WORKERS = 4
#: More than a client can finish in the time, so none runs out.
LEARNERS_PER_CLIENT = 60
TWIN_LEARNERS_PER_PAIR = 30
#: Every third learner a client takes is shared with its partner client.
TWIN_EVERY = 3
#: A shared learner is only begun if this much time is left, so both partners finish it.
TWIN_MARGIN_SECONDS = 15
FAIL_FIRST_RATE = 0.3
DOUBLE_CLICK_RATE = 0.2
#: How long a client waits for its partner before giving up shared learners for the run.
MEETING_SECONDS = 30
START_DELAY_SECONDS = 8


class UnexpectedReply(Exception):
    pass


class PartnerGone(Exception):
    pass


class _CountingBrowser(Browser):
    """A browser that tallies every status it receives, for the client's report."""

    statuses: Counter[int]

    def request(self, method: str, path: str, body: bytes | None = None) -> Reply:
        reply = super().request(method, path, body)
        self.statuses[reply.status] += 1
        return reply

    def twin(self) -> Browser:
        second = _CountingBrowser(self.base_url, self.address, dict(self.cookies), self.csrf_token)
        second.statuses = self.statuses
        return second


def answer_fields(questions: list[dict[str, Any]], correct: bool) -> list[tuple[str, str]]:
    """The quiz form's fields answering every question of the snapshot rightly, or wrongly."""
    from course.catalogue.question_types import question_type
    from course.learning.services import question_field

    fields: list[tuple[str, str]] = []
    for number, question in enumerate(questions, start=1):
        kind = question_type(question["type"])
        answer = kind.correct_answer(question) if correct else kind.wrong_answer(question)
        fields += kind.answer_fields(question, answer, question_field(number))
    return fields


@dataclass
class _Client:
    """One client process: its learners, its partner, and what it saw."""

    number: int
    base_url: str
    database_url: str
    outline: CourseOutline
    solo: list[Learner]
    twins: list[Learner]
    meeting: Any
    shared_attempt: Any
    start_at: float
    end_at: float
    records: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: Requests the server reset without answering, which cannot safely be sent again.
    dropped: list[str] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    reconnects: int = 0
    learners_finished: int = 0
    partner_gone: bool = False

    def __post_init__(self) -> None:
        from sqlalchemy import create_engine

        self.rng = random.Random(self.number)
        self.engine = create_engine(self.database_url)
        self.is_leader = self.number % 2 == 0

    def run(self) -> None:
        solo, twins = iter(self.solo), iter(self.twins)
        taken = 0
        while time.time() < self.end_at:
            taken += 1
            shared = taken % TWIN_EVERY == 1 and not self.partner_gone
            try:
                if shared and self.end_at - time.time() > TWIN_MARGIN_SECONDS:
                    self._shared_learner(next(twins))
                else:
                    self._own_learner(next(solo))
            except PartnerGone:
                self.partner_gone = True
            except StopIteration:
                self.errors.append("ran out of learners")
                break
            except ConnectionError as problem:
                self.dropped.append(f"{type(problem).__name__}: {problem}")
            except (UnexpectedReply, OSError, RuntimeError) as problem:
                self.errors.append(f"{type(problem).__name__}: {problem}")

    def _browser(self, learner: Learner) -> Browser:
        browser = _CountingBrowser(self.base_url, learner.address)
        browser.statuses = self.statuses
        outline = self.outline.modules[0]
        browser.sign_in(learner.email, then=f"/modules/{outline[0]}/{outline[1][0]}")
        return browser

    def _own_learner(self, learner: Learner) -> None:
        browser = self._browser(learner)
        for slug, lessons in self.outline.modules:
            if time.time() >= self.end_at:
                return
            self._read(browser, slug, lessons[-1:])
            passed, first = False, True
            while not passed:
                correct = not (first and self.rng.random() < FAIL_FIRST_RATE)
                attempt_id = self._start(browser, slug)
                fields = answer_fields(self._snapshot(attempt_id), correct)
                if self.rng.random() < DOUBLE_CLICK_RATE:
                    second = browser.twin()
                    replies = _at_once(
                        partial(self._hand_in, browser, slug, attempt_id, fields),
                        partial(self._hand_in, second, slug, attempt_id, fields),
                    )
                    browser.reconnects += second.reconnects
                    second.close()
                    self._note_hand_ins(learner, attempt_id, replies, correct, "double click")
                else:
                    replies = [self._hand_in(browser, slug, attempt_id, fields)]
                    self._note_hand_ins(learner, attempt_id, replies, correct, "once")
                passed, first = correct, False
        self._claim(browser, learner, "once")
        self.learners_finished += 1
        self.reconnects += browser.reconnects
        browser.close()

    def _shared_learner(self, learner: Learner) -> None:
        """Both partners sign in as ``learner`` and read the last lesson of each module; the
        leader starts its quiz; then both hand in the same answers at the same moment. At the
        end both confirm the name at the same moment."""
        browser = self._browser(learner)
        for slug, lessons in self.outline.modules:
            self._read(browser, slug, lessons[-1:])  # both at once: two tabs
            if self.is_leader:
                self.shared_attempt.value = self._start(browser, slug)
            self._meet()
            attempt_id = int(self.shared_attempt.value)
            fields = answer_fields(self._snapshot(attempt_id), True)
            self._meet()
            reply = self._hand_in(browser, slug, attempt_id, fields)
            self._note_hand_ins(learner, attempt_id, [reply], True, "two processes")
            self._meet()  # the leader must not start the next quiz before both handed this in
        self._meet()
        self._claim(browser, learner, "two processes")
        if self.is_leader:
            self.learners_finished += 1
        self.reconnects += browser.reconnects
        browser.close()

    def _meet(self) -> None:
        from threading import BrokenBarrierError

        try:
            self.meeting.wait(timeout=MEETING_SECONDS)
        except BrokenBarrierError:
            raise PartnerGone from None

    def _read(self, browser: Browser, slug: str, lessons: list[str]) -> None:
        for lesson in lessons:
            _expect(browser.post(f"/modules/{slug}/{lesson}/read"), 302, "reading a lesson")

    def _start(self, browser: Browser, slug: str) -> int:
        reply = _expect(browser.post(f"/modules/{slug}/quiz/start"), 302, "starting a quiz")
        return int(reply.location.rstrip("/").rsplit("/", 1)[1])

    def _snapshot(self, attempt_id: int) -> list[dict[str, Any]]:
        from sqlalchemy import select

        from course.learning.models import QuizAttempt

        attempts = QuizAttempt.__table__
        with self.engine.connect() as connection:
            questions = connection.scalar(
                select(attempts.c.questions).where(attempts.c.id == attempt_id)
            )
        if not questions:
            raise UnexpectedReply(f"attempt {attempt_id} is not in the database")
        return list(questions)

    def _hand_in(
        self, browser: Browser, slug: str, attempt_id: int, fields: list[tuple[str, str]]
    ) -> tuple[int, bool]:
        reply = browser.post(f"/modules/{slug}/quiz/{attempt_id}", fields)
        acknowledged = (
            reply.status == 302 and reply.location == f"/modules/{slug}/quiz/{attempt_id}/result"
        )
        return reply.status, acknowledged

    def _note_hand_ins(
        self,
        learner: Learner,
        attempt_id: int,
        replies: list[tuple[int, bool]],
        correct: bool,
        how: str,
    ) -> None:
        for status, acknowledged in replies:
            self.records.append(
                {
                    "kind": "hand-in",
                    "user": learner.id,
                    "attempt": attempt_id,
                    "status": status,
                    "acknowledged": acknowledged,
                    "correct": correct,
                    "how": how,
                }
            )
            if not acknowledged:
                raise UnexpectedReply(f"handing in attempt {attempt_id} answered {status}")

    def _claim(self, browser: Browser, learner: Learner, how: str) -> None:
        if how == "two processes":
            self._meet()
        reply = browser.post("/certificates/issue", {"holder_name": learner.name})
        acknowledged = reply.status == 302 and reply.location == "/certificates/"
        self.records.append(
            {
                "kind": "certificate",
                "user": learner.id,
                "status": reply.status,
                "acknowledged": acknowledged,
                "how": how,
            }
        )
        if not acknowledged:
            raise UnexpectedReply(f"confirming the name answered {reply.status}")
        page = _expect(browser.get("/certificates/"), 200, "the certificates page")
        if "Your certificate is ready" not in page.text:
            self.errors.append(f"learner {learner.id}: no confirmation after claiming")


def _expect(reply: Reply, status: int, what: str) -> Reply:
    if reply.status != status:
        raise UnexpectedReply(f"{what} answered {reply.status}, not {status}")
    return reply


def _at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released at the same moment; their results in order."""
    start = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    failures: list[BaseException] = []

    def call(index: int) -> None:
        start.wait()
        try:
            results[index] = calls[index]()
        except BaseException as failure:  # noqa: BLE001 - raised again in the caller
            failures.append(failure)

    threads = [threading.Thread(target=call, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return results


def _client_process(arguments: dict[str, Any], output: str) -> None:
    client = _Client(**arguments)
    time.sleep(max(0.0, client.start_at - time.time()))
    try:
        client.run()
    except BaseException as failure:  # noqa: BLE001 - reported in the output
        client.errors.append(f"client crashed: {type(failure).__name__}: {failure}")
    finally:
        Path(output).write_text(
            json.dumps(
                {
                    "records": client.records,
                    "errors": client.errors,
                    "dropped": client.dropped,
                    "statuses": {str(status): n for status, n in client.statuses.items()},
                    "reconnects": client.reconnects,
                    "learners_finished": client.learners_finished,
                    "ended_at": time.time(),
                }
            )
        )


@dataclass
class Outcome:
    database: str
    seconds: float = 0.0
    learners_finished: int = 0
    requests: int = 0
    hand_ins: int = 0
    attempts: int = 0
    double_clicks: int = 0
    shared_hand_ins: int = 0
    certificates: int = 0
    shared_claims: int = 0
    duplicates: list[str] = field(default_factory=list)
    server_errors: int = 0
    client_errors: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    resent: int = 0
    log_errors: list[str] = field(default_factory=list)
    recycles: int = 0
    open_attempts_at_once: int = 0


def measure(database: str, database_url: str, folder: Path, seconds: int) -> Outcome:
    """Seed ``database_url``, load it for ``seconds`` through gunicorn, and check what was kept."""
    learners = CLIENTS * LEARNERS_PER_CLIENT + CLIENTS // 2 * TWIN_LEARNERS_PER_PAIR
    app, made = build_database(folder, database_url, learners)
    outline = course_outline(app)
    _read_all_but_last_lessons(app, made)
    context = multiprocessing.get_context("spawn")
    outcome = Outcome(database)
    with served(production_settings(database_url), folder, ["--workers", str(WORKERS)]) as server:
        start_at = time.time() + START_DELAY_SECONDS
        end_at = start_at + seconds
        processes, outputs = [], []
        pairs = [(context.Barrier(2), context.Value("i", 0)) for _ in range(CLIENTS // 2)]
        twins_from = CLIENTS * LEARNERS_PER_CLIENT
        for number in range(CLIENTS):
            meeting, shared_attempt = pairs[number // 2]
            pair_start = twins_from + number // 2 * TWIN_LEARNERS_PER_PAIR
            arguments = {
                "number": number,
                "base_url": server.base_url,
                "database_url": database_url,
                "outline": outline,
                "solo": made[number * LEARNERS_PER_CLIENT : (number + 1) * LEARNERS_PER_CLIENT],
                "twins": made[pair_start : pair_start + TWIN_LEARNERS_PER_PAIR],
                "meeting": meeting,
                "shared_attempt": shared_attempt,
                "start_at": start_at,
                "end_at": end_at,
            }
            output = folder / f"client-{number}.json"
            outputs.append(output)
            process = context.Process(
                target=_client_process, args=(arguments, str(output)), kwargs={}
            )
            process.start()
            processes.append(process)
        # Clients start together, once every process has imported the app.
        for process in processes:
            process.join(timeout=seconds + START_DELAY_SECONDS + 3 * MEETING_SECONDS + 120)
        for process in processes:
            if process.is_alive():
                process.kill()
                outcome.client_errors.append("a client did not finish and was killed")
    log = summarise_log(server)
    outcome.log_errors = log.errors
    outcome.server_errors = log.server_errors
    outcome.requests = log.requests
    outcome.recycles = log.recycles
    records: list[dict[str, Any]] = []
    ended = start_at
    for output in outputs:
        if not output.exists():
            outcome.client_errors.append(f"{output.name} was not written")
            continue
        report = json.loads(output.read_text())
        records += report["records"]
        outcome.client_errors += report["errors"]
        outcome.dropped += report["dropped"]
        outcome.resent += report["reconnects"]
        outcome.learners_finished += report["learners_finished"]
        ended = max(ended, report["ended_at"])
        outcome.server_errors = max(
            outcome.server_errors,
            sum(n for status, n in report["statuses"].items() if int(status) >= 500),
        )
    outcome.seconds = ended - start_at
    _check(app, records, outcome)
    return outcome


def _read_all_but_last_lessons(app: Any, learners: list[Learner]) -> None:
    """Record every lesson but each module's last as read, so that the time goes on quizzes and
    certificates; the clients read the last lessons over HTTP, which can complete a module."""
    from sqlalchemy import insert

    from course.catalogue.services import the_course
    from course.extensions import db
    from course.learning.models import LessonView

    with app.app_context():
        course = the_course()
        assert course is not None
        rows = [
            {"user_id": learner.id, "module_id": module.id, "lesson_slug": lesson.slug}
            for learner in learners
            for module in course.required_modules
            for lesson in module.current_version.lessons[:-1]
        ]
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(LessonView), rows[start : start + 5000])
        db.session.commit()


def _check(app: Any, records: list[dict[str, Any]], outcome: Outcome) -> None:
    """Compare what the clients were told with what the database holds."""
    from sqlalchemy import Integer, cast, func, select

    from course.certificates.models import Certificate, CertificatePdf
    from course.core.mail import OutboxMessage
    from course.extensions import db
    from course.learning.models import QuestionAnswer, QuizAttempt

    hand_ins = [r for r in records if r["kind"] == "hand-in" and r["acknowledged"]]
    claims = [r for r in records if r["kind"] == "certificate" and r["acknowledged"]]
    outcome.hand_ins = len(hand_ins)
    outcome.attempts = len({r["attempt"] for r in hand_ins})
    outcome.double_clicks = sum(1 for r in hand_ins if r["how"] == "double click") // 2
    outcome.shared_hand_ins = sum(1 for r in hand_ins if r["how"] == "two processes") // 2
    outcome.shared_claims = sum(1 for r in claims if r["how"] == "two processes") // 2
    problems = outcome.duplicates
    with app.app_context():
        attempts = {attempt.id: attempt for attempt in db.session.scalars(select(QuizAttempt))}
        answer_rows = {
            attempt_id: (rows, keys, right)
            for attempt_id, rows, keys, right in db.session.execute(
                select(
                    QuestionAnswer.attempt_id,
                    func.count(),
                    func.count(func.distinct(QuestionAnswer.question_key)),
                    func.sum(cast(QuestionAnswer.correct, Integer)),
                ).group_by(QuestionAnswer.attempt_id)
            )
        }
        for attempt_id in sorted({r["attempt"] for r in hand_ins}):
            attempt = attempts.get(attempt_id)
            if attempt is None or attempt.submitted_at is None:
                problems.append(f"attempt {attempt_id} was acknowledged but is not handed in")
        for attempt in attempts.values():
            rows, keys, right = answer_rows.get(attempt.id, (0, 0, 0))
            expected = len(attempt.questions) if attempt.submitted_at else 0
            if rows != expected or keys != rows:
                problems.append(
                    f"attempt {attempt.id}: {rows} answer rows ({keys} questions), not {expected}"
                )
            elif attempt.submitted_at and (right or 0) != sum(attempt.results or []):
                problems.append(f"attempt {attempt.id}: answer rows disagree with its results")
        correct_ids = {r["attempt"] for r in hand_ins if r["correct"]}
        for attempt_id in correct_ids:
            if attempt_id in attempts and not attempts[attempt_id].passed:
                problems.append(f"attempt {attempt_id} was answered rightly but did not pass")
        open_attempts = Counter(
            (attempt.user_id, attempt.module_id)
            for attempt in attempts.values()
            if attempt.submitted_at is None
        )
        outcome.open_attempts_at_once = sum(1 for n in open_attempts.values() if n > 1)
        certificates = list(db.session.scalars(select(Certificate)))
        outcome.certificates = len(certificates)
        held = Counter(c.user_id for c in certificates if c.superseded_at is None)
        problems += [f"learner {user} holds {n} certificates" for user, n in held.items() if n > 1]
        claimed = {r["user"] for r in claims}
        missing = claimed - set(held)
        problems += [f"learner {user} was told yes but has no certificate" for user in missing]
        pdfs = Counter(db.session.scalars(select(CertificatePdf.certificate_id)))
        problems += [
            f"certificate {c.id} has {pdfs[c.id]} stored PDFs"
            for c in certificates
            if pdfs[c.id] != 1
        ]
        emails = Counter(
            db.session.scalars(
                select(OutboxMessage.recipient).where(
                    OutboxMessage.subject == "Your CT Citizen certificate"
                )
            )
        )
        problems += [f"{n} certificate emails to one learner" for n in emails.values() if n > 1]
        if len(emails) != len(certificates):
            problems.append(
                f"{len(emails)} certificate emails for {len(certificates)} certificates"
            )


def _row(outcome: Outcome) -> str:
    rate = outcome.hand_ins / outcome.seconds if outcome.seconds else 0.0
    return (
        f"| {outcome.database} | {outcome.seconds:.0f} s | {outcome.requests:,} | "
        f"{outcome.learners_finished} | {outcome.hand_ins:,} ({outcome.attempts:,} attempts) | "
        f"{rate:.1f} | {outcome.double_clicks} / {outcome.shared_hand_ins} | "
        f"{outcome.certificates} ({outcome.shared_claims} claimed twice at once) | "
        f"{len(outcome.duplicates)} | {outcome.server_errors} | {len(outcome.client_errors)} | "
        f"{len(outcome.log_errors)} | {outcome.recycles} | {len(outcome.dropped)} |"
    )


def _details(outcome: Outcome) -> list[str]:
    lines = []
    for title, found in (
        ("duplicates or losses", outcome.duplicates),
        ("client errors", outcome.client_errors),
        ("server log errors", outcome.log_errors),
        ("requests reset unanswered on a new connection", outcome.dropped),
    ):
        if found:
            shown = "; ".join(sorted(set(found))[:5])
            lines.append(f"- {outcome.database}, {title} ({len(found)}): {shown}")
    if outcome.resent:
        lines.append(
            f"- {outcome.database}: {outcome.resent} requests sent again on a new connection, "
            "as browsers do, after the server closed a kept-alive one without answering."
        )
    if outcome.open_attempts_at_once:
        lines.append(
            f"- {outcome.database}: {outcome.open_attempts_at_once} learner-module pairs were left "
            "with more than one unsubmitted attempt (not an error: the run ended mid-quiz)."
        )
    return lines


def run(seconds: int = 60) -> str:
    """Load SQLite, then PostgreSQL 15, for ``seconds`` each; return the results as Markdown."""
    outcomes, notes = [], []
    folder = Path(tempfile.mkdtemp(prefix="ct-bench-concurrency-"))
    (folder / "sqlite").mkdir()
    outcomes.append(
        measure(
            "SQLite",
            f"sqlite:///{folder / 'sqlite' / 'course.sqlite3'}",
            folder / "sqlite",
            seconds,
        )
    )
    (folder / "postgres").mkdir()
    try:
        with postgres_cluster() as url:
            outcomes.append(measure("PostgreSQL 15", url, folder / "postgres", seconds))
    except RuntimeError as refusal:
        notes.append(f"- PostgreSQL 15: skipped, because the cluster could not be used: {refusal}")
    lines = [
        "## Concurrent hand-ins and certificates",
        "",
        f"Gunicorn with the production `gunicorn.conf.py` and settings, {WORKERS} workers; "
        f"{CLIENTS} client processes for {seconds} s, each a stream of learners who sign in, "
        "read the last lesson of each required module (the others are recorded as read "
        "beforehand), hand in its quiz (30% fail their first try on purpose, then pass) and "
        "confirm their name for the certificate. Sent twice at the same moment on purpose: a "
        "fifth of hand-ins (a double click: two connections of one process), and every lesson "
        "read, hand-in and certificate confirmation of every third learner (two client processes "
        "signed in as the same learner). Afterwards the database is checked: every acknowledged "
        "hand-in is handed in once with one answer row per question, and no learner holds more "
        "than one certificate, stored PDF or certificate email.",
        "",
        "| Database | Time | Requests | Learners finished | Hand-ins acknowledged | "
        "Hand-ins per second | Sent twice: double click / two processes | Certificates issued | "
        "Duplicates or losses | 5xx | Client errors | Server log errors | Workers recycled | "
        "Requests reset unanswered |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        *(_row(outcome) for outcome in outcomes),
        "",
    ]
    details = [line for outcome in outcomes for line in _details(outcome)] + notes
    verdict = all(
        not (o.duplicates or o.server_errors or o.client_errors or o.log_errors) for o in outcomes
    )
    if any(outcome.dropped for outcome in outcomes):
        details.append(
            "- Requests reset unanswered come from gunicorn, not the app: a gthread worker "
            "being replaced after `max_requests` can reset connections it has just accepted "
            "(benoitc/gunicorn#3038, unfixed in gunicorn 23). The learner would see a "
            "connection error and send the form again."
        )
    lines += [
        *details,
        *([""] if details else []),
        "Verdict: "
        + (
            "no duplicates, no losses, no 5xx, no errors."
            if verdict
            else "problems found (listed above)."
        ),
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run(int(sys.argv[1]) if len(sys.argv) > 1 else 60))
