"""Modules as zips: authors download any stored version as a zip and import a module zip. An export
imported again changes nothing; a changed zip becomes the module's draft, which learners see only
once it is published; a new slug becomes a new module with a draft and no version; unpublished
changes are replaced only when the author agrees; every unsafe or malformed upload is refused with
a message and stores nothing; only authors and admins signed in with two factors reach any of it."""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import stat
import threading
import warnings
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.routing import Rule
from werkzeug.test import encode_multipart

from course import create_app
from course.accounts.models import Role, User
from course.audit.models import AuditEntry
from course.authoring import module_zip
from course.authoring.models import ModuleDraft
from course.catalogue.models import Module, ModuleVersion
from course.catalogue.services import the_course
from course.core.database import utcnow
from course.extensions import db
from tests.fixtures.apps import EXAMPLE_BUNDLE, build_app, import_bundle
from tests.fixtures.clients import signed_in, signed_in_admin
from tests.fixtures.module_zips import IMPORT_PATH, upload, zip_of
from tests.fixtures.web import csrf_token_from

# Helpers -----------------------------------------------------------------------------------------


def files_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {entry.filename: archive.read(entry) for entry in archive.infolist()}


def module_ids(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {module.slug: module.id for module in db.session.scalars(select(Module))}


def version_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(ModuleVersion.id))) or 0


def module_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Module.id))) or 0


def import_audit(app: Flask) -> list[tuple[str, str, dict | None]]:
    with app.app_context():
        return [
            (entry.actor_email, entry.target_id, entry.after)
            for entry in db.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == "module.imported")
                .order_by(AuditEntry.id)
            )
        ]


def export_path(module_id: int, number: int = 1) -> str:
    return f"/admin/modules/{module_id}/versions/{number}/export"


def exported(client: FlaskClient, module_id: int, number: int = 1) -> bytes:
    response = client.get(export_path(module_id, number))
    assert response.status_code == 200
    return response.data


def page_text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True).replace("&#39;", "'").replace("&#34;", '"')


def flashed(client: FlaskClient) -> list[str]:
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]


def stored_draft(app: Flask, slug: str) -> dict | None:
    """The content of the module's draft, or ``None`` when it has none."""
    with app.app_context():
        draft = db.session.scalar(
            select(ModuleDraft).join(ModuleDraft.module).where(Module.slug == slug)
        )
        return None if draft is None else draft.content


def publish(client: FlaskClient, module_id: int) -> str:
    """Publish the module's draft from its page, as an author would; the message it shows."""
    page = client.get(f"/admin/modules/{module_id}/").get_data(as_text=True)
    revision = re.search(r'name="revision" type="hidden" value="(\d+)"', page)
    assert revision, "the module page offers no draft to publish"
    response = client.post(
        f"/admin/modules/{module_id}/publish",
        data={"csrf_token": csrf_token_from(page), "revision": revision.group(1)},
    )
    assert response.status_code == 302
    return " ".join(flashed(client))


