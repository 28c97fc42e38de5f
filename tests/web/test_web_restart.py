"""A web server that restarts for about 30 s while an item is in flight: the default retry
budget (config/default.toml) outlasts it, and the item is entered once, not failed."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from clerk._outcome import ItemStatus
from clerk._run import run_bot
from clerk._run_options import RunOptions
from tests.web.records import RecordsServer, records_bot, records_settings

pytestmark = pytest.mark.web

RESTART_S = 30.0  # how long the server stays away, as in the report of issue 15


@pytest.mark.usefixtures("own_playwright")
def test_an_item_in_flight_outlasts_a_30_s_server_restart(checkout: Path, tmp_path: Path) -> None:
    server = RecordsServer(tmp_path / "records.json")
    server.start_and_wait()
    restart = threading.Timer(RESTART_S, server.start)

    def restart_during(ref: str) -> None:
        if ref == "B-2" and server.starts == 1:  # looked up, not yet entered: the server goes away
            server.stop()
            restart.start()

    path = tmp_path / "refs.csv"
    path.write_text("Reference\nA-1\nB-2\nC-3\n")
    try:
        report = run_bot(records_bot(restart_during), records_settings(checkout, tmp_path, server.url),
                         RunOptions(input_path=path))
    finally:
        restart.cancel()
        restart.join()
        server.stop()
    assert [(r.reference, r.status) for r in report.results] == [
        ("A-1", ItemStatus.DONE), ("B-2", ItemStatus.DONE), ("C-3", ItemStatus.DONE)]
    assert server.starts == 2  # it really went away and came back
    assert report.exit_code == 0
    assert sorted(server.references()) == ["A-1", "B-2", "C-3"]  # each entered exactly once
