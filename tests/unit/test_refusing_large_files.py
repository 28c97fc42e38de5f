"""A file refused whole costs about one read of it: few ledger writes, a bounded console, phases shown.

The time itself is measured in bench/bench_refuse.py (BENCHMARKS.md); these tests pin the
structure that makes it proportionate: no per-row transaction, no per-row console line.
"""

from __future__ import annotations

import io
import json
import threading
from typing import Any

import pytest
from rich.console import Console

from clerk._ledger import Ledger
from clerk._outcome import ItemResult, ItemStatus
from clerk._phases import RunPhase
from clerk._run import run_bot
from clerk._run_options import RunOptions
from clerk.console import ProgressView

HEADER = ["Reference", "Amount"]
HEARTBEAT_THREAD = "clerk-ledger-heartbeat"  # clerk/_ledger_lease.py


@pytest.fixture
def transactions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every ledger transaction the run opens (reads included); not the lease renewals of the
    heartbeat thread, which come with time (every 15 s), not with rows: a slow machine has more."""
    opened: list[str] = []
    original = Ledger._transaction

    def counting(self: Ledger) -> Any:
        if threading.current_thread().name != HEARTBEAT_THREAD:
            opened.append("transaction")
        return original(self)

    monkeypatch.setattr(Ledger, "_transaction", counting)
    return opened


def test_a_file_refused_whole_costs_a_few_ledger_transactions(make_bot, fake_app, settings, write_table,
                                                                   transactions: list[str]) -> None:
    rows = [[f"A-{n}", "1"] for n in range(300)]
    fake_app.preflight_problems = {f"A-{n}": ("ref", "unknown") for n in range(0, 300, 2)}
    path = write_table("big.csv", [HEADER, *rows])
    report = run_bot(make_bot(preflight=fake_app.preflight), settings, RunOptions(input_path=path))
    assert report.counts == {"invalid": 150, "held": 150}
    # open the run, look up all 300 references at once, record every row at once, close the run
    assert len(transactions) <= 6
    ledger = Ledger(settings.data_dir / "ledger.sqlite3")
    try:
        assert len(ledger.results(report.run_id)) == 300  # every row is still recorded
    finally:
        ledger.close()


def test_rows_left_pending_by_a_stop_are_recorded_together(make_bot, fake_app, settings, write_table,
                                                            transactions: list[str]) -> None:
    path = write_table("many.csv", [HEADER, *[[f"A-{n}", "1"] for n in range(200)]])
    report = run_bot(make_bot(), settings, RunOptions(input_path=path, limit=1))
    assert report.counts == {"done": 1, "pending": 199}
    assert len(transactions) <= 8  # the one item's claim and settlement, not one write per pending row


def result(row: int, status: ItemStatus = ItemStatus.INVALID) -> ItemResult:
    return ItemResult(row=row, reference=None, status=status, message=f"reason {row}")


def test_the_console_lists_the_first_invalid_rows_then_says_more_follow() -> None:
    out = io.StringIO()
    with ProgressView(Console(file=out, width=200), shown_invalid=5) as view:
        view.started(1000, resumed=False)
        for row in range(2, 1002):
            view.advanced(result(row))
        view.advanced(result(1002, ItemStatus.FAILED))
    lines = [line for line in out.getvalue().splitlines() if line.startswith(("row ", "more"))]
    assert lines == [*[f"row {n}: invalid: reason {n}" for n in range(2, 7)],
                     "more invalid rows follow; they are not listed here (the results workbook has every "
                     "row's reason)", "row 1002: failed: reason 1002"]


def test_the_console_names_each_phase() -> None:
    out = io.StringIO()
    with ProgressView(Console(file=out, width=200)) as view:
        view.phase(RunPhase.READING, "ledgersmb")
        view.started(3, resumed=True)
        view.phase(RunPhase.PREFLIGHT, "ledgersmb")
        view.phase(RunPhase.WRITING, "ledgersmb")
    text = out.getvalue()
    for line in ("reading the input ...", "resumed run: checking rows in ledgersmb ...",
                 "resumed run: writing the results workbook ..."):
        assert line in text


def test_the_run_announces_its_phases_in_order(make_bot, fake_app, settings, write_table) -> None:
    phases: list[str] = []

    class Listener:
        def phase(self, phase: RunPhase, app: str) -> None:
            phases.append(phase.describe(app))

        def started(self, total: int, resumed: bool) -> None: ...

        def advanced(self, result: ItemResult) -> None: ...

    path = write_table("two.csv", [HEADER, ["A-1", "1"], ["A-2", "2"]])
    run_bot(make_bot(preflight=fake_app.preflight), settings, RunOptions(input_path=path), progress=Listener())
    assert phases == ["reading the input", "validating rows", "checking rows in fake", "entering items in fake",
                      "writing the results workbook", "sealing the recording"]
    phases.clear()
    run_bot(make_bot(), settings, RunOptions(input_path=path, dry_run=True), progress=Listener())
    assert "looking items up in fake" in phases


def test_held_rows_are_one_log_record_and_each_invalid_row_keeps_its_own(make_bot, fake_app, settings,
                                                                         write_table) -> None:
    path = write_table("held.csv", [HEADER, *[[f"A-{n}", "1"] for n in range(100)], ["A-x", "0"]])
    report = run_bot(make_bot(), settings, RunOptions(input_path=path))
    assert report.counts == {"invalid": 1, "held": 100}
    messages = [json.loads(line)["record"]["message"]
                for line in (report.recording_dir / "events.jsonl").read_text().splitlines()]
    assert "row 102: invalid (column 'Amount': 0 is not positive)" in messages
    held = [m for m in messages if "row(s) held" in m or ": held" in m]
    assert held == ["100 row(s) held (rows 2-101): not entered: 1 row(s) of this file are invalid (first: row 102); "
                    "fix them and run again, or run with --skip-invalid"]
