"""What `clerk status` shows of the fleet: each worker (host, pid, the item it works,
when it last answered) and how many items wait on the queue.

Workers are asked through Celery's remote control (the broker), so this needs no other
service; a worker that stops answering stays listed with the time it last answered,
remembered in ``<data_dir>/fleet-seen.json``. For a live view of tasks use Flower
against the same broker (see the README).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kombu.exceptions import OperationalError
from rich.console import Group
from rich.table import Table
from rich.text import Text

from clerk._secrets import REDACTOR
from clerk.fleet._app import make_app
from clerk.fleet._settings import FleetSettings

_ASK_S = 1.5


@dataclass(frozen=True, slots=True)
class WorkerState:
    name: str  # Celery's node name, clerk-<pid>@<host>
    host: str
    pid: int | None
    working: tuple[str, ...]  # "run R row N (reference)" per item in hand
    last_seen: str  # ISO time it last answered
    answering: bool


@dataclass(slots=True)
class FleetState:
    queue: str
    waiting: int | None = None  # items on the queue not yet taken; None: unknown
    workers: list[WorkerState] = field(default_factory=list)
    problem: str = ""


def fleet_state(fleet: FleetSettings, seen_file: Path) -> FleetState:
    """Ask the broker and the workers; never raises (a broken broker is the ``problem``)."""
    state = FleetState(queue=fleet.queue)
    app = make_app(fleet)
    try:
        inspect = app.control.inspect(timeout=_ASK_S)
        stats = inspect.stats() or {}
        active = inspect.active() or {}
        with app.connection_for_write() as connection:
            channel: Any = connection.default_channel  # an amqp channel; kombu's stubs type only the common part
            state.waiting = channel.queue_declare(queue=fleet.queue, passive=True).message_count
    except OperationalError as err:
        state.problem = f"cannot reach the broker {fleet.broker_url}: {REDACTOR.scrub(str(err))}"
        stats, active = {}, {}
    except Exception as err:  # noqa: BLE001 - e.g. the queue does not exist yet: status must still print
        state.problem = REDACTOR.scrub(f"{type(err).__name__}: {err}")
    finally:
        app.close()
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    seen = _read_seen(seen_file)
    for name, info in stats.items():
        seen[name] = {"at": now, "pid": info.get("pid")}
    for name, record in sorted(seen.items()):
        answering = name in stats
        state.workers.append(WorkerState(
            name=name, host=name.partition("@")[2], pid=record.get("pid"),
            working=tuple(_describe(task) for task in active.get(name, [])) if answering else (),
            last_seen=str(record.get("at", "")), answering=answering))
    _write_seen(seen_file, seen)
    return state


def fleet_view(state: FleetState) -> Group:
    waiting = "unknown" if state.waiting is None else str(state.waiting)
    head = Text(f"queue {state.queue}: {waiting} item(s) waiting" + (f" ({state.problem})" if state.problem else ""))
    table = Table(title="workers")
    for column in ("worker", "host", "pid", "working on", "last seen"):
        table.add_column(column)
    for worker in state.workers:
        table.add_row(worker.name, worker.host, str(worker.pid or ""), "\n".join(worker.working) or "-",
                      worker.last_seen + ("" if worker.answering else " (not answering)"))
    return Group(head, table)


def _describe(task: Mapping[str, Any]) -> str:
    args = task.get("args") or [{}]
    order = args[0] if args and isinstance(args[0], dict) else {}
    return f"run {order.get('run_id', '?')} row {order.get('row', '?')} ({order.get('reference', '?')})"


def _read_seen(path: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_seen(path: Path, seen: dict[str, dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(seen, indent=1), encoding="utf-8")
    tmp.replace(path)
