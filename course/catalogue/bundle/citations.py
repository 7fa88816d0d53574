"""A module's sources and the lessons that cite them.

Every fact a learner is taught must be traceable to the page that says it, so a source names that
page (never a site's home page, never an encyclopedia that only repeats it) and says what kind of
publisher it comes from. Lessons cite sources by their ids; a lesson that teaches facts must cite
at least one, while a scenario lesson (a situation and "what would you do?") may cite none.

The rules here are shared by the file validator and the web editor, so a source or a citation is
refused the same way wherever it is written.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask_babel import gettext as _

from course.catalogue.bundle.layout import SLUG
from course.catalogue.bundle.sources import LessonKind, LessonSource, ModuleSource


class SourceKind(enum.StrEnum):
    """Who published a source: how much weight its facts can bear, most first."""

    #: Government, police, emergency services, regulators, the law itself.
    OFFICIAL = "official"
    #: Peer-reviewed research, cited by DOI.
    RESEARCH = "research"
    #: Charities, NGOs and recognised bodies such as citizenAID or Stop the Bleed.
    ORGANISATION = "organisation"
    PRESS = "press"
    OTHER = "other"


SOURCE_ID_MAX_LENGTH = 60
SOURCE_TITLE_MAX_LENGTH = 300
SOURCE_URL_MAX_LENGTH = 500
#: A DOI (``10.`` + registrant + ``/`` + suffix), anywhere in a text.
DOI = re.compile(r"\b10\.\d{4,9}/\S+")
DOI_RESOLVER = "https://doi.org/"


def kind_names() -> str:
    """The source kinds as an author writes them, for messages: ``official, research, ...``."""
    return ", ".join(kind.value for kind in SourceKind)


def source_id_problem(source_id: str) -> str | None:
    """Why ``source_id`` cannot name a source, or ``None`` when it can."""
    if not SLUG.match(source_id) or len(source_id) > SOURCE_ID_MAX_LENGTH:
        return _(
            "source id %(id)r must be lower-case letters, digits and hyphens, up to %(limit)d "
            "characters, like mi5-threat-levels",
            id=source_id,
            limit=SOURCE_ID_MAX_LENGTH,
        )
    return None


def source_kind_problem(kind: str) -> str | None:
    """Why ``kind`` is not a source kind, or ``None`` when it is one."""
    if not kind:
        return _("missing kind: use one of %(kinds)s", kinds=kind_names())
    if kind not in {member.value for member in SourceKind}:
        return _("unknown kind %(kind)r: use one of %(kinds)s", kind=kind, kinds=kind_names())
    return None


def source_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a source's address, or ``None`` when it can.

    A home page says no fact, so it cannot show where one came from; Wikipedia repeats what other
    pages say, and the page it cites is the one to name.
    """
    if not url.startswith("https://") or any(character.isspace() for character in url):
        return _("source url %(url)r must start with https:// and have no spaces", url=url)
    parts = urlsplit(url)
    if parts.path in ("", "/") and not parts.query:
        return _(
            "source url %(url)r is a site's home page: link to the page that says the fact",
            url=url,
        )
    host = (parts.hostname or "").lower()
    if host == "wikipedia.org" or host.endswith(".wikipedia.org"):
        return _(
            "Wikipedia is not a source: cite the page it takes the fact from (%(url)s)", url=url
        )
    return None


def research_problem(title: str, url: str) -> str | None:
    """Why a research source is not cited by DOI, or ``None`` when it is.

    The DOI is the lasting name of a study: either the url is ``https://doi.org/...``, or the title
    gives the DOI and the url points to a free copy of the same work.
    """
    if url.startswith(DOI_RESOLVER) or DOI.search(title):
        return None
    return _(
        "a research source is cited by DOI: make the url https://doi.org/... or give the DOI in "
        "the title; a study without a DOI is kind other"
    )


def source_problems(source_id: str, kind: str, title: str, url: str) -> list[tuple[str, str]]:
    """Everything wrong with one source, as the file validator and the web editor both say it:
    each problem with the field it is about (``id``, ``kind`` or ``url``)."""
    problems = []
    if not source_id:
        problems.append(("id", _("missing id: give the source a short id, like mi5-threat-levels")))
    elif problem := source_id_problem(source_id):
        problems.append(("id", problem))
    if problem := source_kind_problem(kind):
        problems.append(("kind", problem))
    if url and (problem := source_url_problem(url)):
        problems.append(("url", problem))
    elif url and kind == SourceKind.RESEARCH and (problem := research_problem(title, url)):
        problems.append(("url", problem))
    return problems


def uncited_problem() -> str:
    """What is wrong with a lesson that teaches facts and cites no source."""
    return _(
        "the lesson cites no source: list the ids of the module's sources it relies on, like "
        "sources: [mi5-threat-levels], or mark a scenario lesson with kind: scenario"
    )


def unknown_citation_problem(source_id: str) -> str:
    return _("the lesson cites %(id)r, but no source in module.yaml has that id", id=str(source_id))


# The sources report (``flask content sources``) -----------------------------------------------


@dataclass
class CitedSource:
    """One of a module's sources and the lessons (by file name) that cite it."""

    id: str
    kind: str
    title: str
    url: str
    cited_by: list[str] = field(default_factory=list)


@dataclass
class ModuleCitations:
    """A module's sources, grouped by kind, and its lessons that should cite one but do not."""

    module: ModuleSource
    by_kind: dict[SourceKind, list[CitedSource]]
    uncited_lessons: list[LessonSource]
    scenario_lessons: list[LessonSource]

    @property
    def sources(self) -> list[CitedSource]:
        return [source for sources in self.by_kind.values() for source in sources]


def module_citations(module: ModuleSource) -> ModuleCitations:
    """Who cites what in ``module``: each source with the lessons citing it, grouped by kind in
    :class:`SourceKind` order, and the fact-bearing lessons that cite nothing."""
    cited = {
        entry["id"]: CitedSource(entry["id"], entry["kind"], entry["title"], entry["url"])
        for entry in module.sources
    }
    for lesson in module.lessons:
        for source_id in lesson.sources:
            if source_id in cited:
                cited[source_id].cited_by.append(lesson.file_name)
    by_kind = {
        kind: [source for source in cited.values() if source.kind == kind] for kind in SourceKind
    }
    return ModuleCitations(
        module=module,
        by_kind=by_kind,
        uncited_lessons=[
            lesson
            for lesson in module.lessons
            if lesson.kind != LessonKind.SCENARIO and not lesson.sources
        ],
        scenario_lessons=[
            lesson for lesson in module.lessons if lesson.kind == LessonKind.SCENARIO
        ],
    )
