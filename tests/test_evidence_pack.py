"""The signed evidence pack: the platform's key, writing a pack, and rejecting any pack that is
not byte for byte as the platform wrote and signed it."""

from __future__ import annotations

import io
import os
import shutil
import stat
import struct
import subprocess
import threading
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask
from flask.testing import FlaskClient

from course import create_app
from course.config import PROJECT_ROOT
from course.evidence import keys
from course.evidence.pack import PackError, PackFile, PackVerdict, verify_pack, write_pack

KEY_URL = "https://course.example.org/.well-known/ct-citizen-evidence-key.pem"
CHANGED_METADATA = (
    "The archive's bytes differ from how CT Citizen writes a pack (its metadata was changed)."
)


def private_pem(key: Ed25519PrivateKey | rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def problems_of(verdict: PackVerdict) -> list[str]:
    return [str(problem) for problem in verdict.problems]


def evidence_files(folder: Path) -> list[PackFile]:
    """A small report, CSV and JSON, as the pack's builder would leave them in a folder."""
    folder.mkdir(parents=True, exist_ok=True)
    contents = {
        "report.pdf": b"%PDF-1.7\n" + bytes(range(256)) * 3 + b"\n%%EOF\n",
        "staff.csv": "\ufeffname,site,completed\nAda Lovelace,Main hall,2026-03-01\n".encode(),
        "staff.json": b'{"members": [{"name": "Ada Lovelace", "site": "Main hall"}]}\n',
    }
    for name, content in contents.items():
        (folder / name).write_bytes(content)
    return [PackFile(name, folder / name) for name in contents]


@pytest.fixture(scope="module")
def signing() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def pack_bytes(tmp_path_factory: pytest.TempPathFactory, signing: Ed25519PrivateKey) -> bytes:
    folder = tmp_path_factory.mktemp("evidence")
    destination = folder / "pack.zip"
    write_pack(
        destination,
        evidence_files(folder / "files"),
        public_key_url=KEY_URL,
        signing_key=signing,
    )
    return destination.read_bytes()


def verdict_of(data: bytes, signing: Ed25519PrivateKey) -> PackVerdict:
    return verify_pack(io.BytesIO(data), signing.public_key())


def with_byte_flipped(data: bytes, position: int, mask: int = 0x01) -> bytes:
    changed = bytearray(data)
    changed[position] ^= mask
    return bytes(changed)


# The key


def test_the_first_use_generates_a_private_key_file_and_later_uses_read_it(tmp_path: Path) -> None:
    instance = tmp_path / "instance"

    first = keys.instance_signing_key(instance)
    second = keys.instance_signing_key(instance)

    key_file = instance / keys.KEY_FILENAME
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert private_pem(first) == private_pem(second)
    assert sorted(path.name for path in instance.iterdir()) == [keys.KEY_FILENAME]
    assert private_pem(keys.instance_signing_key(tmp_path / "elsewhere")) != private_pem(first)


def test_workers_racing_to_make_the_key_all_end_up_with_the_same_one(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    start = threading.Barrier(8)
    found: list[str] = []

    def worker() -> None:
        start.wait()
        found.append(private_pem(keys.instance_signing_key(instance)))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(found) == 8 and len(set(found)) == 1
    assert (instance / keys.KEY_FILENAME).read_text() == found[0]
    assert sorted(path.name for path in instance.iterdir()) == [keys.KEY_FILENAME]


def test_a_worker_that_makes_a_key_second_uses_the_first_workers_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = tmp_path / "instance"
    winner = keys.instance_signing_key(instance)
    reads = iter([None])
    real_read = keys._read_key_file
    # This worker looked before the winner's file was there, so it makes a key of its own.
    monkeypatch.setattr(keys, "_read_key_file", lambda path: next(reads, real_read(path)))

    loser = keys.instance_signing_key(instance)

    assert private_pem(loser) == private_pem(winner)
    assert sorted(path.name for path in instance.iterdir()) == [keys.KEY_FILENAME]


def test_the_configured_key_is_used_and_no_file_is_made(app: Flask) -> None:
    configured = Ed25519PrivateKey.generate()
    app.config["EVIDENCE_SIGNING_KEY"] = private_pem(configured)

    with app.app_context():
        used = keys.signing_key()
        location = keys.signing_key_location()

    assert private_pem(used) == private_pem(configured)
    assert "COURSE_EVIDENCE_SIGNING_KEY" in location
    assert not (Path(app.instance_path) / keys.KEY_FILENAME).exists()


def test_the_key_may_come_from_the_environment_with_its_line_breaks_written_as_backslash_n(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    configured = Ed25519PrivateKey.generate()
    monkeypatch.setenv("COURSE_EVIDENCE_SIGNING_KEY", private_pem(configured).replace("\n", "\\n"))

    app = create_app(
        {"SECRET_KEY": "x", "DATABASE_URL": "sqlite://"}, instance_path=str(tmp_path / "i")
    )
    with app.app_context():
        used = keys.signing_key()

    assert private_pem(used) == private_pem(configured)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("not a key", "does not hold a private key in PEM form"),
        (private_pem(rsa.generate_private_key(65537, 2048)), r"another kind \(RSA\)"),
        (
            Ed25519PrivateKey.generate()
            .private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(b"secret"),
            )
            .decode(),
            "protected by a password",
        ),
    ],
    ids=["not-pem", "rsa", "encrypted"],
)
def test_the_app_refuses_to_start_with_a_bad_configured_key_and_names_the_setting(
    tmp_path: Path, setting: str, message: str
) -> None:
    with pytest.raises(keys.SigningKeyError, match=f"COURSE_EVIDENCE_SIGNING_KEY.*{message}"):
        create_app(
            {"SECRET_KEY": "x", "DATABASE_URL": "sqlite://", "EVIDENCE_SIGNING_KEY": setting},
            instance_path=str(tmp_path / "instance"),
        )


