"""`clerk run --on celery` with real `clerk worker` processes while the broker or the
ledger's database is stopped and started again mid-run: the run completes or stops with a
clear message, a rerun completes, and LedgerSMB's `ap` has every invoice exactly once."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from tests.workbooks import read_results

from .conftest import ClerkRunner, ap_rows
from .fleet import Fleet, fleet  # noqa: F401 - the fixture
from .outages import ThrowawayPostgres, broker_stopped, throwaway_postgres  # noqa: F401 - the fixture
from .test_celery import workbook

pytestmark = pytest.mark.e2e
COUNT = 5


def first_invoice_posted(run: subprocess.Popen[bytes], log: Path, prefix: str) -> None:
    deadline = time.monotonic() + 600
    while not ap_rows(prefix):
        assert run.poll() is None, log.read_text(errors="replace")
        assert time.monotonic() < deadline, log.read_text(errors="replace")
        time.sleep(0.3)


def assert_completed_or_stopped_clearly(run: subprocess.Popen[bytes], log: Path, results: Path,
                                        *clear: str) -> None:
    """0 with every row entered, 3 with the rows left failed for a rerun, or 4 saying why it stopped."""
    text = log.read_text(errors="replace")
    assert run.returncode in (0, 3, 4), text
    if run.returncode == 4:
        assert all(words in text for words in clear), text
        return
    rows = read_results(results)
    statuses = [row["status"] for row in rows]
    if run.returncode == 0:
        assert set(statuses) <= {"done", "already_present"}, rows
    else:
        failed = [row for row in rows if row["status"] == "failed"]
        assert failed and all("run the input again" in str(row["message"]) for row in failed), rows


def assert_rerun_completes_and_each_invoice_is_in_ap_once(clerk: ClerkRunner, path: Path, prefix: str,
                                                          *args: str) -> None:
    for _ in range(3):  # LedgerSMB on a loaded machine may time a page out: the operator reruns again
        rerun = clerk("run", "invoice_entry", "--input", str(path), *args)
        if rerun.returncode != 3:
            break
        failed = [row for row in read_results(path.with_suffix(".results.xlsx")) if row["status"] == "failed"]
        assert all(str(row["message"]).startswith("SCREEN_NOT_READY: ") for row in failed), failed
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    statuses = [row["status"] for row in read_results(path.with_suffix(".results.xlsx"))]
    assert set(statuses) <= {"done", "already_present"}, statuses
    numbers = [f"{prefix}{n:03d}" for n in range(1, COUNT + 1)]
    assert [row.invnumber for row in ap_rows(prefix)] == numbers  # no invoice lost, none twice


def test_the_broker_restarted_mid_run_loses_no_invoice_and_enters_none_twice(
        clerk: ClerkRunner, fleet: Fleet, prefix: str, tmp_path: Path) -> None:
    fleet.start()
    fleet.start()
    path = workbook(tmp_path, prefix, COUNT)
    log = tmp_path / "run.log"
    run = clerk.start("run", "invoice_entry", "--input", str(path), "--on", "celery", log=log)
    try:
        first_invoice_posted(run, log, prefix)
        with broker_stopped():  # every connection to RabbitMQ is closed: the run's and the workers'
            time.sleep(5)
        run.wait(timeout=900)
    finally:
        if run.poll() is None:
            run.kill()
    assert_completed_or_stopped_clearly(run, log, path.with_suffix(".results.xlsx"),
                                        "error: lost the broker amqp://clerk@127.0.0.1:5672/clerk",
                                        "run the same input again")
    assert all(worker.process.poll() is None for worker in fleet.workers), "a worker did not survive the restart"
    assert_rerun_completes_and_each_invoice_is_in_ap_once(clerk, path, prefix, "--on", "celery")


def test_the_ledger_database_restarted_mid_run_loses_no_invoice_and_enters_none_twice(
        clerk: ClerkRunner, fleet: Fleet, prefix: str, tmp_path: Path, throwaway_postgres: ThrowawayPostgres) -> None:
    fleet.env["CLERK_LEDGER__URL"] = throwaway_postgres.url  # the run and its workers share it
    fleet.start()
    fleet.start()
    path = workbook(tmp_path, prefix, COUNT)
    log = tmp_path / "run.log"
    run = clerk.start("run", "invoice_entry", "--input", str(path), "--on", "celery", log=log)
    try:
        first_invoice_posted(run, log, prefix)
        throwaway_postgres.crash()  # the server process is gone, every session with it
        time.sleep(5)
        throwaway_postgres.start()
        run.wait(timeout=900)
    finally:
        if run.poll() is None:
            run.kill()
    assert_completed_or_stopped_clearly(run, log, path.with_suffix(".results.xlsx"),
                                        "error: the ledger database postgresql+psycopg://clerk_ledger@127.0.0.1:"
                                        f"{throwaway_postgres.port}/clerk_ledger cannot be reached",
                                        "running it again resumes it")
    felt = log.read_text(errors="replace") + "".join(worker.text() for worker in fleet.workers)
    assert "the ledger database cannot be reached" in felt, "the restart did not happen mid-run"
    assert_rerun_completes_and_each_invoice_is_in_ap_once(clerk, path, prefix, "--on", "celery")
