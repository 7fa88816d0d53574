"""`content import` and `content export`: only changes make versions; exports round-trip."""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from course.catalogue.models import Lesson, Module, ModuleVersion
from course.core.regions import Region
from course.extensions import db


def version_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(ModuleVersion.id))) or 0


def test_import_creates_modules_with_rendered_lessons_for_every_region(
    runner: FlaskCliRunner, app: Flask, bundle: Path
) -> None:
    result = runner.invoke(args=["content", "import", str(bundle)])

    assert result.exit_code == 0, result.output
    assert "new module: staying-safe" in result.output
    with app.app_context():
        lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "the-steps"))
        assert lesson is not None
        assert "Run, Hide, Tell" in lesson.html_for(Region.UK)
        assert "Run, Hide, Fight" in lesson.html_for(Region.US) and "Tell" not in lesson.html_for(
            Region.US
        )
        assert "Escape, Hide, Tell" in lesson.html_for(Region.AUSTRALIA)
        assert "Run, Hide, Tell" in lesson.html_for(Region.EUROPEAN_UNION)
        assert ":::" not in lesson.html_for(Region.UK)


def test_importing_unchanged_content_creates_nothing(
    runner: FlaskCliRunner, app: Flask, bundle: Path
) -> None:
    runner.invoke(args=["content", "import", str(bundle)])

    result = runner.invoke(args=["content", "import", str(bundle)])

    assert "unchanged: staying-safe" in result.output and "unchanged: reporting" in result.output
    assert version_count(app) == 2


def test_changed_content_creates_a_new_version_of_that_module_only(
    runner: FlaskCliRunner, app: Flask, bundle: Path
) -> None:
    runner.invoke(args=["content", "import", str(bundle)])
    quiz = bundle / "02-reporting" / "quiz.yaml"
    quiz.write_text(
        quiz.read_text().replace("Behaviour is what matters.", "Behaviour matters most.")
    )

    result = runner.invoke(args=["content", "import", str(bundle)])

    assert "new version: reporting" in result.output and "unchanged: staying-safe" in result.output
    with app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == "reporting"))
        assert module is not None and module.current_version is not None
        assert [version.number for version in module.versions] == [1, 2]
        assert module.current_version.number == 2
        first = module.versions[0]
        assert first.questions[1].data["explanation"] == "Behaviour is what matters."


def test_a_bundle_with_problems_imports_nothing(
    runner: FlaskCliRunner, app: Flask, bundle: Path
) -> None:
    (bundle / "02-reporting" / "quiz.yaml").write_text("questions: [")

    result = runner.invoke(args=["content", "import", str(bundle)])

    assert result.exit_code == 1
    assert "02-reporting/quiz.yaml:1: YAML syntax error" in result.output
    assert "nothing was imported" in result.output
    assert version_count(app) == 0


def test_a_failed_import_leaves_the_stored_course_as_it_was(
    runner: FlaskCliRunner, app: Flask, bundle: Path
) -> None:
    runner.invoke(args=["content", "import", str(bundle)])
    module_file = bundle / "01-staying-safe" / "module.yaml"
    module_file.write_text(module_file.read_text().replace("title: Staying safe", "title: Changed"))
    (bundle / "02-reporting" / "quiz.yaml").write_text("questions: [")

    runner.invoke(args=["content", "import", str(bundle)])

    assert version_count(app) == 2
    with app.app_context():
        titles = db.session.scalars(select(ModuleVersion.title)).all()
        assert "Changed" not in titles


def test_a_module_left_out_of_the_bundle_is_archived_not_deleted(
    runner: FlaskCliRunner, app: Flask, bundle: Path
) -> None:
    runner.invoke(args=["content", "import", str(bundle)])
    shutil.rmtree(bundle / "02-reporting")
    course_file = bundle / "course.yaml"
    course_file.write_text(course_file.read_text().replace("  - reporting\n", ""))
    lesson = bundle / "01-staying-safe" / "02-calling-for-help.md"
    lesson.write_text(
        lesson.read_text().replace("Then read about [reporting](/modules/reporting/).", "")
    )

    result = runner.invoke(args=["content", "import", str(bundle)])

    assert "archived: reporting" in result.output
    with app.app_context():
        module = db.session.scalar(select(Module).where(Module.slug == "reporting"))
        assert module is not None and module.archived_at is not None and not module.is_listed
        assert len(module.versions) == 1


def test_export_twice_gives_identical_files_and_reimport_creates_no_version(
    runner: FlaskCliRunner, app: Flask, bundle: Path, tmp_path: Path
) -> None:
    runner.invoke(args=["content", "import", str(bundle)])

    first = runner.invoke(args=["content", "export", str(tmp_path / "first")])
    second = runner.invoke(args=["content", "export", str(tmp_path / "second")])
    reimported = runner.invoke(args=["content", "import", str(tmp_path / "first")])

    assert first.exit_code == second.exit_code == 0
    comparison = filecmp.dircmp(tmp_path / "first", tmp_path / "second")
    assert comparison.left_list == comparison.right_list
    for folder in ["", "01-staying-safe", "02-reporting"]:
        names = sorted(p.name for p in (tmp_path / "first" / folder).iterdir() if p.is_file())
        match, mismatch, errors = filecmp.cmpfiles(
            tmp_path / "first" / folder, tmp_path / "second" / folder, names, shallow=False
        )
        assert mismatch == [] and errors == [] and match == names
    assert "new version" not in reimported.output and "new module" not in reimported.output
    assert version_count(app) == 2


def test_export_of_one_module_writes_its_folder(
    runner: FlaskCliRunner, app: Flask, bundle: Path, tmp_path: Path
) -> None:
    runner.invoke(args=["content", "import", str(bundle)])

    result = runner.invoke(
        args=["content", "export", str(tmp_path / "out"), "--module", "reporting"]
    )

    assert result.exit_code == 0
    assert sorted(p.name for p in (tmp_path / "out" / "02-reporting").iterdir()) == [
        "01-how-to-report.md",
        "module.yaml",
        "quiz.yaml",
    ]
    assert not (tmp_path / "out" / "course.yaml").exists()


def test_export_refuses_a_folder_that_is_not_empty(
    runner: FlaskCliRunner, app: Flask, bundle: Path
) -> None:
    runner.invoke(args=["content", "import", str(bundle)])

    result = runner.invoke(args=["content", "export", str(bundle)])

    assert result.exit_code == 2 and "is not an empty folder" in result.output
