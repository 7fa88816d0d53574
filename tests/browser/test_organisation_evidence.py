"""An organisation's evidence, in a real browser and by keyboard: a manager adds two sites, puts
staff at them (one as a site manager) and invites someone to a site, publishes a site's
procedures; a member reads and confirms them; the manager removes that member and finds the
training record kept, then downloads the evidence pack, whose signature `flask evidence verify`
accepts, and refuses once one byte is changed. The site manager sees their own site and nothing
else of the organisation."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from course.accounts.models import User
from course.extensions import db
from tests.fixtures.apps import import_bundle
from tests.fixtures.browser import BrowserSession
from tests.fixtures.factories import STRONG_PASSWORD
from tests.fixtures.organisations import add_site as add_site_by_form
from tests.fixtures.organisations import place_at_sites, seed
from tests.fixtures.web import post_form

PROCEDURES = {
    "evacuation": "- Leave by the **nearest** exit\n- Meet at the quay",
    "invacuation": "Bring people into the main hall and close the doors.",
    "lockdown": "Lock the stage door. Hide, silence your phone.",
    "communication": "The duty manager calls 999 and radios every steward.",
}


def add_site(desktop: BrowserSession, name: str, address: str, tier: int) -> None:
    """Add a site by keyboard; ``tier`` is the capacity band's place in the list (0 is under
    200), reached with the arrow keys as a radio group is."""
    desktop.activate("Add a site", f"add-{name}")
    desktop.type_into("name", name)
    desktop.type_into("address", address)
    desktop.tab_to(element_id="capacity_tier-0")
    desktop.page.keyboard.press("Space")
    for _ in range(tier):
        desktop.page.keyboard.press("ArrowDown")
    desktop.activate("Add the site", f"site-{name}")


def tick(desktop: BrowserSession, element_id: str) -> None:
    desktop.tab_to(element_id=element_id)
    desktop.page.keyboard.press("Space")


def test_sites_procedures_records_and_a_signed_pack(
    desktop: BrowserSession, app: Flask, tmp_path: Path
) -> None:
    import_bundle(app)
    _client, organisation_id = seed(app)
    page = desktop.page
    desktop.sign_in("bea@example.org", STRONG_PASSWORD, "dashboard")
    desktop.activate("Manage Harbour Arts Centre", "manage")

    # Two sites.
    add_site(desktop, "Harbour Theatre", "1 Quay Street\nBristol BS1 4DJ", 2)
    assert "Enhanced: 800 or more people" in page.inner_text("main")
    desktop.activate("Back to Harbour Arts Centre", "manage-with-one-site")
    add_site(desktop, "Depot", "Unit 4, Feeder Road\nBristol", 1)
    desktop.activate("Back to Harbour Arts Centre", "manage-with-two-sites")
    sites = page.get_by_role("table", name="Sites").inner_text()
    assert "Harbour Theatre" in sites and "Depot" in sites

    # Staff at the sites: Val at the theatre, Nat at the depot as its site manager.
    desktop.activate("Val Valid", "val")
    tick(desktop, "sites-0")  # the list is by name: Depot, then Harbour Theatre
    tick(desktop, "sites-1")
    tick(desktop, "sites-0")  # not the depot after all
    desktop.activate("Save sites", "val-at-the-theatre")
    assert "Harbour Theatre" in page.get_by_role("definition").all_inner_texts()[2]
    desktop.activate("Back to all members", "manage-again")
    desktop.activate("Nat Notstarted", "nat")
    tick(desktop, "sites-0")
    tick(desktop, "managing-0")
    desktop.activate("Save sites", "nat-manages-the-depot")
    assert "Depot (site manager)" in page.inner_text("main")

    # Someone new, invited to the depot.
    desktop.activate("Back to all members", "manage-before-inviting")
    desktop.activate("Invite people by email", "invitations")
    desktop.type_into("email", "sky.new@example.org")
    desktop.tab_to(element_id="site")
    page.keyboard.type("Depot")
    desktop.activate("Send invitation", "invited")
    assert "We have emailed an invitation to sky.new@example.org." in page.inner_text("main")

    # The theatre's procedures.
    desktop.open(f"/orgs/{organisation_id}/", label="manage-for-procedures")
    desktop.activate("Harbour Theatre", "theatre")
    desktop.activate("The procedures and their versions", "procedures")
    desktop.activate("Write the procedures", "write-procedures")
    for field, text in PROCEDURES.items():
        desktop.type_into(field, text)
    desktop.activate("Preview", "procedures-preview")
    assert "nearest" in page.get_by_role("region", name="Preview").inner_text()
    desktop.activate("Publish version 1", "procedures-published")
    assert "Version 1 of the procedures for Harbour Theatre is published" in page.inner_text("main")
    desktop.activate("Sign out", "bea-out")

    # Val reads and confirms them.
    desktop.sign_in("val-valid@example.org", STRONG_PASSWORD, "val-dashboard")
    desktop.activate("Read and confirm the procedures for Harbour Theatre", "val-reads")
    assert "Meet at the quay" in page.inner_text("main")
    tick(desktop, "understood")
    desktop.activate("Confirm", "val-confirmed")
    assert "You have confirmed version 1" in page.inner_text("main")
    desktop.activate("Sign out", "val-out")

    # Nat, the depot's site manager, sees the depot and nothing else.
    desktop.sign_in("nat-notstarted@example.org", STRONG_PASSWORD, "nat-dashboard")
    desktop.activate("Depot, Harbour Arts Centre", "depot")
    members = page.locator("#members-caption").locator("xpath=..").inner_text()
    assert "Nat Notstarted" in members and "Val Valid" not in members
    for hidden in (f"/orgs/{organisation_id}/", f"/orgs/{organisation_id}/members.csv"):
        desktop.expect_error_status(hidden)
        response = page.goto(desktop.url(hidden))
        assert response is not None and response.status == 404
        desktop.audit(f"nat-refused-{hidden.count('/')}")
    desktop.open("/dashboard", label="nat-back")
    desktop.activate("Sign out", "nat-out")

    # Bea removes Val and finds the record kept, with the procedures Val confirmed.
    desktop.sign_in("bea@example.org", STRONG_PASSWORD, "bea-again")
    desktop.activate("Manage Harbour Arts Centre", "manage-to-remove")
    desktop.activate("Val Valid", "val-to-remove")
    desktop.activate("Remove Val Valid", "remove-val")
    assert "keeps a record of their training for 3 years" in page.inner_text("main")
    desktop.activate("Yes, remove Val Valid", "val-removed")
    desktop.activate("Training records of people who have left", "records")
    desktop.activate("Val Valid", "val-record")
    record = page.inner_text("main")
    assert "Harbour Theatre, version 1, on" in record and "Removed" in record

    # The evidence pack: downloaded, verified, and refused once one byte changes.
    desktop.open(f"/orgs/{organisation_id}/", label="manage-for-the-pack")
    assert "does not certify" in page.inner_text("main")
    desktop.tab_to(text="Download the evidence pack")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    pack = tmp_path / "pack.zip"
    pack.write_bytes(Path(download.value.path()).read_bytes())
    assert download.value.suggested_filename.startswith("harbour-arts-centre-evidence-")
    with zipfile.ZipFile(pack) as opened:
        evidence = json.loads(opened.read("evidence.json"))
    [former] = evidence["former_members"]
    assert former["name"] == "Val Valid" and former["attestations"][0]["version"] == 1
    runner = app.test_cli_runner()
    accepted = runner.invoke(args=["evidence", "verify", str(pack)])
    assert accepted.exit_code == 0 and accepted.output.startswith("Valid"), accepted.output
    changed = bytearray(pack.read_bytes())
    changed[len(changed) // 2] ^= 0x01
    tampered = tmp_path / "tampered.zip"
    tampered.write_bytes(bytes(changed))
    refused = runner.invoke(args=["evidence", "verify", str(tampered)])
    assert refused.exit_code == 1 and "Valid" not in refused.output.split()[0], refused.output


def test_a_site_and_its_procedures_read_on_a_phone(phone: BrowserSession, app: Flask) -> None:
    import_bundle(app)
    manager, organisation_id = seed(app)
    site_id = add_site_by_form(manager, organisation_id, "Harbour Theatre")
    with app.app_context():
        nat = db.session.scalar(select(User.id).where(User.email == "nat-notstarted@example.org"))
    place_at_sites(manager, organisation_id, nat, [site_id], managing=[site_id])  # type: ignore[arg-type]
    post_form(
        manager,
        f"/orgs/{organisation_id}/sites/{site_id}/procedures/new",
        {**PROCEDURES, "action": "publish"},
    )
    page = phone.page
    phone.sign_in("nat-notstarted@example.org", STRONG_PASSWORD, "nat-dashboard")

    for path, label in (
        (f"/orgs/{organisation_id}/sites/{site_id}/", "site"),
        (f"/account/sites/{site_id}/procedures", "procedures"),
        (f"/orgs/{organisation_id}/sites/{site_id}/procedures/new", "write"),
    ):
        phone.open(path, label=label)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
        assert overflow <= 0, f"{label}: {overflow} pixels wider than the phone"
