"""Sources and citations: every source names the page that says the fact and who published it;
every lesson that teaches facts cites one; `content sources` reports both and checks the links;
`content check` warns about modules not reviewed for a year; files, the database and the web
editor all keep a source's kind and id and a lesson's citations."""

from __future__ import annotations

import email.message
import re
import socket
from datetime import date
from pathlib import Path
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.request import Request

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from course.accounts.models import Role
from course.authoring.models import ModuleDraft
from course.catalogue import source_links
from course.catalogue.bundle import LessonKind, overdue_reviews, read_bundle
from course.catalogue.models import Lesson, ModuleVersion
from course.extensions import db
from tests.fixtures.apps import import_bundle
from tests.fixtures.authoring import EXAMPLE_DETAILS, module_id_of, save_draft_form
from tests.fixtures.clients import signed_in_admin
from tests.fixtures.content_bundles import problems_in, replace_in

MODULE_FILE = "01-staying-safe/module.yaml"
URL = "https://www.protectuk.police.uk/advice-and-guidance/response/run-hide-tell"
SOURCE = (
    "  - id: protectuk-run-hide-tell\n"
    "    kind: official\n"
    "    title: ProtectUK, Run Hide Tell\n"
    f"    url: {URL}\n"
)
KINDS = "official, research, organisation, press, other"


# What a source must be ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        (
            SOURCE.replace(URL, "https://www.protectuk.police.uk/"),
            "module.yaml:14: source url 'https://www.protectuk.police.uk/' is a site's home page: "
            "link to the page that says the fact",
        ),
        (
            SOURCE.replace(URL, "https://www.protectuk.police.uk"),
            "module.yaml:14: source url 'https://www.protectuk.police.uk' is a site's home page",
        ),
        (
            SOURCE.replace(URL, "https://en.wikipedia.org/wiki/61016"),
            "module.yaml:14: Wikipedia is not a source: cite the page it takes the fact from "
            "(https://en.wikipedia.org/wiki/61016)",
        ),
        (
            SOURCE.replace("    kind: official\n", ""),
            f"module.yaml:11: missing kind: use one of {KINDS}",
        ),
        (
            SOURCE.replace("kind: official", "kind: blog"),
            f"module.yaml:12: unknown kind 'blog': use one of {KINDS}",
        ),
        (
            SOURCE.replace("id: protectuk-run-hide-tell", "id: ProtectUK RHT"),
            "module.yaml:11: source id 'ProtectUK RHT' must be lower-case letters, digits and "
            "hyphens, up to 60 characters, like mi5-threat-levels",
        ),
        (
            SOURCE.replace("kind: official", "kind: research"),
            "module.yaml:14: a research source is cited by DOI: make the url https://doi.org/... "
            "or give the DOI in the title; a study without a DOI is kind other",
        ),
        (
            SOURCE + SOURCE.replace("title: ProtectUK, Run Hide Tell", "title: Again"),
            "module.yaml:15: source id 'protectuk-run-hide-tell' is also used on line 11; each "
            "source needs its own id",
        ),
    ],
    ids=[
        "home-page",
        "no-path",
        "wikipedia",
        "missing-kind",
        "unknown-kind",
        "bad-id",
        "research-without-doi",
        "duplicate-id",
    ],
)
def test_a_source_that_breaks_a_rule_is_refused_at_its_line(
    bundle: Path, source: str, problem: str
) -> None:
    replace_in(bundle / MODULE_FILE, SOURCE, source)

    problems = problems_in(bundle)

    assert any(line.startswith(f"bundle/01-staying-safe/{problem}") for line in problems), problems


def test_a_source_in_the_old_format_is_refused_with_what_to_add(bundle: Path) -> None:
    replace_in(
        bundle / MODULE_FILE,
        "  - id: protectuk-run-hide-tell\n    kind: official\n    title:",
        "  - title:",
    )

    assert problems_in(bundle) == [
        f"bundle/{MODULE_FILE}:11: missing id: give the source a short id, like mi5-threat-levels",
        f"bundle/{MODULE_FILE}:11: missing kind: use one of {KINDS}",
    ]


