"""The manager's daily work in a real browser, by keyboard: from the dashboard to the
organisation, read the summary, filter the member table by a team chosen from a list, see one
member's progress in each module, download the filtered members as a CSV file and every current
certificate as a zip; and the member table read on a phone."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from flask import Flask

from tests.fixtures.apps import import_bundle
from tests.fixtures.browser import BrowserSession
from tests.fixtures.factories import STRONG_PASSWORD
from tests.fixtures.organisations import seed


def test_a_manager_filters_the_members_and_downloads_them(
    desktop: BrowserSession, app: Flask
) -> None:
    import_bundle(app)
    _client, organisation_id = seed(app)
    page = desktop.page
    desktop.sign_in("bea@example.org", STRONG_PASSWORD, "dashboard")
    assert page.get_by_role("link", name="Your organisations").count() == 1
    desktop.activate("Manage Harbour Arts Centre", "manage")
    assert page.url.endswith(f"/orgs/{organisation_id}/")
    assert page.get_by_role("img", name="Members who have completed the course, by month").count()
    assert "Certificates expiring within 30 days" in page.locator(".report-summary").inner_text()

    desktop.tab_to(element_id="team")
    page.keyboard.type("Bar")
    assert page.locator("#team").input_value() == "Bar"
    desktop.tab_to(element_id="status")
    page.keyboard.type("Overdue")
    desktop.activate("Filter", "filtered")

    assert "team=Bar" in page.url and "status=overdue" in page.url
    table = page.locator("#members-caption").locator("xpath=..").inner_text()
    assert "Ivy Inprogress" in table and "Una Unconfirmed" in table
    assert "Ola Expired" not in table and "Val Valid" not in table
    desktop.tab_to(text="Download these members as a CSV file")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["Ivy Inprogress", "Una Unconfirmed"]
    assert download.value.suggested_filename.startswith("harbour-arts-centre-members-")

    desktop.activate("Ivy Inprogress", "member")
    progress = page.get_by_role("table", name="Progress by module").inner_text()
    assert "Staying safe\t0 of 2\tNone yet\tNot started" in progress
    desktop.activate("Back to all members", "back-to-members")
    desktop.tab_to(text="Download every member's current certificate")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    with zipfile.ZipFile(download.value.path()) as archive:
        assert [name.split(" - ")[0] for name in archive.namelist()] == [
            "Eve Expiring",
            "Val Valid",
        ]


def test_the_member_table_reads_on_a_phone(phone: BrowserSession, app: Flask) -> None:
    import_bundle(app)
    _client, organisation_id = seed(app)
    page = phone.page
    phone.sign_in("bea@example.org", STRONG_PASSWORD, "dashboard")
    phone.open(f"/orgs/{organisation_id}/", label="manage")

    overflow = page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
    assert overflow <= 0, f"{overflow} pixels wider than the phone"
    labels = page.locator("tr", has_text="Ivy Inprogress").evaluate(
        """row => [...row.cells].map(cell => getComputedStyle(cell, "::before").content)"""
    )
    assert labels == ['"Member"', '"Progress"', '"Certificate"', '"Due"', '"Joined"']
    assert "0 of 2 modules" in page.locator("tr", has_text="Ivy Inprogress").inner_text()
    table = page.locator("table.member-table").bounding_box()
    assert table is not None and table["width"] <= 360
