"""A key given twice in one YAML mapping is a problem, reported at the second one.

PyYAML keeps the last value without a word, so a reviewer who reads ``pass_mark: 80`` or a
question's ``answer: false`` could be approving a file whose later line says otherwise. Every YAML
the bundle reads (course.yaml, module.yaml, quiz.yaml, lesson front matter) reports it as
``file:line`` naming the first line, and nothing is imported, from the command line or a zip.
"""

from __future__ import annotations

import html
import io
import shutil
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from course.catalogue.models import ModuleVersion
from course.extensions import db
from tests.fixtures.apps import EXAMPLE_BUNDLE
from tests.fixtures.security_site import AUTHOR, Site
from tests.fixtures.web import csrf_token_from

IMPORT_PATH = "/admin/modules/import"

#: case -> (file in the bundle, text in it, what replaces that text, the one problem reported)
DUPLICATES = {
    "course.yaml": (
        "course.yaml",
        "  - reporting\n",
        "  - reporting\ncertificate_validity_months: 120\n",
        "bundle/course.yaml:9: 'certificate_validity_months' is given twice (first on line 4); "
        "keep one",
    ),
    "module.yaml": (
        "01-staying-safe/module.yaml",
        "response/run-hide-tell\n",
        "response/run-hide-tell\npass_mark: 10\n",
        "bundle/01-staying-safe/module.yaml:15: 'pass_mark' is given twice (first on line 5); "
        "keep one",
    ),
    "quiz.yaml, inside a question": (
        "01-staying-safe/quiz.yaml",
        "    explanation: Filming slows you down.",
        "    answer: true\n    explanation: Filming slows you down.",
        "bundle/01-staying-safe/quiz.yaml:25: 'answer' is given twice (first on line 24); keep one",
    ),
    "quiz.yaml, the second key quoted": (
        "01-staying-safe/quiz.yaml",
        "    explanation: Filming slows you down.",
        '    "answer": true\n    explanation: Filming slows you down.',
        "bundle/01-staying-safe/quiz.yaml:25: 'answer' is given twice (first on line 24); keep one",
    ),
    "lesson front matter": (
        "01-staying-safe/01-the-steps.md",
        "slug: the-steps\n",
        "slug: the-steps\ntitle: Something else\n",
        "bundle/01-staying-safe/01-the-steps.md:4: 'title' is given twice (first on line 2); "
        "keep one",
    ),
}

MERGE_KEY_PROBLEM = (
    "bundle/01-staying-safe/quiz.yaml:12: YAML syntax error: merge keys (<<) are not supported: "
    "write each field out"
)


def version_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(ModuleVersion.id))) or 0


def bundle_with(tmp_path: Path, file_name: str, old: str, new: str) -> Path:
    bundle = tmp_path / "bundle"
    shutil.copytree(EXAMPLE_BUNDLE, bundle)
    path = bundle / file_name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not in {path} once"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return bundle


@pytest.mark.parametrize("case", sorted(DUPLICATES))
def test_a_duplicate_key_is_the_one_problem_content_check_reports(
    runner: FlaskCliRunner, tmp_path: Path, case: str
) -> None:
    bundle = bundle_with(tmp_path, *DUPLICATES[case][:3])

    result = runner.invoke(args=["content", "check", str(bundle)])

    assert result.exit_code == 1
    assert result.output.splitlines() == [
        DUPLICATES[case][3],
        "1 problem found; nothing was imported.",
    ]


@pytest.mark.parametrize("case", sorted(DUPLICATES))
def test_a_bundle_with_a_duplicate_key_imports_nothing(
    runner: FlaskCliRunner, app: Flask, tmp_path: Path, case: str
) -> None:
    bundle = bundle_with(tmp_path, *DUPLICATES[case][:3])

    result = runner.invoke(args=["content", "import", str(bundle)])

    assert result.exit_code == 1
    assert DUPLICATES[case][3] in result.output
    assert "nothing was imported" in result.output
    assert version_count(app) == 0


def test_a_merge_key_is_refused_not_merged(
    runner: FlaskCliRunner, app: Flask, tmp_path: Path
) -> None:
    # Merged keys give way silently to the keys beside them, the same trap as a duplicate key.
    bundle = bundle_with(
        tmp_path,
        "01-staying-safe/quiz.yaml",
        "  - id: hiding-places\n    type: multiple_choice\n",
        "  - id: hiding-places\n    <<: {type: multiple_choice}\n",
    )

    checked = runner.invoke(args=["content", "check", str(bundle)])
    imported = runner.invoke(args=["content", "import", str(bundle)])

    assert checked.exit_code == 1
    assert checked.output.splitlines() == [
        MERGE_KEY_PROBLEM,
        "1 problem found; nothing was imported.",
    ]
    assert imported.exit_code == 1 and MERGE_KEY_PROBLEM in imported.output
    assert version_count(app) == 0


def test_a_module_zip_with_a_duplicate_key_is_refused_and_stores_nothing(site: Site) -> None:
    folder = EXAMPLE_BUNDLE / "01-staying-safe"
    files = {f"01-staying-safe/{path.name}": path.read_bytes() for path in folder.iterdir()}
    files["01-staying-safe/module.yaml"] += b"pass_mark: 10\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    author = site.clients[AUTHOR]
    token = csrf_token_from(author.get(IMPORT_PATH).get_data(as_text=True))
    before = version_count(site.app)

    response = author.post(
        IMPORT_PATH,
        data={"csrf_token": token, "file": (io.BytesIO(buffer.getvalue()), "module.zip")},
    )

    assert response.status_code == 400
    text = html.unescape(response.get_data(as_text=True))
    assert (
        "01-staying-safe/module.yaml:15: 'pass_mark' is given twice (first on line 5); keep one"
    ) in text
    assert "The module has 1 problem" in text
    assert version_count(site.app) == before
