"""An organisation's sites: adding and changing them, who works at each and who manages it, and
the site's own member table, CSV, certificates zip and reminders."""

from __future__ import annotations

import csv
import io
import zipfile

from flask import Flask
from sqlalchemy import select

from course.accounts.models import User
from course.core.database import utcnow
from course.core.mail import OutboxMessage
from course.extensions import db
from course.organisations.models import CapacityTier, Invitation, Membership, Site, SiteMember
from tests.fixtures.clients import login_as, signed_in
from tests.fixtures.mail import link_in, queued_emails
from tests.fixtures.organisations import (
    add_member,
    add_site,
    create_org,
    join_path,
    place_at_sites,
    seed,
    upload,
)
from tests.fixtures.web import post_form


def user_id(app: Flask, email: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(User.id).where(User.email == email))
        assert found is not None
        return found


def test_a_manager_adds_a_site_and_finds_it_on_the_organisation_page(app: Flask) -> None:
    manager = signed_in(app, "bea@example.org", name="Bea Boss")
    organisation_id = create_org(manager)

    site_id = add_site(manager, organisation_id, "Harbour Theatre", tier="enhanced")

    with app.app_context():
        site = db.session.get(Site, site_id)
        assert site is not None and site.organisation_id == organisation_id
        assert site.address == "1 Quay Street\nBristol BS1 4DJ"
        assert site.capacity_tier == CapacityTier.ENHANCED
    page = manager.get(f"/orgs/{organisation_id}/").get_data(as_text=True)
    assert "Harbour Theatre" in page and "Enhanced: 800 or more people" in page
    site_page = manager.get(f"/orgs/{organisation_id}/sites/{site_id}/").get_data(as_text=True)
    assert "1 Quay Street" in site_page and "Members at this site" in site_page


def test_the_site_form_says_what_is_wrong_and_keeps_nothing(app: Flask) -> None:
    manager = signed_in(app, "bea@example.org")
    organisation_id = create_org(manager)
    add_site(manager, organisation_id, "Harbour Theatre")
    path = f"/orgs/{organisation_id}/sites/new"

    missing = post_form(manager, path, {"name": "", "address": "", "capacity_tier": ""})
    taken = post_form(
        manager, path, {"name": "harbour  theatre", "address": "x", "capacity_tier": "standard"}
    )
    too_long = post_form(
        manager, path, {"name": "A" * 201, "address": "x", "capacity_tier": "standard"}
    )

    assert missing.status_code == 200
    text = missing.get_data(as_text=True)
    assert "Enter the name of the site" in text and "Enter the site" in text
    assert "Choose how many people the site can hold" in text
    wrong_band = post_form(manager, path, {"name": "B", "address": "x", "capacity_tier": "huge"})
    assert "Choose one of the three capacity bands" in wrong_band.get_data(as_text=True)
    assert "already has a site with that name" in taken.get_data(as_text=True)
    assert "200 characters or fewer" in too_long.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Site)) == 1


def test_a_site_is_changed_and_deleted_and_its_members_stay(app: Flask) -> None:
    manager = signed_in(app, "bea@example.org")
    organisation_id = create_org(manager)
    site_id = add_site(manager, organisation_id, "Harbour Theatre")
    bea = user_id(app, "bea@example.org")
    place_at_sites(manager, organisation_id, bea, [site_id])

    changed = post_form(
        manager,
        f"/orgs/{organisation_id}/sites/{site_id}/edit",
        {"name": "Harbour Hall", "address": "2 Quay Street", "capacity_tier": "under_200"},
    )
    assert changed.status_code == 302
    with app.app_context():
        site = db.session.get(Site, site_id)
        assert site is not None and site.name == "Harbour Hall"
        assert site.capacity_tier == CapacityTier.UNDER_200

    asked = manager.get(f"/orgs/{organisation_id}/sites/{site_id}/delete").get_data(as_text=True)
    assert "Are you sure you want to delete Harbour Hall?" in asked
    deleted = post_form(
        manager, f"/orgs/{organisation_id}/sites/{site_id}/delete", {"action": "delete"}
    )

    assert deleted.status_code == 302
    with app.app_context():
        assert db.session.get(Site, site_id) is None
        assert db.session.scalar(select(db.func.count()).select_from(SiteMember)) == 0
        assert db.session.scalar(select(db.func.count()).select_from(Membership)) == 1


