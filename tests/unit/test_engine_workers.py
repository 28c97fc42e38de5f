"""``--workers N``: one run's items in N sessions at once, with the same guarantees as one."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from clerk import ApplicationError, ConfigError
from clerk._ledger import ItemState, Ledger
from clerk._ledger_config import ledger_path
from clerk._run import run_bot
from clerk._run_options import RunOptions, StopFlag
from clerk.audit._report import write_report
from clerk.audit._verify import verify_run
from tests.workbooks import read_results

HEADER = ["Reference", "Amount"]


@pytest.fixture
def lines(write_table):
    def write(count: int, name: str = "lines.xlsx") -> Path:
        return write_table(name, [HEADER, *[[f"A-{n}", str(n)] for n in range(1, count + 1)]])

    return write


def run(bot, settings, path: Path, *, stop: StopFlag | None = None, **options: Any):
    return run_bot(bot, settings, RunOptions(input_path=path, **options), stop=stop)


def together(count: int) -> threading.Barrier:
    """Entering blocks until ``count`` items are being entered at once; it breaks (and the
    test fails) when the items are worked one after the other. The timeout is generous: the
    workers' threads and sessions start late on a busy machine."""
    return threading.Barrier(count, timeout=60)


def test_three_workers_enter_every_item_once_each_in_its_own_session(make_bot, fake_app, settings, lines) -> None:
    barrier = together(3)
    fake_app.on_enter = lambda ref: barrier.wait() if ref in ("A-1", "A-2", "A-3") else None
    path = lines(7)
    report = run(make_bot(), settings, path, workers=3)
    assert sorted(fake_app.entered()) == [f"A-{n}" for n in range(1, 8)]  # each exactly once
    assert report.exit_code == 0 and report.counts == {"done": 7}
    assert len(fake_app.sessions) == 3  # one per worker, logged in once, kept across its items
    assert all(s.started and s.closed for s in fake_app.sessions)
    assert {r.worker for r in report.results} == {"w1", "w2", "w3"}
    # the results workbook is in input order whoever finished first
    rows = read_results(report.output_path)
    assert [(r["Reference"], r["status"]) for r in rows] == [(f"A-{n}", "done") for n in range(1, 8)]
    ledger = Ledger(ledger_path(settings))
    try:
        assert all(ledger.item("fake_entry", f"A-{n}").state is ItemState.DONE for n in range(1, 8))
        assert [to for _, to, _ in ledger.history("fake_entry", "A-5")] == ["in_progress", "done"]
    finally:
        ledger.close()


def test_the_recording_of_a_run_with_workers_is_complete_and_verifies(make_bot, fake_app, settings, lines) -> None:
    barrier = together(2)
    fake_app.on_enter = lambda ref: barrier.wait() if ref in ("A-1", "A-2") else None
    report = run(make_bot(), settings, lines(4), workers=2)
    folder = report.recording_dir
    assert verify_run(folder).intact
    manifest = json.loads((folder / "run.json").read_text())
    assert manifest["workers"] == 2
    assert [item["key"] for item in manifest["items"]] == [f"row-0000{n}" for n in range(2, 6)]
    workers = {item["key"]: item["worker"] for item in manifest["items"]}
    assert set(workers.values()) == {"w1", "w2"}
    for item in manifest["items"]:  # every item's screenshot is in its own folder, and in the chain
        assert [step["shot"] for step in item["steps"]] == [f"shots/{item['key']}/01-fake-entered.png"]
    events = [json.loads(line) for line in (folder / "events.jsonl").read_text().splitlines()]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    done = {e["record"]["extra"]["item"]: e["record"]["extra"].get("worker") for e in events
            if ": done (" in e["record"]["message"]}
    assert done == workers  # each item's events name the worker that did it
    page = write_report(folder, images="link").read_text()
    assert "<th>Worker</th>" in page and "(worker w2)" in page


def test_preflight_runs_once_for_all_workers(make_bot, fake_app, settings, lines) -> None:
    report = run(make_bot(preflight=fake_app.preflight), settings, lines(4), workers=2)
    assert fake_app.preflight_seen == [["A-1", "A-2", "A-3", "A-4"]]
    assert report.counts == {"done": 4}


def test_a_rerun_with_workers_reports_already_present(make_bot, fake_app, settings, lines) -> None:
    path = lines(4)
    run(make_bot(), settings, path, workers=2)
    again = run(make_bot(), settings, path, workers=2)
    assert again.counts == {"already_present": 4}
    assert len(fake_app.entered()) == 4


