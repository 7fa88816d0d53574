"""The database connection, the request's unit of work, and the read-modify-write helper.

One request is one transaction: views call services, services change the session, and the
transaction is committed once the response is known to be a success (rolled back otherwise).

On SQLite the driver's own transaction handling is switched off so that this module decides how
each transaction begins. A plain transaction begins DEFERRED: it reads without blocking anyone. A
transaction that will read rows and then write based on what it read must begin IMMEDIATE, taking
the write lock first; otherwise two of them can read the same value and one of them fails or
loses the other's update. :func:`begin_write` is that switch; services call it before such a read.
"""

from __future__ import annotations

import enum
import sqlite3
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import Flask, Response
from sqlalchemy import DateTime, Engine, Enum, TypeDecorator, event
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import Session, SessionTransaction

from course.config import PROJECT_ROOT
from course.extensions import Model, db

SQLITE_BEGIN_OPTION = "sqlite_begin"
ModelT = TypeVar("ModelT", bound=Model)


def stored_enum(enum_class: type[enum.Enum], length: int) -> Enum:
    """A column type that stores an enum's values (``"uk"``, not ``"UK"``) as short strings, with
    no database enum type, so adding a value needs no migration of a type."""
    return Enum(
        enum_class,
        native_enum=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
    )


def utcnow() -> datetime:
    """The current time in UTC, timezone-aware, as every stored timestamp is."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite keeps no time zone, so values read from it would otherwise come back naive and could
    not be compared with aware ones.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def init_database(app: Flask) -> None:
    """Bind Flask-SQLAlchemy and Flask-Migrate, tune SQLite, and commit each successful request."""
    from course.extensions import migrate

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        timeout_seconds = app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        app.config["SQLALCHEMY_ENGINE_OPTIONS"].setdefault(
            "connect_args", {"timeout": timeout_seconds}
        )
    else:
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    # A failed statement's values (email addresses, names) must not reach the log with its error.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"].setdefault("hide_parameters", True)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            _tune_sqlite(engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
    app.after_request(_finish_unit_of_work)


def _tune_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def configure_connection(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Let the "begin" listener below issue BEGIN, instead of pysqlite's implicit one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def begin_transaction(connection: Connection) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def begin_write() -> None:
    """Make the current transaction a writer before reading rows that will be changed.

    On SQLite this begins the transaction with ``BEGIN IMMEDIATE``, so concurrent read-modify-write
    transactions run one after another instead of overwriting each other. If the session is inside a
    transaction that has only read so far, that transaction is ended first (its objects are reloaded
    on next use). On PostgreSQL it does nothing: lock the rows with :func:`get_for_update` or
    ``select(...).with_for_update()``.

    :raises RuntimeError: when the session already holds unflushed or flushed changes, which would
        be committed early; call it before the first change.
    """
    session = db.session()
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.in_transaction():
        if session.connection().get_execution_options().get(SQLITE_BEGIN_OPTION) == "IMMEDIATE":
            return
        if session.new or session.dirty or session.deleted or session.info.get("has_flushed"):
            raise RuntimeError("begin_write() must be called before the transaction's first change")
        session.commit()
    session.connection(execution_options={SQLITE_BEGIN_OPTION: "IMMEDIATE"})


def get_for_update(model: type[ModelT], ident: Any) -> ModelT | None:
    """Load one row to change it, locked against concurrent writers until the transaction ends."""
    begin_write()
    return db.session.get(model, ident, with_for_update=True, populate_existing=True)


@event.listens_for(Session, "after_flush")
def _remember_flush(session: Session, _flush_context: Any) -> None:
    session.info["has_flushed"] = True


@event.listens_for(Session, "after_transaction_end")
def _forget_flush(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop("has_flushed", None)


def _finish_unit_of_work(response: Response) -> Response:
    """Commit the request's changes when it succeeded; undo them when it did not."""
    if response.status_code < 400:
        db.session.commit()
    else:
        db.session.rollback()
    return response
