"""The signed evidence pack: one ZIP file holding an organisation's evidence files, the SHA-256 of
each (``SHA256SUMS``, as ``sha256sum`` writes it) and the platform's Ed25519 signature of that list
(``SHA256SUMS.sig``, the raw 64 bytes), with a ``README.txt`` saying how to check it.

Members, always in this order: ``README.txt``, the caller's files in the order given,
``SHA256SUMS`` (which lists the README and the caller's files, in that order), ``SHA256SUMS.sig``.

The ZIP is written here rather than by :mod:`zipfile`, byte for byte to a fixed layout: every
member stored as it is (no compression, so nothing is ever inflated when a pack is read), dated
1980-01-01 00:00, with the same attributes, no extra fields, no comment, and no data descriptors
(each file is read once to learn its size, CRC-32 and SHA-256 before its header is written, then
again as it is copied, in chunks). :mod:`zipfile`'s output depends on whether the destination can
seek and may change between Python releases; this layout cannot, so :func:`verify_pack` writes
the pack again from its own members and compares every byte: changing any byte of a download,
headers and directory included, is caught, not only changes to the files' contents.

Without ZIP64, a pack is under 4 GB with at most :data:`MAX_FILES` files, far more than a report,
its CSV and its JSON need for an organisation of 10,000 people.
"""

from __future__ import annotations

import hashlib
import os
import re
import struct
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from course.core.urls import absolute_url
from course.evidence import keys

README_NAME = "README.txt"
SUMS_NAME = "SHA256SUMS"
SIGNATURE_NAME = "SHA256SUMS.sig"
#: The endpoint of the public key's well-known address, which the README gives.
PUBLIC_KEY_ENDPOINT = "evidence.public_key"
#: The most files a caller may put in one pack (the README and the two signature files besides).
MAX_FILES = 1000
#: A file's name: letters, digits, dots, hyphens and underscores, no folders, so that it reads the
#: same in ``sha256sum`` and in a ZIP on every system.
MAX_NAME_LENGTH = 100
FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")
#: How much of a file is read at a time, when hashing and when copying.
CHUNK_BYTES = 64 * 1024
#: Ed25519 signatures are always 64 bytes.
SIGNATURE_BYTES = 64
#: The most a pack's ZIP directory or its SHA256SUMS may take: both list at most
#: ``MAX_FILES + 3`` short names, well under this. Anything larger is not a pack, and is refused
#: before it is read into memory.
MAX_LISTING_BYTES = 1024 * 1024
#: The largest size and offset a ZIP without ZIP64 can record.
ZIP_LIMIT = 0xFFFFFFFF

# The ZIP layout (PKWARE's APPNOTE.TXT, sections 4.3.7, 4.3.12 and 4.3.16).
_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
_CENTRAL_HEADER = struct.Struct("<IHHHHHHIIIHHHHHII")
_END_RECORD = struct.Struct("<IHHHHIIH")
_LOCAL_SIGNATURE = 0x04034B50
_CENTRAL_SIGNATURE = 0x02014B50
_END_SIGNATURE = 0x06054B50
#: Version 2.0 of the format is needed to extract, and the archive was made on Unix (3), so that
#: the external attributes are read as permissions.
_VERSION_NEEDED = 20
_VERSION_MADE_BY = (3 << 8) | _VERSION_NEEDED
#: 1980-01-01 00:00:00, the earliest date a ZIP can hold: a pack's bytes never depend on when it
#: was written (the report inside says when).
_DOS_TIME = 0
_DOS_DATE = (0 << 9) | (1 << 5) | 1
#: A regular file, readable by everyone and writable by its owner (``-rw-r--r--``).
_EXTERNAL_ATTRIBUTES = 0o100644 << 16
_STORED = 0
_ENCRYPTED_FLAG = 0x1


@dataclass(frozen=True)
class PackFile:
    """A file to put in a pack: its name in the pack and where it is on disk. It is read twice
    while the pack is written, so it must stay unchanged until then."""

    name: str
    path: Path


@dataclass(frozen=True)
class PackVerdict:
    """What :func:`verify_pack` found: no problems means the pack is as this platform signed it."""

    #: Each thing wrong, in words a person can act on (lazy, for pages as well as commands).
    problems: tuple[LazyString, ...]
    #: The files the pack's SHA256SUMS lists, its README aside, as they may be shown.
    files: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


