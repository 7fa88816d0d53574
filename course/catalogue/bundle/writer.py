"""Writing sources back out as files, in canonical form: the same content always gives the same
text, so exporting twice gives identical files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from course.catalogue.bundle.layout import COURSE_FILE, MODULE_FILE, QUIZ_FILE
from course.catalogue.bundle.sources import CourseSource, ModuleSource
from course.catalogue.bundle.translation_files import translation_files
from course.catalogue.bundle.yaml_text import block_yaml
from course.catalogue.measurement_bank import MEASURE_FILE
from course.catalogue.pictures import PICTURES_FOLDER


def _dump_yaml(data: Any) -> str:
    return yaml.safe_dump(
        data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100
    )


def scenario_yaml(scenario: dict[str, Any]) -> str:
    """A scenario (or part of one, such as its ``start`` and ``steps``) as its file writes it."""
    return block_yaml(scenario)


def module_files(module: ModuleSource) -> dict[str, str]:
    """Every file of the module's folder, by name, in canonical form: the same content always
    gives the same text."""
    files = {MODULE_FILE: _dump_yaml(module.metadata())}
    for lesson in module.lessons:
        if lesson.scenario is not None:
            files[lesson.file_name] = scenario_yaml(lesson.scenario)
            continue
        front = _dump_yaml(lesson.front_matter())
        files[lesson.file_name] = f"---\n{front}---\n{lesson.markdown}"
    files[QUIZ_FILE] = _dump_yaml({"questions": module.questions})
    if module.measurement is not None:
        files[MEASURE_FILE] = _dump_yaml(module.measurement)
    for name, svg in sorted(module.pictures.items()):
        files[f"{PICTURES_FOLDER}/{name}"] = svg
    files.update(translation_files(module))
    return files


def write_module(module: ModuleSource, folder: Path) -> None:
    """Write one module folder in canonical form."""
    for name, text in module_files(module).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")


def write_bundle(course: CourseSource, root: Path) -> None:
    """Write ``course.yaml`` and every module folder under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / COURSE_FILE).write_text(_dump_yaml(course.metadata()), encoding="utf-8")
    for module in course.modules:
        write_module(module, root / module.folder_name)
