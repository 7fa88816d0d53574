"""Checking many certificates at once (a feature above the audit log it writes to): someone with
an account (an inspector, a contractor's client) uploads a CSV file of up to 10,000 certificate
codes and gets back, for each, its status and its holder's name, as a CSV file.

What a code that matches no certificate gets is the same whether it was never issued or is not
even the shape of a code: the check says nothing about which codes exist. A certificate whose
holder erased their account is "no longer available", with no name, as on the public page. Every
bulk check is audited (how many codes, how many found), and each account may make a few an hour
(the view's rate limit).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from course.accounts.models import User
from course.audit.services import record
from course.certificates.codes import formatted, normalised
from course.certificates.models import Certificate, CertificateStatus
from course.core.database import utcnow
from course.core.spreadsheets import neutralised
from course.core.urls import absolute_url
from course.extensions import db

MAX_CODES = 10_000
#: The largest file taken: 10,000 codes with their separators fit in a fraction of it.
MAX_FILE_BYTES = 1024 * 1024
#: How many codes one query looks up.
LOOKUP_BATCH = 1_000
#: First cells that name the column rather than hold a code.
HEADINGS = {"code", "codes", "certificate", "certificate code", "certificate codes"}


class BulkCheckRefused(ValueError):
    """The file cannot be checked as a whole; says why."""


@dataclass(frozen=True)
class CodeResult:
    """One line of the answer: the code as it was given, and what it is."""

    given: str
    #: A :class:`CertificateStatus` value, or ``not-found``.
    status: str
    code: str = ""
    holder_name: str = ""
    issued_at: datetime | None = None
    expires_at: datetime | None = None


NOT_FOUND = "not-found"


def read_codes(data: bytes) -> list[str]:
    """The codes in an uploaded CSV file: the first cell of each line, a heading line and blank
    lines left out.

    :raises BulkCheckRefused: for a file that is too large, not UTF-8 text, has no code, or has
        more than :data:`MAX_CODES`.
    """
    if len(data) > MAX_FILE_BYTES:
        raise BulkCheckRefused(_l("The file is larger than 1 MB: check at most 10,000 codes."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BulkCheckRefused(
            _l("The file is not UTF-8 text: save it from your spreadsheet as CSV UTF-8.")
        ) from error
    codes = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cell = row[0].strip() if row else ""
        if not cell or (number == 1 and cell.lower() in HEADINGS):
            continue
        codes.append(cell[:100])
        if len(codes) > MAX_CODES:
            raise BulkCheckRefused(
                _l("The file has more than 10,000 codes: split it and check each part.")
            )
    if not codes:
        raise BulkCheckRefused(_l("The file has no certificate codes: put one code on each line."))
    return codes


def check_codes(user: User, given: Sequence[str], now: datetime | None = None) -> list[CodeResult]:
    """What each code is, in the order given, looked up a batch of codes at a time; audited."""
    now = now or utcnow()
    wanted = {code for typed in given if (code := normalised(typed)) is not None}
    found: dict[str, Certificate] = {}
    ordered = sorted(wanted)
    for start in range(0, len(ordered), LOOKUP_BATCH):
        batch = ordered[start : start + LOOKUP_BATCH]
        for certificate in db.session.scalars(
            select(Certificate).where(Certificate.code.in_(batch))
        ):
            found[certificate.code] = certificate
    results = [_result(typed, found.get(normalised(typed) or ""), now) for typed in given]
    record(
        "certificate.bulk_checked",
        actor=user,
        target_type="certificate",
        target_id="bulk",
        summary=_l(
            "Checked %(count)d certificate codes at once; %(found)d matched a certificate.",
            count=len(given),
            found=sum(result.status != NOT_FOUND for result in results),
        ),
        after={"codes": len(given), "found": len(found)},
    )
    return results


def _result(given: str, certificate: Certificate | None, now: datetime) -> CodeResult:
    if certificate is None:
        return CodeResult(given, NOT_FOUND)
    status = certificate.status_at(now)
    if status == CertificateStatus.ERASED:
        return CodeResult(given, status.value, formatted(certificate.code))
    return CodeResult(
        given,
        status.value,
        formatted(certificate.code),
        certificate.holder_name,
        certificate.issued_at,
        certificate.expires_at,
    )


def results_csv(results: Sequence[CodeResult]) -> Iterator[str]:
    """The answer as CSV text (UTF-8 with a byte-order mark, for Excel), a thousand lines at a
    time; every cell neutralised, since a name or a given code could read as a formula. Its
    words are put in the reader's language now, before the response streams."""
    words = {
        NOT_FOUND: str(_l("no certificate has this code")),
        CertificateStatus.VALID.value: str(_l("valid")),
        CertificateStatus.EXPIRED.value: str(_l("expired")),
        CertificateStatus.REVOKED.value: str(_l("revoked")),
        CertificateStatus.SUPERSEDED.value: str(_l("superseded")),
        CertificateStatus.ERASED.value: str(_l("no longer available")),
    }
    header = [
        str(heading)
        for heading in (
            _l("Code given"),
            _l("Certificate code"),
            _l("Status"),
            _l("Holder"),
            _l("Issued"),
            _l("Expires"),
            _l("Verification link"),
        )
    ]
    placeholder = "CODE"
    link = absolute_url("certificates.verify", code=placeholder)
    return _csv_lines(results, header, words, link, placeholder)


def _csv_lines(
    results: Sequence[CodeResult],
    header: list[str],
    words: dict[str, str],
    link: str,
    placeholder: str,
) -> Iterator[str]:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([neutralised(cell) for cell in header])
    for number, result in enumerate(results, start=1):
        writer.writerow(
            neutralised(cell)
            for cell in (
                result.given,
                result.code,
                words[result.status],
                result.holder_name,
                result.issued_at.date().isoformat() if result.issued_at else "",
                result.expires_at.date().isoformat() if result.expires_at else "",
                link.replace(placeholder, result.code) if result.code else "",
            )
        )
        if number % LOOKUP_BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