@pytest.mark.parametrize(
    ("kind", "title", "url"),
    [
        ("research", "A study", "https://doi.org/10.1126/sciadv.abo6254"),
        ("research", "A study, doi 10.5334/joc.91", "https://example.org/free-copy.pdf"),
        ("press", "Star Weekly", "https://maribyrnonghobsonsbay.starweekly.com.au/?p=307896"),
        ("organisation", "citizenAID", "https://www.citizenaid.org/single-post/2016/11/29/x"),
    ],
    ids=["doi-url", "doi-in-title", "home-page-with-a-query", "organisation"],
)
def test_sources_that_name_their_page_are_accepted(
    bundle: Path, kind: str, title: str, url: str
) -> None:
    replace_in(
        bundle / MODULE_FILE,
        SOURCE,
        SOURCE.replace("kind: official", f"kind: {kind}")
        .replace("title: ProtectUK, Run Hide Tell", f"title: {title}")
        .replace(URL, url),
    )

    module = read_bundle(bundle).modules[0]

    assert module.sources == [
        {"id": "protectuk-run-hide-tell", "kind": kind, "title": title, "url": url}
    ]


# What a lesson must cite -------------------------------------------------------------------------

LESSON_FILE = "01-staying-safe/01-the-steps.md"
CITATION = "sources: [protectuk-run-hide-tell]\n"


@pytest.mark.parametrize(
    ("citation", "problem"),
    [
        (
            "sources: [protectuk-run-hide-tell, no-such-source]\n",
            "01-the-steps.md:4: the lesson cites 'no-such-source', but no source in module.yaml "
            "has that id",
        ),
        (
            "sources:\n  - protectuk-run-hide-tell\n  - no-such-source\n",
            "01-the-steps.md:6: the lesson cites 'no-such-source', but no source in module.yaml "
            "has that id",
        ),
        (
            "",
            "01-the-steps.md:2: the lesson cites no source: list the ids of the module's sources "
            "it relies on, like sources: [mi5-threat-levels], or mark a scenario lesson with "
            "kind: scenario",
        ),
        ("sources: []\n", "01-the-steps.md:4: the lesson cites no source"),
        (
            "sources: [protectuk-run-hide-tell, protectuk-run-hide-tell]\n",
            "01-the-steps.md:4: the lesson cites 'protectuk-run-hide-tell' twice",
        ),
        (
            CITATION + "kind: quiz\n",
            "01-the-steps.md:5: kind 'quiz' is not known: write kind: scenario for a scenario "
            "lesson, or leave it out for a lesson that teaches facts",
        ),
    ],
    ids=["unknown-id", "unknown-id-in-a-block-list", "none", "empty", "twice", "unknown-kind"],
)
def test_a_lesson_citation_problem_is_reported_at_the_lessons_line(
    bundle: Path, citation: str, problem: str
) -> None:
    replace_in(bundle / LESSON_FILE, CITATION, citation)

    problems = problems_in(bundle)

    assert any(line.startswith(f"bundle/01-staying-safe/{problem}") for line in problems), problems


def test_a_scenario_lesson_needs_no_citation(bundle: Path) -> None:
    replace_in(bundle / LESSON_FILE, CITATION, "kind: scenario\n")

    lesson = read_bundle(bundle).modules[0].lessons[0]

    assert lesson.kind == LessonKind.SCENARIO and lesson.sources == []


def test_a_lesson_keeps_its_citations_in_order(bundle: Path) -> None:
    replace_in(
        bundle / MODULE_FILE,
        SOURCE,
        SOURCE
        + SOURCE.replace("id: protectuk-run-hide-tell", "id: second").replace(URL, URL + "#second"),
    )
    replace_in(bundle / LESSON_FILE, CITATION, "sources: [second, protectuk-run-hide-tell]\n")

    lesson = read_bundle(bundle).modules[0].lessons[0]

    assert lesson.kind == LessonKind.FACTS
    assert lesson.sources == ["second", "protectuk-run-hide-tell"]


