"""The runner's life: one per data directory, a job store that survives restarts, a clean
stop on SIGTERM, and a SIGKILL that the next start recovers from without duplicates."""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path

import pytest

from clerk._ledger import process_alive
from tests.ledgersmb_db import ap_invoice_numbers

from .conftest import (
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


def test_a_second_runner_refuses_and_a_restart_keeps_the_job_store(project: Project, start_runner) -> None:
    project.schedule("""
[jobs.invoices]
bot = "invoice_entry"
cron = "0 3 * * mon-fri"
timezone = "Europe/Berlin"
""")
    first: RunnerProcess = start_runner()
    first.wait_for("runner started")
    assert "added to the job store" in first.output

    second: RunnerProcess = start_runner()
    assert second.wait(60) == 2
    assert re.search(r"a clerk runner already runs for the data directory .*pid \d+", second.output)
    assert first.process.poll() is None

    assert first.stop() == 0
    status = project.clerk("status")
    assert "runner: not running" in status.stdout
    next_fire = re.search(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) CE[S]?T", status.stdout)  # shown in the job's zone
    assert next_fire and next_fire.group(1).endswith("03:00:00"), status.stdout

    again: RunnerProcess = start_runner()
    again.wait_for("runner started")
    assert "kept from the job store" in again.output and "added to the job store" not in again.output
    assert again.stop() == 0


def test_sigterm_during_a_run_finishes_the_item_and_exits_then_a_restart_finishes_the_file(
        project: Project, start_runner, prefix: str, tmp_path: Path) -> None:
    project.schedule(JOB)
    runner: RunnerProcess = start_runner()
    runner.wait_for("runner started")
    project.drop("invoices", f"{prefix}.xlsx", workbook_bytes(tmp_path, invoice_rows(prefix, [1, 2, 3])))
    wait_until(lambda: "done" in project.item_states("invoice_entry", prefix), 180, "the first invoice entered")

    assert runner.stop(signal.SIGTERM, timeout=120) == 0  # finishes the item it is working, then exits
    states = project.item_states("invoice_entry", prefix)
    assert "in_progress" not in states and 1 <= states.count("done") < 3
    assert project.ledger("SELECT status FROM runs WHERE input_path LIKE ?", f"%{prefix}%") == [("stopped",)]
    working = project.inbox("invoices") / ".working" / f"{prefix}.xlsx"
    assert working.exists()  # kept for the next start
    assert len(ap_invoice_numbers(prefix)) == len(set(ap_invoice_numbers(prefix))) == states.count("done")

    restarted: RunnerProcess = start_runner()
    processed = project.data / "processed" / "invoices" / f"{prefix}.xlsx"
    wait_until(lambda: processed.exists(), 180, "the file in processed/ after the restart")
    assert ap_invoice_numbers(prefix) == [f"{prefix}001", f"{prefix}002", f"{prefix}003"]
    assert set(result_statuses(processed.with_name(f"{prefix}.results.xlsx"))) <= {"done", "already_present"}
    assert project.item_states("invoice_entry", prefix) == ["done"] * 3
    assert restarted.stop() == 0


def test_sigkill_during_a_run_then_a_restart_resumes_it_without_duplicates(
        project: Project, start_runner, prefix: str, tmp_path: Path) -> None:
    project.schedule(JOB)
    runner: RunnerProcess = start_runner()
    runner.wait_for("runner started")
    project.drop("invoices", f"{prefix}.xlsx", workbook_bytes(tmp_path, invoice_rows(prefix, [1, 2, 3])))
    wait_until(lambda: sorted(project.item_states("invoice_entry", prefix)) == ["done", "in_progress"], 180,
               "one invoice entered and the next one in progress")
    (run_id, child_pid), = project.ledger("SELECT id, pid FROM runs WHERE input_path LIKE ?", f"%{prefix}%")
    runner.kill()  # SIGKILL: no handler runs, nothing is cleaned up
    wait_until(lambda: not process_alive(int(child_pid), os.uname().nodename), 30,
               "the run's process to die with the runner")
    assert len(ap_invoice_numbers(prefix)) <= 2

    restarted: RunnerProcess = start_runner()
    processed = project.data / "processed" / "invoices" / f"{prefix}.xlsx"
    wait_until(lambda: processed.exists(), 180, "the file in processed/ after the restart")
    assert "working " + f"{prefix}.xlsx again" in restarted.output
    assert ap_invoice_numbers(prefix) == [f"{prefix}001", f"{prefix}002", f"{prefix}003"]  # none lost, none twice
    runs = project.ledger("SELECT id, status FROM runs WHERE input_path LIKE ?", f"%{prefix}%")
    assert runs == [(run_id, "completed")]  # the interrupted run itself was resumed
    assert result_statuses(processed.with_name(f"{prefix}.results.xlsx")) == ["done"] * 3
    assert restarted.stop() == 0
