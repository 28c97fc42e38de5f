"""The work-item ledger: runs and items in SQLite, the ground truth for "no duplicates".

An item is identified by its bot and its unique reference (for invoices, vendor plus
invoice number), across all runs. Its state moves only along these edges::

    (new) ──claim──> in_progress ──settle──> done | already_present | failed | invalid
    failed | invalid | pending ──claim──> in_progress      (a later run tries again)
    in_progress ──claim──> in_progress    only when the run that held it is dead
    done | already_present                terminal: never claimed again

Every claim counts an attempt and every transition is appended to ``item_history``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import sqlite3
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from clerk._errors import BotError


class ItemState(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    ALREADY_PRESENT = "already_present"
    FAILED = "failed"
    INVALID = "invalid"


TERMINAL = frozenset({ItemState.DONE, ItemState.ALREADY_PRESENT})
SETTLED = frozenset({ItemState.DONE, ItemState.ALREADY_PRESENT, ItemState.FAILED, ItemState.INVALID})


class RunStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    STOPPED = "stopped"  # ended early: the application kept failing, or an operator stopped it
    REJECTED = "rejected"  # the input was refused before any item was touched


class LedgerError(BotError):
    code = "LEDGER"


class ItemLocked(LedgerError):
    """Another live run holds the item right now."""

    code = "ITEM_LOCKED"
    retryable = False


class IllegalTransition(LedgerError):
    code = "ILLEGAL_TRANSITION"


@dataclass(frozen=True, slots=True)
class RunRecord:
    id: str
    bot: str
    input_path: str
    input_sha256: str
    status: RunStatus
    started_at: str
    ended_at: str | None
    recording_dir: str
    pid: int
    host: str
    counts: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class ItemRecord:
    bot: str
    reference: str
    state: ItemState
    run_id: str
    attempts: int
    app_ref: str | None
    message: str
    last_error: str | None
    updated_at: str


_SCHEMA = """
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


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def new_run_id() -> str:
    return f"{dt.datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"


