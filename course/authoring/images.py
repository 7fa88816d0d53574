"""Images for lessons: checking and storing uploads, listing them, and finding them in Markdown.

An image is accepted only when Pillow, reading its bytes, finds a whole PNG, JPEG, GIF or WebP
picture of a sensible size; the uploader's file name and the browser's content type are never
asked. It is stored in the database under a new random name, so a name says nothing about where a
file came from and always means the same bytes; lessons show it with ``![alt text](/media/<name>)``.
"""

from __future__ import annotations

import re
import secrets
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from io import BytesIO

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markdown_it import MarkdownIt
from markdown_it.token import Token
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import defer

from course.accounts.models import User
from course.audit.services import record
from course.authoring.models import MediaFile
from course.catalogue.bundle import MEDIA_PATH
from course.core.paging import Page
from course.extensions import db

MAX_BYTES = 2 * 1024 * 1024
MAX_SIDE_PIXELS = 5000
ALT_TEXT_MAX_LENGTH = 300
PAGE_SIZE = 20
MEDIA_URL_PREFIX = "/media/"

#: Pillow's format name -> (content type, file name extension) of every kind of image accepted.
ACCEPTED_FORMATS = {
    "PNG": ("image/png", ".png"),
    "JPEG": ("image/jpeg", ".jpg"),
    "GIF": ("image/gif", ".gif"),
    "WEBP": ("image/webp", ".webp"),
}

_markdown = MarkdownIt("commonmark", {"html": True})
_BINARY_IMAGE_SIGNATURES = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"RIFF")
_HTML_MEDIA_URL = re.compile(r"/media/[A-Za-z0-9.]+")


class ImageRefused(Exception):
    """An image was not stored; the message says why, for the author.

    ``field`` names what was wrong: ``"image"`` (the file) or ``"alt_text"``.
    """

    def __init__(self, message: str, field: str = "image") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class CheckedImage:
    """What Pillow found in an upload that passed every check."""

    content_type: str
    extension: str
    width: int
    height: int


@dataclass(frozen=True)
class MediaListing:
    """One uploaded image as the list shows it, without its bytes."""

    file: MediaFile
    size_bytes: int
    uploaded_by: User | None

    @property
    def markdown(self) -> str:
        return media_markdown(self.file)


def media_url(name: str) -> str:
    return MEDIA_URL_PREFIX + name


def media_markdown(media: MediaFile) -> str:
    """The Markdown that shows ``media`` in a lesson, with its alt text."""
    alt = media.alt_text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    return f"![{alt}]({media_url(media.name)})"


def is_media_name(name: str) -> bool:
    """Whether ``name`` has the form of an image's name (random letters and digits, a known
    extension), the form lessons may link to."""
    return bool(MEDIA_PATH.match(media_url(name)))


def _looks_like_svg(data: bytes) -> bool:
    if data.startswith(_BINARY_IMAGE_SIGNATURES):
        return False
    start = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in start


def check_image(data: bytes) -> CheckedImage:
    """Read ``data`` with Pillow and say what image it is.

    :raises ImageRefused: for an empty file, one over 2 MB, SVG, anything that is not a complete
        PNG, JPEG, GIF or WebP image, an image over 5000 pixels on a side, and a decompression
        bomb (a small file that would unpack into an enormous picture).
    """
    if not data:
        raise ImageRefused(_("The file is empty. Choose an image file."))
    if len(data) > MAX_BYTES:
        raise ImageRefused(_("The image must be 2 MB or smaller."))
    if _looks_like_svg(data):
        raise ImageRefused(
            _(
                "SVG images are not accepted, because they can carry script that runs in the "
                "reader's browser. Save the image as PNG and upload that."
            )
        )
    not_an_image = _("The file must be a PNG, JPEG, GIF or WebP image.")
    too_big = _(
        "The image must be at most %(limit)d pixels wide and %(limit)d pixels high.",
        limit=MAX_SIDE_PIXELS,
    )
    with warnings.catch_warnings():
        # Other warnings (odd metadata, say) do not make an image unsafe; Pillow only warns about
        # a picture somewhat over its pixel limit, so that warning must refuse it as well.
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(BytesIO(data), formats=list(ACCEPTED_FORMATS)) as image:
                image_format = image.format or ""
                width, height = image.size
                if width > MAX_SIDE_PIXELS or height > MAX_SIDE_PIXELS:
                    raise ImageRefused(too_big)
                image.verify()
            # verify() checks the structure only; decoding every pixel finds truncated data.
            with Image.open(BytesIO(data), formats=[image_format]) as image:
                image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageRefused(too_big) from None
        except ImageRefused:
            raise
        # Pillow raises many kinds of exception for damaged or hostile files.
        except Exception:
            raise ImageRefused(not_an_image) from None
    if image_format not in ACCEPTED_FORMATS or width < 1 or height < 1:
        raise ImageRefused(not_an_image)
    content_type, extension = ACCEPTED_FORMATS[image_format]
    return CheckedImage(content_type, extension, width, height)


def _checked_alt_text(alt_text: str, required: bool) -> str:
    alt_text = " ".join(alt_text.split())
    if required and not alt_text:
        raise ImageRefused(
            _("Enter alt text: describe the image for someone who cannot see it."),
            field="alt_text",
        )
    if len(alt_text) > ALT_TEXT_MAX_LENGTH:
        raise ImageRefused(
            _("The alt text must be %(limit)d characters or fewer.", limit=ALT_TEXT_MAX_LENGTH),
            field="alt_text",
        )
    return alt_text


