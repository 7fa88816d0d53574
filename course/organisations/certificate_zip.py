"""Every current certificate of an organisation's members as one zip of their PDFs, streamed: the
zip is written a certificate at a time into a small buffer that is sent and emptied, so memory
stays flat however many members there are.

A certificate is current when it is valid (expiring soon included), as the member table says; a
member whose email is not confirmed has none to show. PDFs are read as stored for the current
template; one not stored yet is rendered and stored first, as a download would. PDFs are already
compressed, so the zip stores them as they are.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from datetime import datetime

from course.catalogue.models import Course
from course.certificates import services as certificates
from course.core.database import utcnow
from course.extensions import db
from course.organisations.member_table import MemberFilters, MemberReport
from course.organisations.models import Organisation, Site
from course.organisations.reports import download_filename

#: How many report rows are fetched at a time while the certificates are listed.
BATCH = 500


class _Chunks:
    """A write-only stream that keeps what is written until it is taken: zipfile writes to it
    (without seeking, using data descriptors) and the response sends each piece."""

    def __init__(self) -> None:
        self._pieces: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._pieces.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        taken = b"".join(self._pieces)
        self._pieces.clear()
        return taken


def current_certificate_codes(
    organisation: Organisation,
    course: Course | None,
    now: datetime | None = None,
    site: Site | None = None,
) -> list[tuple[str, str]]:
    """The holder's name and certificate code of every member (at ``site``, if given) with a
    current certificate, by name."""
    report = MemberReport(organisation.id, course, now or utcnow())
    filters = MemberFilters(site=site.id if site else None)
    statement = report.rows(filters).execution_options(yield_per=BATCH)
    found = []
    for row in db.session.execute(statement):
        member = report.member_row(row)
        if member.is_completed and member.certificate_code:
            found.append((member.name, member.certificate_code))
    return found


def certificates_zip(
    organisation: Organisation, course: Course | None, site: Site | None = None
) -> Iterator[bytes]:
    """The zip (of the members at ``site``, if given), a certificate at a time. The codes are
    listed now, before the response starts, so that no query is open while a missing PDF is
    rendered (which ends the request's reading transaction) and nothing the request loaded is
    needed once it streams."""
    return _zip_of(current_certificate_codes(organisation, course, site=site))


def _zip_of(listed: list[tuple[str, str]]) -> Iterator[bytes]:
    stream = _Chunks()
    with zipfile.ZipFile(stream, mode="w", compression=zipfile.ZIP_STORED) as archive:
        used: set[str] = set()
        for name, code in listed:
            found = certificates.certificate_with_stored_pdf(code)
            if found is None:
                continue  # erased since it was listed
            certificate, content = found
            if content is None:
                content = certificates.render_and_store_pdf(certificate)
                if content is None:
                    continue
            archive.writestr(_entry(_file_name(name, certificate.display_code), used), content)
            yield stream.take()
    yield stream.take()


def _file_name(name: str, code: str) -> str:
    """``Siân Jones - ABCD-EFGH-….pdf``: the holder's name as they wrote it, less anything a
    file name may not hold."""
    safe = re.sub(r"[\x00-\x1f/\\:*?\"<>|]+", " ", name)
    safe = " ".join(safe.split())[:80].strip(" .") or "certificate"
    return f"{safe} - {code}.pdf"


def _entry(file_name: str, used: set[str]) -> str:
    """``file_name``, numbered when two holders share a name and code (never, but a zip must not
    hold one name twice)."""
    entry, number = file_name, 1
    while entry in used:
        number += 1
        entry = file_name.removesuffix(".pdf") + f" ({number}).pdf"
    used.add(entry)
    return entry


def zip_filename(organisation: Organisation, site: Site | None = None) -> str:
    return download_filename(organisation, "certificates", "zip", site=site)
