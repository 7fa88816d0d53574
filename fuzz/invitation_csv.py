"""Fuzz the CSV invitation parser: arbitrary bytes as an uploaded file.

``read_invitation_csv`` must either return the people to invite and the rows that are wrong, or
refuse the whole file with :class:`UploadRefused` (whose message must render). Any other exception
is a finding, and so is a hang (libFuzzer's ``-timeout``). No app or database is needed: parsing
touches neither.

    .venv/bin/python fuzz/invitation_csv.py fuzz/corpus/invitation_csv -max_total_time=60
"""

from __future__ import annotations

import sys

import atheris

# The parser's module imports the models and the database layer: load those uninstrumented.
import course.organisations.memberships  # noqa: F401

with atheris.instrument_imports(include=["course.organisations.invitations", "email_validator"]):
    from course.organisations.invitations import (
        InvitationRequest,
        RowResult,
        UploadRefused,
        read_invitation_csv,
    )


def test_one_input(data: bytes) -> None:
    try:
        requests, problems = read_invitation_csv(data)
    except UploadRefused as refusal:
        str(refusal.args[0])  # the reason shown to the manager must render
        return
    assert requests or problems, "a file that was not refused must have at least one row"
    assert all(isinstance(request, InvitationRequest) for request in requests)
    assert all(isinstance(problem, RowResult) for problem in problems)


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
