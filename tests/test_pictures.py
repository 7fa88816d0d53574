"""Pictures: SVG drawings kept with a module's files, checked as strictly as lesson HTML, stored
once by digest, shown in lessons for each region, served inert, and written back out unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from course.authoring.draft_document import document_of, source_of
from course.authoring.module_zip import export_version_zip, read_module_zip
from course.catalogue.bundle import read_bundle, write_bundle
from course.catalogue.models import Module, Picture
from course.catalogue.pictures import digest_of, svg_problems
from course.catalogue.services import course_source, import_course, module_source, the_course
from course.extensions import db
from tests.fixtures.content_bundles import problems_in, replace_in
from tests.fixtures.pictures import DRAWING, LESSON, with_picture

# What a picture may hold


def test_a_plain_drawing_has_no_problems() -> None:
    assert svg_problems(DRAWING) == []


@pytest.mark.parametrize(
    ("old", "new", "message", "line"),
    [
        ('<text x="20"', '<script>alert(1)</script><text x="20"', "<script> is not allowed", 7),
        ('role="img"', 'role="img" onload="alert(1)"', "event handlers such as onload=", 1),
        ('fill="#12263f"', 'style="fill:red"', "style attributes are not allowed", 4),
        ('<use href="#arrow"/>', '<use href="https://example.org/a.svg#x"/>', "refers outside", 6),
        (
            '<use href="#arrow"/>',
            '<use xmlns:xlink="http://www.w3.org/1999/xlink" xlink:href="file:///etc/passwd"/>',
            "refers outside",
            6,
        ),
        ('marker-end="url(#arrow)"', 'marker-end="url(https://example.org/x)"', "url(...)", 5),
        ('<text x="20"', '<foreignObject/><text x="20"', "foreignObject", 7),
        ('<text x="20"', '<image href="#arrow"/><text x="20"', "<image> is not allowed", 7),
        ('<text x="20"', '<a href="#arrow"><circle r="1"/></a><text x="20"', "<a> is not", 7),
        ("<title>Run, Hide, Tell: three steps</title>", "", "needs a <title>", 1),
        (' viewBox="0 0 640 320"', "", "needs a viewBox", 1),
        ("</svg>", "", "not well-formed XML", 9),
    ],
)
def test_anything_but_a_plain_drawing_is_refused_at_its_line(
    old: str, new: str, message: str, line: int
) -> None:
    assert old in DRAWING
    problems = svg_problems(DRAWING.replace(old, new, 1))

    assert [(problem.line, message in problem.message) for problem in problems] == [(line, True)]


def test_doctype_and_entities_are_refused() -> None:
    svg = '<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY x "y">]>\n' + DRAWING
    messages = [problem.message for problem in svg_problems(svg)]
    assert any("DOCTYPE or entity" in message for message in messages)


def test_a_picture_over_40_kb_is_refused() -> None:
    big = DRAWING.replace("</svg>", "<!--" + "x" * 41_000 + "-->\n</svg>")
    assert "at most 40 KB" in svg_problems(big)[0].message


# Pictures in the course files


def test_a_picture_a_lesson_shows_is_read_with_its_module(bundle: Path) -> None:
    course = read_bundle(with_picture(bundle))

    assert course.modules[0].pictures == {"steps.svg": DRAWING}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda bundle: replace_in(bundle / LESSON, "pictures/steps.svg", "pictures/gone.svg"),
            f"{LESSON}:11: pictures/gone.svg is not in the module's pictures folder",
        ),
        (
            lambda bundle: replace_in(
                bundle / LESSON, "![The three steps: run, hide, tell.]", "![]"
            ),
            f"{LESSON}:11: the picture steps.svg needs alt text",
        ),
        (
            lambda bundle: replace_in(
                bundle / LESSON, "![The three", "![" + "x" * 300 + " The three"
            ),
            f"{LESSON}:11: the alt text of steps.svg is 334 characters; at most 300",
        ),
        (
            lambda bundle: replace_in(
                bundle / LESSON, "\n![The three steps: run, hide, tell.](pictures/steps.svg)", ""
            ),
            "01-staying-safe/pictures/steps.svg:1: no lesson shows this picture",
        ),
        (
            lambda bundle: (bundle / "01-staying-safe/pictures/Steps Two.svg").write_text(DRAWING),
            "01-staying-safe/pictures/Steps Two.svg:1: a picture must be an .svg file named",
        ),
        (
            lambda bundle: replace_in(
                bundle / "01-staying-safe/pictures/steps.svg", "<rect", '<rect onclick="x()"'
            ),
            "01-staying-safe/pictures/steps.svg:4: event handlers such as onclick=",
        ),
    ],
)
def test_each_problem_with_a_picture_is_reported_at_its_file_and_line(
    bundle: Path,
    change,
    problem: str,  # noqa: ANN001
) -> None:
    with_picture(bundle)
    change(bundle)

    found = problems_in(bundle)

    assert any(line.endswith(problem) or problem in line for line in found), found


def test_a_lesson_and_its_pictures_must_stay_under_300_kb(bundle: Path) -> None:
    heavy = DRAWING.replace("</svg>", "<!--" + "x" * 38_000 + "-->\n</svg>")
    with_picture(bundle)
    names = [f"heavy-{number}.svg" for number in range(9)]
    for name in names:
        (bundle / "01-staying-safe/pictures" / name).write_text(heavy)
    lines = "\n\n".join(f"![Heavy {name}](pictures/{name})" for name in names)
    replace_in(bundle / LESSON, "If there is an attack", f"{lines}\n\nIf there is an attack")

    found = problems_in(bundle)

    assert any("its pictures are 3" in line and "under 300 KB" in line for line in found), found


# Imported, shown, served, written back


def test_an_imported_picture_is_shown_in_every_region_and_served_inert(
    app: Flask, bundle: Path
) -> None:
    with app.app_context():
        import_course(read_bundle(with_picture(bundle)))
        db.session.commit()
        version = the_course().listed_modules[0].current_version  # type: ignore[union-attr]
        digest = digest_of(DRAWING)
        assert version.pictures == {"steps.svg": digest}
        html = version.lessons[0].html_by_region
    address = f"/pictures/{digest}.svg"
    assert f'<img src="{address}" alt="The three steps: run, hide, tell.">' in html["uk"]
    assert address not in html["us"]  # the picture is inside the UK and EU passage

    client = app.test_client()
    response = client.get(address)
    lesson = client.get("/modules/staying-safe/the-steps")

    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.get_data(as_text=True) == DRAWING
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "sandbox" in policy and "script" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert address in lesson.get_data(as_text=True)
    assert client.get(f"/pictures/{'0' * 64}.svg").status_code == 404
    assert client.get("/pictures/not-a-digest.svg").status_code == 404


def test_a_picture_is_stored_once_however_many_versions_show_it(app: Flask, bundle: Path) -> None:
    with app.app_context():
        import_course(read_bundle(with_picture(bundle)))
        replace_in(bundle / LESSON, "act quickly and calmly", "act quickly")
        import_course(read_bundle(bundle))
        db.session.commit()
        module = db.session.scalar(select(Module).where(Module.slug == "staying-safe"))
        assert module is not None and [v.number for v in module.versions] == [1, 2]
        assert module.versions[0].pictures == module.versions[1].pictures
        assert db.session.scalar(select(func.count(Picture.id))) == 1


def test_export_writes_the_pictures_back_and_importing_that_changes_nothing(
    app: Flask, bundle: Path, tmp_path: Path
) -> None:
    exported = tmp_path / "exported"
    with app.app_context():
        import_course(read_bundle(with_picture(bundle)))
        db.session.commit()
        write_bundle(course_source(the_course()), exported)  # type: ignore[arg-type]
        report = import_course(read_bundle(exported))

    assert (exported / "01-staying-safe/pictures/steps.svg").read_text() == DRAWING
    assert report.new_versions == [] and sorted(report.unchanged) == ["reporting", "staying-safe"]


def test_a_module_zip_and_a_draft_carry_the_pictures(app: Flask, bundle: Path) -> None:
    with app.app_context():
        import_course(read_bundle(with_picture(bundle)))
        db.session.commit()
        version = the_course().listed_modules[0].current_version  # type: ignore[union-attr]
        name, data = export_version_zip(version)
        source = module_source(version)

    uploaded = read_module_zip(data)
    assert uploaded.files["pictures/steps.svg"] == DRAWING.encode()
    assert uploaded.kinds["pictures/steps.svg"] == "picture"
    assert source_of(document_of(source, required=True)).pictures == {"steps.svg": DRAWING}