def test_a_damaged_key_file_is_reported_by_its_path(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / keys.KEY_FILENAME).write_text("-----BEGIN PRIVATE KEY-----\nbroken\n")

    with pytest.raises(keys.SigningKeyError, match=f"{keys.KEY_FILENAME} does not hold"):
        keys.instance_signing_key(instance)


def test_the_fingerprint_is_what_openssl_and_sha256sum_print_for_the_public_key(
    tmp_path: Path, signing: Ed25519PrivateKey
) -> None:
    require_tools("openssl", "sha256sum", "tail")
    key_file = tmp_path / "key.pem"
    key_file.write_text(keys.public_key_pem(signing.public_key()))

    printed = shell(
        "openssl pkey -pubin -in key.pem -outform DER | tail -c 32 | sha256sum", tmp_path
    )

    fingerprint = keys.fingerprint(signing.public_key())
    assert len(fingerprint.split()) == 8
    assert printed.startswith(fingerprint.replace(" ", ""))


# Writing


def test_a_pack_holds_the_readme_the_files_and_their_signed_sums_in_a_fixed_layout(
    pack_bytes: bytes, signing: Ed25519PrivateKey
) -> None:
    with zipfile.ZipFile(io.BytesIO(pack_bytes)) as archive:
        members = archive.infolist()
        sums = archive.read("SHA256SUMS").decode()
        signature = archive.read("SHA256SUMS.sig")
        readme = archive.read("README.txt").decode()

    assert [member.filename for member in members] == [
        "README.txt",
        "report.pdf",
        "staff.csv",
        "staff.json",
        "SHA256SUMS",
        "SHA256SUMS.sig",
    ]
    assert {member.compress_type for member in members} == {zipfile.ZIP_STORED}
    assert {member.date_time for member in members} == {(1980, 1, 1, 0, 0, 0)}
    assert {member.external_attr >> 16 for member in members} == {0o100644}
    assert [line.split("  ")[1] for line in sums.splitlines()] == [
        "README.txt",
        "report.pdf",
        "staff.csv",
        "staff.json",
    ]
    signing.public_key().verify(signature, sums.encode())
    assert keys.fingerprint(signing.public_key()) in readme
    assert KEY_URL in readme
    assert "does not certify compliance" in readme


