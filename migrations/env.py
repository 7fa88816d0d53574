"""Alembic environment for CT Citizen, run through Flask-Migrate (``flask --app course db ...``).

The app is already created when this runs, so every feature's models are imported and
``db.metadata`` describes the whole schema. SQLite cannot alter tables in place, so migrations on it
run in batch mode (copy and move); Flask-Migrate turns ``render_as_batch`` on by default.
"""

from alembic import context
from flask import current_app

from course.extensions import db


def run_migrations_offline() -> None:
    """Write the SQL to standard output instead of running it (``db upgrade --sql``)."""
    context.configure(
        url=db.engine.url.render_as_string(hide_password=False),
        target_metadata=db.metadata,
        literal_binds=True,
        render_as_batch=db.engine.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    with db.engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=db.metadata,
            # Flask-Migrate's defaults: batch mode (needed on SQLite) and column type comparison.
            **current_app.extensions["migrate"].configure_args,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
