"""The course's pictures: SVG drawings kept with a module's files (``pictures/<name>.svg``), checked
as strictly as lesson HTML, stored once by the digest of their text, and shown with Markdown
image syntax (``![alt text](pictures/hot.svg)``).

An SVG is a document that can carry script, event handlers, links and references to other
files. Lessons show pictures as ``<img>``, where a browser runs none of that, and the picture's
own address is served with a policy that allows nothing but inline styles; but a picture must
also be safe to open on its own, to download and to export, so :func:`svg_problems` accepts only
a plain drawing: an allow-list of SVG's shape, text and paint elements, presentation attributes,
and references to fragments of the same file. A picture is addressed by the SHA-256 of its text,
so an address always means the same bytes and may be cached for ever
(:class:`~course.catalogue.models.Picture`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from xml.parsers import expat

from flask_babel import gettext as _

#: Where a module's pictures live in its folder, and how lessons refer to them.
PICTURES_FOLDER = "pictures"
PICTURE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,60}\.svg$")
#: The largest picture accepted: a lesson with its pictures should stay well under 300 KB.
MAX_PICTURE_BYTES = 40 * 1024
#: A lesson's Markdown and the pictures it shows, together, at most.
MAX_LESSON_BYTES = 300 * 1024
ALT_TEXT_MAX_LENGTH = 300
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
XLINK_NAMESPACE = "http://www.w3.org/1999/xlink"

ALLOWED_ELEMENTS = frozenset(
    {
        "svg",
        "g",
        "title",
        "desc",
        "defs",
        "path",
        "rect",
        "circle",
        "ellipse",
        "line",
        "polyline",
        "polygon",
        "text",
        "tspan",
        "use",
        "symbol",
        "linearGradient",
        "radialGradient",
        "stop",
        "marker",
        "clipPath",
        "pattern",
        "mask",
    }
)
#: Attributes that name another resource: only a fragment of the same file (``#arrow``).
REFERENCE_ATTRIBUTES = frozenset({"href", f"{XLINK_NAMESPACE} href"})
_LOCAL_URL = re.compile(r"url\(\s*#[A-Za-z0-9_.:-]+\s*\)")


@dataclass(frozen=True)
class SvgProblem:
    line: int
    message: str


def digest_of(svg: str) -> str:
    return hashlib.sha256(svg.encode("utf-8")).hexdigest()


def svg_problems(svg: str) -> list[SvgProblem]:
    """Everything that keeps ``svg`` from being a plain, self-contained drawing, by line."""
    problems: list[SvgProblem] = []
    size = len(svg.encode("utf-8"))
    if size > MAX_PICTURE_BYTES:
        problems.append(
            SvgProblem(
                1,
                _(
                    "the picture is %(size)d KB; at most %(limit)d KB is allowed",
                    size=-(-size // 1024),
                    limit=MAX_PICTURE_BYTES // 1024,
                ),
            )
        )
    parser = expat.ParserCreate(namespace_separator=" ")
    elements: list[str] = []

    def problem(message: str) -> None:
        problems.append(SvgProblem(parser.CurrentLineNumber, message))

    def refuse_declarations(*_args: object) -> None:
        problem(_("a DOCTYPE or entity declaration is not allowed"))

    def start(name: str, attributes: dict[str, str]) -> None:
        namespace, _space, local = name.rpartition(" ")
        if not elements and (local != "svg" or namespace != SVG_NAMESPACE):
            problem(_("the file must be one <svg> element in the SVG namespace"))
        elif namespace != SVG_NAMESPACE or local not in ALLOWED_ELEMENTS:
            problem(_("<%(element)s> is not allowed in a picture", element=local))
        elements.append(local)
        for attribute, value in attributes.items():
            attribute_name = attribute.rpartition(" ")[2]
            if attribute_name.lower().startswith("on"):
                problem(_("event handlers such as %(name)s= are not allowed", name=attribute_name))
            elif attribute_name == "style":
                problem(_("style attributes are not allowed: use fill=, stroke= and the like"))
            elif attribute in REFERENCE_ATTRIBUTES and not value.startswith("#"):
                problem(
                    _(
                        "%(name)s=%(value)r refers outside the picture; only #fragments are "
                        "allowed",
                        name=attribute_name,
                        value=value,
                    )
                )
            elif "url(" in value and _LOCAL_URL.sub("", value).find("url(") >= 0:
                problem(_("url(...) may only name a fragment of the picture, like url(#shade)"))
            elif "javascript:" in value.lower():
                problem(_("javascript: is not allowed"))
        if not elements[:-1] and "viewBox" not in attributes:
            problem(_("the <svg> needs a viewBox, so the picture scales to the page"))

    def instruction(target: str, _data: str) -> None:
        problem(_("processing instructions are not allowed"))

    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = refuse_declarations
    parser.EntityDeclHandler = refuse_declarations
    parser.ProcessingInstructionHandler = instruction
    parser.ExternalEntityRefHandler = lambda *_args: 0
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(svg, True)
    except expat.ExpatError as error:
        problems.append(
            SvgProblem(
                error.lineno,
                _(
                    "the picture is not well-formed XML: %(error)s",
                    error=expat.ErrorString(error.code),
                ),
            )
        )
        return problems
    if "title" not in elements:
        problems.append(SvgProblem(1, _("the picture needs a <title> saying what it shows")))
    return problems


def picture_url(digest: str) -> str:
    return f"/pictures/{digest}.svg"
