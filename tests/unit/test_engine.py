"""The engine's run loop, driven through a fake bot on an in-memory desktop-kind application."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from clerk import (
    App,
    ApplicationError,
    BusinessError,
    ConfigError,
    FatalError,
    InputFileError,
    RetryPolicy,
)
from clerk._ledger import ItemState, Ledger, RunStatus
from clerk._ledger_config import ledger_path
from clerk._outcome import ItemStatus, RunOutcome
from clerk._run import run_bot
from clerk._run_options import RunOptions, StopFlag
from clerk.audit._verify import verify_run

HEADER = ["Reference", "Amount", "Notes"]


@pytest.fixture
def lines(write_table):
    """Write an input file of (reference, amount) lines; returns its path."""

    def write(*rows: tuple[Any, Any], name: str = "lines.csv") -> Path:
        return write_table(name, [HEADER, *[[ref, amount, "note"] for ref, amount in rows]])

    return write


def run(bot, settings, path: Path, *, stop: StopFlag | None = None, **options: Any):
    return run_bot(bot, settings, RunOptions(input_path=path, **options), stop=stop)


def statuses(report) -> list[tuple[int, str]]:
    return [(r.row, r.status.value) for r in report.results]


def ledger_state(settings, ref: str):
    ledger = Ledger(ledger_path(settings))
    try:
        return ledger.item("fake_entry", ref)
    finally:
        ledger.close()


def workbook_rows(path: Path) -> list[tuple[Any, ...]]:
    workbook = load_workbook(path, read_only=True)
    try:
        return [tuple(r) for r in workbook.active.iter_rows(values_only=True)]
    finally:
        workbook.close()


# ---------------------------------------------------------------------------- the good path
def test_every_row_is_entered_read_back_and_reported(make_bot, fake_app, settings, lines) -> None:
    path = lines(("A-1", "10"), ("A-2", "20.5"), ("A-3", "3"))
    report = run(make_bot(), settings, path)
    assert statuses(report) == [(2, "done"), (3, "done"), (4, "done")]
    assert [r.app_ref for r in report.results] == ["F-1", "F-2", "F-3"]
    assert report.outcome is RunOutcome.SUCCEEDED and report.exit_code == 0
    assert fake_app.calls == [("find", "A-1"), ("enter", "A-1"), ("find", "A-2"), ("enter", "A-2"),
                              ("find", "A-3"), ("enter", "A-3")]
    [session] = fake_app.sessions  # one session for the run, started once and closed at the end
    assert session.started and session.closed and session.resets == 0
    assert session.env.credentials is None and session.env.web is None
    record = ledger_state(settings, "A-2")
    assert (record.state, record.app_ref, record.attempts) == (ItemState.DONE, "F-2", 1)
    # the results workbook sits next to the input and keeps the input's columns
    assert report.output_path == path.with_name("lines.results.xlsx")
    rows = workbook_rows(report.output_path)
    assert rows[0] == ("Reference", "Amount", "Notes", "status", "fake_id", "message", "screenshots")
    assert rows[1][:6] == ("A-1", "10", "note", "done", "F-1", "entered in fake and read back")
    assert rows[1][6].endswith("shots/row-00002")


def test_the_audit_trail_of_a_run(make_bot, settings, lines) -> None:
    report = run(make_bot(), settings, lines(("A-1", "10")))
    folder = report.recording_dir
    assert folder.parent == settings.recordings_dir / "fake_entry"
    manifest = json.loads((folder / "run.json").read_text())
    assert manifest["run_id"] == report.run_id
    assert manifest["outcome"] == "succeeded" and manifest["counts"] == {"done": 1}
    assert manifest["input"]["sha256"] == hashlib.sha256(Path(manifest["input"]["path"]).read_bytes()).hexdigest()
    assert manifest["settings_sources"] == {} and "retry" in manifest["settings"]
    assert [p.name for p in (folder / "shots" / "row-00002").iterdir()] == ["01-fake-entered.png"]
    events = [json.loads(line)["record"]["message"] for line in (folder / "events.jsonl").read_text().splitlines()]
    assert any("row 2: done" in message for message in events)
    ledger = Ledger(ledger_path(settings))
    try:
        run_record = ledger.run(report.run_id)
        assert run_record.status is RunStatus.COMPLETED and run_record.counts == {"done": 1}
    finally:
        ledger.close()


def test_the_input_file_is_left_untouched(make_bot, settings, lines) -> None:
    path = lines(("A-1", "10"), name="lines.xlsx")
    before, mtime = hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns
    report = run(make_bot(), settings, path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before and path.stat().st_mtime_ns == mtime
    assert report.output_path != path


def test_progress_is_reported_per_item(make_bot, settings, lines) -> None:
    class Listener:
        def __init__(self) -> None:
            self.events: list[Any] = []

        def phase(self, phase, app: str) -> None:
            self.events.append(("phase", phase.describe(app)))

        def started(self, total: int, resumed: bool) -> None:
            self.events.append(("started", total, resumed))

        def advanced(self, result) -> None:
            self.events.append((result.row, result.status.value))

    listener = Listener()
    run_bot(make_bot(), settings, RunOptions(input_path=lines(("A-1", "1"), ("A-2", "x"))), progress=listener)
    assert listener.events == [
        ("phase", "reading the input"), ("phase", "validating rows"), ("started", 2, False), (3, "invalid"),
        (2, "held"), ("phase", "writing the results workbook"), ("phase", "sealing the recording")]


# ---------------------------------------------------------------------------- outcomes per item
def test_an_item_already_in_the_application_is_not_entered_again(make_bot, fake_app, settings, lines) -> None:
    fake_app.records["A-2"] = "F-77"
    report = run(make_bot(), settings, lines(("A-1", "1"), ("A-2", "2")))
    assert statuses(report) == [(2, "done"), (3, "already_present")]
    assert report.results[1].app_ref == "F-77"
    assert report.results[1].message == "already in fake; not entered again"
    assert fake_app.entered() == ["A-1"]
    assert ledger_state(settings, "A-2").state is ItemState.ALREADY_PRESENT
    assert report.exit_code == 0


def test_invalid_rows_hold_the_whole_file(make_bot, fake_app, settings, lines) -> None:
    report = run(make_bot(), settings, lines(("A-1", "1"), ("A-2", "-2"), ("", "3")))
    assert sorted(statuses(report)) == [(2, "held"), (3, "invalid"), (4, "invalid")]
    by_row = {r.row: r for r in report.results}
    assert by_row[3].message == "column 'Amount': -2 is not positive"
    assert by_row[4].message == "column 'Reference': is empty"
    assert "2 row(s) of this file are invalid (first: row 3)" in by_row[2].message
    assert "--skip-invalid" in by_row[2].message
    assert fake_app.sessions == [] and fake_app.calls == []  # the application was never touched
    assert ledger_state(settings, "A-1") is None
    assert report.outcome is RunOutcome.INVALID_ITEMS and report.exit_code == 1


def test_skip_invalid_enters_the_valid_rows(make_bot, fake_app, settings, lines) -> None:
    report = run(make_bot(), settings, lines(("A-1", "1"), ("A-2", "1.234"), ("A-3", "3")), skip_invalid=True)
    assert sorted(statuses(report)) == [(2, "done"), (3, "invalid"), (4, "done")]
    assert fake_app.entered() == ["A-1", "A-3"]
    assert report.exit_code == 1


def test_a_duplicate_row_is_invalid_and_the_first_one_is_entered_once(make_bot, fake_app, settings, lines) -> None:
    report = run(make_bot(), settings, lines(("A-1", "1"), ("A-1", "1")), skip_invalid=True)
    assert sorted(statuses(report)) == [(2, "done"), (3, "invalid")]
    assert report.results[0].message == "duplicate of row 2 (same A-1)"
    assert fake_app.entered() == ["A-1"]


def test_a_business_error_is_invalid_at_once_and_the_run_goes_on(make_bot, fake_app, settings, lines) -> None:
    fake_app.enter_errors["A-1"] = [BusinessError("the vendor is unknown", code="UNKNOWN_VENDOR", column="ref")]
    report = run(make_bot(), settings, lines(("A-1", "1"), ("A-2", "2")))
    assert statuses(report) == [(2, "invalid"), (3, "done")]
    assert report.results[0].message == "column 'Reference': the vendor is unknown"
    assert fake_app.entered() == ["A-1", "A-2"]  # not retried
    record = ledger_state(settings, "A-1")
    assert (record.state, record.last_error, record.attempts) == (ItemState.INVALID, "UNKNOWN_VENDOR", 1)
    assert fake_app.sessions[0].resets == 1  # the next item starts from a known screen
    assert report.exit_code == 1


def test_an_application_error_is_retried_from_a_known_screen(make_bot, fake_app, settings, lines) -> None:
    fake_app.enter_errors["A-1"] = [ApplicationError("the pane did not load")]
    report = run(make_bot(), settings, lines(("A-1", "1")))
    assert statuses(report) == [(2, "done")]
    assert fake_app.calls == [("find", "A-1"), ("enter", "A-1"), ("find", "A-1"), ("enter", "A-1")]
    assert fake_app.sessions[0].resets == 1
    assert ledger_state(settings, "A-1").attempts == 1  # retries within a run are not new claims
    shots = sorted(p.name for p in (report.recording_dir / "shots" / "row-00002").iterdir())
    assert shots == ["01-fake-attempt-1-failed.png", "02-fake-entered.png"]


def test_an_item_that_keeps_failing_is_failed_after_every_attempt(make_bot, fake_app, settings, lines) -> None:
    fake_app.enter_errors["A-1"] = [ApplicationError(f"timeout {n}") for n in (1, 2, 3, 4)]
    report = run(make_bot(), settings, lines(("A-1", "1"), ("A-2", "2")))
    assert statuses(report) == [(2, "failed"), (3, "done")]
    assert report.results[0].message == "APPLICATION: timeout 3"
    assert fake_app.entered() == ["A-1", "A-1", "A-1", "A-2"]
    record = ledger_state(settings, "A-1")
    assert (record.state, record.last_error) == (ItemState.FAILED, "APPLICATION")
    assert report.outcome is RunOutcome.FAILED_ITEMS and report.exit_code == 3


def test_the_bots_own_retry_policy_wins(make_bot, fake_app, settings, lines) -> None:
    import datetime as dt

    fake_app.enter_errors["A-1"] = [ApplicationError("down")] * 5
    bot = make_bot(retry=RetryPolicy(attempts=1, wait_initial=dt.timedelta(0), wait_max=dt.timedelta(0)))
    run(bot, settings, lines(("A-1", "1")))
    assert fake_app.entered() == ["A-1"]


def test_unexpected_exceptions_are_retried_then_failed(make_bot, fake_app, settings, lines) -> None:
    fake_app.find_errors["A-1"] = [KeyError("cell"), KeyError("cell"), KeyError("cell")]
    report = run(make_bot(), settings, lines(("A-1", "1")))
    assert statuses(report) == [(2, "failed")]
    assert report.results[0].message == "KeyError: 'cell'"
    assert fake_app.calls == [("find", "A-1")] * 3


def test_a_lost_read_back_is_found_on_retry_and_not_entered_twice(make_bot, fake_app, settings, lines) -> None:
    fake_app.write_then_fail["A-1"] = ApplicationError("the search did not answer")
    report = run(make_bot(), settings, lines(("A-1", "1")))
    assert statuses(report) == [(2, "done")]
    assert report.results[0].app_ref == "F-1"
    assert "after an interrupted attempt; not entered again" in report.results[0].message
    assert fake_app.entered() == ["A-1"] and fake_app.records == {"A-1": "F-1"}


def test_a_fatal_error_stops_the_run_after_that_item(make_bot, fake_app, settings, lines) -> None:
    fake_app.enter_errors["A-1"] = [FatalError("the operator pulled the mouse into a corner")]
    report = run(make_bot(), settings, lines(("A-1", "1"), ("A-2", "2")))
    assert statuses(report) == [(2, "failed"), (3, "pending")]
    assert report.stop_reason == "FATAL: the operator pulled the mouse into a corner"
    assert fake_app.entered() == ["A-1"]
    assert report.exit_code == 4


def test_secrets_in_error_messages_are_scrubbed_from_results_and_ledger(make_bot, fake_app, settings, lines) -> None:
    from clerk._secrets import load_credentials

    password = "Fake-Secret-4711"
    load_credentials("fake", {"CLERK_FAKE_USER": "u", "CLERK_FAKE_PASSWORD": password})
    fake_app.enter_errors["A-1"] = [ApplicationError(f"login as u/{password} refused")] * 3
    report = run(make_bot(), settings, lines(("A-1", "1")))
    assert report.results[0].message == "APPLICATION: login as u/[redacted] refused"
    assert ledger_state(settings, "A-1").message == "APPLICATION: login as u/[redacted] refused"
    assert password not in json.dumps(workbook_rows(report.output_path))
    assert password not in (report.recording_dir / "events.jsonl").read_text()


def test_screenshots_only_on_failure(make_bot, fake_app, settings, lines) -> None:
    from dataclasses import replace

    fake_app.enter_errors["A-2"] = [ApplicationError("x")]
    quiet = replace(settings, run=replace(settings.run, screenshots="failures"))
    report = run(make_bot(), quiet, lines(("A-1", "1"), ("A-2", "2")))
    shots = report.recording_dir / "shots"
    assert not list(shots.glob("row-00002/*.png"))  # the successful item left no screenshots
    assert [p.name for p in (shots / "row-00003").iterdir()] == ["01-fake-attempt-1-failed.png"]
    assert report.results[0].shots == ""


# ---------------------------------------------------------------------------- stopping early
def test_consecutive_failures_stop_the_run(make_bot, fake_app, settings, lines) -> None:
    for ref in ("A-1", "A-2", "A-3", "A-4"):
        fake_app.enter_errors[ref] = [ApplicationError("HTTP 502")] * 3
    report = run(make_bot(), settings, lines(*[(f"A-{n}", "1") for n in range(1, 6)]))
    assert statuses(report) == [(2, "failed"), (3, "failed"), (4, "failed"), (5, "pending"), (6, "pending")]
    assert report.stop_reason == "the application failed 3 items in a row (last: APPLICATION: HTTP 502)"
    assert report.results[-1].message == f"not attempted: {report.stop_reason}"
    assert ("find", "A-4") not in fake_app.calls
    assert report.outcome is RunOutcome.STOPPED and report.exit_code == 4
    ledger = Ledger(ledger_path(settings))
    try:
        assert ledger.run(report.run_id).status is RunStatus.STOPPED
        assert ledger.item("fake_entry", "A-4") is None  # pending items were never claimed
    finally:
        ledger.close()


def test_failures_between_successes_do_not_stop_the_run(make_bot, fake_app, settings, lines) -> None:
    for ref in ("A-1", "A-3", "A-5"):
        fake_app.enter_errors[ref] = [ApplicationError("HTTP 502")] * 3
    report = run(make_bot(), settings, lines(*[(f"A-{n}", "1") for n in range(1, 6)]))
    assert [s for _, s in statuses(report)] == ["failed", "done", "failed", "done", "failed"]
    assert not report.stop_reason and report.exit_code == 3


def test_a_stop_request_finishes_the_current_item_first(make_bot, fake_app, settings, lines) -> None:
    stop = StopFlag()
    fake_app.on_enter = lambda ref: stop.request("stopped by SIGTERM")
    report = run(make_bot(), settings, lines(("A-1", "1"), ("A-2", "2"), ("A-3", "3")), stop=stop)
    assert statuses(report) == [(2, "done"), (3, "pending"), (4, "pending")]
    assert report.results[1].message == "not attempted: stopped by SIGTERM"
    assert fake_app.entered() == ["A-1"]
    assert report.exit_code == 4
    stop.request("a second reason does not replace the first")
    assert stop.reason == "stopped by SIGTERM"


def test_limit_enters_at_most_n_items(make_bot, fake_app, settings, lines) -> None:
    report = run(make_bot(), settings, lines(("A-1", "1"), ("A-2", "2"), ("A-3", "3")), limit=2)
    assert statuses(report) == [(2, "done"), (3, "done"), (4, "pending")]
    assert report.results[2].message == "not attempted: --limit 2 reached"
    assert fake_app.entered() == ["A-1", "A-2"]
    assert report.exit_code == 0
    later = run(make_bot(), settings, lines(("A-1", "1"), ("A-2", "2"), ("A-3", "3")), limit=2)
    assert statuses(later) == [(2, "already_present"), (3, "already_present"), (4, "done")]


# ---------------------------------------------------------------------------- dry runs
def test_a_dry_run_checks_but_enters_nothing(make_bot, fake_app, settings, lines) -> None:
    fake_app.records["A-2"] = "F-9"
    path = lines(("A-1", "1"), ("A-2", "2"))
    report = run(make_bot(), settings, path, dry_run=True)
    assert statuses(report) == [(2, "ready"), (3, "already_present")]
    assert report.results[0].message == "dry run: valid; would be entered in fake"
    assert fake_app.entered() == []
    assert ledger_state(settings, "A-1") is None and ledger_state(settings, "A-2") is None
    assert report.dry_run and report.exit_code == 0
    real = run(make_bot(), settings, path)
    assert not real.resumed and real.run_id != report.run_id
    assert statuses(real) == [(2, "done"), (3, "already_present")]


# ---------------------------------------------------------------------------- preflight
def test_preflight_problems_make_rows_invalid_and_hold_the_rest(make_bot, fake_app, settings, lines) -> None:
    fake_app.preflight_problems["A-2"] = ("ref", "no such vendor in fake")
    bot = make_bot(preflight=fake_app.preflight)
    report = run(bot, settings, lines(("A-1", "1"), ("A-2", "2")))
    assert sorted(statuses(report)) == [(2, "held"), (3, "invalid")]
    assert {r.row: r.message for r in report.results}[3] == "column 'Reference': no such vendor in fake"
    assert fake_app.preflight_seen == [["A-1", "A-2"]]
    assert fake_app.entered() == []
    skipping = run(bot, settings, lines(("A-1", "1"), ("A-2", "2")), skip_invalid=True)
    assert sorted(statuses(skipping)) == [(2, "done"), (3, "invalid")]


def test_preflight_is_retried_and_skips_rows_settled_earlier(make_bot, fake_app, settings, lines) -> None:
    bot = make_bot(preflight=fake_app.preflight)
    run(bot, settings, lines(("A-1", "1")))
    fake_app.preflight_errors = [ApplicationError("menu did not open")]
    report = run(bot, settings, lines(("A-1", "1"), ("A-2", "2")))
    assert statuses(report) == [(2, "already_present"), (3, "done")]
    assert fake_app.preflight_seen == [["A-1"], ["A-2"], ["A-2"]]


# ---------------------------------------------------------------------------- input problems
def test_an_unusable_input_stops_before_anything_is_recorded(make_bot, settings, tmp_path: Path) -> None:
    bad = tmp_path / "lines.csv"
    bad.write_text("Reference,Comment\nA-1,x\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="missing column\\(s\\) amount"):
        run(make_bot(), settings, bad)
    assert not ledger_path(settings).exists()


def test_a_file_bot_without_input_is_a_config_error(make_bot, settings) -> None:
    with pytest.raises(ConfigError, match="bot fake_entry reads a file: give --input FILE"):
        run_bot(make_bot(), settings, RunOptions())


# ---------------------------------------------------------------------------- a run that ends in an error
def test_a_run_ended_by_a_preflight_error_is_recorded_as_rejected(make_bot, fake_app, settings, lines) -> None:
    fake_app.preflight_errors = [ApplicationError("the menu never opened")] * 3
    bot = make_bot(preflight=fake_app.preflight)
    path = lines(("A-1", "1"), ("A-2", "2"))
    with pytest.raises(ApplicationError, match="the menu never opened"):
        run(bot, settings, path)
    assert fake_app.entered() == []
    ledger = Ledger(ledger_path(settings))
    try:
        [run_record] = ledger.runs()
        assert run_record.status is RunStatus.REJECTED  # no item was started: nothing to resume
    finally:
        ledger.close()
    manifest = json.loads(next(settings.recordings_dir.glob("fake_entry/*/run.json")).read_text())
    assert manifest["outcome"] == "stopped"
    assert manifest["stop_reason"] == "APPLICATION: the menu never opened"
    rows = workbook_rows(path.with_name("lines.results.xlsx"))
    assert [row[-2] for row in rows[1:]] == ["no outcome recorded", "no outcome recorded"]


def test_a_dry_run_lookup_that_keeps_failing_fails_only_its_row(make_bot, fake_app, settings, lines) -> None:
    fake_app.find_errors["A-1"] = [ApplicationError("the menu never opened")] * 3
    report = run(make_bot(), settings, lines(("A-1", "1"), ("A-2", "2")), dry_run=True)
    assert [r.status for r in report.results] == [ItemStatus.FAILED, ItemStatus.READY]
    assert "the menu never opened" in report.results[0].message
    assert report.exit_code == 3
    assert fake_app.entered() == []


def test_a_run_refused_by_a_bad_selectors_file_is_closed_as_rejected_not_resumed(
        make_bot, fake_app, settings, lines) -> None:
    settings.selectors_dir.mkdir()
    (settings.selectors_dir / "fake.yaml").write_text("screens: [unclosed\n", encoding="utf-8")
    bot = make_bot(apps={"fake": App(session=fake_app.open_session, kind="web", login=False)})
    path = lines(("A-1", "1"))
    with pytest.raises(ConfigError):
        run(bot, settings, path)
    ledger = Ledger(ledger_path(settings))
    try:
        [refused] = ledger.runs()
        assert refused.status is RunStatus.REJECTED and refused.ended_at is not None
    finally:
        ledger.close()
    later = run(make_bot(), settings, path)
    assert not later.resumed and later.run_id != refused.id
    assert statuses(later) == [(2, "done")]


# ---------------------------------------------------------------------------- each run's results stay findable
def test_each_run_keeps_a_sealed_copy_of_its_results_and_a_dry_run_replaces_no_real_results(
        make_bot, fake_app, settings, lines) -> None:
    path = lines(("A-1", "1"), ("A-2", "2"))
    real = run(make_bot(), settings, path, limit=1)
    dry = run(make_bot(), settings, path, dry_run=True)
    assert real.output_path == path.with_name("lines.results.xlsx")
    assert dry.output_path == path.with_name("lines.dry-run.xlsx")
    assert [row[3] for row in workbook_rows(real.output_path)[1:]] == ["done", "pending"]
    assert [row[3] for row in workbook_rows(dry.output_path)[1:]] == ["already_present", "ready"]
    second = run(make_bot(), settings, path)  # replaces lines.results.xlsx; the first run's copy stays
    assert [row[3] for row in workbook_rows(second.output_path)[1:]] == ["already_present", "done"]
    first_copy = real.recording_dir / "results.xlsx"
    assert [row[3] for row in workbook_rows(first_copy)[1:]] == ["done", "pending"]
    manifest = json.loads((real.recording_dir / "run.json").read_text())
    assert manifest["results_copy"] == "results.xlsx"
    assert verify_run(real.recording_dir).intact


def test_a_desktop_application_keeps_png_when_web_pages_are_jpeg(make_bot, fake_app, settings, lines) -> None:
    jpeg = dataclasses.replace(settings, run=dataclasses.replace(settings.run, screenshot_format="jpeg"))
    report = run(make_bot(), jpeg, lines(("A-1", "1")))
    assert [p.name for p in (report.recording_dir / "shots" / "row-00002").iterdir()] == ["01-fake-entered.png"]