def upload_replacing(client: FlaskClient, data: bytes, revision: str):  # type: ignore[no-untyped-def]
    """Post ``data`` to the import form with its box ticked to replace draft ``revision``."""
    token = csrf_token_from(client.get(IMPORT_PATH).get_data(as_text=True))
    boundary, body = encode_multipart(
        {
            "csrf_token": token,
            "replace_draft": "y",
            "draft_revision": revision,
            "file": FileStorage(io.BytesIO(data), filename="m.zip", content_type="application/zip"),
        }
    )
    return client.post(
        IMPORT_PATH, data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


@pytest.fixture
def author(course_app: Flask) -> FlaskClient:
    return signed_in_admin(course_app, "author@example.org", role=Role.AUTHOR)


@pytest.fixture
def staying_safe(course_app: Flask, author: FlaskClient) -> dict[str, bytes]:
    """The files of version 1 of staying-safe, by their names inside its zip."""
    return files_of(exported(author, module_ids(course_app)["staying-safe"]))


# Export, and importing an export -----------------------------------------------------------------


def test_importing_the_export_of_every_module_creates_no_version(
    course_app: Flask, author: FlaskClient
) -> None:
    versions_before = version_count(course_app)
    for slug, module_id in module_ids(course_app).items():
        response = upload(author, exported(author, module_id))

        assert response.status_code == 302, page_text(response)
        assert response.headers["Location"].endswith(f"/admin/modules/{module_id}/")
        with author.session_transaction() as session:
            messages = [message for _category, message in session.get("_flashes", [])]
        assert any("Nothing changed" in message for message in messages), (slug, messages)

    assert version_count(course_app) == versions_before


def test_exporting_a_version_twice_gives_the_same_bytes_as_a_download(
    course_app: Flask, author: FlaskClient
) -> None:
    module_id = module_ids(course_app)["staying-safe"]

    first = author.get(export_path(module_id))
    second = author.get(export_path(module_id))

    assert first.data == second.data
    assert first.mimetype == "application/zip"
    assert first.headers["Content-Disposition"] == (
        'attachment; filename="01-staying-safe-version-1.zip"'
    )


def test_the_zip_holds_exactly_the_files_content_export_writes(
    course_app: Flask, author: FlaskClient, tmp_path: Path
) -> None:
    for slug, module_id in module_ids(course_app).items():
        target = tmp_path / slug
        result = course_app.test_cli_runner().invoke(
            args=["content", "export", str(target), "--module", slug]
        )
        assert result.exit_code == 0, result.output
        on_disk = {
            str(path.relative_to(target)): path.read_bytes()
            for path in target.rglob("*")
            if path.is_file()
        }

        assert files_of(exported(author, module_id)) == on_disk


def test_any_stored_version_can_be_exported(
    course_app: Flask, author: FlaskClient, staying_safe: dict[str, bytes]
) -> None:
    changed = dict(staying_safe)
    changed["01-staying-safe/01-the-steps.md"] += b"\nA new closing line.\n"
    upload(author, zip_of(changed))
    module_id = module_ids(course_app)["staying-safe"]
    assert "Version 2 is published" in publish(author, module_id)

    assert files_of(exported(author, module_id, 1)) == staying_safe
    assert files_of(exported(author, module_id, 2)) == changed


# Imports that change the course -----------------------------------------------------------------


def test_a_changed_zip_becomes_the_draft_which_learners_see_only_once_published(
    course_app: Flask, author: FlaskClient, staying_safe: dict[str, bytes]
) -> None:
    changed = dict(staying_safe)
    changed["01-staying-safe/01-the-steps.md"] += b"\nKeep your phone charged.\n"
    versions_before = version_count(course_app)
    module_id = module_ids(course_app)["staying-safe"]
    learner_page = "/modules/staying-safe/the-steps"

    response = upload(author, zip_of(changed))

    assert response.status_code == 302, page_text(response)
    assert response.headers["Location"].endswith(f"/admin/modules/{module_id}/")
    assert any(
        "into its draft" in message and "learners keep seeing version 1" in message
        for message in flashed(author)
    )
    assert version_count(course_app) == versions_before
    draft = stored_draft(course_app, "staying-safe")
    assert draft is not None and draft["required"] is True
    assert "Keep your phone charged." in draft["lessons"][0]["markdown"]
    learners_see = course_app.test_client().get(learner_page).get_data(as_text=True)
    assert "Keep your phone charged." not in learners_see
    preview = author.get(f"/admin/modules/{module_id}/preview/lessons/1")
    assert "Keep your phone charged." in preview.get_data(as_text=True)
    assert "Publish the draft" in author.get(f"/admin/modules/{module_id}/").get_data(as_text=True)

    assert "Version 2 is published" in publish(author, module_id)

    with course_app.app_context():
        module = db.session.get(Module, module_id)
        assert module is not None and module.current_version is not None
        assert module.current_version.number == 2
        assert module.is_required and module.archived_at is None
        assert module.current_version.published_by_id == db.session.scalar(
            select(User.id).where(User.email == "author@example.org")
        )
    assert stored_draft(course_app, "staying-safe") is None
    learners_see = course_app.test_client().get(learner_page).get_data(as_text=True)
    assert "Keep your phone charged." in learners_see


def new_module_files() -> dict[str, bytes | str]:
    return {
        "03-first-aid/": b"",
        "03-first-aid/module.yaml": (
            "slug: first-aid\n"
            "title: First aid\n"
            "summary: Helping someone who is hurt.\n"
            "minutes: 3\n"
            "pass_mark: 80\n"
            "questions_per_attempt: 1\n"
            "reviewed: 2026-11-01\n"
            "objectives:\n  - Know how to stop bleeding.\n"
            "sources:\n  - id: red-cross\n    kind: organisation\n    title: Red Cross\n"
            "    url: https://www.redcross.org.uk/first-aid\n"
        ),
        "03-first-aid/01-bleeding.md": (
            "---\ntitle: Bleeding\nslug: bleeding\nsources: [red-cross]\n---\n"
            "Press hard on the wound.\n"
            "\nSee also [the steps](/modules/staying-safe/the-steps).\n"
        ),
        "03-first-aid/quiz.yaml": (
            "questions:\n"
            "  - id: press\n"
            "    type: true_false\n"
            "    prompt: You should press on a bleeding wound.\n"
            "    answer: true\n"
            "    explanation: Pressure slows the bleeding.\n"
        ),
    }


def test_a_zip_of_a_new_module_makes_an_unpublished_optional_module_at_the_end(
    course_app: Flask, author: FlaskClient
) -> None:
    response = upload(author, zip_of(new_module_files()))

    assert response.status_code == 302, page_text(response)
    with course_app.app_context():
        course = the_course()
        assert course is not None
        module = course.modules[-1]
        assert module.slug == "first-aid"
        assert module.position == max(other.position for other in course.modules[:-1]) + 1
        assert not module.is_required
        assert module.current_version is None and not module.is_listed
        module_id = module.id
    assert response.headers["Location"].endswith(f"/admin/modules/{module_id}/")
    assert any("as a new module" in message for message in flashed(author))
    draft = stored_draft(course_app, "first-aid")
    assert draft is not None and draft["folder_name"] == "03-first-aid"
    assert draft["required"] is False
    assert version_count(course_app) == 2
    visitor = course_app.test_client()
    assert visitor.get("/modules/first-aid/").status_code == 404
    assert "First aid" not in visitor.get("/").get_data(as_text=True)
    module_page = author.get(f"/admin/modules/{module_id}/").get_data(as_text=True)
    assert "Not published yet" in module_page

    assert "Version 1 is published" in publish(author, module_id)

    with course_app.app_context():
        module = db.session.get(Module, module_id)
        assert module is not None and module.current_version is not None
        assert module.current_version.folder_name == "03-first-aid"
        assert module.is_listed and not module.is_required
    assert visitor.get("/modules/first-aid/").status_code == 200


def test_an_archived_module_keeps_its_archive_and_required_flag_when_imported(
    course_app: Flask, author: FlaskClient, staying_safe: dict[str, bytes]
) -> None:
    with course_app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == "staying-safe"))
        assert module is not None
        module.archived_at = utcnow()
        db.session.commit()
    changed = dict(staying_safe)
    changed["01-staying-safe/01-the-steps.md"] += b"\nStay calm.\n"

    response = upload(author, zip_of(changed))

    assert response.status_code == 302
    assert any("archived" in message for message in flashed(author))
    publish(author, module_ids(course_app)["staying-safe"])
    with course_app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == "staying-safe"))
        assert module is not None and module.current_version is not None
        assert module.current_version.number == 2
        assert module.archived_at is not None and module.is_required


