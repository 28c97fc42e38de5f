"""`clerk run --on celery` with real `clerk worker` processes and the real LedgerSMB."""

from __future__ import annotations

import json
import re
import signal
import time
from pathlib import Path

import pytest

from clerk._ledger import Ledger
from tests.attempts import assert_entered_once, attempts_of
from tests.workbooks import read_results, write_workbook

from .conftest import ClerkRunner, ap_rows, invoice
from .fleet import Fleet, fleet  # noqa: F401 - the fixture

pytestmark = pytest.mark.e2e

HEADER = ["vendor", "invoice_number", "invoice_date", "due_date", "amount", "account", "description"]


def workbook(folder: Path, prefix: str, count: int) -> Path:
    vendors = ["Globex Telecom LLC", "Acme Office Supplies Inc", "Stark Utilities Co"]
    rows = [invoice(prefix, n, vendor=vendors[n % 3], amount=f"{200 + n}.75") for n in range(1, count + 1)]
    return write_workbook(folder / "invoices.xlsx", rows, HEADER)


def run_folder(results: list[dict[str, object]]) -> Path:
    return Path(str(results[0]["screenshots"])).parents[1]


def test_two_celery_workers_post_every_invoice_once_and_the_run_is_sealed(
    clerk: ClerkRunner, fleet: Fleet, prefix: str, tmp_path: Path
) -> None:
    fleet.start()
    fleet.start()
    path = workbook(tmp_path, prefix, 4)
    first = clerk("run", "invoice_entry", "--input", str(path), "--on", "celery")
    assert first.returncode == 0, first.stdout + first.stderr

    posted = ap_rows(prefix)
    numbers = [f"{prefix}{n:03d}" for n in range(1, 5)]
    assert [r.invnumber for r in posted] == numbers  # each exactly once in LedgerSMB
    results = read_results(tmp_path / "invoices.results.xlsx")
    assert [r["invoice_number"] for r in results] == numbers and [r["status"] for r in results] == ["done"] * 4
    assert [int(r["ledgersmb_id"]) for r in results] == [r.id for r in posted]

    folder = run_folder(results)
    manifest = json.loads((folder / "run.json").read_text())
    assert manifest["executor"] == "celery"
    pids = {str(w.process.pid) for w in fleet.workers}
    workers = {item["worker"] for item in manifest["items"]}
    assert len(workers) == 2, workers  # both workers entered items (prefetch of one each)
    for item in manifest["items"]:  # the workers' screenshots and steps are in the run's recording
        assert_entered_once(attempts_of(item["steps"]), item["message"])
        assert all((folder / s["shot"]).is_file() for s in item["steps"])
    ledger = Ledger(tmp_path / "var" / "ledger.sqlite3")
    try:  # a worker's claim is held for its item time limit: no rerun takes it over while it may still type
        vendors = [r["vendor"] for r in results]
        claims = [ledger.item("invoice_entry", f"{str(vendor).casefold()}|{number}")
                  for vendor, number in zip(vendors, numbers)]
        assert all(c is not None and c.held_until is not None for c in claims), claims
    finally:
        ledger.close()
    logins = [e for e in map(json.loads, (folder / "events.jsonl").read_text().splitlines())
              if "logging in to ledgersmb" in e["record"]["message"]]
    assert len([e for e in logins if e["record"]["extra"].get("worker")]) == 2  # once per worker, not per item
    assert not pids & workers  # workers are named by host and pool process, not by the main pid
    succeeded = [line for w in fleet.workers for line in w.text().splitlines() if "] succeeded in " in line]
    assert len(succeeded) == 4 and all(re.search(r": run \S+ row \d+ \(.+\): done$", s) for s in succeeded), succeeded
    verified = clerk("audit", "verify", str(folder))
    assert verified.returncode == 0, verified.stdout + verified.stderr

    rerun = clerk("run", "invoice_entry", "--input", str(path), "--on", "celery")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert [r["status"] for r in read_results(tmp_path / "invoices.results.xlsx")] == ["already_present"] * 4
    assert ap_rows(prefix) == posted


