"""What authoring holds about a person: only who last saved a draft and who uploaded an image.

Registered with :mod:`course.core.personal_data`, to say why neither is exported. Nothing is
erased here: both columns are set to empty by the database when the author's account is deleted.
"""

from __future__ import annotations

from course.core.personal_data import PersonalData, register

register(
    PersonalData(
        feature="authoring",
        not_exported={
            "module_drafts.updated_by_id": "the author's work, not data about them",
            "media_files": "images an author uploaded for lessons: the author's work, under a "
            "random file name",
        },
    )
)
