"""What ops see without a runner: ``clerk status``, ``clerk runs list`` and ``clerk runs show``,
read from the ledger, the journal and the job store; and the ledger's read-only queries."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from clerk._ledger import ItemState, Ledger, RunRecord, RunStatus
from clerk.cli import cli
from clerk.scheduler._status import outcome_of

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "config").mkdir()
    shutil.copy(REPO / "config" / "default.toml", tmp_path / "config" / "default.toml")
    (tmp_path / "config" / "schedule.toml").write_text(
        '[jobs.invoices]\nbot = "invoice_entry"\ncron = "0 6 * * mon-fri"\ntimezone = "Europe/Berlin"\n')
    return tmp_path


def seeded_run(project: Path) -> str:
    """One finished run of two rows: one entered, one that failed in the application."""
    ledger = Ledger(project / "var" / "ledger.sqlite3")
    try:
        run, _ = ledger.open_run("invoice_entry", "/in/march.xlsx", "abc", project / "recordings")
        for row, reference, state in ((2, "Globex|1", ItemState.DONE), (3, "Globex|2", ItemState.FAILED)):
            ledger.claim("invoice_entry", reference, run.id)
            message = "entered" if state is ItemState.DONE else "SELECTOR: 'ap.post' was not ready within 20s"
            ledger.settle("invoice_entry", reference, run.id, state, app_ref="7" if row == 2 else None, message=message)
            ledger.record_result(run.id, row, reference=reference, status=state.value,
                                 app_ref="7" if row == 2 else None, message=message)
        ledger.finish_run(run.id, RunStatus.COMPLETED, {"done": 1, "failed": 1})
        return run.id
    finally:
        ledger.close()


def clerk(project: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--project", str(project), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_runs_list_and_show(project: Path) -> None:
    run_id = seeded_run(project)
    listed = clerk(project, "runs", "list")
    assert run_id in listed and "failed_items" in listed and "done 1, failed 1" in listed
    shown = clerk(project, "runs", "show", run_id[:-3])
    assert "items by status" in shown and "Globex|2" in shown and "march.xlsx" in shown
    assert "errors:" in shown and "row 3: SELECTOR" in shown


def test_runs_show_names_what_is_wrong_with_the_run_id(project: Path) -> None:
    seeded_run(project)
    result = CliRunner().invoke(cli, ["--project", str(project), "runs", "show", "nope"])
    assert "no run 'nope'" in str(result.exception)


def test_status_without_a_runner(project: Path) -> None:
    run_id = seeded_run(project)
    shown = clerk(project, "status")
    assert "runner: not running" in shown
    assert "invoices" in shown and "cron 0 6 * * mon-fri (Europe/Berlin)" in shown
    assert "not in the job store yet" in shown and run_id not in shown  # no scheduled run yet


def test_the_ledgers_read_only_queries(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    try:
        run, _ = ledger.open_run("bot", "/in/a.xlsx", "sha", tmp_path)
        ledger.claim("bot", "r1", run.id)
        assert [i.reference for i in ledger.items_in_progress(run.id)] == ["r1"]
        assert [r.id for r in ledger.runs_of_process(os.getpid())] == [run.id]
        assert ledger.runs_of_process(os.getpid(), host="elsewhere") == []
        assert [r.id for r in ledger.runs_matching(run.id[:8])] == [run.id]
        assert ledger.runs_matching("%") == [] and ledger.runs_matching("_") == []
    finally:
        ledger.close()


@pytest.mark.parametrize(("status", "counts", "outcome"), [
    (RunStatus.COMPLETED, {"done": 2}, "succeeded"),
    (RunStatus.COMPLETED, {"done": 1, "failed": 1}, "failed_items"),
    (RunStatus.COMPLETED, {"invalid": 1, "held": 2}, "invalid_items"),
    (RunStatus.STOPPED, {"done": 1, "pending": 1}, "stopped"),
    (RunStatus.RUNNING, {}, "interrupted"),
])
def test_outcome_of_a_ledger_run(status: RunStatus, counts: dict[str, int], outcome: str) -> None:
    run = RunRecord(id="r", bot="b", input_path="/a", input_sha256="s", status=status, started_at="2026-01-01T00:00:00",
                    ended_at=None, recording_dir="/rec", pid=2**22 + 12345, host=os.uname().nodename, counts=counts)
    assert outcome_of(run) == outcome


@pytest.mark.parametrize(("age_s", "outcome"), [(5, "running"), (61, "interrupted")])
def test_a_running_run_on_another_machine_is_judged_by_its_lease(age_s: int, outcome: str) -> None:
    import time

    run = RunRecord(id="r", bot="b", input_path="/a", input_sha256="s", status=RunStatus.RUNNING,
                    started_at="2026-01-01T00:00:00", ended_at=None, recording_dir="/rec", pid=1,
                    host="another-machine.example", counts={}, heartbeat=time.time() - age_s)
    assert outcome_of(run) == outcome
