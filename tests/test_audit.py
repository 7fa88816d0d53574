"""The audit log: entries are written with the change they record, never changed or deleted, and
admins can search, filter and page through them."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update

from course.accounts.models import Role
from course.admin import user_administration
from course.audit.models import AuditEntry, AuditLogIsAppendOnly
from course.audit.services import PAGE_SIZE, audit_log, record
from course.extensions import db
from tests.fixtures.clients import signed_in, signed_in_admin
from tests.fixtures.factories import make_user


def entry_count() -> int:
    return db.session.scalar(select(func.count(AuditEntry.id))) or 0


def test_an_entry_keeps_who_what_and_the_values_before_and_after(app: Flask) -> None:
    with app.app_context():
        admin = make_user(email="boss@example.org", role=Role.ADMIN)
        record(
            "user.role_changed",
            actor=admin,
            target_type="user",
            target_id=7,
            summary="Changed a role",
            before={"role": "learner"},
            after={"role": "author"},
        )
        db.session.commit()
        admin_id = admin.id
        db.session.expunge_all()

        entry = db.session.scalar(select(AuditEntry))
        assert entry is not None
        assert (entry.actor_id, entry.actor_email) == (admin_id, "boss@example.org")
        assert (entry.action, entry.target_type, entry.target_id) == (
            "user.role_changed",
            "user",
            "7",
        )
        assert entry.before == {"role": "learner"} and entry.after == {"role": "author"}
        assert entry.at is not None


def test_an_entry_is_written_in_the_sites_language_whatever_the_admin_reads(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "cy"}):
        admin = make_user(email="boss@example.org", role=Role.ADMIN)
        learner = make_user(email="dysgwr@example.org")
        assert str(_l("Disabled")) != "Disabled"  # the page would be in Welsh

        user_administration.change_role(admin, learner, Role.AUTHOR)
        db.session.commit()

        entry = db.session.scalar(select(AuditEntry))
        assert entry is not None
        assert entry.summary == "Changed the role of dysgwr@example.org from learner to author."


def test_an_entry_rolled_back_with_its_change_is_not_kept(app: Flask) -> None:
    with app.app_context():
        admin = make_user(email="boss@example.org", role=Role.ADMIN)
        record("user.disabled", actor=admin, target_type="user", target_id=1, summary="x")
        db.session.rollback()

        assert entry_count() == 0


def test_the_entry_survives_its_actor_and_still_names_them(app: Flask) -> None:
    with app.app_context():
        admin = make_user(email="boss@example.org", role=Role.ADMIN)
        record("user.disabled", actor=admin, target_type="user", target_id=1, summary="x")
        db.session.commit()
        db.session.delete(admin)
        db.session.commit()
        db.session.expunge_all()

        entry = db.session.scalar(select(AuditEntry))
        assert entry is not None and entry.actor_id is None
        assert entry.actor_email == "boss@example.org"


@pytest.fixture
def one_entry(app: Flask) -> Flask:
    with app.app_context():
        admin = make_user(email="boss@example.org", role=Role.ADMIN)
        record("user.enabled", actor=admin, target_type="user", target_id=1, summary="before")
        db.session.commit()
    return app


def test_an_entry_cannot_be_changed(one_entry: Flask) -> None:
    with one_entry.app_context():
        entry = db.session.scalar(select(AuditEntry))
        assert entry is not None
        entry.summary = "rewritten"
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        assert db.session.scalar(select(AuditEntry.summary)) == "before"


def test_an_entry_cannot_be_deleted(one_entry: Flask) -> None:
    with one_entry.app_context():
        entry = db.session.scalar(select(AuditEntry))
        db.session.delete(entry)
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        assert entry_count() == 1


@pytest.mark.parametrize(
    "statement",
    [update(AuditEntry).values(summary="rewritten"), delete(AuditEntry)],
    ids=["bulk update", "bulk delete"],
)
def test_bulk_statements_cannot_change_the_log(one_entry: Flask, statement: object) -> None:
    with one_entry.app_context():
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.execute(statement)  # type: ignore[call-overload]
        db.session.rollback()
        assert db.session.scalar(select(AuditEntry.summary)) == "before"


def many_entries(app: Flask, count: int) -> None:
    with app.app_context():
        admin = make_user(email="boss@example.org", role=Role.ADMIN)
        other = make_user(email="other_admin@example.org", role=Role.ADMIN)
        for number in range(count):
            record(
                "user.disabled" if number % 2 else "user.enabled",
                actor=admin if number % 3 else other,
                target_type="user",
                target_id=number,
                summary=f"Entry number {number}",
            )
        db.session.commit()


def test_the_log_is_newest_first_fifty_to_a_page(app: Flask) -> None:
    many_entries(app, PAGE_SIZE + 5)
    with app.app_context():
        first, second = audit_log(page=1), audit_log(page=2)

        assert first.total == PAGE_SIZE + 5 and first.pages == 2
        assert len(first.rows) == PAGE_SIZE and len(second.rows) == 5
        assert first.rows[0].summary == f"Entry number {PAGE_SIZE + 4}"
        assert second.rows[-1].summary == "Entry number 0"


def test_search_by_actor_action_or_target_and_filter_by_action(app: Flask) -> None:
    many_entries(app, 12)
    with app.app_context():
        by_actor = audit_log("OTHER_ADMIN@")
        by_target = audit_log("user 11")
        filtered = audit_log(action="user.disabled")
        both = audit_log("other_admin", action="user.disabled")

        assert by_actor.total == 4  # 0, 3, 6, 9
        assert [entry.target_id for entry in by_target.rows] == ["11"]
        assert filtered.total == 6
        assert [entry.target_id for entry in both.rows] == ["9", "3"]


@pytest.mark.parametrize(("wildcard", "expected"), [("%", 0), ("_", 1)])
def test_search_wildcards_match_only_themselves(app: Flask, wildcard: str, expected: int) -> None:
    many_entries(app, 3)
    with app.app_context():
        # Only the entry by "other_admin@" holds an underscore, and none a percent sign.
        assert audit_log(wildcard).total == expected
        assert audit_log("b" + wildcard + "ss").total == 0


def test_the_audit_page_shows_entries_safely_and_filters_them(app: Flask) -> None:
    with app.app_context():
        admin = make_user(email="boss@example.org", role=Role.ADMIN)
        record(
            "certificate.name_corrected",
            actor=admin,
            target_type="certificate",
            target_id=3,
            summary="Corrected <b>a name</b>",
            before={"holder_name": "<script>alert(1)</script>"},
            after={"holder_name": "Ada Lovelace"},
        )
        record("user.disabled", actor=admin, target_type="user", target_id=4, summary="Disabled")
        db.session.commit()
    client = signed_in_admin(app, "chief@example.org")

    page = client.get("/admin/audit/").get_data(as_text=True)
    filtered = client.get("/admin/audit/?action=user.disabled").get_data(as_text=True)
    unknown = client.get("/admin/audit/?action=nonsense&q=%25&page=x")

    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "Corrected &lt;b&gt;a name&lt;/b&gt;" in page and "boss@example.org" in page
    assert "Ada Lovelace" in page and "2 entries" in page
    assert "Disabled" in filtered and "Corrected" not in filtered
    assert unknown.status_code == 200


def test_only_admins_see_the_audit_log(app: Flask) -> None:
    author = signed_in(app, "author@example.org", role=Role.AUTHOR)
    learner = signed_in(app, "learner@example.org")

    assert author.get("/admin/audit/").status_code == 403
    assert learner.get("/admin/audit/").status_code == 403
    assert app.test_client().get("/admin/audit/").status_code == 302


LESSON_BEFORE = "\n".join(f"Line {number} of the lesson." for number in range(1, 41)) + "\n"
LESSON_AFTER = LESSON_BEFORE.replace("Line 20 of the lesson.", "Line 20, now <b>rewritten</b>.")


def test_a_lesson_save_shows_each_changed_field_with_long_text_as_its_changed_lines(
    app: Flask,
) -> None:
    before = {"title": "Where to go", "slug": "where-to-go", "markdown": LESSON_BEFORE}
    after = {"title": "Where to go now", "slug": "where-to-go", "markdown": LESSON_AFTER}
    with app.app_context():
        author = make_user(email="writer@example.org", role=Role.AUTHOR)
        record(
            "lesson.saved",
            actor=author,
            target_type="module",
            target_id=1,
            summary="Saved the lesson where-to-go",
            before=before,
            after=after,
        )
        db.session.commit()
    client = signed_in_admin(app, "chief@example.org")

    response = client.get("/admin/audit/")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    cell = page.split('<td class="audit-log__changes">')[1].split("</td>")[0]
    assert '<dt class="field-changes__name">title</dt>' in cell
    assert (
        '<del class="field-changes__old"><span class="visually-hidden">Before: </span>'
        "Where to go</del>" in cell
    )
    assert (
        '<ins class="field-changes__new"><span class="visually-hidden">After: </span>'
        "Where to go now</ins>" in cell
    )
    assert "slug" not in cell  # unchanged, so not shown
    folded = cell.split("<details", 1)[1].split("</details>")[0]
    assert "Changed lines: 1 removed, 1 added" in folded
    assert '<span class="visually-hidden">Removed: </span>Line 20 of the lesson.</del>' in folded
    assert (
        '<span class="visually-hidden">Added: </span>Line 20, now &lt;b&gt;rewritten&lt;/b&gt;.'
        "</ins>" in folded
    )
    assert "Line 18 of the lesson." in folded and "Line 22 of the lesson." in folded
    assert "Line 1 of the lesson." not in folded and "Line 40 of the lesson." not in folded
    assert "{" not in cell and "\\n" not in cell
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry))
        assert entry is not None and (entry.before, entry.after) == (before, after)


def test_changed_values_are_shown_in_words_and_lists_as_in_the_files() -> None:
    from course.audit.changes import field_changes

    question = {
        "id": "first-step",
        "prompt": "What first?",
        "choices": [{"text": "Run", "correct": True}, {"text": "Wait"}],
    }
    changed = {**question, "choices": [{"text": "Run", "correct": True}, {"text": "Hide"}]}

    saved = field_changes(question, changed)
    added = field_changes(None, {"required": True, "minutes": 5})
    removed = field_changes({"disabled_at": "2026-01-02T03:04:05"}, {"disabled_at": None})

    [choices] = saved
    assert choices.name == "choices" and choices.is_long
    assert [(line.kind, line.text) for line in choices.lines] == [
        ("same", "- text: Run"),
        ("same", "  correct: true"),
        ("removed", "- text: Wait"),
        ("added", "- text: Hide"),
    ]
    assert [(change.name, change.before, change.after) for change in added] == [
        ("required", None, "yes"),
        ("minutes", None, "5"),
    ]
    assert [(change.before, change.after, change.is_long) for change in removed] == [
        ("2026-01-02T03:04:05", "nothing", False)
    ]
