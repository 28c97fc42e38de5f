"""The runner's journal: what each job did and when, in ``<data_dir>/runner.sqlite3``.

The ledger knows runs and items; the journal knows the scheduler's side: fires, skips,
missed and made-up runs, files taken from and moved out of an inbox, alerts. ``clerk
status`` reads it. Every call opens its own connection, so any thread may write.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from clerk._secrets import REDACTOR


class Event(StrEnum):
    RUNNER_STARTED = "runner_started"
    RUNNER_STOPPED = "runner_stopped"
    FIRED = "fired"  # a job started its work
    IDLE = "idle"  # a job's work is over (until its next fire)
    SKIPPED = "skipped"  # not started: another run of the bot is busy
    MISSED = "missed"  # a fire time passed by more than misfire_grace_time
    CAUGHT_UP = "caught_up"  # a fire time missed while the runner was down, made up now
    RUN_STARTED = "run_started"
    RUN_ENDED = "run_ended"  # detail: the outcome
    FILE_TAKEN = "file_taken"
    FILE_MOVED = "file_moved"  # detail: processed | failed, and where
    FILE_KEPT = "file_kept"  # left in the inbox's .working folder for the next fire
    ALERT = "alert"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Entry:
    at: str
    job: str
    event: Event
    run_id: str | None
    input: str | None
    detail: str


_SCHEMA = """
CREATE TABLE IF NOT EXISTS journal (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, job TEXT NOT NULL, event TEXT NOT NULL,
    run_id TEXT, input TEXT, detail TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS journal_by_job ON journal (job, seq);
CREATE TABLE IF NOT EXISTS inbox_attempts (
    job TEXT NOT NULL, name TEXT NOT NULL, sha256 TEXT NOT NULL, runs INTEGER NOT NULL,
    PRIMARY KEY (job, name, sha256));
"""


def journal_path(data_dir: Path) -> Path:
    return data_dir / "runner.sqlite3"


class Journal:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=30)) as db, db:
            yield db

    def record(self, job: str, event: Event, detail: str = "", *, run_id: str | None = None,
               input_path: str | None = None) -> int:
        """Append an entry; returns its number (for :meth:`forget`)."""
        with self._connect() as db:
            cursor = db.execute("INSERT INTO journal (at, job, event, run_id, input, detail) VALUES (?,?,?,?,?,?)",
                                (_now(), job, event.value, run_id, input_path, REDACTOR.scrub(detail)))
            return int(cursor.lastrowid or 0)

    def forget(self, seq: int) -> None:
        """Drop an entry that turned out to say nothing (a fire that found no work)."""
        with self._connect() as db:
            db.execute("DELETE FROM journal WHERE seq=?", (seq,))

    def entries(self, job: str | None = None, limit: int = 100) -> list[Entry]:
        """Newest first."""
        query = "SELECT at, job, event, run_id, input, detail FROM journal"
        args: tuple[object, ...] = ()
        if job is not None:
            query += " WHERE job=?"
            args = (job,)
        with self._connect() as db:
            rows = db.execute(query + " ORDER BY seq DESC LIMIT ?", (*args, limit)).fetchall()
        return [Entry(r[0], r[1], Event(r[2]), r[3], r[4], r[5]) for r in rows]

    def last(self, job: str, *events: Event) -> Entry | None:
        marks = ",".join("?" * len(events))
        with self._connect() as db:
            row = db.execute(f"SELECT at, job, event, run_id, input, detail FROM journal WHERE job=? AND event IN "
                             f"({marks}) ORDER BY seq DESC LIMIT 1", (job, *[e.value for e in events])).fetchone()
        return Entry(row[0], row[1], Event(row[2]), row[3], row[4], row[5]) if row else None

    # ------------------------------------------------------------------ inbox files
    def runs_of_file(self, job: str, name: str, sha256: str) -> int:
        """How many finished runs counted against this inbox file (see the job's retry.runs)."""
        with self._connect() as db:
            row = db.execute("SELECT runs FROM inbox_attempts WHERE job=? AND name=? AND sha256=?",
                             (job, name, sha256)).fetchone()
        return int(row[0]) if row else 0

    def count_run_of_file(self, job: str, name: str, sha256: str) -> int:
        with self._connect() as db:
            db.execute("INSERT INTO inbox_attempts (job, name, sha256, runs) VALUES (?,?,?,1) "
                       "ON CONFLICT (job, name, sha256) DO UPDATE SET runs = runs + 1", (job, name, sha256))
        return self.runs_of_file(job, name, sha256)

    def forget_file(self, job: str, name: str, sha256: str) -> None:
        with self._connect() as db:
            db.execute("DELETE FROM inbox_attempts WHERE job=? AND name=? AND sha256=?", (job, name, sha256))


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")
