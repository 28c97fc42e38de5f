"""``[ledger]``: where the ledger lives and how long a run's lease lasts.

Example::

    [ledger]
    url = "postgresql://clerk_ledger@127.0.0.1:5432/clerk_ledger"  # password: CLERK_LEDGER_PASSWORD
    lease_s = 60
    reconnect_s = 30

Without ``url`` the ledger is the SQLite file ``<data_dir>/ledger.sqlite3``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from clerk._config import Settings
from clerk._errors import ConfigError
from clerk._ledger import Ledger
from clerk._ledger_db import DEFAULT_RECONNECT, create_ledger_engine, parse_url, sqlite_url
from clerk._ledger_lease import DEFAULT_LEASE

_KEYS = {"url", "lease_s", "reconnect_s"}


def ledger_path(settings: Settings) -> Path:
    """The embedded SQLite ledger's file."""
    return settings.data_dir / "ledger.sqlite3"

_SHORTEST_LEASE = dt.timedelta(seconds=2)


@dataclass(frozen=True, slots=True, kw_only=True)
class LedgerSettings:
    url: str  # "" for the embedded SQLite file
    sqlite_file: Path
    lease: dt.timedelta = DEFAULT_LEASE
    reconnect: dt.timedelta = DEFAULT_RECONNECT

    @property
    def shared(self) -> bool:
        """A database server that runners and workers on several machines may share."""
        return bool(self.url) and not self.url.startswith("sqlite")

    @property
    def target(self) -> Path | str:
        return self.url or self.sqlite_file


def ledger_settings(settings: Settings) -> LedgerSettings:
    """The ``[ledger]`` section, checked.

    Raises:
        ConfigError: an unknown key, a URL that is not SQLite or PostgreSQL or holds a
            password, or a lease shorter than two seconds.
    """
    section = dict(settings.ledger)
    if unknown := set(section) - _KEYS:
        raise ConfigError(f"[ledger]: unknown key(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(_KEYS))}")
    url = str(section.get("url", "") or "")
    if url:
        parse_url(url)
    lease_s = section.get("lease_s", DEFAULT_LEASE.total_seconds())
    if isinstance(lease_s, bool) or not isinstance(lease_s, (int, float)) or lease_s < _SHORTEST_LEASE.total_seconds():
        raise ConfigError(f"[ledger] lease_s must be a number of seconds, at least {_SHORTEST_LEASE.seconds}; "
                          f"got {lease_s!r}")
    reconnect_s = section.get("reconnect_s", DEFAULT_RECONNECT.total_seconds())
    if isinstance(reconnect_s, bool) or not isinstance(reconnect_s, (int, float)) or reconnect_s < 0:
        raise ConfigError(f"[ledger] reconnect_s must be a number of seconds, got {reconnect_s!r}")
    return LedgerSettings(url=url, sqlite_file=ledger_path(settings),
                          lease=dt.timedelta(seconds=lease_s), reconnect=dt.timedelta(seconds=reconnect_s))


def open_ledger(settings: Settings) -> Ledger:
    """The run's ledger, as configured (the SQLite file in the data directory by default)."""
    config = ledger_settings(settings)
    return Ledger(config.target, lease=config.lease, reconnect=config.reconnect)


def ledger_exists(settings: Settings) -> bool:
    """False only for an SQLite ledger that nothing has created yet (a server is always there)."""
    config = ledger_settings(settings)
    return config.shared or config.sqlite_file.is_file()


def ledger_engine(settings: Settings) -> sa.Engine:
    """An engine on the ledger's database, for tables beside the ledger's own (the console's,
    the job pauses), brought to the newest schema first."""
    open_ledger(settings).close()
    config = ledger_settings(settings)
    return create_ledger_engine(parse_url(config.url or sqlite_url(config.sqlite_file)))