class PackError(ValueError):
    """The pack cannot be written: a name that is not allowed, a file too large, or a file that
    changed while it was being read."""


@dataclass(frozen=True)
class _Member:
    """A member to write: its name, size and CRC-32 known beforehand, its bytes read on demand."""

    name: bytes
    size: int
    crc: int
    chunks: Callable[[], Iterator[bytes]]


# Writing


def write_pack(
    destination: BinaryIO | str | os.PathLike[str],
    files: Sequence[PackFile],
    *,
    public_key_url: str | None = None,
    signing_key: Ed25519PrivateKey | None = None,
) -> None:
    """Write a signed pack of ``files`` to ``destination``, a path or a writable binary stream
    (which need not seek). A path is removed again if writing fails part way.

    :param public_key_url: the address the README gives for the public key; by default this
        site's well-known address (which, outside a request, needs ``BASE_URL``).
    :param signing_key: by default the platform's (:func:`course.evidence.keys.signing_key`).
    :raises PackError: see :func:`pack_chunks`.
    :raises OSError: when a file cannot be read or the destination written.
    """
    chunks = pack_chunks(files, public_key_url=public_key_url, signing_key=signing_key)
    if not isinstance(destination, str | os.PathLike):
        for chunk in chunks:
            destination.write(chunk)
        return
    path = Path(destination)
    try:
        with path.open("wb") as stream:
            for chunk in chunks:
                stream.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def pack_chunks(
    files: Sequence[PackFile],
    *,
    public_key_url: str | None = None,
    signing_key: Ed25519PrivateKey | None = None,
) -> Iterator[bytes]:
    """The bytes of a signed pack of ``files``, a chunk at a time, for a streamed response.

    Every file is read (to hash it) and the list is signed before this returns, so that a missing
    file or a bad name fails here, before anything is sent; the files are read again as the chunks
    are taken, and must still be there until the last one is.

    :raises PackError: for a name that is not a plain file name (:data:`FILE_NAME`, at most
        :data:`MAX_NAME_LENGTH` characters), is used twice or by the pack's own files (in any
        case), for more than :data:`MAX_FILES` files, or for a pack of 4 GB or more; later, while
        the chunks are taken, for a file that changed since it was hashed.
    """
    _check_names(files)
    key = signing_key or keys.signing_key()
    address = public_key_url or absolute_url(PUBLIC_KEY_ENDPOINT)
    readme = readme_text(
        [file.name for file in files], keys.fingerprint(key.public_key()), address
    ).encode("utf-8")
    listed = [_in_memory(README_NAME.encode(), readme)]
    digests = [hashlib.sha256(readme).hexdigest()]
    for file in files:
        member, digest = _measured_file(file)
        listed.append(member)
        digests.append(digest)
    sums = "".join(
        f"{digest}  {member.name.decode()}\n"
        for digest, member in zip(digests, listed, strict=True)
    ).encode("ascii")
    members = [
        *listed,
        _in_memory(SUMS_NAME.encode(), sums),
        _in_memory(SIGNATURE_NAME.encode(), key.sign(sums)),
    ]
    total = sum(
        _LOCAL_HEADER.size + _CENTRAL_HEADER.size + 2 * len(m.name) + m.size for m in members
    )
    if total > ZIP_LIMIT:
        raise PackError("A pack must be smaller than 4 GB.")
    return _zip_chunks(members)


