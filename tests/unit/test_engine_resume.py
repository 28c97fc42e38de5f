"""Reruns and interrupted runs: nothing is entered twice, nothing is silently skipped."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from clerk._ledger import ItemState, Ledger
from clerk._ledger_config import ledger_path
from clerk._recording import sha256_of
from clerk._run import run_bot
from clerk._run_options import RunOptions

HEADER = ["Reference", "Amount"]


@pytest.fixture
def lines(write_table):
    def write(*refs: str, name: str = "lines.csv") -> Path:
        return write_table(name, [HEADER, *[[ref, "1"] for ref in refs]])

    return write


@pytest.fixture(scope="module")
def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def run(bot, settings, path: Path, **options: Any):
    return run_bot(bot, settings, RunOptions(input_path=path, **options))


def statuses(report) -> list[tuple[int, str]]:
    return [(r.row, r.status.value) for r in report.results]


def crashed_run(settings, path: Path, refs: dict[str, ItemState], *, pid: int, sha: str | None = None) -> str:
    """Leave the ledger as a run killed mid-way would: items claimed or settled, the run still 'running'."""
    ledger = Ledger(ledger_path(settings))
    try:
        run_record, _ = ledger.open_run("fake_entry", str(path.resolve()), sha or sha256_of(path),
                                        settings.recordings_dir / "fake_entry")
        for ref, state in refs.items():
            ledger.claim("fake_entry", ref, run_record.id)
            if state is not ItemState.IN_PROGRESS:
                ledger.settle("fake_entry", ref, run_record.id, state, app_ref=f"F-{ref}")
    finally:
        ledger.close()
    db = sqlite3.connect(ledger_path(settings))
    with db:
        db.execute("UPDATE runs SET pid=? WHERE id=?", (pid, run_record.id))
    db.close()
    return run_record.id


def test_a_rerun_reports_already_present_without_touching_the_application(make_bot, fake_app, settings, lines) -> None:
    path = lines("A-1", "A-2")
    first = run(make_bot(), settings, path)
    calls, sessions = list(fake_app.calls), len(fake_app.sessions)
    second = run(make_bot(), settings, path)
    assert statuses(second) == [(2, "already_present"), (3, "already_present")]
    assert second.results[0].app_ref == "F-1"
    assert second.results[0].message == f"already done per clerk run {first.run_id}; not entered again"
    assert fake_app.calls == calls and len(fake_app.sessions) == sessions  # not even logged in
    assert not second.resumed and second.exit_code == 0


def test_a_rerun_of_a_partly_failed_file_retries_only_the_failures(make_bot, fake_app, settings, lines) -> None:
    from clerk import ApplicationError

    fake_app.enter_errors["A-2"] = [ApplicationError("HTTP 502")] * 3
    path = lines("A-1", "A-2")
    assert statuses(run(make_bot(), settings, path)) == [(2, "done"), (3, "failed")]
    again = run(make_bot(), settings, path)
    assert statuses(again) == [(2, "already_present"), (3, "done")]
    ledger = Ledger(ledger_path(settings))
    try:
        assert ledger.item("fake_entry", "A-2").attempts == 2  # type: ignore[union-attr]
    finally:
        ledger.close()


def test_an_interrupted_item_that_reached_the_application_is_found_and_reported_done(
    make_bot, fake_app, settings, lines, dead_pid
) -> None:
    path = lines("A-1", "A-2", "A-3")
    crashed = crashed_run(settings, path, {"A-1": ItemState.DONE, "A-2": ItemState.IN_PROGRESS}, pid=dead_pid)
    fake_app.records.update({"A-1": "F-A-1", "A-2": "F-12"})  # A-2 was posted just before the crash
    report = run(make_bot(), settings, path)
    assert report.resumed and report.run_id == crashed
    assert statuses(report) == [(2, "done"), (3, "done"), (4, "done")]
    by_row = {r.row: r for r in report.results}
    assert by_row[3].app_ref == "F-12"
    assert by_row[3].message == "found in fake after an interrupted attempt; not entered again"
    assert fake_app.entered() == ["A-3"]  # neither A-1 nor A-2 entered again
    ledger = Ledger(ledger_path(settings))
    try:
        record = ledger.item("fake_entry", "A-2")
        assert record is not None and (record.state, record.attempts) == (ItemState.DONE, 2)
        assert ledger.run(crashed).pid == os.getpid()
    finally:
        ledger.close()


def test_an_interrupted_item_that_never_reached_the_application_is_entered(
    make_bot, fake_app, settings, lines, dead_pid
) -> None:
    path = lines("A-1")
    crashed_run(settings, path, {"A-1": ItemState.IN_PROGRESS}, pid=dead_pid)
    report = run(make_bot(), settings, path)
    assert report.resumed and statuses(report) == [(2, "done")]
    assert report.results[0].message == "entered in fake and read back"
    assert fake_app.entered() == ["A-1"]


def test_an_item_left_in_progress_by_a_dead_run_on_another_file(
    make_bot, fake_app, settings, lines, dead_pid
) -> None:
    crashed = crashed_run(settings, lines("A-1", name="monday.csv"), {"A-1": ItemState.IN_PROGRESS}, pid=dead_pid)
    fake_app.records["A-1"] = "F-5"
    report = run(make_bot(), settings, lines("A-1", "B-1", name="tuesday.csv"))
    assert not report.resumed and report.run_id != crashed
    assert statuses(report) == [(2, "done"), (3, "done")]
    assert report.results[0].app_ref == "F-5"
    assert fake_app.entered() == ["B-1"]


def test_an_item_held_by_a_live_run_is_failed_not_entered(make_bot, fake_app, settings, lines) -> None:
    holder = crashed_run(settings, lines("A-1", name="other.csv"), {"A-1": ItemState.IN_PROGRESS},
                         pid=os.getpid())  # this very process: certainly alive
    report = run(make_bot(), settings, lines("A-1", "A-2"))
    assert statuses(report) == [(2, "failed"), (3, "done")]
    assert report.results[0].message == f"A-1 is being worked by run {holder} (pid {os.getpid()})"
    assert fake_app.entered() == ["A-2"] and ("find", "A-1") not in fake_app.calls
    assert report.exit_code == 3


def test_a_dry_run_does_not_resume_a_crashed_run(make_bot, fake_app, settings, lines, dead_pid) -> None:
    path = lines("A-1")
    crashed = crashed_run(settings, path, {"A-1": ItemState.IN_PROGRESS}, pid=dead_pid)
    report = run(make_bot(), settings, path, dry_run=True)
    assert not report.resumed and report.run_id != crashed
    assert statuses(report) == [(2, "ready")]
    assert run(make_bot(), settings, path).run_id == crashed  # the real run still picks it up
