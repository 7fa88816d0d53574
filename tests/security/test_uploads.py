"""ASVS V12 (files and resources): every upload the site takes is size- and type-checked.

Three uploads exist: lesson images (authors), module zips (authors) and invitation files
(managers). Most abuse is proved by the feature tests; the table below names each case and the
test that proves it, and :func:`test_every_case_in_the_table_is_a_real_test` fails if one of them
is renamed or removed. This module adds only the cases nobody had written: polyglot images, an
image claiming another type, a zip inside a zip, and invitation files that are a zip, one
enormous cell, or control characters.
"""

from __future__ import annotations

import ast
import io
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from course.authoring.models import MediaFile
from course.catalogue.models import ModuleVersion
from course.extensions import db
from course.organisations.invitations import UploadRefused, read_invitation_csv
from course.organisations.models import Invitation
from tests.fixtures.images import image_bytes
from tests.fixtures.images import upload as upload_image
from tests.fixtures.module_zips import upload as upload_zip
from tests.fixtures.module_zips import zip_of
from tests.fixtures.organisations import upload as upload_invitations
from tests.fixtures.security_site import AUTHOR, MANAGER, Site

#: Abuse case -> the feature test that proves it is refused (``module::test[parameter id]``).
PROVED_ELSEWHERE = {
    "image: SVG": "test_images::test_files_that_are_not_safe_images_are_refused_and_nothing_is_stored[svg]",  # noqa: E501
    "image: SVG named .png": "test_images::test_files_that_are_not_safe_images_are_refused_and_nothing_is_stored[svg-named-png]",  # noqa: E501
    "image: HTML named .png": "test_images::test_files_that_are_not_safe_images_are_refused_and_nothing_is_stored[html]",  # noqa: E501
    "image: truncated": "test_images::test_files_that_are_not_safe_images_are_refused_and_nothing_is_stored[truncated-png]",  # noqa: E501
    "image: other format (BMP)": "test_images::test_files_that_are_not_safe_images_are_refused_and_nothing_is_stored[bmp]",  # noqa: E501
    "image: zero bytes": "test_images::test_files_that_are_not_safe_images_are_refused_and_nothing_is_stored[empty]",  # noqa: E501
    "image: over 2 MB": "test_images::test_files_that_are_not_safe_images_are_refused_and_nothing_is_stored[over-2mb]",  # noqa: E501
    "image: decompression bomb": "test_images::test_files_that_are_not_safe_images_are_refused_and_nothing_is_stored[bomb]",  # noqa: E501
    "image: bomb warning does not escape": "test_images::test_check_image_refuses_bombs_without_letting_a_warning_escape",  # noqa: E501
    "image: body over the site limit": "test_images::test_a_body_over_the_site_limit_gets_the_upload_form_with_a_message",  # noqa: E501
    "image: wrong extension and type": "test_images::test_an_uploaded_jpeg_is_served_to_anyone_with_its_type_and_safe_headers",  # noqa: E501
    "image: path in the file name": "test_images::test_an_author_uploads_a_png_stored_under_a_random_name_and_audited",  # noqa: E501
    "image: traversal in the served name": "test_images::test_unknown_and_malformed_image_names_are_not_found",  # noqa: E501
    "zip: climbs out with ..": "test_module_zip::test_an_unsafe_or_malformed_zip_is_refused_and_stores_nothing[climbs out with ..]",  # noqa: E501
    "zip: starts with ..": "test_module_zip::test_an_unsafe_or_malformed_zip_is_refused_and_stores_nothing[starts with ..]",  # noqa: E501
    "zip: absolute path": "test_module_zip::test_an_unsafe_or_malformed_zip_is_refused_and_stores_nothing[absolute path]",  # noqa: E501
    "zip: drive letter": "test_module_zip::test_an_unsafe_or_malformed_zip_is_refused_and_stores_nothing[drive letter]",  # noqa: E501
    "zip: backslash": "test_module_zip::test_an_unsafe_or_malformed_zip_is_refused_and_stores_nothing[backslash]",  # noqa: E501
    "zip: symbolic link": "test_module_zip::test_an_unsafe_or_malformed_zip_is_refused_and_stores_nothing[symbolic link]",  # noqa: E501
    "zip: zip bomb": "test_module_zip::test_an_unsafe_or_malformed_zip_is_refused_and_stores_nothing[zip bomb]",  # noqa: E501
    "zip: lying sizes": "test_module_zip::test_reading_a_zip_never_trusts_its_declared_sizes",
    "zip: too many entries": "test_module_zip::test_an_unsafe_or_malformed_zip_is_refused_and_stores_nothing[too many entries]",  # noqa: E501
    "zip: nested folder": "test_module_zip::test_an_unsafe_or_malformed_zip_is_refused_and_stores_nothing[nested folder]",  # noqa: E501
    "zip: encrypted": "test_module_zip::test_an_unsafe_or_malformed_zip_is_refused_and_stores_nothing[encrypted]",  # noqa: E501
    "zip: a script inside": "test_module_zip::test_an_unsafe_or_malformed_zip_is_refused_and_stores_nothing[script]",  # noqa: E501
    "zip: not a zip": "test_module_zip::test_an_unsafe_or_malformed_zip_is_refused_and_stores_nothing[not a zip]",  # noqa: E501
    "zip: a file twice": "test_module_zip::test_a_file_in_the_zip_twice_is_refused",
    "zip: over 10 MB unzipped": "test_module_zip::test_files_that_add_up_to_more_than_10_mb_are_refused",  # noqa: E501
    "zip: over 5 MB": "test_module_zip::test_an_upload_over_5_mb_is_refused_at_the_field",
    "zip: media that is not an image": "test_module_zip::test_a_media_file_that_is_not_an_image_is_refused",  # noqa: E501
    "csv: binary (PNG)": "test_organisation_invitations::test_a_file_that_cannot_be_used_is_refused_whole",  # noqa: E501
    "csv: UTF-16": "test_organisation_invitations::test_a_file_that_cannot_be_used_is_refused_whole",  # noqa: E501
    "csv: not UTF-8 (Latin-1)": "test_organisation_invitations::test_a_file_that_cannot_be_used_is_refused_whole",  # noqa: E501
    "csv: unterminated quote": "test_organisation_invitations::test_a_file_that_cannot_be_used_is_refused_whole",  # noqa: E501
    "csv: over 8 MB": "test_organisation_invitations::test_a_file_larger_than_8_mb_is_refused",
    "csv: over 50,000 rows": "test_organisation_invitations::test_a_file_of_more_than_50000_people_is_refused",  # noqa: E501
}
TESTS = Path(__file__).parents[1]


