"""Who may reach each endpoint of the app: the one table the security suite checks the app against.

A new endpoint fails the suite until it has a line here, so every route gets a decision.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import Rule

from course import create_app
from tests.fixtures.security_site import (
    ADMIN,
    ANONYMOUS,
    AUTHOR,
    LEARNER,
    MANAGER,
    MEMBER,
    OTHER_MANAGER,
    ROLES,
)

PUBLIC = "public"
SIGNED_IN = "signed-in"
STAFF = "staff (author or admin)"
ADMIN_ONLY = "admin only"
ORGANISATION_MANAGER = "manager of the organisation in the URL"
SITE_MANAGER = "manager of the site in the URL, or of its organisation"
STATIC = "static"

# The rule each kind stands for, as the view declares it (course.core.access.access_rule_of).
DECLARED_RULE = {
    PUBLIC: "public",
    SIGNED_IN: "signed-in",
    STAFF: "role:admin,author",
    ADMIN_ONLY: "role:admin",
    ORGANISATION_MANAGER: "manager-of-organisation",
    SITE_MANAGER: "manager-of-site",
    STATIC: None,
}

EXPECTED_RULE = {
    "static": STATIC,
    # Learning and public pages
    "learning.overview": PUBLIC,
    "learning.module": PUBLIC,
    "learning.lesson": PUBLIC,
    "learning.who_to_call": PUBLIC,
    "learning.wallet_card": PUBLIC,
    "learning.picture": PUBLIC,
    "language.choose": PUBLIC,
    "learning.scenario_step": PUBLIC,
    "learning.scenario_feedback": PUBLIC,
    "learning.scenario_choose": SIGNED_IN,
    "learning.region": PUBLIC,
    "learning.choose_region": PUBLIC,
    "learning.lesson_read": SIGNED_IN,
    "learning.quiz": SIGNED_IN,
    "learning.start_quiz": SIGNED_IN,
    "measurement.consent": SIGNED_IN,
    "measurement.start": SIGNED_IN,
    "measurement.skip": SIGNED_IN,
    "measurement.check": SIGNED_IN,
    "measurement.result": SIGNED_IN,
    "measurement.follow_up": SIGNED_IN,
    "admin_measurement.organisation": ORGANISATION_MANAGER,
    "learning.quiz_attempt": SIGNED_IN,
    "learning.quiz_result": SIGNED_IN,
    "privacy.about": PUBLIC,
    "privacy.accessibility": PUBLIC,
    "privacy.privacy": PUBLIC,
    "health.healthz": PUBLIC,
    "media.image": PUBLIC,
    "certificates.verify_form": PUBLIC,
    "verification.check_many": SIGNED_IN,
    "certificates.verify": PUBLIC,
    "certificates.short_verify": PUBLIC,
    "evidence.public_key": PUBLIC,
    # Accounts
    "accounts.login": PUBLIC,
    "accounts.two_factor_challenge": PUBLIC,
    "accounts.logout": PUBLIC,
    "accounts.register": PUBLIC,
    "accounts.check_email": PUBLIC,
    "accounts.confirm_email": PUBLIC,
    "accounts.confirm_email_change": PUBLIC,
    "accounts.forgotten_password": PUBLIC,
    "accounts.reset_email_sent": PUBLIC,
    "accounts.reset_password": PUBLIC,
    "accounts.account": SIGNED_IN,
    "accounts.resend_confirmation": SIGNED_IN,
    "accounts.change_email": SIGNED_IN,
    "accounts.change_password": SIGNED_IN,
    "accounts.profile": SIGNED_IN,
    "accounts.replace_recovery_codes": SIGNED_IN,
    "accounts.two_factor_setup": SIGNED_IN,
    "accounts.two_factor_disable": SIGNED_IN,
    "privacy.your_data": SIGNED_IN,
    "privacy.download_your_data": SIGNED_IN,
    "account_deletion.delete_account": SIGNED_IN,
    "dashboard.index": SIGNED_IN,
    "certificates.index": SIGNED_IN,
    "certificates.download": SIGNED_IN,
    "certificates.issue": SIGNED_IN,
    "certificates.complete": SIGNED_IN,
    "certificates.correct_name": SIGNED_IN,
    # Organisations
    "organisations.create": SIGNED_IN,
    "organisations.mine": SIGNED_IN,
    "organisations.leave": SIGNED_IN,
    "organisations.join": PUBLIC,
    "invitations.accept": PUBLIC,
    "invitations.register": PUBLIC,
    "organisations.manage": ORGANISATION_MANAGER,
    "organisations.members_csv": ORGANISATION_MANAGER,
    "organisations.certificates_zip": ORGANISATION_MANAGER,
    "organisations.join_link": ORGANISATION_MANAGER,
    "organisation_members.member": ORGANISATION_MANAGER,
    "organisation_members.remove": ORGANISATION_MANAGER,
    "organisation_members.hand_over": ORGANISATION_MANAGER,
    "organisation_members.send_reminders": ORGANISATION_MANAGER,
    "organisation_members.close": ORGANISATION_MANAGER,
    "organisation_sites.add": ORGANISATION_MANAGER,
    "organisation_sites.edit": ORGANISATION_MANAGER,
    "organisation_sites.delete": ORGANISATION_MANAGER,
    "organisation_sites.member_sites": ORGANISATION_MANAGER,
    "organisation_sites.site": SITE_MANAGER,
    "organisation_sites.member": SITE_MANAGER,
    "organisation_sites.members_csv": SITE_MANAGER,
    "organisation_sites.certificates_zip": SITE_MANAGER,
    "organisation_sites.send_reminders": SITE_MANAGER,
    "site_procedures.versions": SITE_MANAGER,
    "site_procedures.write": SITE_MANAGER,
    "site_procedures.version": SITE_MANAGER,
    "site_procedures.read": SIGNED_IN,
    "evidence.organisation_pack": ORGANISATION_MANAGER,
    "evidence.site_pack": SITE_MANAGER,
    "training_records.index": ORGANISATION_MANAGER,
    "training_records.retention": ORGANISATION_MANAGER,
    "training_records.record": ORGANISATION_MANAGER,
    "training_records.delete": ORGANISATION_MANAGER,
    "training_records.records_csv": ORGANISATION_MANAGER,
    "invitations.index": ORGANISATION_MANAGER,
    "invitations.invite_one": ORGANISATION_MANAGER,
    "invitations.upload": ORGANISATION_MANAGER,
    "invitations.change": ORGANISATION_MANAGER,
    # Staff: authoring
    "admin.index": STAFF,
    "admin_images.index": STAFF,
    "admin_images.upload": STAFF,
    "admin_modules.index": STAFF,
    "admin_modules.new": STAFF,
    "admin_modules.module": STAFF,
    "admin_modules.details": STAFF,
    "admin_modules.archive": STAFF,
    "admin_modules.discard": STAFF,
    "admin_modules.publish": STAFF,
    "admin_modules.preview_module": STAFF,
    "admin_modules.preview_lesson": STAFF,
    "admin_modules.draft_picture": STAFF,
    "admin_modules.preview_quiz": STAFF,
    "admin_modules.versions": STAFF,
    "admin_translations.index": STAFF,
    "admin_translations.language": STAFF,
    "admin_translations.edit": STAFF,
    "admin_modules.compare": STAFF,
    "admin_modules.restore": STAFF,
    "admin_module_zips.import_zip": STAFF,
    "admin_module_zips.export_version": STAFF,
    "admin_lessons.new": STAFF,
    "admin_lessons.new_scenario": STAFF,
    "admin_lessons.edit": STAFF,
    "admin_lessons.delete": STAFF,
    "admin_lessons.move": STAFF,
    "admin_questions.index": STAFF,
    "admin_questions.choose_type": STAFF,
    "admin_questions.new": STAFF,
    "admin_questions.edit": STAFF,
    "admin_questions.delete": STAFF,
    "admin_questions.move": STAFF,
    # Admins only
    "admin_organisations.index": ADMIN_ONLY,
    "admin_analytics.index": ADMIN_ONLY,
    "admin_measurement.index": ADMIN_ONLY,
    "admin_measurement.research_file": ADMIN_ONLY,
    "admin_analytics.module": ADMIN_ONLY,
    "admin_audit.index": ADMIN_ONLY,
    "admin_users.index": ADMIN_ONLY,
    "admin_users.user": ADMIN_ONLY,
    "admin_users.change_role": ADMIN_ONLY,
    "admin_users.disable": ADMIN_ONLY,
    "admin_users.enable": ADMIN_ONLY,
    "admin_users.erase": ADMIN_ONLY,
    "admin_users.correct_name": ADMIN_ONLY,
    "admin_users.revoke": ADMIN_ONLY,
}

# Who reaches an endpoint of each kind. Everyone else is turned away: with a redirect to sign in
# when anonymous, else with 403, or 404 for another organisation's pages.
ALLOWED = {
    PUBLIC: set(ROLES),
    STATIC: set(ROLES),
    SIGNED_IN: set(ROLES) - {ANONYMOUS},
    STAFF: {AUTHOR, ADMIN},
    ADMIN_ONLY: {ADMIN},
    ORGANISATION_MANAGER: {MANAGER, ADMIN},
    # Site managers are shown to reach their own site and nothing else in
    # tests/test_organisation_isolation.py.
    SITE_MANAGER: {MANAGER, ADMIN},
}
REFUSAL = {STAFF: 403, ADMIN_ONLY: 403, ORGANISATION_MANAGER: 404, SITE_MANAGER: 404}
assert {LEARNER, MEMBER, OTHER_MANAGER} <= set(ROLES)

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def real_app() -> Flask:
    """The app's URL map, without the test-only routes."""
    return create_app({"SECRET_KEY": "routes", "DATABASE_URL": "sqlite://"})


def routes(app: Flask, methods: set[str]) -> list[tuple[str, str]]:
    """Every (method, endpoint) of the app answering one of ``methods``."""
    found = {
        (method, rule.endpoint)
        for rule in app.url_map.iter_rules()
        for method in (rule.methods or set()) & methods
    }
    return sorted(found, key=lambda pair: (pair[1], pair[0]))


def rule_of(app: Flask, endpoint: str) -> Rule:
    [rule] = [rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint]
    return rule


REAL_APP = real_app()
GET_AND_POST = routes(REAL_APP, {"GET", "POST"})
STATE_CHANGING_ROUTES = routes(REAL_APP, STATE_CHANGING)
