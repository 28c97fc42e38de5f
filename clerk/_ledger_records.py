"""What the work-item ledger holds and answers: item states, run statuses, the records it
returns, and its errors (the ledger itself is clerk._ledger)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from clerk._errors import BotError


class ItemState(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    ALREADY_PRESENT = "already_present"
    FAILED = "failed"
    INVALID = "invalid"
    UNCONFIRMED = "unconfirmed"  # its write was interrupted and the app cannot be searched: a person checks


TERMINAL = frozenset({ItemState.DONE, ItemState.ALREADY_PRESENT, ItemState.UNCONFIRMED})
SETTLED = frozenset({ItemState.DONE, ItemState.ALREADY_PRESENT, ItemState.FAILED, ItemState.INVALID,
                     ItemState.UNCONFIRMED})


ResultRow = tuple[int, str | None, str, str | None, str, str]
"""One row's result as the ledger keeps it: row, reference, status, app_ref, message, shots."""


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


class RunEnded(ItemLocked):
    """The run an item was sent for has ended (a worker got it late): a rerun works it."""

    code = "RUN_ENDED"


class IllegalTransition(LedgerError):
    code = "ILLEGAL_TRANSITION"


class LedgerUnavailable(LedgerError):
    """The ledger's database cannot be reached: the run stops, and a rerun resumes it."""

    code = "LEDGER_UNAVAILABLE"
    stops_run = True
    exit_code = 4


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
    heartbeat: float | None = None  # the database's clock at the last renewal of the run's lease


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
    held_until: float | None = None
    held_by: str | None = None  # "host:pid" of the worker that holds it


def run_record(row: Mapping[Any, Any]) -> RunRecord:
    return RunRecord(
        id=row["id"], bot=row["bot"], input_path=row["input_path"], input_sha256=row["input_sha256"],
        status=RunStatus(row["status"]), started_at=row["started_at"], ended_at=row["ended_at"],
        recording_dir=row["recording_dir"], pid=row["pid"], host=row["host"], counts=json.loads(row["counts"]),
        heartbeat=row["heartbeat"],
    )


def item_record(row: Mapping[Any, Any]) -> ItemRecord:
    return ItemRecord(
        bot=row["bot"], reference=row["reference"], state=ItemState(row["state"]), run_id=row["run_id"],
        attempts=row["attempts"], app_ref=row["app_ref"], message=row["message"], last_error=row["last_error"],
        updated_at=row["updated_at"], held_until=row["held_until"], held_by=row["held_by"],
    )