# Review dates ------------------------------------------------------------------------------------


def test_a_module_reviewed_over_a_year_ago_is_a_warning_not_a_problem(
    runner: FlaskCliRunner, bundle: Path
) -> None:
    replace_in(bundle / MODULE_FILE, "reviewed: 2026-11-01", "reviewed: 2020-01-31")

    result = runner.invoke(args=["content", "check", str(bundle)])

    assert result.exit_code == 0
    assert (
        "01-staying-safe/module.yaml:7: warning: reviewed 2020-01-31, more than 12 months ago: "
        "check the module against its sources, then update reviewed"
    ) in result.output
    assert "02-reporting" not in result.output
    assert "2 modules, no problems found." in result.output


def test_twelve_months_to_the_day_is_not_yet_overdue(bundle: Path) -> None:
    replace_in(bundle / MODULE_FILE, "reviewed: 2026-11-01", "reviewed: 2025-12-04")
    replace_in(bundle / "02-reporting/module.yaml", "reviewed: 2026-11-01", "reviewed: 2025-12-03")

    overdue = overdue_reviews(bundle, date(2026, 12, 4))

    assert [(warning.file, warning.line) for warning in overdue] == [
        ("bundle/02-reporting/module.yaml", 7)
    ]


# `flask content sources` -------------------------------------------------------------------------


def test_the_sources_command_lists_sources_by_kind_with_the_lessons_citing_them(
    runner: FlaskCliRunner, bundle: Path
) -> None:
    result = runner.invoke(args=["content", "sources", str(bundle)])

    assert result.exit_code == 0, result.output
    assert (
        "staying-safe (" + str(bundle / MODULE_FILE) + ")\n"
        "  official (1)\n"
        "    protectuk-run-hide-tell: ProtectUK, Run Hide Tell\n"
        f"      {URL}\n"
        "      cited by: 01-the-steps.md, 02-calling-for-help.md\n"
    ) in result.output
    assert "2 modules, 2 sources (official 2, research 0, organisation 0, press 0, other 0)." in (
        result.output
    )
    assert (
        "3 lessons: 3 teach facts, 0 are scenarios; 0 of those teaching facts cite no source."
        in (result.output)
    )


def test_the_sources_command_flags_a_lesson_that_cites_nothing_and_fails(
    runner: FlaskCliRunner, bundle: Path
) -> None:
    replace_in(bundle / "02-reporting/01-how-to-report.md", "sources: [gov-uk-act]\n", "")
    replace_in(bundle / LESSON_FILE, CITATION, "kind: scenario\n")

    result = runner.invoke(args=["content", "sources", str(bundle)])

    assert result.exit_code == 1
    assert (
        f"{bundle}/02-reporting/01-how-to-report.md:2: the lesson cites no source" in result.output
    )
    assert "cited by: no lesson" in result.output
    assert "01-the-steps.md: a scenario, needs no source" in result.output
    assert (
        "3 lessons: 2 teach facts, 1 are scenarios; 1 of those teaching facts cite no source."
        in (result.output)
    )
    assert "1 source is cited by no lesson." in result.output


def test_the_sources_command_lists_other_problems_and_fails(
    runner: FlaskCliRunner, bundle: Path
) -> None:
    replace_in(bundle / MODULE_FILE, URL, "https://www.protectuk.police.uk/")

    result = runner.invoke(args=["content", "sources", str(bundle)])

    assert result.exit_code == 1
    assert "01-staying-safe/module.yaml:14: source url" in result.output
    assert "1 problem found." in result.output


class Answer:
    """What ``urlopen`` returns: a context manager with a status."""

    def __init__(self, status: int) -> None:
        self.status = status

    def __enter__(self) -> Answer:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def refusal(request: Request, code: int) -> HTTPError:
    return HTTPError(request.full_url, code, "Not Found", email.message.Message(), None)