def _feature_tests(module_name: str) -> dict[str, ast.FunctionDef]:
    """The test functions of a feature's test module, read from its source (no test module imports
    another)."""
    tree = ast.parse((TESTS / f"{module_name}.py").read_text())
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


def _refusal_cases() -> set[str]:
    """The names of the cases in test_module_zip's REFUSALS, which its test runs under."""
    tree = ast.parse((TESTS / "test_module_zip.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(name, ast.Name) and name.id == "REFUSALS" for name in node.targets
        ):
            assert isinstance(node.value, ast.Dict)
            return {ast.literal_eval(key) for key in node.value.keys if key is not None}
    raise AssertionError("test_module_zip.py has no REFUSALS table")


def _parameter_ids(module_name: str, test: ast.FunctionDef) -> set[str]:
    """The ids a parametrized feature test runs under (from its ``ids`` or its REFUSALS)."""
    if module_name == "test_module_zip":
        return _refusal_cases()
    ids: set[str] = set()
    for decorator in test.decorator_list:
        if isinstance(decorator, ast.Call) and ast.unparse(decorator.func).endswith("parametrize"):
            for keyword in decorator.keywords:
                if keyword.arg == "ids":
                    ids |= set(ast.literal_eval(keyword.value))
    return ids


@pytest.mark.parametrize("case", sorted(PROVED_ELSEWHERE))
def test_every_case_in_the_table_is_a_real_test(case: str) -> None:
    module_name, _sep, test = PROVED_ELSEWHERE[case].partition("::")
    test_name, _bracket, parameter = test.partition("[")
    tests = _feature_tests(module_name)

    assert test_name in tests, PROVED_ELSEWHERE[case]
    if parameter:
        assert parameter.rstrip("]") in _parameter_ids(module_name, tests[test_name]), (
            PROVED_ELSEWHERE[case]
        )


# Images: the gaps ---------------------------------------------------------------------------


def _media_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(MediaFile.id))) or 0


def _newest_media(app: Flask) -> MediaFile:
    with app.app_context():
        media = db.session.scalar(select(MediaFile).order_by(MediaFile.id.desc()))
        assert media is not None
        db.session.expunge(media)
        return media


def _png_with(trailer: bytes) -> bytes:
    return image_bytes("PNG", (20, 20)) + trailer


POLYGLOTS = {
    "png + html": _png_with(b"<html><script>alert(document.domain)</script></html>"),
    "png + zip": _png_with(zip_of({"evil.html": b"<script>alert(1)</script>"})),
    "jpeg + php": image_bytes("JPEG", (20, 20)) + b"<?php system($_GET['c']); ?>",
    "gif + javascript": image_bytes("GIF", (20, 20)) + b"*/=alert(1);/*",
}