def test_the_same_files_make_the_same_bytes_whatever_the_destination(
    tmp_path: Path, pack_bytes: bytes, signing: Ed25519PrivateKey
) -> None:
    files = evidence_files(tmp_path / "files")

    class OnlyWrites(io.RawIOBase):
        """A destination that cannot seek, such as a pipe or a response."""

        def __init__(self) -> None:
            self.written = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, data: bytes) -> int:
            self.written += data
            return len(data)

    stream = OnlyWrites()
    write_pack(stream, files, public_key_url=KEY_URL, signing_key=signing)

    assert bytes(stream.written) == pack_bytes


def test_a_pack_verifies(pack_bytes: bytes, signing: Ed25519PrivateKey) -> None:
    verdict = verdict_of(pack_bytes, signing)

    assert verdict.ok, problems_of(verdict)
    assert verdict.files == ("report.pdf", "staff.csv", "staff.json")


def test_a_large_file_is_streamed_into_the_pack_and_verifies(
    tmp_path: Path, signing: Ed25519PrivateKey
) -> None:
    big = tmp_path / "report.pdf"
    big.write_bytes(os.urandom(300 * 1024))
    destination = tmp_path / "pack.zip"

    write_pack(
        destination, [PackFile("report.pdf", big)], public_key_url=KEY_URL, signing_key=signing
    )

    assert verify_pack(destination, signing.public_key()).ok
    with zipfile.ZipFile(destination) as archive:
        assert archive.read("report.pdf") == big.read_bytes()


@pytest.mark.parametrize(
    "names",
    [
        ["../report.pdf"],
        ["folder/report.pdf"],
        [".hidden"],
        ["report one.pdf"],
        ["r\u00e9sum\u00e9.pdf"],
        ["x" * 101],
        ["readme.TXT"],
        ["SHA256SUMS"],
        ["a.csv", "A.CSV"],
    ],
)
def test_names_a_pack_cannot_hold_are_refused_and_nothing_is_left_behind(
    tmp_path: Path, signing: Ed25519PrivateKey, names: list[str]
) -> None:
    source = tmp_path / "source"
    source.write_bytes(b"data")
    destination = tmp_path / "pack.zip"

    with pytest.raises(PackError):
        write_pack(
            destination,
            [PackFile(name, source) for name in names],
            public_key_url=KEY_URL,
            signing_key=signing,
        )

    assert not destination.exists()


def test_a_file_changed_while_the_pack_is_written_fails_the_pack(
    tmp_path: Path, signing: Ed25519PrivateKey
) -> None:
    files = evidence_files(tmp_path / "files")

    class ChangesTheReport(io.BytesIO):
        def write(self, data: bytes) -> int:
            if data.startswith(b"PK\x03\x04") and b"report.pdf" in data:
                files[0].path.write_bytes(b"a different report")
            return super().write(data)

    with pytest.raises(PackError, match="report.pdf changed while the pack was being written"):
        write_pack(ChangesTheReport(), files, public_key_url=KEY_URL, signing_key=signing)


def test_a_missing_file_fails_the_pack_before_anything_is_written(
    tmp_path: Path, signing: Ed25519PrivateKey
) -> None:
    destination = tmp_path / "pack.zip"

    with pytest.raises(FileNotFoundError):
        write_pack(
            destination,
            [PackFile("gone.pdf", tmp_path / "gone.pdf")],
            public_key_url=KEY_URL,
            signing_key=signing,
        )
    assert not destination.exists()


def test_the_readme_gives_this_sites_well_known_address_by_default(
    app: Flask, tmp_path: Path
) -> None:
    app.config["BASE_URL"] = "https://course.example.org"
    destination = tmp_path / "pack.zip"

    with app.app_context():
        write_pack(destination, evidence_files(tmp_path / "files"))
        verdict = verify_pack(destination)
        fingerprint = keys.fingerprint(keys.signing_key().public_key())

    assert verdict.ok, problems_of(verdict)
    with zipfile.ZipFile(destination) as archive:
        readme = archive.read("README.txt").decode()
    assert KEY_URL in readme
    assert fingerprint in readme