def test_every_import_is_audited_unchanged_ones_too(
    course_app: Flask, author: FlaskClient, staying_safe: dict[str, bytes]
) -> None:
    module_id = module_ids(course_app)["staying-safe"]
    changed = dict(staying_safe)
    changed["01-staying-safe/01-the-steps.md"] += b"\nStay calm.\n"

    upload(author, zip_of(staying_safe))
    upload(author, zip_of(changed))
    upload(author, zip_of(new_module_files()))

    new_id = module_ids(course_app)["first-aid"]
    assert import_audit(course_app) == [
        (
            "author@example.org",
            str(module_id),
            {"outcome": "unchanged", "version": 1, "folder": "01-staying-safe"},
        ),
        (
            "author@example.org",
            str(module_id),
            {"outcome": "drafted", "revision": 1, "folder": "01-staying-safe"},
        ),
        (
            "author@example.org",
            str(new_id),
            {"outcome": "created", "revision": 1, "folder": "03-first-aid"},
        ),
    ]


def test_a_module_imported_twice_in_a_row_is_made_once(
    course_app: Flask, author: FlaskClient
) -> None:
    first = upload(author, zip_of(new_module_files()))
    second = upload(author, zip_of(new_module_files()))

    assert first.status_code == second.status_code == 302
    assert any("Nothing changed" in message for message in flashed(author))
    assert module_count(course_app) == 3
    assert [entry[2]["outcome"] for entry in import_audit(course_app)] == ["created", "unchanged"]
    with course_app.app_context():
        drafts = db.session.scalars(
            select(ModuleDraft).join(ModuleDraft.module).where(Module.slug == "first-aid")
        ).all()
        assert [draft.revision for draft in drafts] == [1]


