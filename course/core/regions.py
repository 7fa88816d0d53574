"""The regions a learner can choose, so numbers and national guidance match where they live."""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l


class Region(enum.StrEnum):
    UK = "uk"
    US = "us"
    AUSTRALIA = "au"
    EU_OTHER = "eu"

    @property
    def label(self) -> str:
        return str(REGION_LABELS[self])


REGION_LABELS = {
    Region.UK: _l("United Kingdom"),
    Region.US: _l("United States"),
    Region.AUSTRALIA: _l("Australia"),
    Region.EU_OTHER: _l("European Union and elsewhere"),
}
DEFAULT_REGION = Region.UK
