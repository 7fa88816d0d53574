"""CT Citizen: the Flask application package.

``create_app`` builds the app in a fixed order: configuration, extensions, blueprints, what each
feature holds about a person, error pages, command-line commands.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from typing import Any

from flask import Flask

from course.config import PROJECT_ROOT, load_config

#: The modules in which features register what they hold about a person, for the data download
#: and the erasure of an account (:mod:`course.core.personal_data`); each registers on import.
#: tests/test_privacy_export.py fails when a ``personal_data`` module is missing here, and when a
#: table holding someone's data is described by none of them.
PERSONAL_DATA_MODULES = (
    "course.core.mail_personal_data",
    "course.accounts.personal_data",
    "course.catalogue.personal_data",
    "course.learning.personal_data",
    "course.measurement.personal_data",
    "course.certificates.personal_data",
    "course.organisations.personal_data",
    "course.authoring.personal_data",
    "course.audit.personal_data",
)


class CourseFlask(Flask):
    """Flask, except that an unhandled exception is logged once, by the 500 page's handler
    (:func:`course.core.errors.render_server_error`), with any secret in the path hidden."""

    def log_exception(self, exc_info: Any) -> None:
        """Leave it to the 500 handler: Flask's own line would print the raw path and its token."""


def create_app(
    config: Mapping[str, Any] | None = None, *, instance_path: str | None = None
) -> Flask:
    """Build the CT Citizen application.

    :param config: settings applied after every other layer (see :mod:`course.config`).
    :param instance_path: the folder for runtime data; defaults to ``instance/`` in the project.
    """
    app = CourseFlask(
        __name__,
        instance_path=instance_path or str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    load_config(app, config)

    from course.accounts.sessions import init_sessions
    from course.catalogue.localised import install_template_globals
    from course.core import init_core

    init_core(app)
    init_sessions(app)
    install_template_globals(app)

    from course.accounts.views import bp as accounts_bp
    from course.admin.user_views import bp as admin_users_bp
    from course.admin.views import bp as admin_bp
    from course.analytics.views import bp as admin_analytics_bp
    from course.audit.views import bp as admin_audit_bp
    from course.authoring.image_views import bp as admin_images_bp
    from course.authoring.lesson_views import bp as admin_lessons_bp
    from course.authoring.media_views import bp as media_bp
    from course.authoring.module_views import bp as admin_modules_bp
    from course.authoring.module_zip_views import bp as admin_module_zips_bp
    from course.authoring.question_views import bp as admin_questions_bp
    from course.authoring.translation_views import bp as admin_translations_bp
    from course.certificates.views import bp as certificates_bp
    from course.core.health import bp as health_bp
    from course.core.i18n import bp as language_bp
    from course.dashboard.views import bp as dashboard_bp
    from course.evidence.views import bp as evidence_bp
    from course.learning.views import bp as learning_bp
    from course.measurement.admin_views import bp as admin_measurement_bp
    from course.measurement.views import bp as measurement_bp
    from course.organisations.annex_views import bp as site_procedures_bp
    from course.organisations.directory_views import bp as admin_organisations_bp
    from course.organisations.invitation_views import bp as invitations_bp
    from course.organisations.member_views import bp as organisation_members_bp
    from course.organisations.record_views import bp as training_records_bp
    from course.organisations.site_views import bp as organisation_sites_bp
    from course.organisations.views import bp as organisations_bp
    from course.privacy.deletion_views import bp as account_deletion_bp
    from course.privacy.views import bp as privacy_bp
    from course.verification.views import bp as verification_bp

    for blueprint in (
        health_bp,
        language_bp,
        learning_bp,
        accounts_bp,
        certificates_bp,
        organisations_bp,
        organisation_sites_bp,
        site_procedures_bp,
        invitations_bp,
        organisation_members_bp,
        training_records_bp,
        dashboard_bp,
        measurement_bp,
        privacy_bp,
        verification_bp,
        evidence_bp,
        account_deletion_bp,
        admin_bp,
        admin_organisations_bp,
        admin_analytics_bp,
        admin_measurement_bp,
        admin_users_bp,
        admin_modules_bp,
        admin_lessons_bp,
        admin_questions_bp,
        admin_translations_bp,
        admin_module_zips_bp,
        admin_images_bp,
        media_bp,
        admin_audit_bp,
    ):
        app.register_blueprint(blueprint)

    for module in PERSONAL_DATA_MODULES:
        import_module(module)

    from course.core.errors import register_error_pages

    register_error_pages(app)

    from course.cli import register_commands

    register_commands(app)

    if app.config["MAIL_BACKGROUND_SENDER"]:
        from course.core.mail import start_background_sender

        start_background_sender(app)
    return app
