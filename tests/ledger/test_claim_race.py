"""No duplicates across processes: racers claiming the same references at the same moment,
through the ledger on SQLite and on the sandbox's PostgreSQL, enter each one exactly once."""

from __future__ import annotations

from pathlib import Path

import pytest

from clerk._ledger import ItemState, Ledger, RunStatus
from tests.ledger.racers import BOT, race

RACERS = 4
REFERENCES = [f"acme|RACE-{n:03d}" for n in range(60)]


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    return str(request.getfixturevalue("pg_url"))


def failed_earlier(url: str, tmp_path: Path) -> None:
    """An earlier run that failed every reference: the race then goes through the UPDATE path."""
    ledger = Ledger(url)
    try:
        run, _ = ledger.open_run(BOT, "same.xlsx", "earlier-sha", tmp_path / "recordings")
        for reference in REFERENCES:
            ledger.claim(BOT, reference, run.id)
            ledger.settle(BOT, reference, run.id, ItemState.FAILED, error="APP_DOWN")
        ledger.finish_run(run.id, RunStatus.STOPPED, {"failed": len(REFERENCES)})
    finally:
        ledger.close()


def assert_each_entered_once(url: str, entered: dict[str, int]) -> None:
    assert sorted(entered) == REFERENCES, "a reference was lost"
    assert {ref: n for ref, n in entered.items() if n != 1} == {}, "a reference was entered twice"
    ledger = Ledger(url)
    try:
        assert {ledger.item(BOT, ref).state for ref in REFERENCES} == {ItemState.DONE}  # type: ignore[union-attr]
    finally:
        ledger.close()


def test_racers_on_new_references_enter_each_once(url: str, tmp_path: Path) -> None:
    assert_each_entered_once(url, race(url, tmp_path / "race", REFERENCES, RACERS))


def test_racers_retrying_failed_references_enter_each_once(url: str, tmp_path: Path) -> None:
    failed_earlier(url, tmp_path)
    assert_each_entered_once(url, race(url, tmp_path / "race", REFERENCES, RACERS))