@pytest.mark.parametrize("case", sorted(POLYGLOTS))
def test_a_polyglot_image_is_only_ever_served_as_an_inert_image(site: Site, case: str) -> None:
    """An image with something else stuck on the end either is refused or, if Pillow reads it
    as the picture it starts with, is served with that image type, no sniffing, and a sandbox
    that runs nothing: a browser never treats it as a page or a script."""
    author = site.clients[AUTHOR]
    before = _media_count(site.app)

    response = upload_image(author, POLYGLOTS[case], filename="evil.html", content_type="text/html")

    if _media_count(site.app) == before:
        assert response.status_code == 200
        assert "There is a problem" in response.get_data(as_text=True)
        return
    assert response.status_code == 302
    media = _newest_media(site.app)
    assert not media.name.endswith((".html", ".php", ".js", ".zip"))
    served = site.new_client().get(f"/media/{media.name}")
    assert served.status_code == 200
    assert served.mimetype in {"image/png", "image/jpeg", "image/gif", "image/webp"}
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    policy = served.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "sandbox" in policy


@pytest.mark.parametrize(
    ("data", "filename", "content_type"),
    [
        (image_bytes("PNG"), "photo.svg", "image/svg+xml"),
        (image_bytes("GIF"), "photo.jpg", "image/jpeg"),
        (image_bytes("WEBP"), "photo", "application/octet-stream"),
    ],
    ids=["png-called-svg", "gif-called-jpeg", "webp-without-extension"],
)
def test_an_image_is_typed_by_its_bytes_not_its_name_or_declared_type(
    site: Site, data: bytes, filename: str, content_type: str
) -> None:
    response = upload_image(
        site.clients[AUTHOR], data, filename=filename, content_type=content_type
    )

    assert response.status_code == 302
    media = _newest_media(site.app)
    served = site.new_client().get(f"/media/{media.name}")
    assert served.mimetype == media.content_type != content_type
    assert "svg" not in media.name and "svg" not in served.mimetype


# Module zips: the gaps -----------------------------------------------------------------------


def _version_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(ModuleVersion.id))) or 0


def _nested_zip() -> bytes:
    inner = zip_of({"01-evil/module.yaml": b"slug: evil\n"})
    return zip_of(
        {"01-staying-safe/module.yaml": b"slug: staying-safe\n", "01-staying-safe/inner.zip": inner}
    )  # noqa: E501


def _zip_with_unicode_dots() -> bytes:
    # "\u2024" (one dot leader) looks like "." but is not: the name must not climb, and must not
    # be taken for an allowed file.
    return zip_of(
        {"01-staying-safe/\u2024\u2024/evil.md": b"x", "01-staying-safe/module.yaml": b""}
    )  # noqa: E501


def _zip_with_nul_in_a_name() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("01-staying-safe/module.yaml", b"slug: staying-safe\n")
        archive.writestr("01-staying-safe/01-a.md.x", b"# A\n")
    return buffer.getvalue().replace(b"01-a.md.x", b"01-a.md\x00x")


@pytest.mark.parametrize(
    "build",
    [_nested_zip, _zip_with_unicode_dots, _zip_with_nul_in_a_name],
    ids=["zip-inside-a-zip", "unicode-dots", "nul-in-a-name"],
)
def test_odd_zips_are_refused_and_store_nothing(site: Site, build) -> None:  # noqa: ANN001
    before = _version_count(site.app)

    response = upload_zip(site.clients[AUTHOR], build())

    assert response.status_code == 400
    assert "There is a problem" in response.get_data(as_text=True)
    assert _version_count(site.app) == before


# Invitation files: the gaps ------------------------------------------------------------------


def _invitation_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Invitation.id))) or 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (zip_of({"staff.csv": b"email\nsam@example.org\n"}), "This is not a CSV file"),
        (b"email\n" + b"a" * 200_000 + b"@example.org\n", "could not be read as CSV"),
        (b"\xff\xfe\xfd email\n", "The file is not UTF-8 text"),
        (b"   \n\r\n\t\n", "The file is empty"),
    ],
    ids=["a-zip", "one-enormous-cell", "invalid-utf-8", "only-white-space"],
)
def test_invitation_files_that_are_not_usable_csv_are_refused_whole(
    site: Site, content: bytes, message: str
) -> None:
    before = _invitation_count(site.app)

    response = upload_invitations(site.clients[MANAGER], site.ids["organisation_id"], content)

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _invitation_count(site.app) == before


def test_control_characters_in_a_row_do_not_reach_the_invitation() -> None:
    people, problems = read_invitation_csv(
        b"email,name,team\r\nsam@example.org,Sam\x0bJones\x0c,Front\x1cof house\r\n"
    )

    assert problems == []
    [person] = people
    assert person.name == "Sam Jones" and person.team == "Front of house"


def test_a_zip_read_as_csv_is_refused_by_the_service_too() -> None:
    with pytest.raises(UploadRefused, match="not a CSV file"):
        read_invitation_csv(zip_of({"a.csv": b"email\n"}))