# Verifying: every change is caught, and every file gets a verdict


def test_changing_any_single_byte_of_a_pack_is_rejected(
    pack_bytes: bytes, signing: Ed25519PrivateKey
) -> None:
    accepted = []
    for position in range(len(pack_bytes)):
        for mask in (0x01, 0x80):
            verdict = verdict_of(with_byte_flipped(pack_bytes, position, mask), signing)
            if verdict.ok or not all(problems_of(verdict)):
                accepted.append((position, mask))

    assert accepted == []


def test_a_changed_file_is_named(pack_bytes: bytes, signing: Ed25519PrivateKey) -> None:
    position = pack_bytes.index(b"Ada Lovelace,Main hall")

    verdict = verdict_of(with_byte_flipped(pack_bytes, position), signing)

    assert problems_of(verdict) == ["staff.csv was changed (its SHA-256 differs from SHA256SUMS)."]


def test_a_changed_signature_is_named(pack_bytes: bytes, signing: Ed25519PrivateKey) -> None:
    central_directory = pack_bytes.index(b"PK\x01\x02")
    signature_at = central_directory - 64

    verdict = verdict_of(with_byte_flipped(pack_bytes, signature_at + 10), signing)

    assert [problem.split(" (key")[0] for problem in problems_of(verdict)] == [
        "SHA256SUMS.sig does not match: the pack was changed or was not signed by this platform"
    ]


def test_a_changed_header_is_named_as_changed_metadata(
    pack_bytes: bytes, signing: Ed25519PrivateKey
) -> None:
    # The second byte of the first local header's "version needed to extract".
    verdict = verdict_of(with_byte_flipped(pack_bytes, 5), signing)

    assert problems_of(verdict) == [CHANGED_METADATA]


def test_bytes_added_after_a_pack_are_rejected(
    pack_bytes: bytes, signing: Ed25519PrivateKey
) -> None:
    assert problems_of(verdict_of(pack_bytes + b"\n", signing)) == [CHANGED_METADATA]
    assert problems_of(verdict_of(pack_bytes + b"PK\x05\x06" + bytes(30), signing))


def test_every_shortened_pack_is_rejected(pack_bytes: bytes, signing: Ed25519PrivateKey) -> None:
    accepted = [
        length for length in range(len(pack_bytes)) if verdict_of(pack_bytes[:length], signing).ok
    ]

    assert accepted == []


def test_a_pack_signed_by_another_key_is_rejected(pack_bytes: bytes) -> None:
    other = Ed25519PrivateKey.generate()

    verdict = verdict_of(pack_bytes, other)

    assert len(verdict.problems) == 1
    assert keys.fingerprint(other.public_key()) in str(verdict.problems[0])
    assert str(verdict.problems[0]).startswith("SHA256SUMS.sig does not match")


def zipped_again(pack_bytes: bytes, leave_out: str = "", add: str = "") -> bytes:
    """The pack's members written again by Python's zipfile, one left out or one added."""
    rezipped = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(pack_bytes)) as original,
        zipfile.ZipFile(rezipped, "w", zipfile.ZIP_STORED) as archive,
    ):
        for name in original.namelist():
            if name != leave_out:
                archive.writestr(name, original.read(name))
        if add:
            archive.writestr(add, b"slipped in")
    return rezipped.getvalue()


def test_a_file_added_to_a_pack_is_named(pack_bytes: bytes, signing: Ed25519PrivateKey) -> None:
    verdict = verdict_of(zipped_again(pack_bytes, add="extra.pdf"), signing)

    assert problems_of(verdict) == ["Unexpected file extra.pdf: it is not listed in SHA256SUMS."]


