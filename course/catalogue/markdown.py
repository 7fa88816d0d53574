"""Lesson Markdown: region passages, rendering once per region, sanitising, and checking.

Markdown is CommonMark (markdown-it-py) plus region passages::

    ::: region uk au
    Shown only to learners in the UK and Australia.
    :::

Rendering happens once, at import or save, for each region; the HTML is stored and served as it
is. It is sanitised with nh3 against an explicit allowlist, so nothing an author (or an attacker
with an author's account) writes can run in a learner's browser.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import nh3
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin

from course.core.regions import REGION_CODES, Region

REGION_MARKER = "region"
#: How lessons name their module's pictures: ``![alt text](pictures/hot.svg)``.
PICTURE_PREFIX = "pictures/"
ALLOWED_TAGS = {
    "p",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "a",
    "blockquote",
    "code",
    "pre",
    "br",
    "hr",
    "abbr",
    "kbd",
    "sub",
    "sup",
    "img",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "img": {"src", "alt", "title"}}
#: Besides web addresses: ``tel:`` and ``sms:`` make a number in a lesson one tap to call or text
#: on a phone (``[999](tel:999)``), as on the who-to-call page.
ALLOWED_URL_SCHEMES = {"https", "mailto", "tel", "sms"}

_OPENING = re.compile(r"^\s*:::\s*region\b(?P<regions>.*)$")
_CLOSING = re.compile(r"^\s*:::\s*$")
_UNSAFE_ELEMENT = re.compile(
    r"<\s*(script|style|iframe|object|embed|form|input|button|svg|math|link|meta)\b", re.I
)
_UNSAFE_PATTERNS = [
    (
        re.compile(r"<[^>]*\son[a-z]+\s*=", re.I),
        _l("unsafe HTML: event handlers such as onclick= are not allowed"),
    ),
    (re.compile(r"javascript\s*:", re.I), _l("unsafe link: javascript: URLs are not allowed")),
    (re.compile(r"<[^>]*\sstyle\s*=", re.I), _l("unsafe HTML: style attributes are not allowed")),
]
_LINK = re.compile(r"\]\(\s*<?([^)\s>]+)")
#: What a phone can call or text: digits, with ``+`` and the country code for a number abroad.
_DIALABLE = re.compile(r"(tel|sms):\+?[0-9]+")


def _is_region_passage(params: str, *_args: object) -> bool:
    return params.strip().split()[:1] == [REGION_MARKER]


_markdown = MarkdownIt("commonmark", {"html": True}).use(
    container_plugin, REGION_MARKER, validate=_is_region_passage
)


def passage_regions(info: str) -> set[str]:
    return set(info.strip().split()[1:])


def render_for_region(
    markdown: str, region: Region, picture_urls: Mapping[str, str] | None = None
) -> str:
    """Sanitised HTML of ``markdown`` as a learner in ``region`` sees it.

    :param picture_urls: the address of each of the module's pictures by file name
        (``hot.svg``), for the images and links that name one as ``pictures/hot.svg``.
    """
    tokens = _parsed(markdown, picture_urls)
    return _rendered(tokens, _visible_to(tokens, region))


def render_all_regions(
    markdown: str, picture_urls: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The lesson's HTML for every region, keyed by region code: parsed once, and rendered once
    for each different text the regions see (most lessons read the same everywhere)."""
    tokens = _parsed(markdown, picture_urls)
    by_visible: dict[tuple[int, ...], str] = {}
    html = {}
    for region in Region:
        visible = _visible_to(tokens, region)
        if visible not in by_visible:
            by_visible[visible] = _rendered(tokens, visible)
        html[region.value] = by_visible[visible]
    return html


def _parsed(markdown: str, picture_urls: Mapping[str, str] | None) -> list[Token]:
    tokens = _markdown.parse(markdown)
    if picture_urls is not None:
        _point_at_pictures(tokens, picture_urls)
    return tokens


def _visible_to(tokens: list[Token], region: Region) -> tuple[int, ...]:
    """The positions of the tokens a learner in ``region`` sees: all but the region passages
    that do not name it."""
    visible: list[int] = []
    hiding_depth = 0
    for position, token in enumerate(tokens):
        if token.type == "container_region_open":
            if hiding_depth or region.value not in passage_regions(token.info):
                hiding_depth += 1
            continue
        if token.type == "container_region_close":
            hiding_depth = max(hiding_depth - 1, 0)
            continue
        if not hiding_depth:
            visible.append(position)
    return tuple(visible)


def _rendered(tokens: list[Token], visible: tuple[int, ...]) -> str:
    html = _markdown.renderer.render([tokens[i] for i in visible], _markdown.options, {})
    return sanitise(html)


def _point_at_pictures(tokens: list[Token], picture_urls: Mapping[str, str]) -> None:
    for token in tokens:
        for child in token.children or []:
            attribute = {"image": "src", "link_open": "href"}.get(child.type)
            target = str(child.attrGet(attribute) or "") if attribute else ""
            if attribute and target.startswith(PICTURE_PREFIX):
                name = target.removeprefix(PICTURE_PREFIX)
                if name in picture_urls:
                    child.attrSet(attribute, picture_urls[name])