def readme_text(names: Sequence[str], fingerprint: str, public_key_url: str) -> str:
    """The pack's README: what it is, the key's fingerprint and address, and how to check it with
    standard tools. Written in the language of the request that makes the pack."""
    return (
        "\n\n".join(
            [
                _("CT Citizen evidence pack"),
                _(
                    "This ZIP file holds an organisation's records of its staff's training on CT "
                    "Citizen, signed by CT Citizen so that anyone can check it has not been "
                    "changed since it was made."
                ),
                _(
                    "CT Citizen is not an official course. This pack does not certify compliance "
                    "with the Terrorism (Protection of Premises) Act 2025: it helps an "
                    "organisation show its staff's training."
                ),
                "\n".join(
                    [
                        _("The files:"),
                        *(f"- {name}" for name in names),
                        _(
                            "- %(sums)s: the SHA-256 of each file above and of this README.\n"
                            "- %(signature)s: CT Citizen's Ed25519 signature of %(sums)s.",
                            sums=SUMS_NAME,
                            signature=SIGNATURE_NAME,
                        ),
                    ]
                ),
                _("CT Citizen's signing key has the fingerprint:") + f"\n  {fingerprint}",
                _(
                    "Its public key is published at the address below. Fetch it from there "
                    "yourself, not from whoever sent you this pack:"
                )
                + f"\n  {public_key_url}",
                _("To check the pack with standard tools (OpenSSL 3 or later), in a terminal:"),
                "\n".join(
                    [
                        f"  curl -o ct-citizen-key.pem {public_key_url}",
                        "  openssl pkey -pubin -in ct-citizen-key.pem -outform DER"
                        " | tail -c 32 | sha256sum",
                        "  unzip PACK.zip -d pack     "
                        + _("(or: %(command)s)", command="python3 -m zipfile -e PACK.zip pack"),
                        "  cd pack",
                        "  openssl pkeyutl -verify -pubin -inkey ../ct-citizen-key.pem -rawin "
                        f"-in {SUMS_NAME} -sigfile {SIGNATURE_NAME}",
                        f"  sha256sum -c {SUMS_NAME}",
                    ]
                ),
                _(
                    "The first command fetches the key; the second prints a SHA-256 that starts "
                    "with the fingerprint above (without the spaces). OpenSSL must print "
                    '"Signature Verified Successfully", sha256sum must print OK for every file, '
                    "and the folder must hold no other files. If any of these fails, the pack "
                    "was changed or was not made by CT Citizen."
                ),
            ]
        )
        + "\n"
    )


def _check_names(files: Sequence[PackFile]) -> None:
    if len(files) > MAX_FILES:
        raise PackError(f"A pack holds at most {MAX_FILES} files, not {len(files)}.")
    taken = {name.casefold() for name in (README_NAME, SUMS_NAME, SIGNATURE_NAME)}
    for file in files:
        if len(file.name) > MAX_NAME_LENGTH or not FILE_NAME.match(file.name):
            raise PackError(
                f"{file.name!r} is not a file name a pack can hold: use letters, digits, dots, "
                f"hyphens and underscores, at most {MAX_NAME_LENGTH}, starting with a letter or "
                "digit."
            )
        if file.name.casefold() in taken:
            raise PackError(f"{file.name!r} is used twice, or is the name of a pack's own file.")
        taken.add(file.name.casefold())


def _in_memory(name: bytes, content: bytes) -> _Member:
    return _Member(name, len(content), zlib.crc32(content), lambda: iter((content,)))


def _measured_file(file: PackFile) -> tuple[_Member, str]:
    """The file as a member, and its SHA-256 in hex, from one read of it."""
    digest = hashlib.sha256()
    crc = size = 0
    with Path(file.path).open("rb") as stream:
        while chunk := stream.read(CHUNK_BYTES):
            digest.update(chunk)
            crc = zlib.crc32(chunk, crc)
            size += len(chunk)
    if size > ZIP_LIMIT:
        raise PackError(f"{file.name} is 4 GB or more, too large for a pack.")
    return _Member(file.name.encode("ascii"), size, crc, lambda: _file_chunks(file.path)), (
        digest.hexdigest()
    )


def _file_chunks(path: Path) -> Iterator[bytes]:
    with Path(path).open("rb") as stream:
        while chunk := stream.read(CHUNK_BYTES):
            yield chunk


def _zip_chunks(members: Sequence[_Member]) -> Iterator[bytes]:
    """The ZIP of ``members``, in order, in the one layout described at the top of this module."""
    directory = []
    offset = 0
    for member in members:
        header = (
            _LOCAL_HEADER.pack(
                _LOCAL_SIGNATURE,
                _VERSION_NEEDED,
                0,
                _STORED,
                _DOS_TIME,
                _DOS_DATE,
                member.crc,
                member.size,
                member.size,
                len(member.name),
                0,
            )
            + member.name
        )
        yield header
        crc = size = 0
        for chunk in member.chunks():
            crc = zlib.crc32(chunk, crc)
            size += len(chunk)
            yield chunk
        if (crc, size) != (member.crc, member.size):
            raise PackError(f"{member.name.decode()} changed while the pack was being written.")
        directory.append(
            _CENTRAL_HEADER.pack(
                _CENTRAL_SIGNATURE,
                _VERSION_MADE_BY,
                _VERSION_NEEDED,
                0,
                _STORED,
                _DOS_TIME,
                _DOS_DATE,
                member.crc,
                member.size,
                member.size,
                len(member.name),
                0,
                0,
                0,
                0,
                _EXTERNAL_ATTRIBUTES,
                offset,
            )
            + member.name
        )
        offset += len(header) + member.size
    listing = b"".join(directory)
    yield listing
    yield _END_RECORD.pack(
        _END_SIGNATURE, 0, 0, len(members), len(members), len(listing), offset, 0
    )


