"""A site's procedures (its annex): written and published in versions by its managers, read and
confirmed by the people who work there, and counted in the member table, the CSV and reminders."""

from __future__ import annotations

import csv
import io
import json

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from course.accounts.models import User
from course.core.mail import OutboxMessage
from course.extensions import db
from course.organisations.models import AnnexVersion, Attestation, TrainingRecord
from tests.fixtures.clients import login_as, signed_in
from tests.fixtures.organisations import add_site, create_org, place_at_sites, seed
from tests.fixtures.web import post_form

SECTIONS = {
    "evacuation": "- Leave by the **nearest** exit\n- Meet at the car park",
    "invacuation": "Bring people into the main hall.",
    "lockdown": "### Doors\nLock the stage door.",
    "communication": "Radio channel 2. The duty manager calls 999.",
}


def user_id(app: Flask, email: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(User.id).where(User.email == email))
        assert found is not None
        return found


def publish(client: FlaskClient, organisation_id: int, site_id: int, **changes: str):
    return post_form(
        client,
        f"/orgs/{organisation_id}/sites/{site_id}/procedures/new",
        {**SECTIONS, **changes, "action": "publish"},
    )


def client_for(app: Flask, email: str) -> FlaskClient:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None
    client = app.test_client()
    login_as(client, user)
    return client


def test_a_manager_previews_then_publishes_numbered_versions(app: Flask) -> None:
    manager = signed_in(app, "bea@example.org", name="Bea Boss")
    organisation_id = create_org(manager)
    site_id = add_site(manager, organisation_id, "Harbour Theatre")
    path = f"/orgs/{organisation_id}/sites/{site_id}/procedures/new"

    preview = post_form(manager, path, {**SECTIONS, "action": "preview"})
    first = publish(manager, organisation_id, site_id)
    second = publish(manager, organisation_id, site_id, lockdown="Lock every door.")

    shown = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "<strong>nearest</strong>" in shown
    assert "<h3>Doors</h3>" in shown
    assert first.status_code == 302 and first.headers["Location"].endswith("/procedures/1")
    assert second.headers["Location"].endswith("/procedures/2")
    with app.app_context():
        versions = list(db.session.scalars(select(AnnexVersion).order_by(AnnexVersion.number)))
    assert [version.number for version in versions] == [1, 2]
    assert versions[0].sections["lockdown"] == "### Doors\nLock the stage door."
    assert versions[1].sections_html["lockdown"] == "<p>Lock every door.</p>\n"
    assert versions[1].published_by_name == "Bea Boss"
    page = manager.get(f"/orgs/{organisation_id}/sites/{site_id}/procedures").get_data(as_text=True)
    assert "Version 2" in page and "Current" in page and "0 of the 0 people" in page
    old = manager.get(f"/orgs/{organisation_id}/sites/{site_id}/procedures/1")
    assert "Replaced by version 2" in old.get_data(as_text=True)


def test_every_procedure_is_required_and_unsafe_markup_is_removed(app: Flask) -> None:
    manager = signed_in(app, "bea@example.org")
    organisation_id = create_org(manager)
    site_id = add_site(manager, organisation_id, "Harbour Theatre")

    refused = publish(manager, organisation_id, site_id, invacuation="  ", lockdown="x" * 10_001)
    published = publish(
        manager,
        organisation_id,
        site_id,
        evacuation='<script>alert(1)</script><img src="x" onerror="y">Go [out](javascript:z)',
    )

    assert refused.status_code == 200
    text = refused.get_data(as_text=True)
    assert "Write this procedure, or say why the site has none." in text
    assert "Keep each procedure to 10,000 characters or fewer." in text
    assert published.status_code == 302
    with app.app_context():
        [version] = db.session.scalars(select(AnnexVersion))
    html = version.sections_html["evacuation"]
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert "Go" in html


def test_people_at_the_site_read_and_confirm_and_a_new_version_asks_again(
    course_app: Flask,
) -> None:
    manager, organisation_id = seed(course_app)
    theatre = add_site(manager, organisation_id, "Harbour Theatre")
    val = user_id(course_app, "val-valid@example.org")
    place_at_sites(manager, organisation_id, val, [theatre])
    publish(manager, organisation_id, theatre)
    member = client_for(course_app, "val-valid@example.org")

    listed = member.get("/account/organisations").get_data(as_text=True)
    dashboard = member.get("/dashboard").get_data(as_text=True)
    page = member.get(f"/account/sites/{theatre}/procedures").get_data(as_text=True)
    unticked = post_form(member, f"/account/sites/{theatre}/procedures", {"version": "1"})
    confirmed = post_form(
        member, f"/account/sites/{theatre}/procedures", {"version": "1", "understood": "y"}
    )

    assert "Read and confirm the procedures for Harbour Theatre" in listed
    assert "Procedures to read" in dashboard
    assert "I have read and understood version 1 of these procedures" in page
    assert "Meet at the car park" in page
    assert "Tick the box to confirm" in unticked.get_data(as_text=True)
    assert confirmed.status_code == 302
    with course_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attestation)) == 1
    table = manager.get(f"/orgs/{organisation_id}/sites/{theatre}/?status=procedures")
    assert "0 members" in table.get_data(as_text=True)

    publish(manager, organisation_id, theatre, lockdown="Lock every door.")

    table = manager.get(f"/orgs/{organisation_id}/sites/{theatre}/?status=procedures")
    assert "1 member" in table.get_data(as_text=True)
    assert "Site procedures not confirmed" in table.get_data(as_text=True)
    stale = post_form(
        member, f"/account/sites/{theatre}/procedures", {"version": "1", "understood": "y"}
    )
    assert "published version 2 of its procedures while you were reading" in member.get(
        stale.headers["Location"]
    ).get_data(as_text=True)
    with course_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attestation)) == 1


