"""The manager's reports in a real browser, by keyboard: read the summary, filter the member
table, and download the filtered members as a CSV file."""

from __future__ import annotations

import csv
import io
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
    desktop.open(f"/orgs/{organisation_id}/", label="manage")
    assert page.get_by_role("img", name="Members who have completed the course, by month").count()
    assert "Certificates expiring within 30 days" in page.locator(".report-summary").inner_text()

    desktop.type_into("team", "Bar")
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
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text("utf-8"))))
    assert [row[0] for row in rows[1:]] == ["Ivy Inprogress", "Una Unconfirmed"]
    assert download.value.suggested_filename.startswith("harbour-arts-centre-members-")