def test_a_file_taken_out_of_a_pack_is_named(pack_bytes: bytes, signing: Ed25519PrivateKey) -> None:
    verdict = verdict_of(zipped_again(pack_bytes, leave_out="staff.json"), signing)

    assert problems_of(verdict) == ["staff.json is listed in SHA256SUMS but is not in the pack."]


def test_a_pack_unzipped_and_zipped_again_is_rejected_though_its_files_are_intact(
    pack_bytes: bytes, signing: Ed25519PrivateKey
) -> None:
    verdict = verdict_of(zipped_again(pack_bytes), signing)

    assert problems_of(verdict) == [CHANGED_METADATA]


def test_a_pack_without_its_signature_is_rejected(
    pack_bytes: bytes, signing: Ed25519PrivateKey
) -> None:
    verdict = verdict_of(zipped_again(pack_bytes, leave_out="SHA256SUMS.sig"), signing)

    assert problems_of(verdict) == [
        "SHA256SUMS.sig is missing: this is not an evidence pack, or it was changed."
    ]


@pytest.mark.parametrize(
    "data",
    [b"", b"name,site\nAda,Main hall\n", b"%PDF-1.7\n" * 100, os.urandom(4096)],
    ids=["empty", "csv", "pdf", "random"],
)
def test_a_file_that_is_not_a_zip_gets_a_verdict(data: bytes, signing: Ed25519PrivateKey) -> None:
    verdict = verdict_of(data, signing)

    assert problems_of(verdict) == ["This is not a ZIP file, so it is not an evidence pack."]


def test_a_missing_file_or_a_folder_gets_a_verdict(
    tmp_path: Path, signing: Ed25519PrivateKey
) -> None:
    for path in (tmp_path / "no-such-pack.zip", tmp_path):
        verdict = verify_pack(path, signing.public_key())

        assert [problem.split(":")[0] for problem in problems_of(verdict)] == [
            "The file could not be read"
        ]


def test_a_compressed_zip_is_refused_without_being_inflated(signing: Ed25519PrivateKey) -> None:
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("report.pdf", bytes(50 * 1024 * 1024))
        archive.writestr("SHA256SUMS", b"")
        archive.writestr("SHA256SUMS.sig", b"")

    verdict = verdict_of(bomb.getvalue(), signing)

    assert len(bomb.getvalue()) < 200_000
    assert "report.pdf is compressed or encrypted, which an evidence pack never is." in (
        problems_of(verdict)
    )


def test_a_member_claiming_to_be_huge_is_refused(
    pack_bytes: bytes, signing: Ed25519PrivateKey
) -> None:
    central_directory = pack_bytes.index(b"PK\x01\x02")
    # Both sizes of the first member, as the central directory records them.
    changed = bytearray(pack_bytes)
    struct.pack_into("<II", changed, central_directory + 20, 0xFFFFFFF0, 0xFFFFFFF0)

    verdict = verdict_of(bytes(changed), signing)

    assert problems_of(verdict) == [
        "The ZIP file is damaged or cut short, so it cannot be read as an evidence pack."
    ]


def test_a_zip_listing_absurdly_many_files_is_refused(signing: Ed25519PrivateKey) -> None:
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w") as archive:
        for number in range(1100):
            archive.writestr(f"{number}.txt", b"")
    end_record_alone = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 60000, 60000, 0, 0, 0)

    assert problems_of(verdict_of(many.getvalue(), signing)) == [
        "The ZIP file lists 1100 files, more than an evidence pack holds."
    ]
    assert problems_of(verdict_of(end_record_alone, signing)) == [
        "The ZIP file lists 60000 files, more than an evidence pack holds."
    ]


# Checking with standard tools, as docs/evidence.md and the pack's README say


def require_tools(*tools: str) -> None:
    """Skip the test unless ``tools`` are installed; on CI, where .ci/run installs them, fail."""
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        reason = f"needs {', '.join(missing)} (apt-get install openssl unzip coreutils)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