def picture_references(markdown: str) -> list[tuple[int, str, str]]:
    """Each picture the Markdown shows: (line within the text, file name, alt text)."""
    found = []
    for token in _markdown.parse(markdown):
        for child in token.children or []:
            source = str(child.attrGet("src") or "") if child.type == "image" else ""
            if source.startswith(PICTURE_PREFIX):
                line = (token.map[0] + 1) if token.map else 1
                found.append((line, source.removeprefix(PICTURE_PREFIX), child.content))
    return found


def render_text(markdown: str) -> str:
    """Sanitised HTML of Markdown written on the site by people who are not the course's authors
    (a site's own procedures): sanitised as lessons are, without pictures, and with its headings
    made level 3 or 4 so they sit under the page's own."""
    tokens = _markdown.parse(markdown)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = "h3" if token.tag in ("h1", "h2", "h3") else "h4"
    html = _markdown.renderer.render(tokens, _markdown.options, {})
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS - {"img", "h2"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


@dataclass(frozen=True)
class MarkdownIssue:
    line: int  # within the Markdown text, 1-based
    message: str


def check_markdown(markdown: str) -> list[MarkdownIssue]:
    """Problems with region passages, unsafe HTML and outside links, by line."""
    issues: list[MarkdownIssue] = []
    open_passage_line: int | None = None
    known = {region.value for region in Region}
    for number, line in enumerate(markdown.splitlines(), start=1):
        opening = _OPENING.match(line)
        if opening:
            if open_passage_line is not None:
                issues.append(
                    MarkdownIssue(
                        number,
                        _(
                            "region passage opened inside the one opened on line %(line)d",
                            line=open_passage_line,
                        ),
                    )
                )
            open_passage_line = number
            regions = opening.group("regions").split()
            if not regions:
                issues.append(
                    MarkdownIssue(
                        number,
                        _(
                            "region passage names no region: write ::: region and one or more "
                            "of %(codes)s",
                            codes=REGION_CODES,
                        ),
                    )
                )
            for region in regions:
                if region not in known:
                    issues.append(
                        MarkdownIssue(
                            number,
                            _(
                                "unknown region %(region)r: use %(codes)s",
                                region=region,
                                codes=REGION_CODES,
                            ),
                        )
                    )
        elif _CLOSING.match(line):
            if open_passage_line is None:
                issues.append(MarkdownIssue(number, _("':::' closes no region passage")))
            open_passage_line = None
        for element in _UNSAFE_ELEMENT.findall(line):
            issues.append(
                MarkdownIssue(
                    number, _("unsafe HTML: <%(element)s> is not allowed", element=element.lower())
                )
            )
        for pattern, message in _UNSAFE_PATTERNS:
            if pattern.search(line):
                issues.append(MarkdownIssue(number, str(message)))
        for target in _LINK.findall(line):
            if target.startswith(("tel:", "sms:")) and not _DIALABLE.fullmatch(target):
                issues.append(
                    MarkdownIssue(
                        number,
                        _(
                            "link %(target)r must give only the digits a phone dials, such as "
                            "tel:999 or tel:+18002255324",
                            target=target,
                        ),
                    )
                )
            elif not (
                target.startswith(("https://", "mailto:", "tel:", "sms:", "#", PICTURE_PREFIX))
                or target.startswith("/")
            ):
                issues.append(
                    MarkdownIssue(
                        number,
                        _(
                            "link %(target)r must start with https://, tel: or sms:, name one "
                            "of the module's pictures/, or be a path like /modules/...",
                            target=target,
                        ),
                    )
                )
    if open_passage_line is not None:
        issues.append(
            MarkdownIssue(
                open_passage_line, _("region passage is never closed: add a line with ':::'")
            )
        )
    return issues


@dataclass(frozen=True)
class PassageRun:
    """Region passages that follow one another with only blank lines between: alternatives for
    the same point, such as each region's emergency number."""

    first_line: int  # within the Markdown text, 1-based: the first passage's opening
    last_line: int  # the last passage's closing
    regions: frozenset[str]


def region_passages(markdown: str) -> list[tuple[str, ...]]:
    """The regions each region passage of ``markdown`` names, in order (``::: region uk eu`` is
    ``("eu", "uk")``)."""
    passages = []
    for line in markdown.splitlines():
        opening = _OPENING.match(line)
        if opening:
            passages.append(tuple(sorted(opening.group("regions").split())))
    return passages


def region_passage_runs(markdown: str) -> list[PassageRun]:
    """The runs of region passages in ``markdown``, in order; passages left open are ignored (the
    validator reports them)."""
    runs: list[PassageRun] = []
    opened_at: int | None = None
    regions: set[str] = set()
    run_start: int | None = None
    run_end = 0
    for number, line in enumerate(markdown.splitlines(), start=1):
        opening = _OPENING.match(line)
        if opening and opened_at is None:
            if run_start is None:
                run_start = number
            opened_at = number
            regions |= set(opening.group("regions").split())
        elif _CLOSING.match(line) and opened_at is not None:
            opened_at, run_end = None, number
        elif opened_at is None and run_start is not None and line.strip():
            runs.append(PassageRun(run_start, run_end, frozenset(regions)))
            run_start, regions = None, set()
    if run_start is not None and opened_at is None:
        runs.append(PassageRun(run_start, run_end, frozenset(regions)))
    return runs


def internal_links(markdown: str) -> list[tuple[int, str]]:
    """Links to pages of this site, with their line numbers."""
    return [
        (number, target)
        for number, line in enumerate(markdown.splitlines(), start=1)
        for target in _LINK.findall(line)
        if target.startswith("/")
    ]
