"""The work-item ledger: runs and items, the ground truth for "no duplicates".

It lives in SQLite (one machine, the default) or PostgreSQL (many machines); see
clerk._ledger_store for the database handle, clerk._ledger_db for the databases,
clerk._ledger_lease for "is the holder alive" and clerk._ledger_records for the states,
records and errors it deals in.

An item is identified by its bot and its unique reference (for invoices, vendor plus
invoice number), across all runs. Its state moves only along these edges::

    (new) ──claim──> in_progress ──settle──> done | already_present | failed | invalid | unconfirmed
    failed | invalid | pending ──claim──> in_progress      (a later run tries again)
    in_progress ──claim──> in_progress    only when the run that held it is dead
    done | already_present                terminal: never claimed again

Every claim counts an attempt and every transition is appended to ``item_history``.
A claim is one transaction that locks the item's row (PostgreSQL: ``SELECT ... FOR
UPDATE`` after an ``INSERT ... ON CONFLICT DO NOTHING``; SQLite: ``BEGIN IMMEDIATE``),
so two processes, on one machine or on two, never both hold the same reference.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import uuid
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from loguru import logger

from clerk._ledger_db import DEFAULT_RECONNECT, clock
from clerk._ledger_lease import DEFAULT_LEASE, Heartbeat, holder_alive, process_alive
from clerk._ledger_records import (
    SETTLED,
    TERMINAL,
    IllegalTransition,
    ItemLocked,
    ItemRecord,
    ItemState,
    LedgerError,
    LedgerUnavailable,
    ResultRow,
    RunEnded,
    RunRecord,
    RunStatus,
    item_record,
    run_record,
)
from clerk._ledger_schema import item_history, items, run_items, runs
from clerk._ledger_store import LedgerStore

__all__ = ["SETTLED", "TERMINAL", "IllegalTransition", "ItemLocked", "ItemRecord", "ItemState", "Ledger",
           "LedgerError", "LedgerUnavailable", "ResultRow", "RunEnded", "RunRecord", "RunStatus", "new_run_id",
           "process_alive"]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def new_run_id() -> str:
    return f"{dt.datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"


class Ledger(LedgerStore):
    """The ledger at ``target``: an SQLite file (a Path) or a database URL (a str).

    Safe to share between processes and machines: every change is one transaction, and a
    claim locks the item's row. Opening it migrates the schema to the newest revision.
    While a run opened here is running, a heartbeat renews its lease (``lease``).

    Example:
        ledger = Ledger("postgresql://clerk_ledger@127.0.0.1/clerk_ledger")
        run, resumed = ledger.open_run("invoice_entry", "in.xlsx", sha, Path("recordings/invoice_entry"))
    """

    def __init__(self, target: Path | str, *, lease: dt.timedelta = DEFAULT_LEASE,
                 reconnect: dt.timedelta = DEFAULT_RECONNECT) -> None:
        super().__init__(target, reconnect=reconnect)
        self.lease = lease
        self.claim_hold: dt.timedelta | None = None
        self._heartbeat = Heartbeat(self._beat_quietly, lease)

    def sibling(self) -> Ledger:
        """Another handle on the same database, for another thread: it shares this one's
        connection pool, so it opens at once; closing it leaves this one open."""
        twin = object.__new__(Ledger)
        self._share_with(twin)
        twin.lease, twin.claim_hold = self.lease, self.claim_hold
        twin._heartbeat = Heartbeat(twin._beat_quietly, self.lease)
        return twin

    def close(self) -> None:
        self._heartbeat.stop()
        super().close()

    # ------------------------------------------------------------------ runs
    def open_run(self, bot: str, input_path: str, input_sha256: str, recordings_folder: Path,
                 *, dry_run: bool = False) -> tuple[RunRecord, bool]:
        """Resume the interrupted run of this bot on the same input, or start a new one.

        Dry runs are never resumed and never resume another run.
        Returns the run and whether it was resumed.
        """
        me = {"pid": os.getpid(), "host": socket.gethostname(), "heartbeat": clock(self._dialect)}
        resumed_id: str | None = None
        with self._transaction() as db:
            candidates = [] if dry_run else db.execute(
                sa.select(runs).where(runs.c.bot == bot, runs.c.input_sha256 == input_sha256,
                                      runs.c.status == RunStatus.RUNNING, runs.c.dry_run == 0)
                .order_by(runs.c.started_at.desc()).with_for_update()
            ).mappings().all()
            now = self._clock(db)
            for row in candidates:
                if not self._alive(row, now):
                    resumed_id = row["id"]
                    db.execute(runs.update().where(runs.c.id == resumed_id).values(**me))
                    break
            run_id = resumed_id or new_run_id()
            if resumed_id is None:
                db.execute(runs.insert().values(
                    id=run_id, bot=bot, input_path=input_path, input_sha256=input_sha256, status=RunStatus.RUNNING,
                    started_at=_now(), recording_dir=str(recordings_folder / run_id), dry_run=int(dry_run), **me))
        self._heartbeat.add(run_id)
        return self.run(run_id), resumed_id is not None

    def beat(self, run_id: str) -> None:
        """Renew the lease of a running run (the heartbeat thread calls it)."""
        with self._transaction() as db:
            db.execute(runs.update().where(runs.c.id == run_id, runs.c.status == RunStatus.RUNNING)
                       .values(heartbeat=clock(self._dialect)))

    def _beat_quietly(self, run_id: str) -> None:
        try:
            self.beat(run_id)
        except LedgerUnavailable as err:  # the next beat tries again; the lease lasts four beats
            logger.warning("could not renew the lease of run {}: {}", run_id, err)

    def finish_run(self, run_id: str, status: RunStatus, counts: Mapping[str, int]) -> None:
        self._heartbeat.discard(run_id)
        with self._transaction() as db:
            db.execute(runs.update().where(runs.c.id == run_id)
                       .values(status=status, ended_at=_now(), counts=json.dumps(dict(counts))))

    def run(self, run_id: str) -> RunRecord:
        found = self._read(sa.select(runs).where(runs.c.id == run_id))
        if not found:
            raise LedgerError(f"no run {run_id!r} in {self.location}")
        return run_record(found[0])

    def runs(self, bot: str | None = None, limit: int = 50) -> list[RunRecord]:
        query = sa.select(runs).order_by(runs.c.started_at.desc()).limit(limit)
        return [run_record(r) for r in self._read(query.where(runs.c.bot == bot) if bot else query)]

    def run_alive(self, run: RunRecord) -> bool:
        """Whether a running run's process still works on it (its pid here, its lease anywhere)."""
        with self._transaction() as db:
            return run.status is RunStatus.RUNNING and self._alive(
                {"pid": run.pid, "host": run.host, "heartbeat": run.heartbeat}, self._clock(db))

    # ------------------------------------------------------------------ items
    def item(self, bot: str, reference: str) -> ItemRecord | None:
        found = self._read(sa.select(items).where(items.c.bot == bot, items.c.reference == reference))
        return item_record(found[0]) if found else None

    def items(self, bot: str, references: Sequence[str]) -> dict[str, ItemRecord]:
        """The records of those of ``references`` the ledger knows, read in a few queries, not one each."""
        found: dict[str, ItemRecord] = {}
        for start in range(0, len(references), 500):
            chunk = references[start:start + 500]
            for row in self._read(sa.select(items).where(items.c.bot == bot, items.c.reference.in_(chunk))):
                record = item_record(row)
                found[record.reference] = record
        return found

    def claim(self, bot: str, reference: str, run_id: str) -> ItemRecord | None:
        """Mark the item in progress for ``run_id`` and count an attempt.

        Returns the record as it was before the claim (None for a new item). With
        ``claim_hold`` set (a worker of a run coordinated elsewhere), no other run takes the
        item over for that long, even once this run has ended: the worker may still be entering it.

        Raises:
            IllegalTransition: the item is already done or already present.
            ItemLocked: another run that is still alive holds it.
            RunEnded: ``run_id`` has ended, so its rerun may hold the item (a queue delivered it late).
        """
        with self._transaction() as db:
            status = db.execute(sa.select(runs.c.status).where(runs.c.id == run_id)).scalar()
            if status is not None and status != RunStatus.RUNNING:
                raise RunEnded(f"{reference} was not worked: its run {run_id} has ended ({status}); "
                               "run the input again to finish it")
            held_until = self._clock(db) + self.claim_hold.total_seconds() if self.claim_hold else None
            held_by = f"{socket.gethostname()}:{os.getpid()}" if self.claim_hold else None
            inserted = db.execute(self._insert(items).values(
                bot=bot, reference=reference, state=ItemState.IN_PROGRESS, run_id=run_id, attempts=1,
                updated_at=_now(), held_until=held_until, held_by=held_by).on_conflict_do_nothing(index_elements=["bot", "reference"])
                .returning(items.c.attempts)).first()
            if inserted is not None:
                before = None
            else:  # it exists: lock its row, so a concurrent claim waits for this transaction
                row = db.execute(sa.select(items).where(items.c.bot == bot, items.c.reference == reference)
                                 .with_for_update()).mappings().one()
                before = item_record(row)
                self._check_claimable(db, before, run_id)
                db.execute(items.update().where(items.c.bot == bot, items.c.reference == reference).values(
                    state=ItemState.IN_PROGRESS, run_id=run_id, attempts=items.c.attempts + 1, updated_at=_now(),
                    held_until=held_until, held_by=held_by))
            self._history(db, bot, reference, run_id, before.state if before else None, ItemState.IN_PROGRESS)
        return before

    def settle(self, bot: str, reference: str, run_id: str, state: ItemState, *, app_ref: str | None = None,
               message: str = "", error: str | None = None) -> None:
        """Move an in-progress item to a settled state."""
        if state not in SETTLED:
            raise IllegalTransition(f"{state} is not a settled state")
        with self._transaction() as db:
            row = db.execute(sa.select(items).where(items.c.bot == bot, items.c.reference == reference)
                             .with_for_update()).mappings().first()
            if row is None or row["state"] != ItemState.IN_PROGRESS or row["run_id"] != run_id:
                found = "missing" if row is None else f"{row['state']} (run {row['run_id']})"
                raise IllegalTransition(f"{bot}/{reference}: cannot settle as {state}; it is {found}")
            db.execute(items.update().where(items.c.bot == bot, items.c.reference == reference).values(
                state=state, app_ref=sa.func.coalesce(app_ref, items.c.app_ref), message=message, last_error=error,
                updated_at=_now()))
            self._history(db, bot, reference, run_id, ItemState.IN_PROGRESS, state, error or message)

    def confirm(self, bot: str, reference: str, *, entered: bool, app_ref: str | None = None,
                note: str = "") -> ItemState:
        """A person checked an unconfirmed item in the application: it went in (done), or it did
        not (failed, so the next run enters it). Returns the new state.

        Raises:
            IllegalTransition: the item is not unconfirmed.
        """
        state = ItemState.DONE if entered else ItemState.FAILED
        with self._transaction() as db:
            row = db.execute(sa.select(items).where(items.c.bot == bot, items.c.reference == reference)
                             .with_for_update()).mappings().first()
            if row is None or row["state"] != ItemState.UNCONFIRMED:
                found = "not in the ledger" if row is None else str(row["state"])
                raise IllegalTransition(f"{bot}/{reference} is {found}, not unconfirmed: nothing to confirm")
            db.execute(items.update().where(items.c.bot == bot, items.c.reference == reference).values(
                state=state, app_ref=sa.func.coalesce(app_ref, items.c.app_ref), message=note, updated_at=_now()))
            self._history(db, bot, reference, row["run_id"], ItemState.UNCONFIRMED, state, note)
        return state

    def history(self, bot: str, reference: str) -> list[tuple[str | None, str, str]]:
        rows = self._read(sa.select(item_history.c.from_state, item_history.c.to_state, item_history.c.run_id)
                          .where(item_history.c.bot == bot, item_history.c.reference == reference)
                          .order_by(item_history.c.seq))
        return [(r["from_state"], r["to_state"], r["run_id"]) for r in rows]

    # ------------------------------------------------------------------ per-run results
    def record_result(self, run_id: str, row: int, *, reference: str | None, status: str,
                      app_ref: str | None, message: str, shots: str = "") -> None:
        self.record_results(run_id, [(row, reference, status, app_ref, message, shots)])

    def record_results(self, run_id: str, results: Iterable[ResultRow]) -> None:
        """Many rows' results in one transaction: a file refused whole is one write, not one per row."""
        names = ("row", "reference", "status", "app_ref", "message", "shots")
        rows = [{"run_id": run_id, **dict(zip(names, result, strict=True))} for result in results]
        if not rows:
            return
        insert = self._insert(run_items)
        with self._transaction() as db:
            db.execute(insert.on_conflict_do_update(index_elements=["run_id", "row"],
                                                    set_={name: insert.excluded[name] for name in names[1:]}), rows)

    def results(self, run_id: str) -> dict[int, Mapping[str, Any]]:
        rows = self._read(sa.select(run_items).where(run_items.c.run_id == run_id))
        return {r["row"]: dict(r) for r in rows}

    # ------------------------------------------------------------------ read-only queries (runner, status)
    def runs_matching(self, prefix: str, limit: int = 10) -> list[RunRecord]:
        """Runs whose id starts with ``prefix``, newest first (lets people type a short id)."""
        rows = self._read(sa.select(runs).where(runs.c.id.startswith(prefix, autoescape=True))
                          .order_by(runs.c.started_at.desc()).limit(limit))
        return [run_record(r) for r in rows]

    def runs_of_process(self, pid: int, host: str | None = None) -> list[RunRecord]:
        """Runs last held by process ``pid`` (on ``host``, default this one), newest first."""
        rows = self._read(sa.select(runs).where(runs.c.pid == pid, runs.c.host == (host or socket.gethostname()))
                          .order_by(runs.c.started_at.desc()))
        return [run_record(r) for r in rows]

    def unresolved_items(self, run_id: str) -> dict[str, int]:
        """How many of the items this run last held are still failed or in progress, by state."""
        rows = self._read(sa.select(items.c.state, sa.func.count().label("n")).where(
            items.c.run_id == run_id, items.c.state.in_([ItemState.FAILED, ItemState.IN_PROGRESS, ItemState.UNCONFIRMED]))
            .group_by(items.c.state))
        return {str(r["state"]): int(r["n"]) for r in rows}

    def items_in_progress(self, run_id: str) -> list[ItemRecord]:
        rows = self._read(sa.select(items).where(items.c.run_id == run_id, items.c.state == ItemState.IN_PROGRESS)
                          .order_by(items.c.updated_at))
        return [item_record(r) for r in rows]

    # ------------------------------------------------------------------ internals
    def _alive(self, holder: Mapping[Any, Any], now: float) -> bool:
        return holder_alive(pid=holder["pid"], host=holder["host"], heartbeat=holder["heartbeat"], now=now,
                            lease=self.lease)

    def _check_claimable(self, db: sa.Connection, before: ItemRecord, run_id: str) -> None:
        if before.state in TERMINAL:
            raise IllegalTransition(f"{before.bot}/{before.reference} is already {before.state}")
        if before.state == ItemState.IN_PROGRESS and before.run_id != run_id:
            owner = db.execute(sa.select(runs.c.pid, runs.c.host, runs.c.status, runs.c.heartbeat)
                               .where(runs.c.id == before.run_id)).mappings().first()
            now = self._clock(db)
            if owner and owner["status"] == RunStatus.RUNNING and self._alive(owner, now):
                where = "" if owner["host"] == socket.gethostname() else f" on {owner['host']}"
                raise ItemLocked(f"{before.reference} is being worked by run {before.run_id} "
                                 f"(pid {owner['pid']}{where})")
            if before.held_until is not None and now < before.held_until and _holder_may_type(before.held_by):
                until = dt.datetime.fromtimestamp(before.held_until, dt.UTC).strftime("%H:%M:%S UTC")
                raise ItemLocked(f"{before.reference} may still be being entered by a worker of run "
                                 f"{before.run_id} (its item time limit runs until {until}); "
                                 "run the input again after that")

    def _history(self, db: sa.Connection, bot: str, reference: str, run_id: str,
                 from_state: str | None, to_state: str, detail: str = "") -> None:
        db.execute(item_history.insert().values(bot=bot, reference=reference, run_id=run_id, at=_now(),
                                                from_state=from_state, to_state=to_state, detail=detail))


def _holder_may_type(held_by: str | None) -> bool:
    """Whether the worker that claimed an item may still be typing it: not when its process
    is known to be gone (on this machine; elsewhere only its hold's end tells)."""
    host, _, pid = (held_by or "").rpartition(":")
    return not pid.isdigit() or process_alive(int(pid), host)
