"""A module as one JSON document, the form a draft is kept in, and back.

The document holds exactly what a module folder holds (see :class:`ModuleSource`), plus whether
the module is required for the certificate, which the course file says for files.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from course.catalogue.bundle import DEFAULT_PASS_MARK, LessonKind, LessonSource, ModuleSource
from course.catalogue.models import Module, ModuleVersion
from course.catalogue.services import module_source

Document = dict[str, Any]

NEW_MODULE_MINUTES = 5
NEW_MODULE_QUESTIONS_PER_ATTEMPT = 5


def document_of(source: ModuleSource, required: bool) -> Document:
    return {
        "folder_name": source.folder_name,
        "required": required,
        "metadata": {**source.metadata(), "reviewed": source.reviewed.isoformat()},
        "lessons": [lesson.canonical() for lesson in source.lessons],
        "questions": [dict(question) for question in source.questions],
        "pictures": dict(source.pictures),
        "measurement": source.measurement,
        "translations": source.translations,
    }


def document_of_version(version: ModuleVersion) -> Document:
    return document_of(module_source(version), version.module.is_required)


def blank_document(module: Module, title: str) -> Document:
    """A new module's first draft: its title, sensible numbers, and nothing else yet."""
    return {
        "folder_name": f"{module.position:02d}-{module.slug}",
        "required": False,
        "metadata": {
            "slug": module.slug,
            "title": title,
            "summary": "",
            "minutes": NEW_MODULE_MINUTES,
            "pass_mark": DEFAULT_PASS_MARK,
            "questions_per_attempt": NEW_MODULE_QUESTIONS_PER_ATTEMPT,
            "reviewed": date.today().isoformat(),
            "objectives": [],
            "sources": [],
        },
        "lessons": [],
        "questions": [],
        "pictures": {},
    }


def source_of(document: Document) -> ModuleSource:
    metadata = document["metadata"]
    return ModuleSource(
        folder_name=document["folder_name"],
        slug=metadata["slug"],
        title=metadata["title"],
        summary=metadata["summary"],
        minutes=metadata["minutes"],
        pass_mark=metadata["pass_mark"],
        questions_per_attempt=metadata["questions_per_attempt"],
        reviewed=date.fromisoformat(metadata["reviewed"]),
        objectives=list(metadata["objectives"]),
        sources=[dict(item) for item in metadata["sources"]],
        lessons=[
            LessonSource(
                lesson["file"],
                lesson["slug"],
                lesson["title"],
                lesson["markdown"],
                # Drafts saved before lessons cited sources have neither key.
                LessonKind(lesson.get("kind", LessonKind.FACTS)),
                list(lesson.get("sources", [])),
                scenario=lesson.get("scenario"),
            )
            for lesson in document["lessons"]
        ],
        questions=[dict(question) for question in document["questions"]],
        # Drafts saved before modules had pictures have none.
        pictures=dict(document.get("pictures", {})),
        scenario_counts=metadata.get("scenario_counts", True),
        # Drafts saved before modules had measurement banks have none.
        measurement=document.get("measurement"),
        # Drafts saved before modules had translations have none.
        translations=dict(document.get("translations", {})),
    )