def test_a_member_works_at_several_sites_and_manages_one(course_app: Flask) -> None:
    manager = signed_in(course_app, "bea@example.org")
    organisation_id = create_org(manager)
    theatre = add_site(manager, organisation_id, "Harbour Theatre")
    depot = add_site(manager, organisation_id, "Depot")
    with course_app.app_context():
        sam = add_member(organisation_id, "Sam Site", team=None, due_in_days=None, now=utcnow())
        sam_id = sam.id

    saved = place_at_sites(manager, organisation_id, sam_id, [theatre, depot], managing=[depot])

    assert saved.status_code == 302
    with course_app.app_context():
        places = {
            place.site_id: place.role.value for place in db.session.scalars(select(SiteMember))
        }
    assert places == {theatre: "member", depot: "manager"}
    page = manager.get(f"/orgs/{organisation_id}/members/{sam_id}").get_data(as_text=True)
    assert "Depot (site manager), Harbour Theatre" in page


def test_managing_a_site_without_working_there_or_another_organisations_site_is_refused(
    app: Flask,
) -> None:
    manager = signed_in(app, "bea@example.org")
    organisation_id = create_org(manager)
    theatre = add_site(manager, organisation_id, "Harbour Theatre")
    other = signed_in(app, "olly@example.org")
    elsewhere = add_site(other, create_org(other, "Other Org"), "Elsewhere")
    bea = user_id(app, "bea@example.org")
    place_at_sites(manager, organisation_id, bea, [theatre])

    not_working = place_at_sites(manager, organisation_id, bea, [], managing=[theatre])
    foreign = place_at_sites(manager, organisation_id, bea, [theatre, elsewhere])

    assert not_working.status_code == 302 and foreign.status_code == 302
    with app.app_context():
        rows = list(db.session.scalars(select(SiteMember)))
        assert [(row.site_id, row.role.value) for row in rows] == [(theatre, "member")]
    messages = manager.get(f"/orgs/{organisation_id}/members/{bea}").get_data(as_text=True)
    assert "Choose sites from this organisation" in messages


def test_the_member_table_filters_by_site_and_the_csv_names_each_members_sites(
    course_app: Flask,
) -> None:
    manager, organisation_id = seed(course_app)
    theatre = add_site(manager, organisation_id, "Harbour Theatre")
    depot = add_site(manager, organisation_id, "Depot")
    val = user_id(course_app, "val-valid@example.org")
    eve = user_id(course_app, "eve-expiring@example.org")
    place_at_sites(manager, organisation_id, val, [theatre, depot])
    place_at_sites(manager, organisation_id, eve, [depot])

    filtered = manager.get(f"/orgs/{organisation_id}/?site={theatre}").get_data(as_text=True)
    csv_text = manager.get(f"/orgs/{organisation_id}/members.csv?site={depot}").get_data(
        as_text=True
    )

    assert "1 member" in filtered and "Val Valid" in filtered and "Eve Expiring" not in filtered
    rows = list(csv.reader(io.StringIO(csv_text.lstrip("\ufeff"))))
    sites_column = rows[0].index("Sites")
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"Val Valid", "Eve Expiring"}
    assert sorted(by_name["Val Valid"][sites_column].split("; ")) == ["Depot", "Harbour Theatre"]
    assert by_name["Eve Expiring"][sites_column] == "Depot"


def test_a_site_manager_sees_their_sites_members_and_reports_only(course_app: Flask) -> None:
    manager, organisation_id = seed(course_app)
    theatre = add_site(manager, organisation_id, "Harbour Theatre")
    depot = add_site(manager, organisation_id, "Depot")
    nat = user_id(course_app, "nat-notstarted@example.org")
    val = user_id(course_app, "val-valid@example.org")
    place_at_sites(manager, organisation_id, nat, [theatre], managing=[theatre])
    place_at_sites(manager, organisation_id, val, [theatre])
    place_at_sites(
        manager, organisation_id, user_id(course_app, "ola-expired@example.org"), [depot]
    )
    with course_app.app_context():
        nat_user = db.session.get(User, nat)
        assert nat_user is not None
    site_manager = course_app.test_client()
    login_as(site_manager, nat_user)
    base = f"/orgs/{organisation_id}/sites/{theatre}"

    page = site_manager.get(base + "/")
    member = site_manager.get(f"{base}/members/{val}")
    csv_text = site_manager.get(base + "/members.csv").get_data(as_text=True)
    archive = site_manager.get(base + "/certificates.zip")

    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Val Valid" in text and "Ola Expired" not in text and "Eve Expiring" not in text
    assert "Back to Harbour Arts Centre" not in text  # no way into the organisation's page
    assert member.status_code == 200 and "Progress by module" in member.get_data(as_text=True)
    names = [row[0] for row in csv.reader(io.StringIO(csv_text.lstrip("\ufeff")))][1:]
    assert sorted(names) == ["Nat Notstarted", "Val Valid"]
    with zipfile.ZipFile(io.BytesIO(archive.get_data())) as opened:
        assert [name.split(" - ")[0] for name in opened.namelist()] == ["Val Valid"]
    assert archive.headers["Content-Disposition"].startswith(
        "attachment; filename=harbour-arts-centre-harbour-theatre-certificates-"
    )
    nav = site_manager.get("/dashboard").get_data(as_text=True)
    assert "Your organisations" in nav and "Harbour Theatre, Harbour Arts Centre" in nav
    # Their own organisation's pages, the other site and a member elsewhere stay hidden.
    assert site_manager.get(f"/orgs/{organisation_id}/").status_code == 404
    assert site_manager.get(f"/orgs/{organisation_id}/sites/{depot}/").status_code == 404
    ola = user_id(course_app, "ola-expired@example.org")
    assert site_manager.get(f"{base}/members/{ola}").status_code == 404