# Verifying

NOT_A_ZIP = _l("This is not a ZIP file, so it is not an evidence pack.")
DAMAGED = _l("The ZIP file is damaged or cut short, so it cannot be read as an evidence pack.")
METADATA_CHANGED = _l(
    "The archive's bytes differ from how CT Citizen writes a pack (its metadata was changed)."
)


class _Unreadable(Exception):
    """The file cannot be read as a ZIP at all; carries the one problem to report."""

    def __init__(self, problem: LazyString) -> None:
        super().__init__(str(problem))
        self.problem = problem


@dataclass(frozen=True)
class _Stored:
    """A member as the ZIP's directory and local header place it."""

    name: bytes
    start: int
    size: int


def verify_pack(
    pack: str | os.PathLike[str] | BinaryIO, public_key: Ed25519PublicKey | None = None
) -> PackVerdict:
    """Check ``pack``, a path or a binary stream that can seek (an upload, say), against
    ``public_key`` (by default the platform's): the signature of its SHA256SUMS, the SHA-256 of
    every file listed, that no file is missing or added, and finally that writing the pack again
    from its members gives the very same bytes.

    Any file at all gets a verdict, never an exception: not a ZIP, damaged, cut short, or built to
    be costly (a ZIP lists at most :data:`MAX_FILES` + 3 members and at most
    :data:`MAX_LISTING_BYTES` of directory; nothing is ever decompressed). Reading takes time in
    proportion to the file's size and memory no more than a few megabytes.
    """
    key = public_key or keys.signing_key().public_key()
    try:
        if not isinstance(pack, str | os.PathLike):
            return _verify(pack, key)
        with Path(pack).open("rb") as archive:
            return _verify(archive, key)
    except OSError as error:
        return PackVerdict(
            (_l("The file could not be read: %(reason)s", reason=error.strerror or str(error)),)
        )


def _verify(archive: BinaryIO, key: Ed25519PublicKey) -> PackVerdict:
    size = archive.seek(0, os.SEEK_END)
    try:
        members, problems = _read_layout(archive, size)
    except _Unreadable as unreadable:
        return PackVerdict((unreadable.problem,))
    found: dict[bytes, _Stored] = {}
    for member in members:
        found.setdefault(member.name, member)

    signature_files = [found.get(SUMS_NAME.encode()), found.get(SIGNATURE_NAME.encode())]
    for name, member in zip((SUMS_NAME, SIGNATURE_NAME), signature_files, strict=True):
        if member is None:
            problems.append(
                _l(
                    "%(name)s is missing: this is not an evidence pack, or it was changed.",
                    name=name,
                )
            )
    sums_member, signature_member = signature_files
    if sums_member is None or signature_member is None or problems:
        return PackVerdict(tuple(problems))
    if sums_member.size > MAX_LISTING_BYTES:
        return PackVerdict((_l("SHA256SUMS is larger than any evidence pack's."),))
    sums = _read_at(archive, sums_member.start, sums_member.size)
    signature = _read_at(archive, signature_member.start, signature_member.size)

    if len(signature) != SIGNATURE_BYTES:
        problems.append(_l("SHA256SUMS.sig is not an Ed25519 signature (one is 64 bytes)."))
    else:
        try:
            key.verify(signature, sums)
        except InvalidSignature:
            problems.append(
                _l(
                    "SHA256SUMS.sig does not match: the pack was changed or was not signed by "
                    "this platform (key %(fingerprint)s).",
                    fingerprint=keys.fingerprint(key),
                )
            )
    listed, sums_problem = _parse_sums(sums)
    if sums_problem is not None:
        return PackVerdict((*problems, sums_problem))

    crcs: dict[bytes, int] = {}
    for expected, name in listed:
        member = found.get(name)
        if member is None:
            problems.append(
                _l("%(name)s is listed in SHA256SUMS but is not in the pack.", name=_shown(name))
            )
            continue
        digest, crc = _measured_member(archive, member)
        crcs[name] = crc
        if digest != expected.decode():
            problems.append(
                _l(
                    "%(name)s was changed (its SHA-256 differs from SHA256SUMS).",
                    name=_shown(name),
                )
            )
    listed_names = {name for _digest, name in listed}
    for name in found:
        if name not in listed_names and name not in (SUMS_NAME.encode(), SIGNATURE_NAME.encode()):
            problems.append(
                _l("Unexpected file %(name)s: it is not listed in SHA256SUMS.", name=_shown(name))
            )
    if README_NAME.encode() not in listed_names:
        problems.append(_l("README.txt is not listed in SHA256SUMS."))
    if not problems and not _rebuilds_exactly(archive, size, listed, found, crcs, sums, signature):
        problems.append(METADATA_CHANGED)
    return PackVerdict(
        tuple(problems),
        tuple(_shown(name) for _digest, name in listed if name != README_NAME.encode()),
    )


