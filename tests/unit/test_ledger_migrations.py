"""A ledger made by clerk 0.1 (no migrations yet) is upgraded in place when opened."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory

from clerk._ledger import ItemState, Ledger, RunStatus
from clerk._ledger_db import MIGRATIONS
from clerk._ledger_schema import SCHEMA_REVISION

# the schema clerk 0.1 created with executescript, verbatim
CLERK_0_1_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY, bot TEXT NOT NULL, input_path TEXT NOT NULL, input_sha256 TEXT NOT NULL,
    status TEXT NOT NULL, started_at TEXT NOT NULL, ended_at TEXT, recording_dir TEXT NOT NULL,
    pid INTEGER NOT NULL, host TEXT NOT NULL, counts TEXT NOT NULL DEFAULT '{}',
    dry_run INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS runs_by_input ON runs (bot, input_sha256, status);
CREATE TABLE IF NOT EXISTS items (
    bot TEXT NOT NULL, reference TEXT NOT NULL, state TEXT NOT NULL, run_id TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, app_ref TEXT, message TEXT NOT NULL DEFAULT '',
    last_error TEXT, updated_at TEXT NOT NULL, PRIMARY KEY (bot, reference));
CREATE TABLE IF NOT EXISTS item_history (
    bot TEXT NOT NULL, reference TEXT NOT NULL, run_id TEXT NOT NULL, at TEXT NOT NULL,
    from_state TEXT, to_state TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS run_items (
    run_id TEXT NOT NULL, row INTEGER NOT NULL, reference TEXT, status TEXT NOT NULL,
    app_ref TEXT, message TEXT NOT NULL DEFAULT '', shots TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, row));
"""
AT = "2026-06-01T10:00:00.000+00:00"  # every history row at the same instant: only the row order tells them apart


def clerk_0_1_ledger(path: Path, dead_pid: int, host: str) -> None:
    db = sqlite3.connect(path)
    db.executescript(CLERK_0_1_SCHEMA)
    with db:
        db.execute("INSERT INTO runs VALUES ('old-run','invoice_entry','/in/a.xlsx','sha-a','running',?,NULL,"
                   "'/rec/old-run',?,?,'{}',0)", (AT, dead_pid, host))
        db.execute("INSERT INTO runs VALUES ('done-run','invoice_entry','/in/b.xlsx','sha-b','completed',?,?,"
                   "'/rec/done-run',1,?,'{\"done\": 1}',0)", (AT, AT, host))
        db.execute("INSERT INTO items VALUES ('invoice_entry','acme|A-1','done','done-run',1,'77','',NULL,?)", (AT,))
        db.execute("INSERT INTO items VALUES ('invoice_entry','acme|A-2','in_progress','old-run',2,NULL,'',NULL,?)",
                   (AT,))
        for run, before, after in [("done-run", None, "in_progress"), ("done-run", "in_progress", "done"),
                                   ("old-run", None, "in_progress"), ("old-run", "in_progress", "failed"),
                                   ("old-run", "failed", "in_progress")]:
            reference = "acme|A-1" if run == "done-run" else "acme|A-2"
            db.execute("INSERT INTO item_history VALUES ('invoice_entry',?,?,?,?,?,'')",
                       (reference, run, AT, before, after))
        db.execute("INSERT INTO run_items VALUES ('done-run',2,'acme|A-1','done','77','entered','shots/2')")
    db.close()


def test_the_schema_revision_in_code_is_the_newest_migration() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_heads() == [SCHEMA_REVISION]


def test_a_clerk_0_1_ledger_is_upgraded_in_place_keeping_everything(tmp_path: Path, dead_pid: int) -> None:
    import socket

    path = tmp_path / "ledger.sqlite3"
    clerk_0_1_ledger(path, dead_pid, socket.gethostname())
    ledger = Ledger(path)
    try:
        done = ledger.run("done-run")
        assert (done.status, done.counts, done.heartbeat) == (RunStatus.COMPLETED, {"done": 1}, None)
        assert ledger.item("invoice_entry", "acme|A-1").app_ref == "77"  # type: ignore[union-attr]
        assert ledger.history("invoice_entry", "acme|A-2") == [
            (None, "in_progress", "old-run"), ("in_progress", "failed", "old-run"),
            ("failed", "in_progress", "old-run")]
        assert ledger.results("done-run")[2]["shots"] == "shots/2"
        # the interrupted 0.1 run (its process is gone) is resumed, and its item taken over
        run, resumed = ledger.open_run("invoice_entry", "/in/a.xlsx", "sha-a", tmp_path / "rec")
        assert resumed and run.id == "old-run" and run.heartbeat is not None
        before = ledger.claim("invoice_entry", "acme|A-2", run.id)
        assert before is not None and before.attempts == 2
        ledger.settle("invoice_entry", "acme|A-2", run.id, ItemState.DONE, app_ref="78")
        assert ledger.history("invoice_entry", "acme|A-2")[-2:] == [
            ("in_progress", "in_progress", "old-run"), ("in_progress", "done", "old-run")]
    finally:
        ledger.close()
    db = sqlite3.connect(path)
    assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [(SCHEMA_REVISION,)]
    db.close()