def test_site_reminders_reach_only_the_sites_members(course_app: Flask) -> None:
    manager, organisation_id = seed(course_app)
    theatre = add_site(manager, organisation_id, "Harbour Theatre")
    for email in ("nat-notstarted@example.org", "ivy-inprogress@example.org"):
        place_at_sites(manager, organisation_id, user_id(course_app, email), [theatre])
    path = f"/orgs/{organisation_id}/sites/{theatre}/reminders"

    page = manager.get(path).get_data(as_text=True)
    sent = post_form(manager, path, {"action": "due"})

    assert "2 members" in page and "Val Valid" not in page
    assert sent.status_code == 302
    with course_app.app_context():
        recipients = sorted(db.session.scalars(select(OutboxMessage.recipient)))
    assert recipients == ["ivy-inprogress@example.org", "nat-notstarted@example.org"]


def test_an_invitation_to_a_site_places_the_person_there_when_they_join(app: Flask) -> None:
    manager = signed_in(app, "bea@example.org")
    organisation_id = create_org(manager)
    theatre = add_site(manager, organisation_id, "Harbour Theatre")

    one = post_form(
        manager,
        f"/orgs/{organisation_id}/invitations",
        {"email": "sam@example.org", "site": "Harbour Theatre"},
    )
    refused = post_form(
        manager,
        f"/orgs/{organisation_id}/invitations",
        {"email": "kim@example.org", "site": "Nowhere"},
    )
    report = upload(
        manager,
        organisation_id,
        b"email,name,site\nlee@example.org,Lee,harbour theatre\nmo@example.org,Mo,Moon base\n",
    ).get_data(as_text=True)

    assert one.status_code == 302
    assert refused.status_code == 400
    assert "has no site called \u201cNowhere\u201d" in refused.get_data(as_text=True)
    assert "has no site called" in report and "Moon base" in report
    with app.app_context():
        invited = {
            invitation.email: invitation.site_id
            for invitation in db.session.scalars(select(Invitation))
        }
    assert invited == {"sam@example.org": theatre, "lee@example.org": theatre}


def test_accepting_an_invitation_or_joining_by_the_link_places_the_person_at_its_site(
    app: Flask,
) -> None:
    manager = signed_in(app, "bea@example.org")
    organisation_id = create_org(manager)
    theatre = add_site(manager, organisation_id, "Harbour Theatre")
    invitations = f"/orgs/{organisation_id}/invitations"
    for email in ("lee@example.org", "kim@example.org"):
        post_form(manager, invitations, {"email": email, "site": "Harbour Theatre"})
    with app.app_context():
        link = link_in(queued_emails(to="lee@example.org")[-1], "/join/invitation/")
    lee = signed_in(app, "lee@example.org")
    kim = signed_in(app, "kim@example.org")

    accepted = post_form(lee, link.split("localhost")[-1], {})
    joined = post_form(kim, join_path(app, organisation_id), {})

    assert accepted.status_code == 302 and joined.status_code == 302
    with app.app_context():
        at_theatre = set(
            db.session.scalars(
                select(User.email)
                .join(Membership, Membership.user_id == User.id)
                .join(SiteMember, SiteMember.membership_id == Membership.id)
                .where(SiteMember.site_id == theatre)
            )
        )
    assert at_theatre == {"lee@example.org", "kim@example.org"}