def _read_layout(archive: BinaryIO, size: int) -> tuple[list[_Stored], list[LazyString]]:
    """The members the ZIP's directory lists, where each one's bytes are, and what makes any of
    them unlike a pack's (compressed, encrypted, listed twice), so that it is not checked further.

    :raises _Unreadable: when there is no end record (not a ZIP), when the records point outside
        the file or at the wrong thing (damaged or cut short), or when the directory is larger than
        a pack's could be.
    """
    end_at, end = _end_record(archive, size)
    _signature, disk, directory_disk, on_disk, count, directory_size, directory_at, _comment = end
    if disk or directory_disk or on_disk != count or directory_at + directory_size > end_at:
        raise _Unreadable(DAMAGED)
    if count > MAX_FILES + 3:
        raise _Unreadable(
            _l("The ZIP file lists %(count)d files, more than an evidence pack holds.", count=count)
        )
    if directory_size > MAX_LISTING_BYTES:
        raise _Unreadable(_l("The ZIP file's list of files is larger than an evidence pack's."))
    directory = _read_at(archive, directory_at, directory_size)
    members: list[_Stored] = []
    problems: list[LazyString] = []
    seen: set[bytes] = set()
    position = 0
    for _index in range(count):
        if position + _CENTRAL_HEADER.size > len(directory):
            raise _Unreadable(DAMAGED)
        entry = _CENTRAL_HEADER.unpack_from(directory, position)
        signature, flags, method = entry[0], entry[3], entry[4]
        compressed_size, file_size = entry[8], entry[9]
        name_length, extra_length, comment_length = entry[10], entry[11], entry[12]
        local_at = entry[16]
        name_at = position + _CENTRAL_HEADER.size
        position = name_at + name_length + extra_length + comment_length
        if signature != _CENTRAL_SIGNATURE or position > len(directory):
            raise _Unreadable(DAMAGED)
        name = directory[name_at : name_at + name_length]
        start = _data_start(archive, local_at, directory_at)
        if start + compressed_size > directory_at:
            raise _Unreadable(DAMAGED)
        if method != _STORED or flags & _ENCRYPTED_FLAG:
            problems.append(
                _l(
                    "%(name)s is compressed or encrypted, which an evidence pack never is.",
                    name=_shown(name),
                )
            )
        elif compressed_size != file_size:
            raise _Unreadable(DAMAGED)
        if name in seen:
            problems.append(_l("%(name)s appears twice in the ZIP file.", name=_shown(name)))
        seen.add(name)
        members.append(_Stored(name, start, compressed_size))
    return members, problems


def _end_record(archive: BinaryIO, size: int) -> tuple[int, tuple[int, ...]]:
    """Where the end of central directory record is, and its fields, as ZIP readers look for it:
    the last record in the file whose comment runs exactly to the end, else the last record (so
    that bytes added after a pack are reported as a change, not as "not a ZIP")."""
    tail_size = min(size, _END_RECORD.size + 0xFFFF)
    tail_at = size - tail_size
    tail = _read_at(archive, tail_at, tail_size)
    # The signature's four bytes must start at least a whole record before the end.
    last = at = tail.rfind(b"PK\x05\x06", 0, len(tail) - _END_RECORD.size + 4)
    while at >= 0:
        fields = _END_RECORD.unpack_from(tail, at)
        if at + _END_RECORD.size + fields[-1] == len(tail):
            return tail_at + at, fields
        at = tail.rfind(b"PK\x05\x06", 0, at)
    if last < 0:
        raise _Unreadable(NOT_A_ZIP)
    return tail_at + last, _END_RECORD.unpack_from(tail, last)