def shell(command: str, folder: Path) -> str:
    """Run one of the documented commands in ``folder``, as a person would in a terminal."""
    finished = subprocess.run(  # noqa: S603
        ["bash", "-o", "pipefail", "-c", command],  # noqa: S607
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    if finished.returncode:
        raise AssertionError(f"{command!r} failed:\n{finished.stdout}{finished.stderr}")
    return finished.stdout


def documented_commands(readme: str) -> list[str]:
    """The commands the README gives, in order, each on a line of its own indented by two."""
    after = readme.split("with standard tools", 1)[1]
    return [
        line.split("     (or:")[0].strip()
        for line in after.splitlines()
        if line.startswith("  ") and not line.startswith("   ")
    ]


def test_a_pack_checks_out_with_standard_tools_exactly_as_documented(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    require_tools("openssl", "unzip", "sha256sum", "tail")
    app.config["BASE_URL"] = "https://course.example.org"
    with app.app_context():
        write_pack(tmp_path / "PACK.zip", evidence_files(tmp_path / "files"))
        fingerprint = keys.fingerprint(keys.signing_key().public_key())
    with zipfile.ZipFile(tmp_path / "PACK.zip") as archive:
        commands = documented_commands(archive.read("README.txt").decode())
    fetch, *rest = commands
    assert fetch == f"curl -o ct-citizen-key.pem {KEY_URL}"
    # No network here: the test client fetches the key from the same address instead.
    (tmp_path / "ct-citizen-key.pem").write_bytes(
        client.get("/.well-known/ct-citizen-evidence-key.pem").data
    )

    printed = []
    folder = tmp_path
    for command in rest:
        if command.startswith("cd "):
            folder = folder / command.removeprefix("cd ")
            continue
        printed.append(shell(command, folder))

    assert printed[0].startswith(fingerprint.replace(" ", ""))
    assert "Signature Verified Successfully" in printed[2]
    assert printed[3].splitlines() == [
        "README.txt: OK",
        "report.pdf: OK",
        "staff.csv: OK",
        "staff.json: OK",
    ]
    assert sorted(path.name for path in folder.iterdir()) == [
        "README.txt",
        "SHA256SUMS",
        "SHA256SUMS.sig",
        "report.pdf",
        "staff.csv",
        "staff.json",
    ]
    docs = (PROJECT_ROOT / "docs" / "evidence.md").read_text()
    assert [command for command in commands if command not in docs] == []


def test_standard_tools_reject_a_changed_file_and_another_key(
    tmp_path: Path, pack_bytes: bytes, signing: Ed25519PrivateKey
) -> None:
    require_tools("openssl", "unzip", "sha256sum")
    (tmp_path / "PACK.zip").write_bytes(pack_bytes)
    other = Ed25519PrivateKey.generate()
    (tmp_path / "other-key.pem").write_text(keys.public_key_pem(other.public_key()))
    shell("python3 -m zipfile -e PACK.zip pack", tmp_path)
    folder = tmp_path / "pack"
    with (folder / "staff.csv").open("ab") as csv_file:
        csv_file.write(b"Someone Else,Main hall,2026-03-02\n")

    with pytest.raises(AssertionError, match="staff.csv: FAILED"):
        shell("sha256sum -c SHA256SUMS", folder)
    with pytest.raises(AssertionError, match="failed"):
        shell(
            "openssl pkeyutl -verify -pubin -inkey ../other-key.pem -rawin -in SHA256SUMS "
            "-sigfile SHA256SUMS.sig",
            folder,
        )


# The public key at its well-known address


def test_the_public_key_is_published_at_a_well_known_address_for_anyone(
    app: Flask, client: FlaskClient
) -> None:
    response = client.get("/.well-known/ct-citizen-evidence-key.pem")

    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.cache_control.public and response.cache_control.max_age == 86400
    published = keys.public_key_from_pem(response.data)
    with app.app_context():
        platform = keys.signing_key().public_key()
    assert keys.public_key_pem(published) == keys.public_key_pem(platform)
    assert stat.S_IMODE((Path(app.instance_path) / keys.KEY_FILENAME).stat().st_mode) == 0o600
