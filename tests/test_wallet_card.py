"""The who-to-call wallet card: a region's numbers as a PDF to print at real size, cut out and
fold, with a QR code that leads back to the who-to-call page."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from course.core.regions import Region
from tests.fixtures.pdf import require_tools, run

TOOLS = ("pdftotext", "pdfinfo", "pdftoppm", "zbarimg")


@pytest.fixture(autouse=True)
def poppler_and_zbar() -> None:
    require_tools(*TOOLS)


def card(client: FlaskClient, tmp_path: Path, region: str) -> Path:
    response = client.get(f"/who-to-call/card-{region}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        f'inline; filename="ct-citizen-who-to-call-{region}.pdf"'
    )
    path = tmp_path / f"card-{region}.pdf"
    path.write_bytes(response.data)
    return path


def test_the_uk_card_has_its_emergency_and_reporting_numbers_on_one_a4_page(
    client: FlaskClient, tmp_path: Path
) -> None:
    path = card(client, tmp_path, "uk")

    text = run("pdftotext", "-layout", str(path), "-")
    info = run("pdfinfo", str(path))
    assert "Pages:           1" in info and "595.276 x 841.89 pts (A4)" in info
    assert "Title:           CT Citizen: who to call in United Kingdom" in info
    assert "Your who-to-call card: United Kingdom" in text
    for number in ("999", "999, then press 55", "0800 789 321", "61016", "0800 011 3764", "101"):
        assert number in text, number
    assert "gov.uk/report-terrorism" in text and "gov.uk/ACT" in text


def test_the_cards_qr_code_leads_to_the_who_to_call_page(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    app.config["BASE_URL"] = "https://ctcitizen.example.org"
    path = card(client, tmp_path, "au")

    run("pdftoppm", "-r", "300", "-png", str(path), str(tmp_path / "page"))
    decoded = run("zbarimg", "--quiet", "--raw", str(tmp_path / "page-1.png")).strip()

    assert decoded == "https://ctcitizen.example.org/who-to-call"
    text = run("pdftotext", "-layout", str(path), "-")
    assert "000, then press 55" in text and "1800 123 400" in text
    assert "https://ctcitizen.example.org/who-to-call" in text


def test_a_card_for_elsewhere_leaves_lines_to_write_local_numbers_in(
    client: FlaskClient, tmp_path: Path
) -> None:
    text = run("pdftotext", "-layout", str(card(client, tmp_path, "other")), "-")

    assert "Your local emergency number" in text
    assert text.count("Write it here:") == 2
    for number in ("999", "911", "112", "000"):
        assert f" {number}\n" not in text and f"\n{number}\n" not in text


@pytest.mark.parametrize("region", list(Region), ids=lambda region: region.value)
def test_every_regions_page_links_to_its_own_card(client: FlaskClient, region: Region) -> None:
    language = {"uk": "en-GB", "eu": "fr-FR", "other": "es-MX"}.get(region, f"en-{region}")
    headers = {"Accept-Language": language}  # the region comes from the browser's language

    page = client.get("/who-to-call", headers=headers).get_data(as_text=True)

    assert f'<a href="/who-to-call/card-{region.value}.pdf">' in page


@pytest.mark.parametrize("address", ["/who-to-call/card-mars.pdf", "/who-to-call/card-.pdf"])
def test_a_card_of_no_region_is_not_found(client: FlaskClient, address: str) -> None:
    assert client.get(address).status_code == 404