def test_unpublished_changes_are_replaced_only_when_the_author_agrees(
    course_app: Flask, author: FlaskClient, staying_safe: dict[str, bytes]
) -> None:
    lesson = "01-staying-safe/01-the-steps.md"
    first, second = dict(staying_safe), dict(staying_safe)
    first[lesson] += b"\nThe first change.\n"
    second[lesson] += b"\nThe second change.\n"
    assert upload(author, zip_of(first)).status_code == 302
    audited_before = import_audit(course_app)

    refused = upload(author, zip_of(second))

    assert refused.status_code == 409
    text = page_text(refused)
    assert "There is a problem" in text
    assert "Staying safe has unpublished changes, last saved by author@example.org" in text
    assert '<input id="draft_revision" name="draft_revision" type="hidden" value="1">' in text
    assert 'id="replace_draft"' in text
    draft = stored_draft(course_app, "staying-safe")
    assert draft is not None and "The first change." in draft["lessons"][0]["markdown"]
    assert import_audit(course_app) == audited_before

    # Agreeing to replace a revision someone has since saved over replaces nothing.
    assert upload_replacing(author, zip_of(second), "0").status_code == 409
    draft = stored_draft(course_app, "staying-safe")
    assert draft is not None and "The first change." in draft["lessons"][0]["markdown"]

    replaced = upload_replacing(author, zip_of(second), "1")

    assert replaced.status_code == 302, page_text(replaced)
    assert any("replaced the unpublished changes" in message for message in flashed(author))
    draft = stored_draft(course_app, "staying-safe")
    assert draft is not None and "The second change." in draft["lessons"][0]["markdown"]
    assert "The first change." not in draft["lessons"][0]["markdown"]
    assert import_audit(course_app)[-1][2] == {
        "outcome": "drafted",
        "revision": 2,
        "folder": "01-staying-safe",
    }
    assert version_count(course_app) == 2