def test_only_people_at_the_site_can_read_its_procedures(app: Flask) -> None:
    manager = signed_in(app, "bea@example.org")
    organisation_id = create_org(manager)
    theatre = add_site(manager, organisation_id, "Harbour Theatre")
    publish(manager, organisation_id, theatre)
    outsider = signed_in(app, "olly@example.org")

    assert outsider.get(f"/account/sites/{theatre}/procedures").status_code == 404
    assert manager.get(f"/account/sites/{theatre}/procedures").status_code == 404  # not there
    assert app.test_client().get(f"/account/sites/{theatre}/procedures").status_code == 302


def test_the_csv_says_who_confirmed_and_reminders_name_the_sites_to_confirm(
    course_app: Flask,
) -> None:
    manager, organisation_id = seed(course_app)
    theatre = add_site(manager, organisation_id, "Harbour Theatre")
    for email in ("val-valid@example.org", "eve-expiring@example.org"):
        place_at_sites(manager, organisation_id, user_id(course_app, email), [theatre])
    publish(manager, organisation_id, theatre)
    post_form(
        client_for(course_app, "eve-expiring@example.org"),
        f"/account/sites/{theatre}/procedures",
        {"version": "1", "understood": "y"},
    )

    text = manager.get(f"/orgs/{organisation_id}/members.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    column = rows[0].index("Site procedures confirmed")
    confirmed = {row[0]: row[column] for row in rows[1:]}
    sent = post_form(
        manager, f"/orgs/{organisation_id}/sites/{theatre}/reminders", {"action": "due"}
    )

    assert confirmed["Val Valid"] == "no" and confirmed["Eve Expiring"] == "yes"
    assert confirmed["Nat Notstarted"] == ""  # at no site with procedures
    assert sent.status_code == 302
    with course_app.app_context():
        messages = {
            message.recipient: message.text_body
            for message in db.session.scalars(select(OutboxMessage))
        }
    # Val holds a valid certificate: only the procedures are due. Eve's certificate expires soon.
    assert set(messages) == {"val-valid@example.org", "eve-expiring@example.org"}
    assert "confirm your site's procedures: Harbour Theatre." in messages["val-valid@example.org"]
    assert "confirm your site" not in messages["eve-expiring@example.org"]


def test_a_removed_members_record_keeps_the_procedures_they_confirmed(course_app: Flask) -> None:
    manager, organisation_id = seed(course_app)
    theatre = add_site(manager, organisation_id, "Harbour Theatre")
    val = user_id(course_app, "val-valid@example.org")
    place_at_sites(manager, organisation_id, val, [theatre])
    publish(manager, organisation_id, theatre)
    post_form(
        client_for(course_app, "val-valid@example.org"),
        f"/account/sites/{theatre}/procedures",
        {"version": "1", "understood": "y"},
    )

    removed = post_form(
        manager,
        f"/orgs/{organisation_id}/members/{val}/remove",
        {"action": "remove"},
    )

    assert removed.status_code == 302
    with course_app.app_context():
        record = db.session.scalar(select(TrainingRecord))
        assert record is not None and record.name == "Val Valid"
        [attested] = record.details["attestations"]
        assert attested["site"] == "Harbour Theatre" and attested["version"] == 1
        record_id = record.id
    page = manager.get(f"/orgs/{organisation_id}/records/{record_id}").get_data(as_text=True)
    assert "Harbour Theatre, version 1, on" in page
    text = manager.get(f"/orgs/{organisation_id}/records.csv").get_data(as_text=True)
    assert "Harbour Theatre (v1, " in text


def test_download_my_data_holds_the_sites_and_the_procedures_confirmed(course_app: Flask) -> None:
    manager, organisation_id = seed(course_app)
    theatre = add_site(manager, organisation_id, "Harbour Theatre")
    val = user_id(course_app, "val-valid@example.org")
    place_at_sites(manager, organisation_id, val, [theatre], managing=[theatre])
    publish(manager, organisation_id, theatre)
    member = client_for(course_app, "val-valid@example.org")
    post_form(member, f"/account/sites/{theatre}/procedures", {"version": "1", "understood": "y"})

    download = post_form(member, "/account/data", {}, form_page="/account/data")

    [membership] = json.loads(download.get_data())["organisations"]["memberships"]
    assert membership["sites"] == [{"site": "Harbour Theatre", "role": "manager"}]
    [confirmed] = membership["site_procedures_confirmed"]
    assert confirmed["site"] == "Harbour Theatre" and confirmed["version"] == 1