def _data_start(archive: BinaryIO, local_at: int, directory_at: int) -> int:
    """Where a member's bytes start: after its local header, at ``local_at``, and the name and
    extra field that header announces."""
    if local_at + _LOCAL_HEADER.size > directory_at:
        raise _Unreadable(DAMAGED)
    header = _LOCAL_HEADER.unpack(_read_at(archive, local_at, _LOCAL_HEADER.size))
    if header[0] != _LOCAL_SIGNATURE:
        raise _Unreadable(DAMAGED)
    return local_at + _LOCAL_HEADER.size + header[9] + header[10]


SUMS_LINE = re.compile(rb"([0-9a-f]{64})  ([^\n\\]+)")


def _parse_sums(sums: bytes) -> tuple[list[tuple[bytes, bytes]], LazyString | None]:
    """``(digest, name)`` for each line of ``sha256sum`` output, or the first line that is not
    one (or names a file twice)."""
    lines = sums.split(b"\n")
    if not sums or lines[-1] != b"":
        return [], _l("SHA256SUMS is not in the format sha256sum writes (it must end a line).")
    listed: list[tuple[bytes, bytes]] = []
    for number, line in enumerate(lines[:-1], start=1):
        match = SUMS_LINE.fullmatch(line)
        if match is None or any(name == match.group(2) for _digest, name in listed):
            return [], _l(
                "SHA256SUMS is not in the format sha256sum writes (line %(line)d).", line=number
            )
        listed.append((match.group(1), match.group(2)))
    return listed, None


def _measured_member(archive: BinaryIO, member: _Stored) -> tuple[str, int]:
    """The SHA-256 in hex and the CRC-32 of a stored member's bytes."""
    digest = hashlib.sha256()
    crc = 0
    for chunk in _member_chunks(archive, member):
        digest.update(chunk)
        crc = zlib.crc32(chunk, crc)
    return digest.hexdigest(), crc


def _member_chunks(archive: BinaryIO, member: _Stored) -> Iterator[bytes]:
    for offset in range(0, member.size, CHUNK_BYTES):
        yield _read_at(archive, member.start + offset, min(CHUNK_BYTES, member.size - offset))


def _rebuilds_exactly(
    archive: BinaryIO,
    size: int,
    listed: list[tuple[bytes, bytes]],
    found: dict[bytes, _Stored],
    crcs: dict[bytes, int],
    sums: bytes,
    signature: bytes,
) -> bool:
    """Whether writing the pack again, from the members it lists and in the order it lists them,
    gives the archive's very bytes: so a change to any header, attribute, date, order or trailing
    byte is caught, not only a change to a file's contents."""
    members = [
        _Member(
            name,
            found[name].size,
            crcs[name],
            lambda stored=found[name]: _member_chunks(archive, stored),
        )
        for _digest, name in listed
    ]
    members += [
        _in_memory(SUMS_NAME.encode(), sums),
        _in_memory(SIGNATURE_NAME.encode(), signature),
    ]
    position = 0
    for chunk in _zip_chunks(members):
        if _read_at(archive, position, len(chunk)) != chunk:
            return False
        position += len(chunk)
    return position == size


def _read_at(archive: BinaryIO, offset: int, length: int) -> bytes:
    """``length`` bytes from ``offset`` (fewer at the end of the file): every read says where, so
    that reading members and comparing the rebuilt pack share one file without losing their
    places."""
    archive.seek(offset)
    return archive.read(length)


def _shown(name: bytes) -> str:
    """A member's name as it may be printed: text, with anything that is not printable (a
    terminal's escape codes, say) written as an escape, and cut to a readable length."""
    text = name.decode("utf-8", "backslashreplace")
    shown = "".join(
        character if character.isprintable() else ascii(character)[1:-1] for character in text
    )
    return shown if len(shown) <= MAX_NAME_LENGTH else shown[:MAX_NAME_LENGTH] + "..."
