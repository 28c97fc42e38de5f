"""``[ledger]``: the embedded SQLite default, a PostgreSQL URL, and what is refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from clerk._config import Settings, load_settings
from clerk._errors import ConfigError
from clerk._ledger_config import ledger_settings, open_ledger
from clerk._ledger_db import parse_url


def settings_with(checkout: Path, **ledger: object) -> Settings:
    return load_settings(checkout, overrides={f"ledger.{key}": value for key, value in ledger.items()},
                         environ={})


def test_without_a_url_the_ledger_is_the_sqlite_file_in_the_data_directory(checkout: Path, tmp_path: Path) -> None:
    settings = load_settings(checkout, overrides={"clerk.data_dir": str(tmp_path)}, environ={})
    config = ledger_settings(settings)
    assert (config.target, config.shared, config.lease) == (tmp_path / "ledger.sqlite3", False, dt.timedelta(seconds=60))
    ledger = open_ledger(settings)
    try:
        assert ledger.path == tmp_path / "ledger.sqlite3" and ledger.path.is_file()
    finally:
        ledger.close()


def test_a_postgresql_url_is_shared_and_reached_through_psycopg(checkout: Path) -> None:
    config = ledger_settings(settings_with(checkout, url="postgresql://clerk_ledger@db.example/clerk_ledger",
                                           lease_s=30))
    assert config.shared and config.lease == dt.timedelta(seconds=30)
    assert parse_url(config.url).drivername == "postgresql+psycopg"


@pytest.mark.parametrize(("ledger", "message"), [
    ({"url": "postgresql://clerk_ledger:hunter22@db/clerk"}, "holds a password; leave it out and set CLERK_LEDGER_PASSWORD"),
    ({"url": "mysql://clerk@db/clerk"}, "SQLite or PostgreSQL, not 'mysql'"),
    ({"url": "not a url"}, "is not a database URL"),
    ({"lease_s": 1}, "lease_s must be a number of seconds, at least 2"),
    ({"lease": 30}, "unknown key"),
    ({"reconnect_s": -1}, "reconnect_s must be a number of seconds"),
])
def test_refused_ledger_settings(checkout: Path, ledger: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        ledger_settings(settings_with(checkout, **ledger))