def test_the_command_line_import_still_publishes_at_once(course_app: Flask, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(EXAMPLE_BUNDLE, bundle)
    lesson = bundle / "01-staying-safe" / "01-the-steps.md"
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\nFrom the files.\n", encoding="utf-8")

    result = course_app.test_cli_runner().invoke(args=["content", "import", str(bundle)])

    assert result.exit_code == 0, result.output
    assert "new version: staying-safe" in result.output
    assert stored_draft(course_app, "staying-safe") is None
    learners_see = course_app.test_client().get("/modules/staying-safe/the-steps")
    assert "From the files." in learners_see.get_data(as_text=True)


# Refusals ---------------------------------------------------------------------------------------


def with_entry(files: dict[str, bytes], name: str, content: bytes = b"x") -> bytes:
    return zip_of({**files, name: content})


def symlink_zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
        link = zipfile.ZipInfo("01-staying-safe/02-link.md")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    return buffer.getvalue()


def bomb_zip(files: dict[str, bytes]) -> bytes:
    """A lesson that unzips to 50 MB of zeros, from a few kilobytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
        with archive.open("01-staying-safe/03-zeros.md", "w", force_zip64=True) as stream:
            chunk = bytes(1024 * 1024)
            for _megabyte in range(50):
                stream.write(chunk)
    return buffer.getvalue()


def lying_header_zip(files: dict[str, bytes]) -> bytes:
    """A 2 MB lesson whose headers claim it holds 10 bytes."""
    data = bytearray(zip_of({**files, "01-staying-safe/03-big.md": bytes(2 * 1024 * 1024)}))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        entry = archive.getinfo("01-staying-safe/03-big.md")
    real_size = entry.file_size.to_bytes(4, "little")
    claimed = (10).to_bytes(4, "little")
    # The local header and the central directory both carry the size: rewrite both.
    return bytes(data).replace(real_size, claimed)


def encrypted_zip(files: dict[str, bytes]) -> bytes:
    """The zip with every entry marked as encrypted (zipfile cannot write encrypted entries)."""
    data = bytearray(zip_of(files))
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = data.find(signature)
        while start != -1:
            data[start + flag_offset] |= 0x1
            start = data.find(signature, start + 4)
    return bytes(data)


def too_many_entries(files: dict[str, bytes]) -> bytes:
    extra = {f"01-staying-safe/{number:02d}-extra-{number}.md": b"x" for number in range(3, 203)}
    return zip_of({**files, **extra})


def renamed(files: dict[str, bytes], old: str, new: str) -> dict[str, bytes]:
    return {name.replace(old, new, 1): content for name, content in files.items()}


REFUSALS = {
    "not a zip": (lambda files: b"this is not a zip file", "not a zip file"),
    "truncated zip": (lambda files: zip_of(files)[:-30], "not a zip file"),
    "climbs out with ..": (
        lambda files: with_entry(files, "01-staying-safe/../../evil.md"),
        "unsafe path",
    ),
    "starts with ..": (lambda files: with_entry(files, "../01-evil.md"), "unsafe path"),
    "absolute path": (lambda files: with_entry(files, "/etc/cron.d/evil"), "absolute path"),
    "drive letter": (lambda files: with_entry(files, "C:/evil.md"), "drive letter"),
    "backslash": (
        lambda files: with_entry(files, "01-staying-safe\\..\\evil.md"),
        "backslash",
    ),
    "symbolic link": (symlink_zip, "symbolic link"),
    "too many entries": (too_many_entries, "at most 200"),
    "zip bomb": (bomb_zip, "larger than 1 MB when unzipped"),
    "header lies about size": (lying_header_zip, "01-staying-safe/03-big.md"),
    "encrypted": (encrypted_zip, "encrypted"),
    "nested folder": (
        lambda files: with_entry(files, "01-staying-safe/extra/01-more.md"),
        "in a folder inside the module folder",
    ),
    "nested empty folder": (
        lambda files: with_entry(files, "01-staying-safe/extra/", b""),
        "is a folder inside the module folder",
    ),
    "two top folders": (
        lambda files: with_entry(files, "02-other/module.yaml"),
        "more than one folder",
    ),
    "file at top level": (lambda files: with_entry(files, "module.yaml"), "outside a folder"),
    "only files at top level": (
        lambda files: zip_of({name.split("/")[-1]: content for name, content in files.items()}),
        "outside a folder",
    ),
    "badly named folder": (
        lambda files: zip_of(renamed(files, "01-staying-safe/", "staying-safe/")),
        "two digits, a hyphen",
    ),
    "wrong file type": (
        lambda files: with_entry(files, "01-staying-safe/notes.txt"),
        "notes.txt cannot be in a module",
    ),
    "script": (
        lambda files: with_entry(files, "01-staying-safe/run.sh"),
        "run.sh cannot be in a module",
    ),
    "empty zip": (lambda files: zip_of({}), "The zip is empty"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_an_unsafe_or_malformed_zip_is_refused_and_stores_nothing(
    course_app: Flask, author: FlaskClient, staying_safe: dict[str, bytes], case: str
) -> None:
    build, message = REFUSALS[case]
    changed = dict(staying_safe)
    # Were the zip accepted, this change would make a draft.
    changed["01-staying-safe/01-the-steps.md"] += b"\nChanged.\n"
    modules_before, versions_before = module_count(course_app), version_count(course_app)

    response = upload(author, build(changed))

    assert response.status_code == 400
    text = page_text(response)
    assert message in text, text
    assert "There is a problem" in text
    assert module_count(course_app) == modules_before
    assert version_count(course_app) == versions_before
    assert stored_draft(course_app, "staying-safe") is None
    assert import_audit(course_app) == []


def test_validator_problems_are_listed_by_file_and_line_as_named_in_the_zip(
    course_app: Flask, author: FlaskClient, staying_safe: dict[str, bytes]
) -> None:
    broken = dict(staying_safe)
    broken["01-staying-safe/module.yaml"] = broken["01-staying-safe/module.yaml"].replace(
        b"minutes: 5", b"minutes: lots"
    )
    broken["01-staying-safe/02-calling-for-help.md"] += b"\nSee [nowhere](/modules/nowhere/x).\n"

    response = upload(author, zip_of(broken))

    assert response.status_code == 400
    text = page_text(response)
    assert "01-staying-safe/module.yaml:4: minutes must be a whole number" in text
    assert "01-staying-safe/02-calling-for-help.md:" in text
    assert "broken link '/modules/nowhere/x'" in text
    assert "modules/01-staying-safe" not in text
    assert "The module has 2 problems" in text
    assert version_count(course_app) == 2
    assert import_audit(course_app) == []


def test_an_upload_over_5_mb_is_refused_at_the_field(
    course_app: Flask, author: FlaskClient
) -> None:
    response = upload(author, bytes(module_zip.MAX_UPLOAD_BYTES + 1))

    assert response.status_code == 400
    assert "The file is larger than 5 MB." in page_text(response)
    assert version_count(course_app) == 2


def test_an_upload_over_the_site_limit_gets_the_form_with_a_message(tmp_path: Path) -> None:
    app = build_app(tmp_path, MAX_CONTENT_LENGTH=1024 * 1024)
    import_bundle(app)
    client = signed_in_admin(app, "author@example.org", role=Role.AUTHOR)

    response = upload(client, bytes(2 * 1024 * 1024))

    assert response.status_code == 413
    text = page_text(response)
    assert "The file is larger than 5 MB." in text
    assert '<h1 class="heading-xl">Import a module</h1>' in text


def test_an_upload_without_a_file_asks_for_one(course_app: Flask, author: FlaskClient) -> None:
    token = csrf_token_from(author.get(IMPORT_PATH).get_data(as_text=True))

    response = author.post(IMPORT_PATH, data={"csrf_token": token})

    assert response.status_code == 400
    assert "Choose a module zip file to upload" in page_text(response)


def test_reading_a_zip_never_trusts_its_declared_sizes(staying_safe: dict[str, bytes]) -> None:
    with pytest.raises(module_zip.ModuleZipRefused) as refused:
        module_zip.read_module_zip(bomb_zip(staying_safe))

    assert "larger than 1 MB when unzipped" in refused.value.reason


def test_files_that_add_up_to_more_than_10_mb_are_refused(
    staying_safe: dict[str, bytes],
) -> None:
    lessons = {
        f"01-staying-safe/{number:02d}-big-{number}.md": bytes(1024 * 1024)
        for number in range(3, 14)
    }

    with pytest.raises(module_zip.ModuleZipRefused) as refused:
        module_zip.read_module_zip(zip_of({**staying_safe, **lessons}))

    assert "more than 10 MB when unzipped" in refused.value.reason


def test_macos_litter_is_skipped(course_app: Flask, staying_safe: dict[str, bytes]) -> None:
    litter = {
        "__MACOSX/01-staying-safe/._module.yaml": b"junk",
        "01-staying-safe/.DS_Store": b"junk",
    }

    uploaded = module_zip.read_module_zip(zip_of({**staying_safe, **litter}))

    assert uploaded.folder_name == "01-staying-safe"
    assert set(uploaded.files) == {name.split("/", 1)[1] for name in staying_safe}


# Not found and access ---------------------------------------------------------------------------


def test_unknown_modules_and_versions_are_not_found(course_app: Flask, author: FlaskClient) -> None:
    module_id = module_ids(course_app)["staying-safe"]

    assert author.get(export_path(999_999)).status_code == 404
    assert author.get(export_path(module_id, 2)).status_code == 404
    assert author.get(export_path(module_id, 0)).status_code == 404


def blueprint_routes() -> list[tuple[str, str, str]]:
    app = create_app({"SECRET_KEY": "routes", "DATABASE_URL": "sqlite://"})
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] != "admin_module_zips":
            continue
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            found.append((method, rule.rule, rule.endpoint))
    return sorted(found)


ROUTES = blueprint_routes()


def test_the_matrix_covers_every_page_of_the_blueprint() -> None:
    export = "/admin/modules/<int:module_id>/versions/<int:number>/export"
    assert ROUTES == [
        ("GET", export, "admin_module_zips.export_version"),
        ("GET", "/admin/modules/import", "admin_module_zips.import_zip"),
        ("POST", "/admin/modules/import", "admin_module_zips.import_zip"),
    ]


@pytest.mark.parametrize(("method", "rule", "endpoint"), ROUTES)
def test_only_authors_and_admins_with_two_factors_reach_module_zips(
    course_app: Flask, author: FlaskClient, method: str, rule: str, endpoint: str
) -> None:
    clients = {
        "anonymous": course_app.test_client(),
        "learner": signed_in(course_app, "learner@example.org"),
        "author without two factors": signed_in(
            course_app, "author1@example.org", role=Role.AUTHOR
        ),
        "admin without two factors": signed_in(course_app, "admin1@example.org", role=Role.ADMIN),
        "author": author,
        "admin": signed_in_admin(course_app, "admin@example.org"),
    }
    url_rule: Rule = next(r for r in course_app.url_map.iter_rules() if r.endpoint == endpoint)
    values = {"module_id": module_ids(course_app)["staying-safe"], "number": 1}
    with course_app.test_request_context():
        from flask import url_for

        path = url_for(endpoint, **{k: v for k, v in values.items() if k in url_rule.arguments})
    zip_data = exported(author, values["module_id"])

    def attempt(client: FlaskClient):  # type: ignore[no-untyped-def]
        if method == "GET":
            return client.get(path)
        token = csrf_token_from(client.get("/").get_data(as_text=True))
        boundary, body = encode_multipart(
            {"csrf_token": token, "file": FileStorage(io.BytesIO(zip_data), filename="m.zip")}
        )
        return client.post(
            path, data=body, content_type=f"multipart/form-data; boundary={boundary}"
        )

    responses = {who: attempt(client) for who, client in clients.items()}

    assert responses["anonymous"].status_code == 302
    assert "/login" in responses["anonymous"].headers["Location"]
    assert responses["learner"].status_code == 403
    for who in ("author without two factors", "admin without two factors"):
        assert responses[who].status_code == 302
        assert "/two-factor" in responses[who].headers["Location"]
    for who in ("author", "admin"):
        assert responses[who].status_code in (200, 302), (who, responses[who].status_code)
    assert version_count(course_app) == 2


def test_a_file_in_the_zip_twice_is_refused(staying_safe: dict[str, bytes]) -> None:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns of the duplicate name
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, content in staying_safe.items():
                archive.writestr(name, content)
            archive.writestr("01-staying-safe/module.yaml", b"slug: other\n")

    with pytest.raises(module_zip.ModuleZipRefused) as refused:
        module_zip.read_module_zip(buffer.getvalue())

    assert "01-staying-safe/module.yaml is in the zip twice." in refused.value.messages


def test_two_imports_of_a_new_module_at_once_make_one_module(
    course_app: Flask, author: FlaskClient
) -> None:
    data = zip_of(new_module_files())
    start = threading.Barrier(2, timeout=30)
    outcomes: list[str] = []

    def import_once() -> None:
        with course_app.app_context():
            user = db.session.scalar(select(User).where(User.email == "author@example.org"))
            course = the_course()
            assert user is not None and course is not None
            db.session.rollback()
            start.wait()
            outcomes.append(module_zip.import_module_zip(course, data, user).outcome.value)
            db.session.commit()

    threads = [threading.Thread(target=import_once) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["created", "unchanged"]
    assert module_ids(course_app).keys() == {"staying-safe", "reporting", "first-aid"}


# Images travel with the module -------------------------------------------------------------------


def module_showing_an_image(app: Flask) -> tuple[int, str, bytes]:
    """Version 2 of staying-safe, whose first lesson shows an uploaded image: (module id, image
    name, image bytes)."""
    from course.authoring.images import store_image
    from course.catalogue.services import module_source, store_version
    from tests.fixtures.images import image_bytes

    data = image_bytes()
    with app.app_context():
        uploader = db.session.scalar(select(User).where(User.email == "author@example.org"))
        assert uploader is not None
        media = store_image(data, "A cordon across a street", uploader)
        module = db.session.scalar(select(Module).where(Module.slug == "staying-safe"))
        assert module is not None and module.current_version is not None
        source = module_source(module.current_version)
        first = source.lessons[0]
        source.lessons[0] = dataclasses.replace(
            first, markdown=first.markdown + f"\n![A cordon across a street](/media/{media.name})\n"
        )
        store_version(module, source)
        db.session.commit()
        return module.id, media.name, data


def test_an_export_carries_the_images_its_lessons_show(
    course_app: Flask, author: FlaskClient
) -> None:
    module_id, name, data = module_showing_an_image(course_app)
    files = files_of(exported(author, module_id, 2))
    assert files[f"01-staying-safe/media/{name}"] == data
    assert [path for path in files if "/media/" in path] == [f"01-staying-safe/media/{name}"]
    # The same site: importing it back changes nothing and stores no second copy.
    response = upload(author, exported(author, module_id, 2))
    assert response.status_code == 302
    assert version_count(course_app) == 3
    with course_app.app_context():
        from course.authoring.models import MediaFile

        assert db.session.scalar(select(func.count(MediaFile.id))) == 1


def test_a_zip_brings_its_images_to_another_site(
    course_app: Flask, author: FlaskClient, tmp_path: Path
) -> None:
    module_id, name, data = module_showing_an_image(course_app)
    archive = exported(author, module_id, 2)
    other_site = build_app(tmp_path / "other")
    import_bundle(other_site)
    other_author = signed_in_admin(other_site, "author@example.org", role=Role.AUTHOR)
    response = upload(other_author, archive)
    assert response.status_code == 302, page_text(response)
    publish(other_author, module_ids(other_site)["staying-safe"])
    image = other_author.get(f"/media/{name}")
    assert image.status_code == 200 and image.data == data
    lesson = other_author.get("/modules/staying-safe/the-steps").get_data(as_text=True)
    assert f'src="/media/{name}"' in lesson


def test_a_lesson_showing_an_image_the_zip_lacks_is_refused(
    course_app: Flask, author: FlaskClient, staying_safe: dict[str, bytes]
) -> None:
    files: dict[str, bytes | str] = dict(staying_safe)
    lesson = "01-staying-safe/01-the-steps.md"
    files[lesson] = (
        staying_safe[lesson] + b"\n![Gone](/media/0123456789abcdef0123456789abcdef.png)\n"
    )
    response = upload(author, zip_of(files))
    assert response.status_code == 400
    text = page_text(response)
    assert "01-staying-safe/01-the-steps.md shows the image /media/0123456789abcdef" in text
    assert "neither in the zip's media folder nor on this site" in text
    assert version_count(course_app) == 2


def test_a_media_file_that_is_not_an_image_is_refused(
    course_app: Flask, author: FlaskClient, staying_safe: dict[str, bytes]
) -> None:
    name = "0123456789abcdef0123456789abcdef.png"
    files: dict[str, bytes | str] = dict(staying_safe)
    files[f"01-staying-safe/media/{name}"] = b"<html><script>alert(1)</script></html>"
    response = upload(author, zip_of(files))
    assert response.status_code == 400
    assert f"01-staying-safe/media/{name}:" in page_text(response)
    assert author.get(f"/media/{name}").status_code == 404
