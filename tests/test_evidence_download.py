"""The evidence pack an organisation (or a site) downloads: its report, CSV and JSON, signed."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from course.accounts.models import User
from course.evidence.pack import verify_pack
from course.extensions import db
from course.organisations.models import ProcedureKind
from tests.fixtures.clients import login_as, signed_in
from tests.fixtures.organisations import add_site, create_org, place_at_sites, seed
from tests.fixtures.pdf import require_tools, run
from tests.fixtures.web import post_form


def user_id(app: Flask, email: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(User.id).where(User.email == email))
        assert found is not None
        return found


def test_an_organisations_pack_holds_its_training_signed(course_app: Flask, tmp_path: Path) -> None:
    require_tools("pdftotext", "pdfinfo")
    manager, organisation_id = seed(course_app)
    theatre = add_site(manager, organisation_id, "Harbour Theatre", tier="enhanced")
    val = user_id(course_app, "val-valid@example.org")
    place_at_sites(manager, organisation_id, val, [theatre])
    post_form(
        manager,
        f"/orgs/{organisation_id}/sites/{theatre}/procedures/new",
        {kind.value: "Do this." for kind in ProcedureKind} | {"action": "publish"},
    )
    with course_app.app_context():
        valuser = db.session.get(User, val)
    member = course_app.test_client()
    login_as(member, valuser)  # type: ignore[arg-type]
    post_form(
        member,
        f"/account/sites/{theatre}/procedures",
        {"version": "1", "understood": "y"},
    )

    response = manager.get(f"/orgs/{organisation_id}/evidence.zip")

    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    assert "harbour-arts-centre-evidence-" in response.headers["Content-Disposition"]
    pack = tmp_path / "pack.zip"
    pack.write_bytes(response.get_data())
    with course_app.app_context():
        verdict = verify_pack(pack)
    assert verdict.ok, verdict.problems
    with zipfile.ZipFile(pack) as opened:
        assert {"report.pdf", "members.csv", "evidence.json"} <= set(opened.namelist())
        evidence = json.loads(opened.read("evidence.json"))
        members_csv = opened.read("members.csv").decode("utf-8-sig")
        (tmp_path / "report.pdf").write_bytes(opened.read("report.pdf"))
    assert evidence["organisation"]["name"] == "Harbour Arts Centre"
    assert "does not certify" in evidence["statement"]
    [site] = evidence["sites"]
    assert site["name"] == "Harbour Theatre" and site["capacity_tier"] == "enhanced"
    assert [version["confirmed_by"] for version in site["procedures"]] == [1]
    by_name = {person["name"]: person for person in evidence["members"]}
    assert len(by_name) == evidence["summary"]["members"]
    val_json = by_name["Val Valid"]
    assert val_json["certificate"]["status"] == "valid"
    assert val_json["certificate"]["verification_link"].startswith("http://localhost/verify/")
    assert val_json["site_procedures_confirmed"][0]["version"] == 1
    assert by_name["Una Unconfirmed"]["certificate"] is None
    assert "Val Valid" in members_csv and "Site procedures confirmed" in members_csv
    text = run("pdftotext", "-layout", str(tmp_path / "report.pdf"), "-")
    assert "Training evidence: Harbour Arts Centre" in text
    assert "does not certify" in " ".join(text.split())
    assert "Val Valid" in text and "site procedures confirmed" in " ".join(text.split())
    assert "http://localhost/verify/" in text
    info = run("pdfinfo", str(tmp_path / "report.pdf"))
    assert "Tagged:          yes" in info


def test_a_site_pack_holds_only_that_sites_members(course_app: Flask) -> None:
    manager, organisation_id = seed(course_app)
    theatre = add_site(manager, organisation_id, "Harbour Theatre")
    add_site(manager, organisation_id, "Depot")
    place_at_sites(
        manager, organisation_id, user_id(course_app, "val-valid@example.org"), [theatre]
    )

    response = manager.get(f"/orgs/{organisation_id}/sites/{theatre}/evidence.zip")

    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as opened:
        evidence = json.loads(opened.read("evidence.json"))
    assert [person["name"] for person in evidence["members"]] == ["Val Valid"]
    assert [site["name"] for site in evidence["sites"]] == ["Harbour Theatre"]
    assert evidence["site"]["name"] == "Harbour Theatre"


def test_an_account_builds_at_most_10_packs_an_hour(app: Flask) -> None:
    manager = signed_in(app, "bea@example.org")
    organisation_id = create_org(manager)
    site_id = add_site(manager, organisation_id, "Harbour Theatre")
    paths = [f"/orgs/{organisation_id}/evidence.zip"] * 10 + [
        f"/orgs/{organisation_id}/sites/{site_id}/evidence.zip"
    ] * 11

    statuses = []
    for path in paths:
        response = manager.get(path)
        response.get_data()
        statuses.append(response.status_code)

    # Each kind of pack has its own 10 an hour.
    assert statuses == [200] * 20 + [429]


def test_a_name_written_as_markup_is_printed_as_text(course_app: Flask, tmp_path: Path) -> None:
    require_tools("pdftotext")
    manager, organisation_id = seed(course_app)
    with course_app.app_context():
        val = db.session.scalar(select(User).where(User.email == "val-valid@example.org"))
        assert val is not None
        val.name = '<img src="file:///etc/passwd">Val'
        db.session.commit()

    response = manager.get(f"/orgs/{organisation_id}/evidence.zip")

    with zipfile.ZipFile(io.BytesIO(response.get_data())) as opened:
        (tmp_path / "report.pdf").write_bytes(opened.read("report.pdf"))
    text = run("pdftotext", "-layout", str(tmp_path / "report.pdf"), "-")
    assert '<img src="file:///etc/passwd">Val' in text