def test_consecutive_failures_stop_every_worker(make_bot, fake_app, settings, lines) -> None:
    for n in range(1, 9):
        fake_app.enter_errors[f"A-{n}"] = [ApplicationError("HTTP 502")] * 3
    report = run(make_bot(), settings, lines(8), workers=2)
    counts = report.counts
    assert 3 <= counts["failed"] <= 4  # the other worker may finish the item it had started
    assert counts["pending"] == 8 - counts["failed"]
    assert report.stop_reason.startswith("the application failed 3 items in a row")
    assert report.exit_code == 4


def test_a_stop_request_lets_every_worker_finish_its_item(make_bot, fake_app, settings, lines) -> None:
    stop = StopFlag()
    barrier = together(2)

    def first_two(ref: str) -> None:
        barrier.wait()
        stop.request("stopped by SIGTERM")

    fake_app.on_enter = first_two
    report = run(make_bot(), settings, lines(6), workers=2, stop=stop)
    assert sorted(fake_app.entered()) == ["A-1", "A-2"]
    assert report.counts == {"done": 2, "pending": 4}
    assert {r.message for r in report.results if r.status.value == "pending"} == {
        "not attempted: stopped by SIGTERM"}
    assert report.exit_code == 4


def test_limit_counts_items_across_workers(make_bot, fake_app, settings, lines) -> None:
    report = run(make_bot(), settings, lines(6), workers=3, limit=2)
    assert len(fake_app.entered()) == 2
    assert report.counts == {"done": 2, "pending": 4}


def test_more_workers_than_items_start_only_the_sessions_needed(make_bot, fake_app, settings, lines) -> None:
    barrier = together(2)  # both items at once, so one worker cannot take both before another starts
    fake_app.on_enter = lambda ref: barrier.wait()
    run(make_bot(), settings, lines(2), workers=5)
    assert len(fake_app.sessions) == 2


def test_a_bot_that_runs_one_session_refuses_two_workers(make_bot, fake_app, settings, lines) -> None:
    bot = make_bot(max_workers=1, max_workers_reason="one window on one display")
    with pytest.raises(ConfigError, match=r"runs at most 1 session\(s\) at once \(one window on one display\); "
                                          r"--workers 2 refused"):
        run(bot, settings, lines(2), workers=2)
    assert fake_app.sessions == [] and not ledger_path(settings).exists()
    assert run(bot, settings, lines(2), workers=1).counts == {"done": 2}


def test_workers_share_the_sqlite_ledger_each_through_its_own_connection(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    setup = Ledger(path)
    run_record, _ = setup.open_run("bot", "in.xlsx", "sha", tmp_path / "recordings")
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        ledger = Ledger(path)
        try:
            for n in range(30):
                reference = f"{worker}-{n}"
                ledger.claim("bot", reference, run_record.id)
                ledger.settle("bot", reference, run_record.id, ItemState.DONE, app_ref=reference)
                ledger.record_result(run_record.id, worker * 100 + n, reference=reference, status="done",
                                     app_ref=reference, message="")
        except BaseException as err:  # noqa: BLE001 - handed to the test
            errors.append(err)
        finally:
            ledger.close()

    threads = [threading.Thread(target=work, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        assert len(setup.results(run_record.id)) == 120
        assert all(setup.item("bot", f"{w}-{n}").state is ItemState.DONE for w in range(4) for n in range(30))
    finally:
        setup.close()


def test_an_item_another_run_settled_after_this_run_started_is_already_present(
    make_bot, fake_app, settings, lines
) -> None:
    """Two runs of one file at once: the other run finishes A-2 while this one works A-1."""

    def other_run_enters_a2(ref: str) -> None:
        if ref != "A-1":
            return
        ledger = Ledger(ledger_path(settings))
        try:
            other, _ = ledger.open_run("fake_entry", "other.xlsx", "other-sha", settings.recordings_dir)
            ledger.claim("fake_entry", "A-2", other.id)
            ledger.settle("fake_entry", "A-2", other.id, ItemState.DONE, app_ref="F-77")
        finally:
            ledger.close()

    fake_app.on_enter = other_run_enters_a2
    report = run(make_bot(), settings, lines(3), workers=1)
    assert [(r.row, r.status.value) for r in report.results] == [(2, "done"), (3, "already_present"), (4, "done")]
    assert report.results[1].app_ref == "F-77" and "per clerk run" in report.results[1].message
    assert fake_app.entered() == ["A-1", "A-3"]
    assert report.exit_code == 0
