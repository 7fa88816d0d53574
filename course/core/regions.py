"""The regions a learner can choose, so numbers and national guidance match where they live."""

from __future__ import annotations

import enum
from collections.abc import Iterable

from flask import has_request_context, request, session
from flask_babel import lazy_gettext as _l


class Region(enum.StrEnum):
    UK = "uk"
    US = "us"
    CANADA = "ca"
    AUSTRALIA = "au"
    NEW_ZEALAND = "nz"
    EUROPEAN_UNION = "eu"
    #: Anywhere else: general advice (find your local emergency number), no national numbers.
    ELSEWHERE = "other"

    @property
    def label(self) -> str:
        return str(REGION_LABELS[self])


REGION_LABELS = {
    Region.UK: _l("United Kingdom"),
    Region.US: _l("United States"),
    Region.CANADA: _l("Canada"),
    Region.AUSTRALIA: _l("Australia"),
    Region.NEW_ZEALAND: _l("New Zealand"),
    Region.EUROPEAN_UNION: _l("European Union"),
    Region.ELSEWHERE: _l("Elsewhere in the world"),
}
DEFAULT_REGION = Region.UK

#: The region codes an author can write, for messages that list them: "uk, us, ... or other".
REGION_CODES = ", ".join(region.value for region in list(Region)[:-1]) + f" or {list(Region)[-1]}"

#: The session key of the region a visitor (not signed in) chose.
VISITOR_REGION = "region"

_EUROPEAN_UNION_COUNTRIES = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
)
_REGION_OF_COUNTRY = {
    "GB": Region.UK,
    "UK": Region.UK,  # not a country code, but some people set en-UK
    "US": Region.US,
    "CA": Region.CANADA,
    "AU": Region.AUSTRALIA,
    "NZ": Region.NEW_ZEALAND,
} | {country: Region.EUROPEAN_UNION for country in _EUROPEAN_UNION_COUNTRIES}
#: Languages spoken as a first language in one of the regions only, for tags without a country.
_REGION_OF_LANGUAGE = {"cy": Region.UK, "gd": Region.UK}


def region_for_languages(tags: Iterable[str]) -> Region | None:
    """The region the first language tag that names a place points to, in the order given
    (``en-US`` is the United States, ``fr-CA`` Canada, ``de-AT`` the European Union, ``es-MX``
    and ``es-419`` elsewhere); ``None`` when no tag names one (``en``, ``fr``)."""
    for tag in tags:
        language, *subtags = tag.replace("_", "-").split("-")
        for subtag in subtags:
            if len(subtag) == 2 and subtag.isalpha():
                return _REGION_OF_COUNTRY.get(subtag.upper(), Region.ELSEWHERE)
            if len(subtag) == 3 and subtag.isdigit():  # a UN area such as 419, Latin America
                return Region.ELSEWHERE
        if language.lower() in _REGION_OF_LANGUAGE:
            return _REGION_OF_LANGUAGE[language.lower()]
    return None


def visitor_region() -> Region:
    """The region whose advice a visitor who is not signed in sees: the one they chose, else the
    one their browser's languages point to, else :data:`DEFAULT_REGION`."""
    try:
        return Region(session[VISITOR_REGION])
    except (KeyError, ValueError):
        pass
    if has_request_context():
        return region_for_languages(request.accept_languages.values()) or DEFAULT_REGION
    return DEFAULT_REGION


def choose_visitor_region(region: Region) -> None:
    session[VISITOR_REGION] = region.value