def _add_media(
    name: str, data: bytes, image: CheckedImage, alt_text: str, uploader: User | None, action: str
) -> MediaFile:
    media = MediaFile(
        name=name,
        content_type=image.content_type,
        data=data,
        width=image.width,
        height=image.height,
        alt_text=alt_text,
        uploaded_by_id=uploader.id if uploader is not None else None,
    )
    db.session.add(media)
    db.session.flush()
    record(
        action,
        actor=uploader,
        target_type="media_file",
        target_id=media.id,
        summary=_l(
            "Stored the image %(name)s (%(width)d × %(height)d pixels, %(size)d bytes).",
            name=name,
            width=image.width,
            height=image.height,
            size=len(data),
        ),
        after={
            "name": name,
            "content_type": image.content_type,
            "width": image.width,
            "height": image.height,
            "bytes": len(data),
            "alt_text": alt_text,
        },
    )
    return media


def store_image(data: bytes, alt_text: str, uploader: User) -> MediaFile:
    """Store an uploaded image under a new random name, and audit it as ``image.uploaded``.

    :param alt_text: what the image shows, for people who cannot see it; runs of white space
        become one space.
    :raises ImageRefused: when the alt text is missing or over 300 characters, or the file fails
        :func:`check_image`.
    """
    alt_text = _checked_alt_text(alt_text, required=True)
    image = check_image(data)
    name = secrets.token_hex(16) + image.extension
    return _add_media(name, data, image, alt_text, uploader, "image.uploaded")


def restore_image(name: str, data: bytes, uploader: User | None, alt_text: str = "") -> MediaFile:
    """Store an image under the name it had elsewhere (a module imported from a zip), after the
    same checks as an upload, and audit it as ``image.restored``.

    Nothing happens when an image of that name already holds the same bytes; it is returned.

    :param alt_text: optional here, since the lesson's Markdown carries the alt text.
    :raises ImageRefused: when the name is not of the form ``<16-64 letters or digits>.<png, jpg,
        gif or webp>`` or its extension is not the image's real type, when another image already
        has the name, or when the file or alt text fails the checks of :func:`store_image`.
    """
    if not is_media_name(name):
        raise ImageRefused(
            _(
                "%(name)s is not an image name this site uses: it must be 16 to 64 lowercase "
                "letters or digits, then .png, .jpg, .gif or .webp.",
                name=name,
            )
        )
    existing = media_file(name)
    if existing is not None:
        if existing.data == data:
            return existing
        raise ImageRefused(
            _("A different image is already stored as %(name)s. Nothing was replaced.", name=name)
        )
    alt_text = _checked_alt_text(alt_text, required=False)
    image = check_image(data)
    if not name.endswith(image.extension):
        raise ImageRefused(
            _(
                "%(name)s holds a %(type)s image, so its name must end in %(extension)s.",
                name=name,
                type=image.content_type,
                extension=image.extension,
            )
        )
    return _add_media(name, data, image, alt_text, uploader, "image.restored")


def media_file(name: str) -> MediaFile | None:
    """The image called ``name``, or ``None`` when there is none or the name is malformed."""
    if not is_media_name(name):
        return None
    return db.session.scalar(select(MediaFile).where(MediaFile.name == name))


def media_files_named(names: Iterable[str]) -> dict[str, MediaFile]:
    """The stored images among ``names``, by name; names not stored (or malformed) are left out."""
    wanted = sorted({name for name in names if is_media_name(name)})
    if not wanted:
        return {}
    return {
        media.name: media
        for media in db.session.scalars(select(MediaFile).where(MediaFile.name.in_(wanted)))
    }


def media_page(page: int = 1) -> Page[MediaListing]:
    """One page of every uploaded image, newest first, without their bytes."""
    total = db.session.scalar(select(func.count(MediaFile.id))) or 0
    rows = db.session.execute(
        select(MediaFile, func.length(MediaFile.data), User)
        .options(defer(MediaFile.data))
        .outerjoin(User, User.id == MediaFile.uploaded_by_id)
        .order_by(MediaFile.uploaded_at.desc(), MediaFile.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return Page(
        rows=[MediaListing(media, int(size or 0), user) for media, size, user in rows],
        total=total,
        page=page,
        page_size=PAGE_SIZE,
    )


def _media_name_of(url: str) -> str | None:
    if MEDIA_PATH.match(url):
        return url[len(MEDIA_URL_PREFIX) :]
    return None


def _html_media_urls(html: str) -> list[str]:
    return _HTML_MEDIA_URL.findall(html)


def _urls_in(tokens: list[Token]) -> Iterable[str]:
    for token in tokens:
        if token.type == "image":
            yield str(token.attrGet("src") or "")
        elif token.type == "link_open":
            yield str(token.attrGet("href") or "")
        elif token.type in ("html_inline", "html_block"):
            yield from _html_media_urls(token.content)
        if token.children:
            yield from _urls_in(token.children)


def referenced_media(markdown: str) -> list[str]:
    """The names of the images at ``/media/...`` that ``markdown`` shows or links to, in order of
    first mention, each once (text in code spans and code blocks does not count)."""
    names: list[str] = []
    for url in _urls_in(_markdown.parse(markdown)):
        name = _media_name_of(url)
        if name is not None and name not in names:
            names.append(name)
    return names
