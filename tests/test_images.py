"""Images for lessons: upload with checks on size, type and alt text, serving, Markdown, restore."""

from __future__ import annotations

import re
import struct
import zlib
from io import BytesIO
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from sqlalchemy import select

from course.accounts.models import Role, User
from course.audit.models import AuditEntry
from course.authoring.images import (
    ImageRefused,
    check_image,
    media_files_named,
    referenced_media,
    restore_image,
)
from course.authoring.models import MediaFile
from course.catalogue.bundle import MEDIA_PATH
from course.catalogue.markdown import render_for_region
from course.core.regions import Region
from course.extensions import db
from tests.fixtures.apps import build_app
from tests.fixtures.clients import signed_in, signed_in_admin
from tests.fixtures.factories import make_user
from tests.fixtures.images import IMAGES, image_bytes, upload
from tests.fixtures.web import csrf_token_from

RANDOM_NAME = re.compile(r"^[0-9a-f]{32}\.(png|jpg|gif|webp)$")


def png_claiming_size(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims ``width`` x ``height`` pixels (a decompression bomb)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def stored(app: Flask) -> list[MediaFile]:
    with app.app_context():
        media = list(db.session.scalars(select(MediaFile).order_by(MediaFile.id)))
        db.session.expunge_all()
        return media


def audit_actions(app: Flask) -> list[tuple[str, str]]:
    with app.app_context():
        return [
            (entry.action, entry.actor_email)
            for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]


@pytest.fixture
def author(app: Flask) -> FlaskClient:
    return signed_in_admin(app, "author@example.org", role=Role.AUTHOR)


def test_an_author_uploads_a_png_stored_under_a_random_name_and_audited(
    app: Flask, author: FlaskClient
) -> None:
    data = image_bytes("PNG", (40, 30))

    response = upload(author, data, "A  polling station\nsign", filename="../../etc/passwd.png")

    assert response.status_code == 302
    assert response.headers["Location"] == IMAGES
    [media] = stored(app)
    assert RANDOM_NAME.match(media.name) and media.name.endswith(".png")
    assert MEDIA_PATH.match("/media/" + media.name)
    assert "passwd" not in media.name
    assert (media.content_type, media.width, media.height) == ("image/png", 40, 30)
    assert media.data == data
    assert media.alt_text == "A polling station sign"
    with app.app_context():
        uploader = db.session.scalars(select(User).where(User.id == media.uploaded_by_id)).one()
        assert uploader.email == "author@example.org"
    assert audit_actions(app)[-1] == ("image.uploaded", "author@example.org")
    page = author.get(IMAGES).get_data(as_text=True)
    assert "The image is uploaded" in page


def test_an_uploaded_jpeg_is_served_to_anyone_with_its_type_and_safe_headers(
    app: Flask, author: FlaskClient
) -> None:
    data = image_bytes("JPEG", (64, 48))
    # The browser's content type and the file name are ignored: the bytes say JPEG.
    upload(author, data, filename="picture.gif", content_type="application/octet-stream")
    [media] = stored(app)
    assert media.name.endswith(".jpg") and media.content_type == "image/jpeg"

    response = app.test_client().get(f"/media/{media.name}")

    assert response.status_code == 200
    assert response.get_data() == data
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("inline")
    cache = response.headers["Cache-Control"]
    assert "immutable" in cache and "max-age=31536000" in cache and "public" in cache
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "sandbox" in policy
    assert "script-src" not in policy

    again = app.test_client().get(
        f"/media/{media.name}", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304 and again.get_data() == b""


@pytest.mark.parametrize(
    ("image_format", "extension", "content_type"),
    [("GIF", ".gif", "image/gif"), ("WEBP", ".webp", "image/webp")],
)
def test_gif_and_webp_images_are_accepted(
    app: Flask, author: FlaskClient, image_format: str, extension: str, content_type: str
) -> None:
    response = upload(author, image_bytes(image_format, (10, 20)))

    assert response.status_code == 302
    [media] = stored(app)
    assert media.name.endswith(extension) and media.content_type == content_type
    assert (media.width, media.height) == (10, 20)
    served = app.test_client().get(f"/media/{media.name}")
    assert served.headers["Content-Type"] == content_type


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (SVG, "drawing.svg", "they can carry script"),
        (b"  <svg onload='alert(1)'></svg>", "drawing.png", "they can carry script"),
        (b"<html><script>alert(1)</script></html>", "page.png", "must be a PNG, JPEG, GIF or WebP"),
        (image_bytes("PNG", (200, 200))[:-40], "cut.png", "must be a PNG, JPEG, GIF or WebP"),
        (image_bytes("JPEG", (200, 200))[:300], "cut.jpg", "must be a PNG, JPEG, GIF or WebP"),
        (image_bytes("BMP"), "picture.bmp", "must be a PNG, JPEG, GIF or WebP"),
        (b"", "empty.png", "The file is empty"),
        (image_bytes("PNG") + b"\0" * (2 * 1024 * 1024), "huge.png", "2 MB or smaller"),
        (image_bytes("PNG", (5001, 10), "1"), "wide.png", "at most 5000 pixels wide"),
        (png_claiming_size(40000, 40000), "bomb.png", "at most 5000 pixels wide"),
    ],
    ids=[
        "svg",
        "svg-named-png",
        "html",
        "truncated-png",
        "truncated-jpeg",
        "bmp",
        "empty",
        "over-2mb",
        "too-wide",
        "bomb",
    ],
)
def test_files_that_are_not_safe_images_are_refused_and_nothing_is_stored(
    app: Flask, author: FlaskClient, data: bytes, filename: str, message: str
) -> None:
    before = audit_actions(app)

    response = upload(author, data, filename=filename)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert message in page
    assert 'href="#image"' in page  # the error summary links to the file field
    assert stored(app) == []
    assert audit_actions(app) == before


