"""The whole organisation story in a real browser, by keyboard: a manager creates an organisation
and invites staff from a CSV file with bad rows; a learner joins by the link and completes the
course; the manager sees the change, filters, exports a CSV file that opens cleanly and sends a
reminder that arrives; the manager of another organisation sees none of it."""

from __future__ import annotations

import csv
import email
import io
from pathlib import Path

from flask import Flask

from course.core.mail import deliver_due_messages
from tests.fixtures.apps import import_bundle
from tests.fixtures.browser import BrowserSession, answer_by_keyboard, open_attempt_questions
from tests.fixtures.factories import STRONG_PASSWORD, make_user


def test_a_manager_enrols_staff_and_proves_who_is_trained(
    desktop: BrowserSession, app: Flask, tmp_path: Path
) -> None:
    import_bundle(app)
    with app.app_context():
        make_user(email="boss@example.org", name="Bea Boss")
        make_user(email="lee@example.org", name="Lee Learner")
        make_user(email="omar@example.org", name="Omar Odu")
        make_user(email="rival@example.org", name="Rita Rival")
    staff = tmp_path / "staff.csv"
    staff.write_text(
        "email,name,team\n"
        "sam@example.org,Sam Jones,Box office\n"
        "sam@example.org,Sam Again,\n"
        "@nowhere,Nobody,\n"
        'alex@example.org,=HYPERLINK("http://example.org"),Bar\n'
    )
    page = desktop.page

    # The manager creates the organisation and invites staff from a file.
    desktop.sign_in("boss@example.org", STRONG_PASSWORD, "boss-dashboard")
    desktop.open("/orgs/new", label="create")
    desktop.type_into("name", "Harbour Arts Centre")
    desktop.type_into("due_days", "30")
    desktop.activate("Create organisation", "manage")
    manage_url = page.url
    join_url = page.locator("p.code").inner_text().strip()
    desktop.activate("Invite people by email", "invitations")
    desktop.tab_to(element_id="file")
    page.set_input_files("#file", str(staff))
    desktop.activate("Upload and invite", "report")
    report = page.locator("main").inner_text()
    assert "2 people invited." in report and "2 rows were not invited" in report
    assert "Repeats line 2." in report and "This is not a valid email address." in report
    desktop.activate("Sign out", "boss-signed-out")

    # Two learners join by the link; one of them takes the whole course and gets a certificate.
    for learner in ("omar@example.org", "lee@example.org"):
        desktop.open("/login", label=f"{learner}-login")
        desktop.sign_in(learner, STRONG_PASSWORD, f"{learner}-dashboard")
        page.goto(join_url)
        desktop.audit(f"{learner}-join")
        desktop.activate("Join Harbour Arts Centre", f"{learner}-joined")
        if learner == "omar@example.org":
            desktop.activate("Sign out", "omar-signed-out")
    desktop.activate("Course", "course")
    for number in (1, 2):
        desktop.activate("Continue where you left off", f"module-{number}-lesson")
        while page.get_by_role("button", name="Continue to the next lesson").count():
            desktop.activate("Continue to the next lesson", f"module-{number}-next-lesson")
        desktop.activate("Continue to the quiz", f"module-{number}-quiz-intro")
        desktop.activate("Start the quiz", f"module-{number}-quiz")
        answer_by_keyboard(desktop, open_attempt_questions(app), right=True)
        desktop.activate("Submit my answers", f"module-{number}-result")
        desktop.activate("Back to the course", f"after-module-{number}")
    desktop.activate("Dashboard", "lee-complete")
    desktop.activate("Get your certificate", "lee-completion-page")
    desktop.activate("Get my certificate", "certificate-ready")
    assert "Your certificate is ready" in page.locator(".notification").inner_text()
    desktop.activate("Sign out", "lee-signed-out")

    # The manager sees the change, filters the table and exports it.
    desktop.open("/login", label="boss-login-again")
    desktop.sign_in("boss@example.org", STRONG_PASSWORD, "boss-dashboard-again")
    page.goto(manage_url)
    desktop.audit("manage-after")
    members = page.get_by_role("table", name="Members and their progress").inner_text()
    assert "Lee Learner" in members and "Valid until" in members and "2 of 2" in members
    assert "Omar Odu" in members and "0 of 2" in members
    desktop.tab_to(element_id="status")
    page.keyboard.type("Valid")
    desktop.activate("Filter", "filtered")
    members = page.get_by_role("table", name="Members and their progress").inner_text()
    assert "Lee Learner" in members and "Omar Odu" not in members
    desktop.tab_to(text="Download these members as a CSV file")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig"))))
    header, (lee,) = rows[0], rows[1:]
    assert all(len(row) == len(header) for row in rows)
    record = dict(zip(header, lee, strict=True))
    assert record["Name"] == "Lee Learner" and record["Certificate status"] == "valid"
    assert record["Verification link"].endswith("/verify/" + record["Certificate code"])

    # A reminder to everyone who still has to finish reaches Omar and the manager, not Lee.
    page.goto(manage_url)
    desktop.audit("manage-for-reminders")
    desktop.activate("Send reminders", "reminders")
    desktop.activate("Remind everyone who needs to finish", "reminded")
    assert "2 reminders queued." in page.locator(".notification").inner_text()
    with app.app_context():
        assert deliver_due_messages() >= 1
    delivered = [
        email.message_from_bytes(path.read_bytes())
        for path in (Path(app.instance_path) / "outbox").glob("*.eml")
    ]
    reminders = [m for m in delivered if "asks you to complete CT Citizen" in m["Subject"]]
    assert sorted(m["To"] for m in reminders) == ["boss@example.org", "omar@example.org"]
    desktop.activate("Sign out", "boss-signed-out-again")

    # Another organisation's manager sees none of it.
    desktop.open("/login", label="rival-login")
    desktop.sign_in("rival@example.org", STRONG_PASSWORD, "rival-dashboard")
    for path in ("", "members.csv", "invitations", "reminders"):
        url = manage_url + path
        desktop.expect_error_status(url.removeprefix(desktop.base_url))
        response = page.goto(url)
        assert response is not None and response.status == 404
        desktop.audit(f"rival-{path or 'manage'}")
