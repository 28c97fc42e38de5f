"""Work that cannot be looked up (a bot without ``find``) and runs that are each a new session
(``every_run_is_new``): what clerk records, what it refuses to guess, what the results say."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from clerk import ApplicationError, BusinessError, FatalError
from clerk._config import load_settings
from clerk._ledger import IllegalTransition, ItemState, Ledger
from clerk._ledger_config import ledger_path, open_ledger
from clerk._run_options import StopFlag
from clerk.cli import cli
from tests.unit.test_engine import HEADER, run, statuses
from tests.unit.test_engine_resume import crashed_run

CHECK_BY_HAND = "fake cannot be searched, so clerk cannot tell whether it went in: check in fake by hand"


@pytest.fixture
def lines(write_table):
    """Write an input file of (reference, amount) lines; returns its path."""

    def write(*rows: tuple[Any, Any], name: str = "lines.csv") -> Path:
        return write_table(name, [HEADER, *[[ref, amount, "note"] for ref, amount in rows]])

    return write


def blind(make_bot: Any, **changes: Any) -> Any:
    return make_bot(find=None, **changes)


def ledger_of(settings: Any) -> Ledger:
    return Ledger(ledger_path(settings))


def test_each_item_is_recorded_before_and_after_its_write_and_the_results_say_what_is_not_checked(
    make_bot, fake_app, settings, lines
) -> None:
    report = run(blind(make_bot), settings, lines(("A-1", "1"), ("A-2", "2")))
    assert statuses(report) == [(2, "done"), (3, "done")]
    assert fake_app.calls == [("enter", "A-1"), ("enter", "A-2")]  # never looked up
    assert report.results[0].message == ("entered in fake and read back; fake cannot be searched, "
                                         "so an entry made there outside clerk would not have been noticed")
    ledger = ledger_of(settings)
    try:
        assert [(f, t) for f, t, _ in ledger.history("fake_entry", "A-1")] == [(None, "in_progress"),
                                                                             ("in_progress", "done")]
    finally:
        ledger.close()
    again = run(blind(make_bot), settings, lines(("A-1", "1"), ("A-2", "2")))
    assert statuses(again) == [(2, "already_present"), (3, "already_present")]  # the ledger still remembers
    assert fake_app.entered() == ["A-1", "A-2"]


def test_an_item_interrupted_mid_write_is_unconfirmed_never_entered_again_blindly(
    make_bot, fake_app, settings, lines, dead_pid
) -> None:
    path = lines(("A-1", "1"), ("A-2", "2"))
    crashed = crashed_run(settings, path, {"A-1": ItemState.IN_PROGRESS}, pid=dead_pid)
    report = run(blind(make_bot), settings, path)
    assert report.resumed
    assert statuses(report) == [(2, "unconfirmed"), (3, "done")]
    assert report.results[0].message == (
        f"an earlier attempt (clerk run {crashed}) was interrupted while entering it, and {CHECK_BY_HAND}; "
        "clerk will not enter it again on its own (then: clerk confirm fake_entry A-1 --entered, "
        "or --not-entered to have the next run enter it)")
    assert fake_app.entered() == ["A-2"]
    assert report.exit_code == 3  # someone must look: never reported as a success
    ledger = ledger_of(settings)
    try:
        assert ledger.item("fake_entry", "A-1").state is ItemState.UNCONFIRMED  # type: ignore[union-attr]
    finally:
        ledger.close()

    later = run(blind(make_bot), settings, lines(("A-1", "1"), name="later.csv"))
    assert statuses(later) == [(2, "unconfirmed")]
    assert later.results[0].message.startswith(f"since clerk run {report.run_id}: an earlier attempt")
    assert fake_app.entered() == ["A-2"]


def test_a_write_that_failed_part_way_is_not_retried_but_unconfirmed(make_bot, fake_app, settings, lines) -> None:
    fake_app.write_then_fail["A-1"] = ApplicationError("the confirmation page never came")
    fake_app.enter_errors["A-2"] = [ApplicationError("HTTP 502")]
    report = run(blind(make_bot), settings, lines(("A-1", "1"), ("A-2", "2"), ("A-3", "3")))
    assert statuses(report) == [(2, "unconfirmed"), (3, "unconfirmed"), (4, "done")]
    assert fake_app.entered() == ["A-1", "A-2", "A-3"]  # each tried once: a retry might have entered it twice
    assert report.results[0].message.startswith(
        "entering it failed part-way (APPLICATION: the confirmation page never came), and fake cannot")


def test_a_stopping_error_mid_write_is_unconfirmed_too_and_stops_the_run(make_bot, fake_app, settings, lines) -> None:
    fake_app.enter_errors["A-1"] = [FatalError("the disk is full")]
    report = run(blind(make_bot), settings, lines(("A-1", "1"), ("A-2", "2")))
    assert statuses(report) == [(2, "unconfirmed"), (3, "pending")]
    assert report.stop_reason


def test_a_refusal_by_the_application_is_invalid_not_unconfirmed(make_bot, fake_app, settings, lines) -> None:
    fake_app.enter_errors["A-1"] = [BusinessError("the form says: unknown product")]
    report = run(blind(make_bot), settings, lines(("A-1", "1")))
    assert statuses(report) == [(2, "invalid")]


def test_a_dry_run_says_nothing_was_looked_up(make_bot, fake_app, settings, lines) -> None:
    report = run(blind(make_bot), settings, lines(("A-1", "1")), dry_run=True)
    assert statuses(report) == [(2, "ready")]
    assert "fake cannot be searched: whether it is there already is not checked" in report.results[0].message
    assert fake_app.calls == []


def test_when_every_run_is_new_a_later_run_enters_the_rows_again_but_a_resumed_one_does_not(
    make_bot, fake_app, settings, lines, dead_pid
) -> None:
    bot = blind(make_bot, every_run_is_new=True)
    path = lines(("A-1", "1"), ("A-2", "2"))
    stop = StopFlag()
    fake_app.on_enter = lambda ref: stop.request("stopped by SIGTERM")
    first = run(bot, settings, path, stop=stop)
    assert statuses(first) == [(2, "done"), (3, "pending")]
    db = sqlite3.connect(ledger_path(settings))  # as if it had been killed instead
    with db:
        db.execute("UPDATE runs SET status='running', pid=? WHERE id=?", (dead_pid, first.run_id))
    db.close()
    fake_app.on_enter = None

    resumed = run(bot, settings, path)
    assert resumed.resumed and resumed.run_id == first.run_id
    assert statuses(resumed) == [(2, "done"), (3, "done")]
    assert fake_app.entered() == ["A-1", "A-2"]  # A-1 not again within its run

    tomorrow = run(bot, settings, path)
    assert not tomorrow.resumed and statuses(tomorrow) == [(2, "done"), (3, "done")]
    assert fake_app.entered() == ["A-1", "A-2", "A-1", "A-2"]  # a new session: entered again


def test_a_person_settles_an_unconfirmed_item_with_clerk_confirm(make_bot, fake_app, settings, lines,
                                                                 dead_pid) -> None:
    path = lines(("A-1", "1"), ("A-2", "2"))
    crashed_run(settings, path, {"A-1": ItemState.IN_PROGRESS, "A-2": ItemState.IN_PROGRESS}, pid=dead_pid)
    assert statuses(run(blind(make_bot), settings, path)) == [(2, "unconfirmed"), (3, "unconfirmed")]
    ledger = ledger_of(settings)
    try:
        assert ledger.confirm("fake_entry", "A-1", entered=True, app_ref="F-77") is ItemState.DONE
        assert ledger.confirm("fake_entry", "A-2", entered=False) is ItemState.FAILED
        with pytest.raises(IllegalTransition, match="fake_entry/A-1 is done, not unconfirmed"):
            ledger.confirm("fake_entry", "A-1", entered=False)
    finally:
        ledger.close()
    again = run(blind(make_bot), settings, lines(("A-1", "1"), ("A-2", "2"), name="again.csv"))
    assert statuses(again) == [(2, "already_present"), (3, "done")]
    assert again.results[0].app_ref == "F-77"
    assert fake_app.entered() == ["A-2"]


def test_clerk_confirm_on_the_command_line(checkout: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLERK_CLERK__DATA_DIR", f'"{tmp_path / "var"}"')
    settings = load_settings(checkout)
    ledger = open_ledger(settings)
    try:
        run_record, _ = ledger.open_run("invoice_entry", "x.xlsx", "0" * 64, tmp_path / "recordings")
        ledger.claim("invoice_entry", "Acme|INV 9", run_record.id)
        ledger.settle("invoice_entry", "Acme|INV 9", run_record.id, ItemState.UNCONFIRMED)
    finally:
        ledger.close()
    result = CliRunner().invoke(cli, ["--project", str(checkout), "confirm", "invoice_entry", "Acme|INV 9",
                                      "--entered", "--app-ref", "412"])
    assert result.exit_code == 0, result.output
    assert result.output == "invoice_entry Acme|INV 9: now done\n"
    ledger = open_ledger(settings)
    try:
        assert ledger.item("invoice_entry", "Acme|INV 9").app_ref == "412"  # type: ignore[union-attr]
    finally:
        ledger.close()
