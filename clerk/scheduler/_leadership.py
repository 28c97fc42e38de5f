"""Which runner schedules when several share one PostgreSQL ledger: the one holding a
session-level advisory lock in that database.

Every runner of a shared ledger asks for the lock at start. The one that gets it
schedules; the others wait as standbys and ask again every few seconds. The lock
belongs to the leader's database session, so PostgreSQL frees it when that session ends:
at once when the process dies (SIGKILL included, the kernel closes its socket), and after
the server's TCP keepalives (about 25 s) when its machine vanishes. The leader pings its
session; when the ping fails it stops scheduling at once (about 10 s, sooner than the
server frees the lock), so two runners never schedule at the same time.

Runners of an SQLite ledger need none of this: one runner per data directory
(clerk/scheduler/_lock.py) is the rule there.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
import zlib
from collections.abc import Callable
from types import TracebackType
from typing import Self

import sqlalchemy as sa
from loguru import logger

from clerk._ledger_config import LedgerSettings
from clerk._ledger_db import create_ledger_engine, parse_url

DEFAULT_POLL = dt.timedelta(seconds=5)
_CLIENT_KEEPALIVES = {"keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2, "keepalives_count": 2,
                      "tcp_user_timeout": 9000}  # a dead server is noticed within ~10 s
_SERVER_KEEPALIVES = ("SET tcp_keepalives_idle = 10", "SET tcp_keepalives_interval = 5",
                      "SET tcp_keepalives_count = 3")  # a vanished runner's lock is freed after ~25 s
_HOLDER = sa.text(
    "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
    " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = :key AND l.objsubid = 1"
    " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())")


def lock_key(db: sa.Connection) -> int:
    """The advisory lock key of the scheduler of the ledger in this session's schema: one
    scheduler per ledger, even when several ledgers share a database. 32 bits, so pg_locks
    shows it whole as ``objid``."""
    schema = db.execute(sa.text("SELECT current_schema()")).scalar()
    return zlib.crc32(f"clerk scheduler {schema}".encode())


def runner_name() -> str:
    return f"clerk runner pid {os.getpid()} on {socket.gethostname()}"


def scheduler_holder(ledger: LedgerSettings) -> str | None:
    """Which runner schedules with this shared ledger now (for ``clerk status``), if any."""
    engine = create_ledger_engine(parse_url(ledger.url))
    try:
        with engine.connect() as db:
            return db.execute(_HOLDER, {"key": lock_key(db)}).scalar()
    finally:
        engine.dispose()


class SchedulerLeadership:
    """Held by the runner that schedules, for as long as it runs.

    Example:
        with SchedulerLeadership(ledger_settings(settings), on_lost=runner.request_stop) as leadership:
            leadership.wait_until_leader(); runner.run()
    """

    def __init__(self, ledger: LedgerSettings, *, on_lost: Callable[[str], None],
                 poll: dt.timedelta = DEFAULT_POLL) -> None:
        self.on_lost = on_lost
        self.poll = poll
        self._engine = create_ledger_engine(
            parse_url(ledger.url), connect_args={**_CLIENT_KEEPALIVES, "application_name": runner_name()})
        self._session: sa.Connection | None = None
        self._stopped = threading.Event()
        self._watch: threading.Thread | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stopped.set()
        if self._watch is not None:
            self._watch.join(timeout=30)
        if self._session is not None:
            try:
                self._session.close()  # ends the session: PostgreSQL frees the lock
            except sa.exc.SQLAlchemyError:
                pass  # the session is already gone, and with it the lock
        self._engine.dispose()

    def holder(self) -> str | None:
        """The application name of the runner that schedules now, if any."""
        with self._engine.connect() as db:
            result: str | None = db.execute(_HOLDER, {"key": lock_key(db)}).scalar()
            return result

    def wait_until_leader(self) -> None:
        """Return once this runner holds the lock; until then wait as a standby."""
        announced = False
        while not self._try_lock():
            if not announced:
                logger.info("standby: {} schedules with this ledger; this runner takes over when it stops "
                            "(asking every {:g} s)", self.holder() or "another runner", self.poll.total_seconds())
                announced = True
            self._stopped.wait(self.poll.total_seconds())  # the poll period, not a synchronization
        logger.info("this runner schedules now ({} holds the scheduler lock)", runner_name())
        self._watch = threading.Thread(target=self._keep, name="clerk-scheduler-lease", daemon=True)
        self._watch.start()

    def _try_lock(self) -> bool:
        session = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            for statement in _SERVER_KEEPALIVES:
                session.execute(sa.text(statement))
            key = lock_key(session)
            if session.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar():
                self._session = session
                return True
        except sa.exc.SQLAlchemyError as err:
            logger.warning("cannot reach the ledger database to ask for the scheduler lock: {}", err)
        session.close()
        return False

    def _keep(self) -> None:
        assert self._session is not None
        while not self._stopped.wait(self.poll.total_seconds()):
            try:
                self._session.execute(sa.text("SELECT 1"))
            except sa.exc.SQLAlchemyError as err:
                self.on_lost(f"lost the scheduler lock: its database session broke ({type(err).__name__})")
                return
