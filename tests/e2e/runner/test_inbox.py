"""A workbook dropped into the inbox is processed once, moved with its results and recorded;
a file still being copied is not taken; files that are not valid inputs go to failed/ with an
explanation and do not block the files after them."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.ledgersmb_db import ap_invoice_numbers

from .conftest import (
    SANDBOX_PASSWORD,
    Project,
    RunnerProcess,
    invoice_rows,
    result_statuses,
    wait_until,
    workbook_bytes,
)

pytestmark = pytest.mark.e2e

JOB = """
[jobs.invoices]
bot = "invoice_entry"
interval_s = 2
"""


def test_a_dropped_workbook_is_processed_once_moved_and_recorded(project: Project, start_runner, prefix: str,
                                                                  tmp_path: Path) -> None:
    project.schedule(JOB)
    runner: RunnerProcess = start_runner()
    runner.wait_for("runner started")
    failed, processed = project.data / "failed" / "invoices", project.data / "processed" / "invoices"

    # not inputs: a text file and a workbook without the invoice columns; neither blocks what follows
    project.drop("invoices", "notes.txt", b"please enter these invoices")
    project.drop("invoices", "wrong-columns.xlsx", workbook_bytes(tmp_path, [["x", "y"]], header=["Foo", "Bar"]))
    wait_until(lambda: (failed / "wrong-columns.error.txt").exists() and (failed / "notes.error.txt").exists(),
               90, "both bad files in failed/")
    assert "not a file clerk reads" in (failed / "notes.error.txt").read_text()
    assert "cannot be used" in (failed / "wrong-columns.error.txt").read_text()

    # a workbook that arrives slowly, under its final name, is not taken while it grows
    data = workbook_bytes(tmp_path, invoice_rows(prefix, [1, 2]))
    target = project.inbox("invoices") / f"{prefix}invoices.xlsx"
    with target.open("wb") as handle:
        for start in range(0, len(data), len(data) // 8 + 1):
            handle.write(data[start:start + len(data) // 8 + 1])
            handle.flush()
            time.sleep(0.7)  # a slow copy: several of the runner's 2-second polls see it growing
            assert target.exists(), "the runner took a file that was still being written"
    wait_until(lambda: (processed / target.name).exists(), 180, "the workbook in processed/")

    results = processed / f"{prefix}invoices.results.xlsx"
    assert result_statuses(results) == ["done", "done"]
    assert ap_invoice_numbers(prefix) == [f"{prefix}001", f"{prefix}002"]  # exactly one AP row each
    assert not list(project.inbox("invoices").glob("*.xlsx"))
    assert not list((project.inbox("invoices") / ".working").iterdir())
    runs = project.ledger("SELECT id, status, input_path FROM runs WHERE input_path LIKE ?", f"%{prefix}%")
    assert len(runs) == 1 and runs[0][1] == "completed"
    run_id = str(runs[0][0])

    # nothing is entered twice: the next fires find nothing new
    time.sleep(5)
    assert ap_invoice_numbers(prefix) == [f"{prefix}001", f"{prefix}002"]
    assert len(project.ledger("SELECT id FROM runs WHERE input_path LIKE ?", f"%{prefix}%")) == 1

    status = project.clerk("status")
    assert status.returncode == 0, status.stderr
    assert re.search(r"runner: running \(pid \d+", status.stdout)
    assert "invoices" in status.stdout and run_id in status.stdout and "succeeded" in status.stdout
    listed = project.clerk("runs", "list")
    assert run_id in listed.stdout and "done 2" in listed.stdout
    shown = project.clerk("runs", "show", run_id[:-2])
    assert shown.returncode == 0, shown.stderr
    assert "items by status" in shown.stdout and f"{prefix}001" in shown.stdout and "recordings" in shown.stdout

    assert runner.stop() == 0
    assert "runner stopped" in runner.output
    log = (project.data / "logs" / "runner.log").read_text()
    assert f"{prefix}invoices.xlsx processed" in log and "notes.txt is not a file clerk reads" in log
    assert SANDBOX_PASSWORD not in log + runner.output
