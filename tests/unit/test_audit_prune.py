"""Retention: old runs go, but never one the ledger still needs, unless forced."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from clerk._errors import ConfigError
from clerk._ledger import ItemState, Ledger, RunStatus
from clerk.audit import apply_prune, parse_age, plan_prune
from clerk.cli import cli
from tests.audit_helpers import make_run

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
OLD = NOW - dt.timedelta(days=120)


class Project:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.ledger = Ledger(root / "var" / "ledger.sqlite3")
        (root / "config").mkdir(parents=True)
        (root / "config" / "default.toml").write_text("[audit]\nretention_days = 90\n")

    def run(self, ended: dt.datetime, *, failed: tuple[int, ...] = (), status: RunStatus = RunStatus.COMPLETED) -> str:
        record, _ = self.ledger.open_run("invoice_entry", "in.xlsx", f"sha-{len(self.ledger.runs())}",
                                         self.root / "recordings" / "invoice_entry")
        for row in range(2, 4):
            self.ledger.claim("invoice_entry", f"ref-{record.id}-{row}", record.id)
            state = ItemState.FAILED if row in failed else ItemState.DONE
            self.ledger.settle("invoice_entry", f"ref-{record.id}-{row}", record.id, state)
        if status is not RunStatus.RUNNING:
            self.ledger.finish_run(record.id, status, {})
        make_run(self.root, run_id=record.id, items=2, shots=1, failed=failed, ended=ended)
        return record.id


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(tmp_path)


def folders(project: Project) -> set[str]:
    return {p.name for p in (project.root / "recordings" / "invoice_entry").iterdir() if p.is_dir()}


def test_prune_keeps_what_it_must(project: Project) -> None:
    resolved = project.run(OLD)
    unresolved = project.run(OLD, failed=(3,))
    running = project.run(OLD, status=RunStatus.RUNNING)
    recent = project.run(NOW - dt.timedelta(days=10))
    decisions = plan_prune(project.root / "recordings", project.ledger.path, dt.timedelta(days=90), now=NOW)
    by_run = {d.run_id: d for d in decisions}
    assert set(by_run) == {resolved, unresolved, running}  # the recent run is not even a candidate
    assert by_run[resolved].delete
    assert not by_run[unresolved].delete and "1 failed item(s) not yet rerun" in by_run[unresolved].reason
    assert not by_run[running].delete and "still running" in by_run[running].reason
    apply_prune(decisions)
    assert folders(project) == {unresolved, running, recent}


def test_a_rerun_resolves_the_old_run(project: Project) -> None:
    old = project.run(OLD, failed=(3,))
    later, _ = project.ledger.open_run("invoice_entry", "in.xlsx", "sha-rerun", project.root / "recordings")
    project.ledger.claim("invoice_entry", f"ref-{old}-3", later.id)
    project.ledger.settle("invoice_entry", f"ref-{old}-3", later.id, ItemState.DONE)
    decisions = plan_prune(project.root / "recordings", project.ledger.path, dt.timedelta(days=90), now=NOW)
    assert [(d.run_id, d.delete) for d in decisions] == [(old, True)]


def test_force_deletes_unresolved_runs_too(project: Project) -> None:
    unresolved = project.run(OLD, failed=(2, 3))
    decisions = plan_prune(project.root / "recordings", project.ledger.path, dt.timedelta(days=90), force=True,
                           now=NOW)
    assert [(d.run_id, d.delete) for d in decisions] == [(unresolved, True)]
    assert "forced, although unresolved: 2 failed" in decisions[0].reason


def test_without_a_ledger_nothing_is_deleted(project: Project, tmp_path: Path) -> None:
    project.run(OLD)
    decisions = plan_prune(project.root / "recordings", tmp_path / "nowhere.sqlite3", dt.timedelta(days=90), now=NOW)
    assert [d.delete for d in decisions] == [False]


def test_the_cli_dry_run_deletes_nothing_and_the_policy_comes_from_config(project: Project) -> None:
    resolved = project.run(dt.datetime.now(dt.UTC) - dt.timedelta(days=120))
    unresolved = project.run(dt.datetime.now(dt.UTC) - dt.timedelta(days=120), failed=(2,))
    runner = CliRunner()
    dry = runner.invoke(cli, ["--project", str(project.root), "audit", "prune", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"would delete: {project.root / 'recordings' / 'invoice_entry' / resolved}" in dry.output
    assert "kept:" in dry.output and unresolved in dry.output
    assert folders(project) == {resolved, unresolved}
    done = runner.invoke(cli, ["--project", str(project.root), "audit", "prune", "--older-than", "100d"])
    assert done.exit_code == 0 and "1 run(s) deleted, 1 old run(s) kept" in done.output
    assert folders(project) == {unresolved}
    assert not (project.root / "recordings" / "invoice_entry" / f"{resolved}.report.html").exists()


@pytest.mark.parametrize(("text", "days"), [("90d", 90), ("2w", 14), ("48h", 2), (" 7 d ", 7)])
def test_ages(text: str, days: int) -> None:
    assert parse_age(text) == dt.timedelta(days=days)


@pytest.mark.parametrize("text", ["90", "d90", "-1d", "3m", ""])
def test_bad_ages(text: str) -> None:
    with pytest.raises(ConfigError, match="--older-than"):
        parse_age(text)