def test_a_worker_killed_after_post_leaves_its_item_to_another_worker_which_finds_it(
    clerk: ClerkRunner, fleet: Fleet, prefix: str, tmp_path: Path
) -> None:
    slow = fleet.start({"CLERK_WEB__SLOWMO_MS": "700"})  # widens the gap between Post and the read-back
    path = workbook(tmp_path, prefix, 2)
    log = tmp_path / "run.log"
    run = clerk.start("run", "invoice_entry", "--input", str(path), "--on", "celery", log=log)
    try:
        deadline = time.monotonic() + 400
        while "taken by worker" not in slow.text():
            assert run.poll() is None, log.read_text()
            assert time.monotonic() < deadline, slow.text()
            time.sleep(0.5)
        status = clerk("status", "--fleet")  # operators see the worker and the item in its hands
        assert status.returncode == 0, status.stderr
        assert f"clerk-{slow.process.pid}@" in status.stdout and "row 2 (" in status.stdout, status.stdout
        while not ap_rows(prefix):  # the slow worker has posted its first invoice
            assert run.poll() is None, log.read_text()
            assert time.monotonic() < deadline, slow.text()
            time.sleep(0.2)
        slow.signal_group(signal.SIGKILL)  # mid-item: posted, not yet read back
        slow.process.wait(timeout=30)
        [posted_first] = ap_rows(prefix)
        fleet.start()
        run.wait(timeout=600)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 0, log.read_text()

    posted = ap_rows(prefix)
    assert [r.invnumber for r in posted] == [f"{prefix}001", f"{prefix}002"]  # entered exactly once each
    results = read_results(tmp_path / "invoices.results.xlsx")
    assert [r["status"] for r in results] == ["done", "done"]
    first = next(r for r in results if r["invoice_number"] == posted_first.invnumber)
    assert first["message"] == "found in ledgersmb after an interrupted attempt; not entered again"
    assert int(first["ledgersmb_id"]) == posted_first.id
    killed = set(re.findall(r"taken by worker (\S+)", slow.text()))
    assert killed, slow.text()
    assert not re.search(r"step 'read back'", slow.text()), "the worker was killed after its read-back"
    folder = run_folder(results)
    manifest = json.loads((folder / "run.json").read_text())
    assert all(item["worker"] and item["worker"] not in killed for item in manifest["items"])
    verified = clerk("audit", "verify", str(folder))
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_the_same_file_started_twice_at_once_enters_each_invoice_once(
    clerk: ClerkRunner, fleet: Fleet, prefix: str, tmp_path: Path
) -> None:
    fleet.start()
    fleet.start()
    path = workbook(tmp_path, prefix, 4)
    runs = [clerk.start("run", "invoice_entry", "--input", str(path), "--on", "celery",
                        "--output", str(tmp_path / f"results-{n}.xlsx"), log=tmp_path / f"run-{n}.log")
            for n in (1, 2)]
    for process in runs:
        process.wait(timeout=900)
    logs = "\n".join((tmp_path / f"run-{n}.log").read_text() for n in (1, 2))
    assert {process.returncode for process in runs} <= {0, 3}, logs  # 3: an item the other run held then
    numbers = [f"{prefix}{n:03d}" for n in range(1, 5)]
    assert [r.invnumber for r in ap_rows(prefix)] == numbers, logs  # never twice
    both = [read_results(tmp_path / f"results-{n}.xlsx") for n in (1, 2)]
    for first, second in zip(*both, strict=True):
        assert sorted([first["status"], second["status"]]) in (
            ["already_present", "done"], ["done", "failed"]), (first, second)
        if "failed" in (first["status"], second["status"]):
            assert "is being worked by run" in str(first["message"]) + str(second["message"])
    rerun = clerk("run", "invoice_entry", "--input", str(path), "--on", "celery")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert [r["status"] for r in read_results(tmp_path / "invoices.results.xlsx")] == ["already_present"] * 4
    assert [r.invnumber for r in ap_rows(prefix)] == numbers


def test_an_item_over_its_timeout_on_a_worker_is_failed_with_a_screenshot_and_a_rerun_enters_it(
    clerk: ClerkRunner, fleet: Fleet, prefix: str, tmp_path: Path
) -> None:
    fleet.env["CLERK_CELERY__ITEM_TIMEOUT_S"] = "20"  # the worker's soft time limit; the run waits by it too
    slow = fleet.start({"CLERK_WEB__SLOWMO_MS": "2500",  # every browser action takes 2.5 s: 20 s is not enough
                        "CLERK_AUDIT__TRACES": "failed"})  # every item traced, a failed one's trace kept
    path = workbook(tmp_path, prefix, 1)
    first = clerk("run", "invoice_entry", "--input", str(path), "--on", "celery")
    assert first.returncode == 3, first.stdout + first.stderr
    [row] = read_results(tmp_path / "invoices.results.xlsx")
    assert row["status"] == "failed", row
    assert str(row["message"]).startswith("ITEM_TIMEOUT: the item ran past its 20 s ([celery] item_timeout_s)"), row
    shots = sorted(p.name for p in Path(str(row["screenshots"])).glob("*.png"))
    assert any("failed" in name for name in shots), shots  # the screen at the moment the time ran out
    posted = ap_rows(prefix)
    assert len(posted) <= 1
    folder = run_folder([row])
    traces = sorted(p.name for p in (folder / "traces" / Path(str(row["screenshots"])).name).glob("*.zip"))
    assert traces == ["ledgersmb-trace.zip"], traces  # written when the item ended, so it is in the sealed run

    slow.signal_group(signal.SIGTERM)
    slow.process.wait(timeout=120)
    verified = clerk("audit", "verify", str(folder))  # the worker wrote nothing into it afterwards
    assert verified.returncode == 0, verified.stdout + verified.stderr
    fleet.env.pop("CLERK_CELERY__ITEM_TIMEOUT_S")
    fleet.start()
    rerun = clerk("run", "invoice_entry", "--input", str(path), "--on", "celery")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    [row] = read_results(tmp_path / "invoices.results.xlsx")
    assert row["status"] in ("done", "already_present")
    assert [r.invnumber for r in ap_rows(prefix)] == [f"{prefix}001"]  # once, whether or not the first try posted


def test_a_run_whose_queue_has_no_worker_stops_before_sending_anything(
    clerk: ClerkRunner, fleet: Fleet, prefix: str, tmp_path: Path
) -> None:
    path = workbook(tmp_path, prefix, 2)
    never = clerk("run", "invoice_entry", "--input", str(path), "--on", "celery")  # no worker ever declared it
    fleet.stop_all()
    fleet.start()
    fleet.stop_all()
    gone = clerk("run", "invoice_entry", "--input", str(path), "--on", "celery")  # declared, nobody consumes it

    for result in (never, gone):
        assert result.returncode == 2, result.stdout + result.stderr
        assert "no clerk worker answers on queue 'e2e-" in result.stdout + result.stderr
    assert ap_rows(prefix) == []
