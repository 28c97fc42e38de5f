"""A run killed with SIGKILL mid-item resumes where it stopped: no lost row, no duplicate."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from tests.ledger_reads import query_ledger
from tests.workbooks import read_results, write_workbook

from .conftest import ClerkRunner, ap_rows, invoice

pytestmark = pytest.mark.e2e


def ledger_states(ledger: Path) -> list[str]:
    return [row[0] for row in query_ledger(ledger, "SELECT state FROM items")]


def wait_until(condition, timeout: float = 180.0, poll: float = 0.05) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the run to reach the kill point")
        time.sleep(poll)  # polling the ledger from the test, not synchronizing the bot


def test_sigkill_mid_item_then_rerun_leaves_exactly_one_transaction_per_row(
    clerk: ClerkRunner, prefix: str, tmp_path: Path
) -> None:
    path = write_workbook(tmp_path / "crash.xlsx", [invoice(prefix, n) for n in (1, 2, 3, 4)])
    ledger = tmp_path / "var" / "ledger.sqlite3"

    log = tmp_path / "killed-run.log"
    process = clerk.start("run", "invoice_entry", "--input", str(path), log=log)
    # kill while the second item is being worked: one done, one in progress
    wait_until(lambda: sorted(ledger_states(ledger)) == ["done", "in_progress"] or process.poll() is not None)
    assert process.poll() is None, log.read_text()
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert len(ap_rows(prefix)) <= 2

    resumed = clerk("run", "invoice_entry", "--input", str(path))
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "resumed run" in resumed.stderr
    posted = ap_rows(prefix)
    assert [r.invnumber for r in posted] == [f"{prefix}{n:03d}" for n in (1, 2, 3, 4)]
    assert [r["status"] for r in read_results(tmp_path / "crash.results.xlsx")] == ["done"] * 4
    assert ledger_states(ledger) == ["done"] * 4
