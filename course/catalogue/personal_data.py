"""What the catalogue holds about a person: only who published each version of a module.

Registered with :mod:`course.core.personal_data`, to say why that is not exported. Nothing is
erased here: the column is set to empty by the database when the author's account is deleted.
"""

from __future__ import annotations

from course.core.personal_data import PersonalData, register

register(
    PersonalData(
        feature="catalogue",
        not_exported={
            "module_versions.published_by_id": "the author's work (who published a version of "
            "the course), not data about them",
        },
    )
)