@pytest.mark.parametrize(
    ("alt_text", "message"),
    [("", "Enter alt text"), ("   ", "Enter alt text"), ("x" * 301, "300 characters or fewer")],
)
def test_alt_text_is_required_and_limited(
    app: Flask, author: FlaskClient, alt_text: str, message: str
) -> None:
    response = upload(author, image_bytes(), alt_text=alt_text)

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page and 'href="#alt_text"' in page
    assert stored(app) == []


def test_an_upload_without_a_file_asks_for_one(app: Flask, author: FlaskClient) -> None:
    token = csrf_token_from(author.get(IMAGES).get_data(as_text=True))

    response = author.post(IMAGES, data={"csrf_token": token, "alt_text": "A map"})

    assert response.status_code == 200
    assert "Choose an image file to upload" in response.get_data(as_text=True)
    assert stored(app) == []


def test_a_body_over_the_site_limit_gets_the_upload_form_with_a_message(tmp_path: Path) -> None:
    app = build_app(tmp_path, MAX_CONTENT_LENGTH=50_000)
    author = signed_in_admin(app, "author@example.org", role=Role.AUTHOR)

    response = upload(author, image_bytes("PNG") + b"\0" * 60_000)

    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "The image must be 2 MB or smaller" in page and 'href="#image"' in page
    assert stored(app) == []

    anonymous = app.test_client().post(IMAGES, data=b"\0" * 60_000, content_type="image/png")
    assert anonymous.status_code == 413
    assert "Upload an image" not in anonymous.get_data(as_text=True)


@pytest.mark.parametrize(
    "name",
    [
        "0123456789abcdef0123456789abcdef.png",  # well formed, never stored
        "0123456789ABCDEF0123456789ABCDEF.png",
        "short.png",
        "0123456789abcdef0123456789abcdef.svg",
        "0123456789abcdef0123456789abcdef",
        "..%2F..%2Fcourse.sqlite3",
    ],
)
def test_unknown_and_malformed_image_names_are_not_found(client: FlaskClient, name: str) -> None:
    assert client.get(f"/media/{name}").status_code == 404


def test_the_list_shows_each_image_with_its_markdown_newest_first(
    app: Flask, author: FlaskClient
) -> None:
    upload(author, image_bytes("PNG"), alt_text="A ballot paper [folded]")
    upload(author, image_bytes("GIF"), alt_text="The town hall")
    older, newer = stored(app)

    page = author.get(IMAGES).get_data(as_text=True)

    assert "<h1" in page and page.count("<h1") == 1
    assert f'<code class="code">![A ballot paper \\[folded\\]](/media/{older.name})</code>' in page
    assert f"![The town hall](/media/{newer.name})" in page
    assert page.index(newer.name) < page.index(older.name)
    assert f'<img src="/media/{older.name}" alt="A ballot paper [folded]"' in page
    assert "Ada Lovelace" in page and "2 images" in page
    assert "Describe the image for someone who cannot see it" in page
    assert 'enctype="multipart/form-data"' in page
    assert "<script>" not in page and " style=" not in page


