"""The ledger's database goes away mid-run (a restart, a cut network): a ledger call waits
for it to come back, and when it does not come back in time the run gets a clear
LedgerUnavailable (which stops it; a rerun resumes) instead of a driver traceback."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from clerk import App, Bot
from clerk._config import RetrySettings, Settings
from clerk._ledger import ItemState, Ledger, LedgerUnavailable
from clerk._ledger_db import create_ledger_engine, parse_url
from clerk._run import run_bot
from clerk._run_options import RunOptions
from clerk.audit._verify import verify_run
from tests.ledger.tcp_proxy import CuttableRelay
from tests.unit.conftest import LINE_SCHEMA, FakeApp
from tests.workbooks import write_workbook

BOT = "invoice_entry"


@pytest.fixture
def relay(pg_url: str) -> Iterator[CuttableRelay]:
    url = make_url(pg_url)
    relay = CuttableRelay((url.host or "127.0.0.1", url.port or 5432))
    yield relay
    relay.close()


def through(pg_url: str, relay: CuttableRelay) -> str:
    return make_url(pg_url).set(host="127.0.0.1", port=relay.port).render_as_string(hide_password=False)


def test_a_ledger_call_waits_for_the_database_to_come_back(pg_url: str, relay: CuttableRelay,
                                                           tmp_path: Path) -> None:
    ledger = Ledger(through(pg_url, relay), reconnect=dt.timedelta(seconds=60))
    try:
        run, _ = ledger.open_run(BOT, "in.xlsx", "sha", tmp_path / "recordings")
        ledger.claim(BOT, "acme|OUT-1", run.id)
        relay.cut()  # every pooled connection is dead now, and new ones are refused
        back = threading.Timer(3, relay.restore)
        back.start()
        ledger.settle(BOT, "acme|OUT-1", run.id, ItemState.DONE, app_ref="9")
        back.join()
        assert ledger.item(BOT, "acme|OUT-1").state is ItemState.DONE  # type: ignore[union-attr]
    finally:
        ledger.close()


def test_a_database_that_stays_away_stops_the_run_with_a_clear_message(pg_url: str, relay: CuttableRelay,
                                                                       tmp_path: Path) -> None:
    ledger = Ledger(through(pg_url, relay), reconnect=dt.timedelta(seconds=3))
    try:
        run, _ = ledger.open_run(BOT, "in.xlsx", "sha", tmp_path / "recordings")
        ledger.claim(BOT, "acme|OUT-2", run.id)
        relay.cut()
        with pytest.raises(LedgerUnavailable, match=rf"the ledger database postgresql\+psycopg://clerk_ledger@127.0.0.1:"
                                                    rf"{relay.port}/.* cannot be reached .*running it again resumes it"):
            ledger.settle(BOT, "acme|OUT-2", run.id, ItemState.DONE)
        assert LedgerUnavailable.stops_run
    finally:
        ledger.close()
    relay.restore()
    again = Ledger(through(pg_url, relay))
    try:  # the rerun finds the item as the cut left it: still in progress, to be looked up first
        assert again.item(BOT, "acme|OUT-2").state is ItemState.IN_PROGRESS  # type: ignore[union-attr]
    finally:
        again.close()


def test_a_run_whose_ledger_goes_away_mid_item_stops_sealed_and_a_rerun_enters_nothing_twice(
        pg_url: str, relay: CuttableRelay, tmp_path: Path, dead_pid: int) -> None:
    app = FakeApp()
    app.on_enter = lambda reference: relay.cut() if reference == "A-1" else None  # after the write, before settling
    bot = Bot(name="fake_entry", description="lines", apps={"fake": App(session=app.open_session, kind="desktop",
                                                                         login=False)},
              schema=LINE_SCHEMA, reference=lambda line: line.ref, find=app.find, enter=app.enter)
    settings = Settings(project_dir=tmp_path, data_dir=tmp_path / "var", recordings_dir=tmp_path / "recordings",
                        selectors_dir=tmp_path / "selectors", apps={"fake": {}},
                        retry=RetrySettings(attempts=2, wait_initial=dt.timedelta(0), wait_max=dt.timedelta(0)),
                        ledger={"url": through(pg_url, relay), "reconnect_s": 2})
    path = write_workbook(tmp_path / "lines.xlsx", [["A-1", "10.00"], ["A-2", "20.00"]], header=["Reference", "Amount"])
    with pytest.raises(LedgerUnavailable):
        run_bot(bot, settings, RunOptions(input_path=path))
    first = next((tmp_path / "recordings" / "fake_entry").iterdir())
    verification = verify_run(first, allow_unsigned=True)
    assert verification.intact and verification.files > 0, verification.findings
    relay.restore()
    admin = create_ledger_engine(parse_url(pg_url))
    with admin.begin() as db:  # the stopped run's process has ended, as a CLI's would
        db.execute(sa.text("UPDATE runs SET pid = :pid"), {"pid": dead_pid})
    admin.dispose()
    report = run_bot(bot, settings, RunOptions(input_path=path))
    assert report.resumed and [(r.row, r.status.value) for r in report.results] == [(2, "done"), (3, "done")]
    assert "found in fake after an interrupted attempt; not entered again" in report.results[0].message
    assert app.entered() == ["A-1", "A-2"]  # each once
