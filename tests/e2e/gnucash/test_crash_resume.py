"""A run killed in the middle of a bill, then resumed, leaves exactly one bill per invoice;
so does a GnuCash killed in the middle of a bill, which the run starts again."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from tests.workbooks import read_results as results

from .conftest import CLERK, PROJECT, Row, bills, clerk, gnucash_pid, wait_for_title, write_workbook

pytestmark = pytest.mark.e2e


def test_a_run_killed_mid_bill_then_resumed_leaves_no_duplicate(
        tmp_path: Path, prefix: str, clerk_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XAUTHORITY", clerk_env["XAUTHORITY"])  # python-xlib reads it from the environment
    rows = [Row("Globex Telecom LLC", f"{prefix}00{n}", dt.date(2026, 8, n), dt.date(2026, 9, n),
                Decimal(f"{n}00.25"), "Telephone", f"line {n}") for n in (1, 2, 3)]
    workbook = write_workbook(tmp_path / "invoices.xlsx", rows)
    args = [*CLERK, "run", "invoice_entry", "--target", "gnucash", "--input", str(workbook)]
    process = subprocess.Popen(args, env=clerk_env, cwd=PROJECT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for_title(clerk_env["DISPLAY"], f"Edit Bill - {prefix}002", process)  # bill 2 is half entered
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    assert [b.id for b in bills(prefix)] == [f"{prefix}001"]  # only the first bill was saved

    resumed = clerk(clerk_env, "--input", str(workbook))
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    saved = bills(prefix)
    assert [(b.id, b.total, b.due) for b in saved] == [(r.number, r.amount, r.due_date) for r in rows]
    report = results(workbook.with_name("invoices.results.xlsx"))
    assert [r["status"] for r in report] == ["done", "done", "done"]  # the same run, resumed
    assert report[1]["message"] == "entered in gnucash and read back"  # the unsaved half bill was reverted
    assert [r["gnucash_bill"] for r in report] == [b.ref for b in saved]


@pytest.mark.usefixtures("gnucash_back")
def test_gnucash_killed_mid_bill_is_started_again_and_the_run_goes_on(
        tmp_path: Path, prefix: str, clerk_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XAUTHORITY", clerk_env["XAUTHORITY"])
    rows = [Row("Globex Telecom LLC", f"{prefix}00{n}", dt.date(2026, 7, n), dt.date(2026, 8, n),
                Decimal(f"{n}0.75"), "Telephone", f"line {n}") for n in (1, 2, 3)]
    workbook = write_workbook(tmp_path / "invoices.xlsx", rows)
    args = [*CLERK, "run", "invoice_entry", "--target", "gnucash", "--input", str(workbook)]
    output = tmp_path / "clerk.out"
    with output.open("w") as sink, subprocess.Popen(args, env=clerk_env, cwd=PROJECT, stdout=sink,
                                                    stderr=subprocess.STDOUT) as run:
        try:
            wait_for_title(clerk_env["DISPLAY"], f"Edit Bill - {prefix}002", run)  # bill 2 is half entered
            os.kill(gnucash_pid(clerk_env["DISPLAY"]), signal.SIGKILL)  # as the OOM killer would
            run.wait(timeout=400)
        finally:
            if run.poll() is None:
                run.kill()
    assert run.returncode == 0, output.read_text()
    (trail,) = (tmp_path / "recordings").glob("invoice_entry/*/events.jsonl")
    assert "gnucash: no window matches 'main'; starting it with `bash sandbox/gnucash-up.sh`" in trail.read_text()
    saved = bills(prefix)
    assert [(b.id, b.total) for b in saved] == [(r.number, r.amount) for r in rows]  # each bill once
    report = results(workbook.with_name("invoices.results.xlsx"))
    assert [r["status"] for r in report] == ["done", "done", "done"]
    assert report[1]["message"] == "entered in gnucash and read back"  # looked up first: not saved, so entered
    assert [r["gnucash_bill"] for r in report] == [b.ref for b in saved]
