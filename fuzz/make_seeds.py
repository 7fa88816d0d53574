"""Write the seed corpora in ``fuzz/corpus/`` from the real content and a small CSV.

.venv/bin/python fuzz/make_seeds.py
"""

from __future__ import annotations

import struct
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODULE = HERE.parent / "modules" / "01-understanding-the-threat"
CORPUS = HERE / "corpus"

CSV_SEEDS = {
    "example.csv": b"email,name,team\n"
    b"sam.jones@example.org,Sam Jones,Front of house\n"
    b"alex.lee@example.org,Alex Lee,Box office\n",
    "aliases.csv": b'\xef\xbb\xbfE-mail,Site\r\n"lee@example.org","Box, office"\r\n'
    b"not-an-email,\r\n",
    "problems.csv": b'email\nsam@example.org\n\nSAM@example.org\n"unclosed\n',
}


def pack(module: bytes, quiz: bytes, lesson: bytes) -> bytes:
    """One input of ``fuzz/content_validator.py``: the inverse of its ``split``."""
    return struct.pack("<HH", len(module), len(quiz)) + module + quiz + lesson


def small_module_yaml() -> bytes:
    """The real ``module.yaml`` with its first two sources only (the lessons may cite others:
    the validator's complaint about that is as good a path to explore as any)."""
    text = (MODULE / "module.yaml").read_text(encoding="utf-8")
    head, sources = text.split("\n  - id:", 1)
    kept = sources.split("\n  - id:")[:2]
    return (head + "".join("\n  - id:" + source.rstrip("\n") for source in kept) + "\n").encode()


def small_quiz_yaml() -> bytes:
    """Some of the real questions: five for every region (``questions_per_attempt`` is 5), and
    at least one of each type (some only for some regions).

    The whole bank parses at about ten inputs a second under instrumentation; this is ten times
    faster, and mutation finds the rest of the grammar by itself.
    """
    text = (MODULE / "quiz.yaml").read_text(encoding="utf-8")
    head, *questions = text.split("\n  - id:")
    kept = [question for question in questions if "regions:" not in question][:5]
    for question in questions:
        kind = question.split("type:", 1)[1].split()[0]
        if not any(f"type: {kind}\n" in other for other in kept):
            kept.append(question)
    return (head + "".join("\n  - id:" + q.rstrip("\n") + "\n" for q in kept)).encode()


def main() -> None:
    content = CORPUS / "content_validator"
    content.mkdir(parents=True, exist_ok=True)
    module = small_module_yaml()
    quiz = small_quiz_yaml()
    for lesson in sorted(MODULE.glob("*.md")):
        (content / f"{lesson.stem}.bin").write_bytes(pack(module, quiz, lesson.read_bytes()))
    invitations = CORPUS / "invitation_csv"
    invitations.mkdir(parents=True, exist_ok=True)
    for name, data in CSV_SEEDS.items():
        (invitations / name).write_bytes(data)


if __name__ == "__main__":
    main()