def process_alive(pid: int, host: str) -> bool:
    if host != socket.gethostname():
        return True  # cannot tell from here; assume the other machine still works on it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Ledger:
    """SQLite-backed; safe to open from several processes (WAL, immediate transactions)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # ------------------------------------------------------------------ runs
    def open_run(self, bot: str, input_path: str, input_sha256: str, recordings_folder: Path,
                 *, dry_run: bool = False) -> tuple[RunRecord, bool]:
        """Resume the interrupted run of this bot on the same input, or start a new one.

        Dry runs are never resumed and never resume another run.
        Returns the run and whether it was resumed.
        """
        with self._transaction() as db:
            candidates = [] if dry_run else db.execute(
                "SELECT * FROM runs WHERE bot=? AND input_sha256=? AND status=? AND dry_run=0"
                " ORDER BY started_at DESC",
                (bot, input_sha256, RunStatus.RUNNING),
            ).fetchall()
            for row in candidates:
                if not process_alive(row["pid"], row["host"]):
                    db.execute("UPDATE runs SET pid=?, host=? WHERE id=?",
                               (os.getpid(), socket.gethostname(), row["id"]))
                    return self.run(row["id"]), True
            run_id = new_run_id()
            recording = recordings_folder / run_id
            db.execute(
                "INSERT INTO runs (id, bot, input_path, input_sha256, status, started_at, recording_dir, pid, host,"
                " dry_run) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (run_id, bot, input_path, input_sha256, RunStatus.RUNNING, _now(), str(recording),
                 os.getpid(), socket.gethostname(), int(dry_run)),
            )
        return self.run(run_id), False

    def finish_run(self, run_id: str, status: RunStatus, counts: Mapping[str, int]) -> None:
        with self._transaction() as db:
            db.execute("UPDATE runs SET status=?, ended_at=?, counts=? WHERE id=?",
                       (status, _now(), json.dumps(dict(counts)), run_id))

    def run(self, run_id: str) -> RunRecord:
        row = self._db.execute("SELECT * FROM runs WHERE id=?", (run_id,)).fetchone()
        if row is None:
            raise LedgerError(f"no run {run_id!r} in {self.path}")
        return _run_record(row)

    def runs(self, bot: str | None = None, limit: int = 50) -> list[RunRecord]:
        query = "SELECT * FROM runs" + (" WHERE bot=?" if bot else "") + " ORDER BY started_at DESC LIMIT ?"
        args: tuple[Any, ...] = (bot, limit) if bot else (limit,)
        return [_run_record(r) for r in self._db.execute(query, args).fetchall()]

    # ------------------------------------------------------------------ items
    def item(self, bot: str, reference: str) -> ItemRecord | None:
        row = self._db.execute("SELECT * FROM items WHERE bot=? AND reference=?", (bot, reference)).fetchone()
        return _item_record(row) if row else None

    def claim(self, bot: str, reference: str, run_id: str) -> ItemRecord | None:
        """Mark the item in progress for ``run_id`` and count an attempt.

        Returns the record as it was before the claim (None for a new item).

        Raises:
            IllegalTransition: the item is already done or already present.
            ItemLocked: another run that is still alive holds it.
        """
        with self._transaction() as db:
            row = db.execute("SELECT * FROM items WHERE bot=? AND reference=?", (bot, reference)).fetchone()
            before = _item_record(row) if row else None
            if before is None:
                db.execute(
                    "INSERT INTO items (bot, reference, state, run_id, attempts, updated_at) VALUES (?,?,?,?,1,?)",
                    (bot, reference, ItemState.IN_PROGRESS, run_id, _now()),
                )
            else:
                self._check_claimable(db, before, run_id)
                db.execute(
                    "UPDATE items SET state=?, run_id=?, attempts=attempts+1, updated_at=? WHERE bot=? AND reference=?",
                    (ItemState.IN_PROGRESS, run_id, _now(), bot, reference),
                )
            self._history(db, bot, reference, run_id, before.state if before else None, ItemState.IN_PROGRESS)
        return before

    def settle(self, bot: str, reference: str, run_id: str, state: ItemState, *, app_ref: str | None = None,
               message: str = "", error: str | None = None) -> None:
        """Move an in-progress item to a settled state."""
        if state not in SETTLED:
            raise IllegalTransition(f"{state} is not a settled state")
        with self._transaction() as db:
            row = db.execute("SELECT * FROM items WHERE bot=? AND reference=?", (bot, reference)).fetchone()
            if row is None or row["state"] != ItemState.IN_PROGRESS or row["run_id"] != run_id:
                found = "missing" if row is None else f"{row['state']} (run {row['run_id']})"
                raise IllegalTransition(f"{bot}/{reference}: cannot settle as {state}; it is {found}")
            db.execute(
                "UPDATE items SET state=?, app_ref=COALESCE(?, app_ref), message=?, last_error=?, updated_at=?"
                " WHERE bot=? AND reference=?",
                (state, app_ref, message, error, _now(), bot, reference),
            )
            self._history(db, bot, reference, run_id, ItemState.IN_PROGRESS, state, error or message)

    def history(self, bot: str, reference: str) -> list[tuple[str | None, str, str]]:
        rows = self._db.execute(
            "SELECT from_state, to_state, run_id FROM item_history WHERE bot=? AND reference=? ORDER BY rowid",
            (bot, reference),
        ).fetchall()
        return [(r[0], r[1], r[2]) for r in rows]

    # ------------------------------------------------------------------ per-run results
    def record_result(self, run_id: str, row: int, *, reference: str | None, status: str,
                      app_ref: str | None, message: str, shots: str = "") -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO run_items (run_id, row, reference, status, app_ref, message, shots)"
                " VALUES (?,?,?,?,?,?,?)",
                (run_id, row, reference, status, app_ref, message, shots),
            )

    def results(self, run_id: str) -> dict[int, sqlite3.Row]:
        rows = self._db.execute("SELECT * FROM run_items WHERE run_id=?", (run_id,)).fetchall()
        return {r["row"]: r for r in rows}

    # ------------------------------------------------------------------ read-only queries (runner, status)
    def runs_matching(self, prefix: str, limit: int = 10) -> list[RunRecord]:
        """Runs whose id starts with ``prefix``, newest first (lets people type a short id)."""
        rows = self._db.execute("SELECT * FROM runs WHERE id LIKE ? ESCAPE '\\' ORDER BY started_at DESC LIMIT ?",
                                (prefix.replace("%", "\\%").replace("_", "\\_") + "%", limit)).fetchall()
        return [_run_record(r) for r in rows]

    def runs_of_process(self, pid: int, host: str | None = None) -> list[RunRecord]:
        """Runs last held by process ``pid`` (on ``host``, default this one), newest first."""
        rows = self._db.execute("SELECT * FROM runs WHERE pid=? AND host=? ORDER BY started_at DESC",
                                (pid, host or socket.gethostname())).fetchall()
        return [_run_record(r) for r in rows]

    def items_in_progress(self, run_id: str) -> list[ItemRecord]:
        rows = self._db.execute("SELECT * FROM items WHERE run_id=? AND state=? ORDER BY updated_at",
                                (run_id, ItemState.IN_PROGRESS)).fetchall()
        return [_item_record(r) for r in rows]

    # ------------------------------------------------------------------ internals
    def _check_claimable(self, db: sqlite3.Connection, before: ItemRecord, run_id: str) -> None:
        if before.state in TERMINAL:
            raise IllegalTransition(f"{before.bot}/{before.reference} is already {before.state}")
        if before.state == ItemState.IN_PROGRESS and before.run_id != run_id:
            owner = db.execute("SELECT pid, host, status FROM runs WHERE id=?", (before.run_id,)).fetchone()
            if owner and owner["status"] == RunStatus.RUNNING and process_alive(owner["pid"], owner["host"]):
                raise ItemLocked(f"{before.reference} is being worked by run {before.run_id} (pid {owner['pid']})")

    def _history(self, db: sqlite3.Connection, bot: str, reference: str, run_id: str,
                 from_state: str | None, to_state: str, detail: str = "") -> None:
        db.execute(
            "INSERT INTO item_history (bot, reference, run_id, at, from_state, to_state, detail) VALUES (?,?,?,?,?,?,?)",
            (bot, reference, run_id, _now(), from_state, to_state, detail),
        )


def _run_record(row: sqlite3.Row) -> RunRecord:
    return RunRecord(
        id=row["id"], bot=row["bot"], input_path=row["input_path"], input_sha256=row["input_sha256"],
        status=RunStatus(row["status"]), started_at=row["started_at"], ended_at=row["ended_at"],
        recording_dir=row["recording_dir"], pid=row["pid"], host=row["host"], counts=json.loads(row["counts"]),
    )


def _item_record(row: sqlite3.Row) -> ItemRecord:
    return ItemRecord(
        bot=row["bot"], reference=row["reference"], state=ItemState(row["state"]), run_id=row["run_id"],
        attempts=row["attempts"], app_ref=row["app_ref"], message=row["message"], last_error=row["last_error"],
        updated_at=row["updated_at"],
    )
