"""Chromium killed mid-run, as the OOM killer would: the run starts the browser again, looks
the interrupted invoice up first, and ends with every invoice posted exactly once, exit 0."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ledger_reads import query_ledger
from tests.processes import is_chromium, kill_below
from tests.workbooks import read_results, write_workbook

from .conftest import ClerkRunner, ap_rows, invoice
from .test_crash_resume import ledger_states, wait_until

pytestmark = pytest.mark.e2e


def test_a_killed_browser_does_not_end_the_run(clerk: ClerkRunner, prefix: str, tmp_path: Path) -> None:
    numbers = (1, 2, 3, 4, 5)
    path = write_workbook(tmp_path / "crash.xlsx", [invoice(prefix, n) for n in numbers])
    ledger = tmp_path / "var" / "ledger.sqlite3"
    log = tmp_path / "run.log"
    process = clerk.start("run", "invoice_entry", "--input", str(path), log=log)
    try:
        # while the second invoice is being worked: one done, one in progress
        wait_until(lambda: sorted(ledger_states(ledger)) == ["done", "in_progress"] or process.poll() is not None)
        assert process.poll() is None, log.read_text()
        killed = kill_below(process.pid, is_chromium)  # this run's browser only; other runs keep theirs
        assert killed, "the run had no Chromium to kill"
        assert process.wait(timeout=600) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    [events] = (tmp_path / "recordings" / "invoice_entry").glob("*/events.jsonl")
    assert "the browser is gone (crashed or killed" in events.read_text()
    assert [r.invnumber for r in ap_rows(prefix)] == [f"{prefix}{n:03d}" for n in numbers]  # once each
    assert [r["status"] for r in read_results(tmp_path / "crash.results.xlsx")] == ["done"] * len(numbers)
    assert ledger_states(ledger) == ["done"] * len(numbers)
    assert query_ledger(ledger, "SELECT count(*) FROM items WHERE attempts > 1") == [(0,)]  # never claimed twice