def test_a_lesson_shows_an_uploaded_image_with_its_alt_text(
    app: Flask, author: FlaskClient
) -> None:
    upload(author, image_bytes("PNG"), alt_text="A polling station sign")
    [media] = stored(app)
    markdown = f"Look for this sign:\n\n![A polling station sign](/media/{media.name})\n"

    html = render_for_region(markdown, Region.UK)

    assert f'<img src="/media/{media.name}" alt="A polling station sign">' in html
    assert referenced_media(markdown) == [media.name]


def test_referenced_media_finds_images_and_links_but_not_code() -> None:
    first, second, third = ("a" * 32 + ".png", "b" * 32 + ".jpg", "c" * 32 + ".gif")
    markdown = (
        f'![One](/media/{first}) and ![again](/media/{first} "title")\n\n'
        f"[Download](/media/{second})\n\n"
        f'<img src="/media/{third}" alt="Three">\n\n'
        f"`![code](/media/{'d' * 32}.png)`\n\n"
        "![Outside](https://example.org/x.png) ![Bad](/media/UPPER.png)\n"
    )

    assert referenced_media(markdown) == [first, second, third]


def test_check_image_refuses_bombs_without_letting_a_warning_escape(app: Flask) -> None:
    # 100 million pixels makes Pillow warn; 1600 million makes it raise.
    for width in (10_000, 40_000):
        with pytest.raises(ImageRefused, match="5000 pixels"):
            check_image(png_claiming_size(width, 10_000))


def test_restore_image_keeps_the_name_and_refuses_clashes(app: Flask) -> None:
    data = image_bytes("PNG")
    name = "0123456789abcdef0123456789abcdef.png"
    with app.app_context():
        author = make_user(email="author@example.org", role=Role.AUTHOR)

        media = restore_image(name, data, author, alt_text="A map")
        db.session.commit()
        assert (media.name, media.content_type, media.alt_text) == (name, "image/png", "A map")
        # The same bytes again (the module imported twice): nothing changes.
        assert restore_image(name, data, author).id == media.id
        db.session.commit()
        assert len(db.session.scalars(select(MediaFile)).all()) == 1

        with pytest.raises(ImageRefused, match="A different image is already stored"):
            restore_image(name, image_bytes("PNG", (5, 5)), author)
        with pytest.raises(ImageRefused, match="not an image name"):
            restore_image("../evil.png", data, author)
        with pytest.raises(ImageRefused, match="not an image name"):
            restore_image("0123456789abcdef.svg", data, author)
        with pytest.raises(ImageRefused, match="must end in .png"):
            restore_image("fedcba9876543210fedcba9876543210.jpg", data, author)
        with pytest.raises(ImageRefused, match="PNG, JPEG, GIF or WebP"):
            restore_image("fedcba9876543210fedcba9876543210.png", b"<html></html>", None)
        with pytest.raises(ImageRefused, match="300 characters"):
            restore_image("fedcba9876543210fedcba9876543210.png", data, None, "x" * 301)
        db.session.rollback()

        assert set(media_files_named([name, "f" * 32 + ".png", "../x"])) == {name}
        assert len(db.session.scalars(select(MediaFile)).all()) == 1
    assert [action for action, _ in audit_actions(app)] == ["image.restored"]


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get(IMAGES)

    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_learners_may_not_see_or_upload_images(app: Flask) -> None:
    learner = signed_in(app, "learner@example.org")

    assert learner.get(IMAGES).status_code == 403
    assert learner.post(IMAGES, data={}).status_code in (400, 403)


def test_an_author_without_two_factor_sign_in_is_sent_to_set_it_up(app: Flask) -> None:
    author = signed_in(app, "author@example.org", role=Role.AUTHOR)

    response = author.get(IMAGES)

    assert response.status_code == 302 and "two-factor" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.AUTHOR, Role.ADMIN])
def test_authors_and_admins_with_two_factors_see_the_images(app: Flask, role: Role) -> None:
    client = signed_in_admin(app, "staff@example.org", role=role)

    response = client.get(IMAGES)

    assert response.status_code == 200
    assert "No images have been uploaded yet." in response.get_data(as_text=True)


def test_a_png_whose_metadata_mentions_svg_is_still_a_png(app: Flask) -> None:
    metadata = PngInfo()
    metadata.add_text("Comment", "<svg> exported from a drawing program")
    buffer = BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format="PNG", pnginfo=metadata)

    assert check_image(buffer.getvalue()).content_type == "image/png"
