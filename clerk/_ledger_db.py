"""The ledger's database: an SQLAlchemy engine for SQLite or PostgreSQL, brought to the
newest schema by the Alembic migrations in ``clerk/_migrations``.

SQLite (the embedded default, ``<data_dir>/ledger.sqlite3``) runs in WAL mode and every
transaction is ``BEGIN IMMEDIATE``, so writers on one machine queue up instead of
failing. PostgreSQL (``[ledger] url = "postgresql://user@host/db"``) is reached through
psycopg 3; its password never sits in the URL: it comes from ``CLERK_LEDGER_PASSWORD``,
or from libpq's own ``PGPASSWORD`` / ``~/.pgpass``.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from loguru import logger
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError
from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_exponential

from clerk._errors import ConfigError
from clerk._ledger_schema import SCHEMA_REVISION
from clerk._secrets import REDACTOR

PASSWORD_VARIABLE = "CLERK_LEDGER_PASSWORD"
DEFAULT_RECONNECT = dt.timedelta(seconds=30)  # how long a ledger call waits for its database to come back
MIGRATIONS = Path(__file__).resolve().parent / "_migrations"
_MIGRATION_LOCK = 0x636C65726B01  # pg_advisory_xact_lock key: concurrent first starts migrate one at a time


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def parse_url(text: str) -> URL:
    """The ledger URL, checked: SQLite or PostgreSQL, and no password inside.

    Raises:
        ConfigError: not a URL, another database, or a URL that carries a password.
    """
    try:
        url = make_url(text)
    except ArgumentError as err:
        raise ConfigError(f"[ledger] url {text!r} is not a database URL: {err}") from err
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(f"[ledger] url: clerk keeps its ledger in SQLite or PostgreSQL, not {url.drivername!r}")
    if url.password is not None:
        raise ConfigError(f"[ledger] url holds a password; leave it out and set {PASSWORD_VARIABLE} "
                          "(or PGPASSWORD, or ~/.pgpass)")
    if url.get_backend_name() == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url


def create_ledger_engine(url: URL, environ: Mapping[str, str] | None = None, *,
                         connect_args: Mapping[str, Any] | None = None) -> Engine:
    """An engine for ``url`` with the ledger's connection settings (PostgreSQL: plus ``connect_args``)."""
    environ = os.environ if environ is None else environ
    if url.get_backend_name() == "sqlite":
        assert url.database, "an SQLite ledger needs a file"
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30})
        sa.event.listen(engine, "connect", _sqlite_connection)
        sa.event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    arguments: dict[str, Any] = {"connect_timeout": 10, **(connect_args or {})}
    arguments.setdefault("application_name", url.query.get("application_name", "clerk"))
    if password := environ.get(PASSWORD_VARIABLE):
        REDACTOR.register(password)
        arguments["password"] = password
    return sa.create_engine(url, connect_args=arguments, pool_pre_ping=True)


def _sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event emits BEGIN itself
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def _sqlite_begin_immediate(connection: sa.Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def connect(engine: Engine, patience: dt.timedelta) -> sa.Connection:
    """A connection, waiting up to ``patience`` for a database that is restarting or out of reach.

    Only getting the connection is tried again: nothing has been sent yet, so trying again
    cannot do anything twice.
    """
    retrying = Retrying(
        retry=retry_if_exception_type((sa.exc.OperationalError, sa.exc.InterfaceError)),
        stop=stop_after_delay(patience.total_seconds()), wait=wait_exponential(multiplier=0.5, max=5),
        before_sleep=lambda state: logger.warning("the ledger database cannot be reached ({}); trying again",
                                                  state.outcome.exception() if state.outcome else "?"),
        reraise=True)
    return retrying(engine.connect)


def clock(dialect: str) -> sa.ColumnElement[float]:
    """The database's time in seconds since the epoch: one clock for every machine."""
    if dialect == "sqlite":
        return sa.literal_column("((julianday('now') - 2440587.5) * 86400.0)", sa.Float)
    return sa.literal_column("extract(epoch from clock_timestamp())::float8", sa.Float)


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema (a ledger made by an earlier clerk included)."""
    with engine.connect() as connection:
        if _revision(connection) == SCHEMA_REVISION:
            return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:  # SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock, below
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _revision(connection: sa.Connection) -> str | None:
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
