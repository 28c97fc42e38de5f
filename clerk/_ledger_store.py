"""The ledger's database handle: one SQLite file or one PostgreSQL database, migrated on
opening, whose connection errors become LedgerUnavailable (clerk._ledger works on it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from clerk._ledger_db import (
    DEFAULT_RECONNECT,
    clock,
    connect,
    create_ledger_engine,
    parse_url,
    sqlite_url,
    upgrade,
)
from clerk._ledger_records import LedgerError, LedgerUnavailable


class LedgerStore:
    """The database at ``target``: an SQLite file (a Path) or a database URL (a str)."""

    def __init__(self, target: Path | str, *, reconnect: dt.timedelta = DEFAULT_RECONNECT) -> None:
        url = parse_url(sqlite_url(target) if isinstance(target, Path) else target)
        self.url = url.render_as_string(hide_password=True)
        self.reconnect = reconnect
        self._engine = create_ledger_engine(url)
        self._dialect = self._engine.dialect.name
        self._sqlite_file = Path(url.database) if self._dialect == "sqlite" and url.database else None
        with self._outage("opening the ledger"):
            connect(self._engine, reconnect).close()
            upgrade(self._engine)
        self._owns_engine = True

    def _share_with(self, twin: LedgerStore) -> None:
        """Make ``twin`` a handle on this database that uses this one's connection pool."""
        twin.url, twin.reconnect = self.url, self.reconnect
        twin._engine, twin._dialect = self._engine, self._dialect
        twin._sqlite_file, twin._owns_engine = self._sqlite_file, False

    @property
    def path(self) -> Path:
        """The SQLite file (only an SQLite ledger has one)."""
        if self._sqlite_file is None:
            raise LedgerError(f"the ledger {self.url} is not an SQLite file")
        return self._sqlite_file

    @property
    def location(self) -> str:
        """Where the ledger is, for messages: the file, or the URL without a password."""
        return str(self._sqlite_file) if self._sqlite_file else self.url

    def close(self) -> None:
        if self._owns_engine:
            self._engine.dispose()

    @contextmanager
    def _transaction(self) -> Iterator[sa.Connection]:
        """One transaction on a connection that waits up to ``reconnect`` for the database."""
        with self._outage("a ledger transaction"), connect(self._engine, self.reconnect) as db, db.begin():
            yield db

    @contextmanager
    def _outage(self, doing: str) -> Iterator[None]:
        try:
            yield
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as err:
            if self._dialect == "sqlite" and not err.connection_invalidated and "locked" in str(err.orig):
                raise
            raise LedgerUnavailable(
                f"the ledger database {self.location} cannot be reached ({doing}: {type(err.orig).__name__}: "
                f"{str(err.orig).strip().splitlines()[0] if str(err.orig).strip() else 'connection lost'}); "
                "the run stops here, and running it again resumes it") from err

    def _read(self, query: sa.Executable) -> list[sa.RowMapping]:
        with self._transaction() as db:
            return list(db.execute(query).mappings())

    def _insert(self, table: sa.Table) -> Any:
        """INSERT with ON CONFLICT, in this database's dialect."""
        return (postgresql.insert if self._dialect == "postgresql" else sqlite.insert)(table)

    def _clock(self, db: sa.Connection) -> float:
        return float(db.execute(sa.select(clock(self._dialect))).scalar_one())