def test_online_checks_are_skipped_with_a_note_when_the_network_is_unreachable(
    runner: FlaskCliRunner, bundle: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_network(request: Request, timeout: float) -> Any:
        raise URLError(socket.gaierror(-3, "Temporary failure in name resolution"))

    monkeypatch.setattr(source_links, "urlopen", no_network)

    result = runner.invoke(args=["content", "sources", str(bundle), "--online"])

    assert result.exit_code == 0, result.output
    assert result.output.count("Online checks skipped") == 1
    assert "Temporary failure in name resolution" in result.output
    assert "did not answer" not in result.output


def test_online_checks_report_each_link_that_does_not_answer_and_fail(
    runner: FlaskCliRunner, bundle: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[str, str | None]] = []

    def server(request: Request, timeout: float) -> Answer:
        asked.append((request.get_method(), request.full_url))
        if request.full_url == "https://www.gov.uk/ACT":
            raise refusal(request, 404)
        if request.get_method() == "HEAD":
            raise refusal(request, 405)  # refuses HEAD: asked again with GET
        return Answer(200)

    monkeypatch.setattr(source_links, "urlopen", server)

    result = runner.invoke(args=["content", "sources", str(bundle), "--online"])

    assert result.exit_code == 1
    assert "Checked 2 links: 1 answered, 1 did not." in result.output
    assert (
        f"{bundle}/02-reporting/module.yaml: source gov-uk-act: https://www.gov.uk/ACT did not "
        "answer (HTTP 404 Not Found)"
    ) in result.output
    assert ("GET", URL) in asked and ("HEAD", URL) in asked
    assert "protectuk-run-hide-tell: " + URL + " did not answer" not in result.output


# Files, database and back ------------------------------------------------------------------------


def test_export_then_import_keeps_kinds_ids_and_citations(
    runner: FlaskCliRunner, app: Flask, bundle: Path, tmp_path: Path
) -> None:
    replace_in(bundle / LESSON_FILE, CITATION, "kind: scenario\n" + CITATION)
    import_bundle(app, bundle)

    result = runner.invoke(args=["content", "export", str(tmp_path / "out")])
    reimported = runner.invoke(args=["content", "import", str(tmp_path / "out")])

    assert result.exit_code == 0 and reimported.exit_code == 0
    assert "new version" not in reimported.output
    exported = tmp_path / "out"
    assert (
        (exported / LESSON_FILE)
        .read_text()
        .startswith(
            "---\ntitle: The steps\nslug: the-steps\nkind: scenario\nsources:\n"
            "- protectuk-run-hide-tell\n---\n"
        )
    )
    assert SOURCE.replace("  - ", "- ").replace("\n    ", "\n  ") in (
        (exported / MODULE_FILE).read_text()
    )
    original, copy = read_bundle(bundle), read_bundle(exported)
    for before, after in zip(original.modules, copy.modules, strict=True):
        assert before.sources == after.sources
        assert [(lesson.kind, lesson.sources) for lesson in before.lessons] == [
            (lesson.kind, lesson.sources) for lesson in after.lessons
        ]
    with app.app_context():
        lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "the-steps"))
        assert lesson is not None
        assert (lesson.kind, lesson.sources) == ("scenario", ["protectuk-run-hide-tell"])


# The web editor ----------------------------------------------------------------------------------


@pytest.fixture
def author(course_app: Flask) -> FlaskClient:
    return signed_in_admin(course_app, "author@example.org", role=Role.AUTHOR)


def draft_lessons(app: Flask) -> list[dict[str, Any]]:
    with app.app_context():
        draft = db.session.scalar(select(ModuleDraft))
        assert draft is not None
        return list(draft.content["lessons"])


def test_the_lesson_editor_offers_the_modules_sources_with_the_lessons_ticked(
    course_app: Flask, author: FlaskClient
) -> None:
    page = author.get(f"/admin/modules/{module_id_of(course_app)}/lessons/1").get_data(as_text=True)

    checkbox = re.search(r'<input[^>]*id="sources-0"[^>]*>', page)
    assert (
        checkbox
        and "checked" in checkbox.group()
        and 'value="protectuk-run-hide-tell"' in (checkbox.group())
    )
    assert "ProtectUK, Run Hide Tell (official)" in page
    assert "facts come from</legend>" in page


