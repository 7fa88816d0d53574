"""Fuzz the content validator: arbitrary bytes become one module folder in a bundle.

The input is split into ``module.yaml``, ``quiz.yaml`` and one lesson (``01-lesson.md``): two
2-byte little-endian lengths, then the first two files, then the lesson (see ``pack`` in
``fuzz/make_seeds.py``). The folder is read with ``read_bundle``, beside a ``course.yaml`` that
requires the module. Returning, or raising :class:`ContentError`, is fine; any other exception is
a finding, and so is a hang (libFuzzer's ``-timeout``). ``check_module_folder``, the web editor's
check, runs the same per-file code and is left out to keep the rate up.

    .venv/bin/python fuzz/content_validator.py fuzz/corpus/content_validator \
        -dict=fuzz/content_validator.dict -max_total_time=60
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import atheris

# Only the app's code is instrumented: instrumenting PyYAML too makes each input three times as
# slow (about 10 a second). fuzz/content_validator.dict hands the fuzzer YAML's syntax instead.
with atheris.instrument_imports(include=["course"]):
    from course.catalogue.bundle import ContentError, read_bundle

COURSE_YAML = """\
slug: fuzz-course
title: Fuzz course
summary: One module, read from the fuzzer's input.
regions: [uk, us, au, eu]
modules:
  - understanding-the-threat
"""
FILES = ("module.yaml", "quiz.yaml", "01-lesson.md")
FOLDER_NAME = "01-understanding-the-threat"


def split(data: bytes) -> tuple[bytes, bytes, bytes]:
    """``module.yaml``, ``quiz.yaml`` and the lesson, from the fuzzer's input."""
    provider = atheris.FuzzedDataProvider(data)
    module_length = provider.ConsumeUInt(2)
    quiz_length = provider.ConsumeUInt(2)
    module = provider.ConsumeBytes(module_length)
    quiz = provider.ConsumeBytes(quiz_length)
    lesson = provider.ConsumeBytes(provider.remaining_bytes())
    return module, quiz, lesson


def test_one_input(data: bytes) -> None:
    # A fresh folder each time (a fraction of a millisecond): libFuzzer ends the process without
    # running Python's clean-up, so a folder kept across inputs would be left behind.
    with tempfile.TemporaryDirectory(prefix="fuzz-content-") as workspace:
        root = Path(workspace) / "modules"
        folder = root / FOLDER_NAME
        folder.mkdir(parents=True)
        (root / "course.yaml").write_text(COURSE_YAML, encoding="utf-8")
        for name, content in zip(FILES, split(data), strict=True):
            (folder / name).write_bytes(content)
        try:
            read_bundle(root)
        except ContentError:
            pass


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
