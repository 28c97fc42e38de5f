"""What `clerk status` shows of the fleet: each worker (host, pid, the item it works,
when it last said it was alive) and how many items wait on the queue.

Every pool process of a `clerk worker` writes a heartbeat file every ``[celery]
heartbeat_s``, busy or idle, into ``<recordings_dir>/.fleet/`` (the recordings folder
is what workers and runs already share). A worker whose heartbeat is older than
``GONE_AFTER`` heartbeats is shown as gone: it was killed, or its machine or its mount
went away. A worker stopped the ordinary way removes its file. The age is taken by this
machine's clock from the worker's: keep the machines' clocks in sync (NTP). The queue
depth comes from the broker. For a live view of tasks use Flower against the same broker
(see the README).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kombu.exceptions import OperationalError
from loguru import logger
from rich.console import Group
from rich.table import Table
from rich.text import Text

from clerk._secrets import REDACTOR
from clerk.fleet._app import make_app, queue_counts
from clerk.fleet._settings import FleetSettings

HEARTBEATS_DIR = ".fleet"
GONE_AFTER = 3  # heartbeats missed
_FORGET_AFTER = dt.timedelta(days=1)  # a gone worker's file is removed then
IDLE = "idle"


def heartbeat_folder(recordings_dir: Path) -> Path:
    return recordings_dir / HEARTBEATS_DIR


@dataclass(frozen=True, slots=True)
class WorkerState:
    name: str  # Celery's node name, clerk-<pid>@<host>
    host: str
    pid: int | None  # the pool process that works the items
    working: tuple[str, ...]  # "run R row N (reference)" per item in hand
    last_seen: str  # ISO time of its last heartbeat
    answering: bool  # its heartbeat is recent; False: gone


@dataclass(slots=True)
class FleetState:
    queue: str
    waiting: int | None = None  # items on the queue not yet taken; None: unknown
    workers: list[WorkerState] = field(default_factory=list)
    problem: str = ""


def fleet_state(fleet: FleetSettings, heartbeats: Path) -> FleetState:
    """The workers of ``fleet.queue`` from their heartbeats in ``heartbeats`` (see
    ``heartbeat_folder``) and the queue depth from the broker; never raises (a broken
    broker is the ``problem``)."""
    state = FleetState(queue=fleet.queue)
    app = make_app(fleet)
    try:
        state.waiting = queue_counts(app, fleet.queue).waiting
    except OperationalError as err:
        state.problem = f"cannot reach the broker {fleet.broker_url}: {REDACTOR.scrub(str(err))}"
    except Exception as err:  # noqa: BLE001 - e.g. the queue does not exist yet: status must still print
        state.problem = REDACTOR.scrub(f"{type(err).__name__}: {err}")
    finally:
        app.close()
    now = dt.datetime.now(dt.UTC)
    for path in sorted(heartbeats.glob("*.json")) if heartbeats.is_dir() else []:
        beat = _read(path)
        if beat is None or beat.get("queue") != fleet.queue:
            continue
        at = dt.datetime.fromisoformat(str(beat["at"]))
        every = dt.timedelta(seconds=float(beat.get("every_s", fleet.heartbeat.total_seconds())))
        if now - at > _FORGET_AFTER:
            path.unlink(missing_ok=True)
            continue
        working = str(beat.get("working") or "")
        state.workers.append(WorkerState(
            name=str(beat.get("worker", path.stem)), host=str(beat.get("host", "")), pid=beat.get("pid"),
            working=(working,) if working else (), last_seen=at.isoformat(timespec="seconds"),
            answering=now - at <= every * GONE_AFTER))
    return state


def fleet_view(state: FleetState) -> Group:
    waiting = "unknown" if state.waiting is None else str(state.waiting)
    head = Text(f"queue {state.queue}: {waiting} item(s) waiting" + (f" ({state.problem})" if state.problem else ""))
    table = Table(title="workers")
    for column in ("worker", "host", "pid", "working on", "last seen", "state"):
        table.add_column(column, no_wrap=True)
    for worker in state.workers:
        table.add_row(worker.name, worker.host, str(worker.pid or ""), "\n".join(worker.working) or IDLE,
                      worker.last_seen, "alive" if worker.answering else "gone")
    return Group(head, table)


def describe_order(order: Mapping[str, Any]) -> str:
    return f"run {order.get('run_id', '?')} row {order.get('row', '?')} ({order.get('reference', '?')})"


class Heartbeat:
    """This pool process's heartbeat file, rewritten every ``every`` by a thread, busy or idle."""

    def __init__(self, folder: Path, *, worker: str, queue: str, every: dt.timedelta) -> None:
        self.path = folder / f"{worker}-{os.getpid()}.json"
        self._fields = {"worker": worker, "host": socket.gethostname(), "pid": os.getpid(), "queue": queue,
                        "every_s": every.total_seconds()}
        self._every = every.total_seconds()
        self._working = ""
        self._stopped = threading.Event()
        self._lock = threading.Lock()  # the beat thread and working_on write the same file
        self._thread = threading.Thread(target=self._beat, name="clerk-heartbeat", daemon=True)

    def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._write()
        self._thread.start()

    def working_on(self, what: str) -> None:
        """``what`` is in hand now (empty: idle); said at once, not at the next beat."""
        self._working = what
        self._write()

    def stop(self) -> None:
        with self._lock:
            self._stopped.set()
            self.path.unlink(missing_ok=True)

    def _beat(self) -> None:
        while not self._stopped.wait(self._every):
            self._write()

    def _write(self) -> None:
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        try:
            with self._lock:
                if self._stopped.is_set():
                    return
                beat = {**self._fields, "working": self._working,
                        "at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")}
                tmp.write_text(json.dumps(beat), encoding="utf-8")
                tmp.replace(self.path)
        except OSError as err:  # a shared folder that went away: the status will show this worker gone
            logger.warning("cannot write the heartbeat {}: {}", self.path, err)


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and "at" in data else None