def test_a_lesson_saved_with_chosen_sources_keeps_them_through_publishing(
    course_app: Flask, author: FlaskClient
) -> None:
    module = module_id_of(course_app)
    lesson = {
        "title": "Where to go",
        "slug": "where-to-go",
        "markdown": "Move away from the danger.\n",
        "sources": ["protectuk-run-hide-tell"],
        "action": "save",
    }

    saved = save_draft_form(author, f"/admin/modules/{module}/lessons/new", lesson)
    scenario = save_draft_form(
        author,
        f"/admin/modules/{module}/lessons/new",
        {
            **lesson,
            "title": "What would you do?",
            "slug": "what-would-you-do",
            "sources": [],
            "scenario": "y",
        },
    )
    published = save_draft_form(
        author, f"/admin/modules/{module}/publish", {}, f"/admin/modules/{module}/"
    )

    assert saved.status_code == scenario.status_code == published.status_code == 302
    with course_app.app_context():
        version = db.session.scalar(
            select(ModuleVersion).where(
                ModuleVersion.module_id == module, ModuleVersion.number == 2
            )
        )
        assert version is not None
        assert [(row.slug, row.kind, row.sources) for row in version.lessons][-2:] == [
            ("where-to-go", "facts", ["protectuk-run-hide-tell"]),
            ("what-would-you-do", "scenario", []),
        ]


def test_saving_a_lesson_as_its_page_shows_it_keeps_its_citations(
    course_app: Flask, author: FlaskClient
) -> None:
    path = f"/admin/modules/{module_id_of(course_app)}/lessons/2"
    page = author.get(path).get_data(as_text=True)
    boxes = re.findall(r'<input[^>]*name="sources"[^>]*>', page)
    ticked = [re.findall(r'value="([^"]+)"', box)[0] for box in boxes if " checked" in box]

    response = save_draft_form(
        author,
        path,
        {
            "title": "Calling for help",
            "slug": "calling-for-help",
            "markdown": "Call for help when it is safe.\n",
            "sources": ticked,
            "action": "save",
        },
    )

    assert response.status_code == 302
    assert draft_lessons(course_app)[1]["sources"] == ["protectuk-run-hide-tell"]
    assert draft_lessons(course_app)[1]["kind"] == "facts"


def test_a_lesson_cannot_cite_a_source_the_module_does_not_have(
    course_app: Flask, author: FlaskClient
) -> None:
    response = save_draft_form(
        author,
        f"/admin/modules/{module_id_of(course_app)}/lessons/new",
        {
            "title": "Where to go",
            "slug": "where-to-go",
            "markdown": "Move away.\n",
            "sources": ["made-up"],
            "action": "save",
        },
    )

    assert response.status_code == 200
    assert "is not a valid choice" in response.get_data(as_text=True)
    with course_app.app_context():
        assert db.session.scalar(select(ModuleDraft)) is None


def test_the_details_form_shows_and_keeps_each_sources_id_and_kind(
    course_app: Flask, author: FlaskClient
) -> None:
    path = f"/admin/modules/{module_id_of(course_app)}/details"
    page = author.get(path).get_data(as_text=True)
    line = f"protectuk-run-hide-tell | official | ProtectUK, Run Hide Tell | {URL}"
    assert line in page
    research = (
        "inoculation | research | Roozenbeek et al. (2022), Science Advances | "
        "https://doi.org/10.1126/sciadv.abo6254"
    )

    response = save_draft_form(
        author,
        path,
        {**EXAMPLE_DETAILS, "sources": f"{line}\n{research}"},
    )

    assert response.status_code == 302
    with course_app.app_context():
        draft = db.session.scalar(select(ModuleDraft))
        assert draft is not None
        assert draft.content["metadata"]["sources"][1] == {
            "id": "inoculation",
            "kind": "research",
            "title": "Roozenbeek et al. (2022), Science Advances",
            "url": "https://doi.org/10.1126/sciadv.abo6254",
        }
    assert research in author.get(path).get_data(as_text=True)
