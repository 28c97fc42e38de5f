"""`clerk worker`: a Celery worker whose pool processes keep their sessions logged in.

Each pool process works one item at a time and keeps its sessions (browser, logins,
ledger connection) open for the next items, of this run and of the next runs: only
other settings or credentials (or another bot) close them and open new ones. A run's
first item starts from the home screen, which shows the login form again if the session
expired in between. Sessions are closed when the worker shuts down. A pool process dies with its worker (PR_SET_PDEATHSIG), so
no orphan goes on typing into an application after its item went to another worker.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import hashlib
import json
import logging
import os
import signal
import socket
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from celery import Celery, Task
from celery.signals import worker_process_init, worker_process_shutdown
from loguru import logger

from clerk._bot import Bot
from clerk._config import Settings, load_settings
from clerk._context import RunContext
from clerk._crew import Worker
from clerk._engine import work_one
from clerk._errors import BotError
from clerk._ledger_config import open_ledger
from clerk._logging import EventBuffer
from clerk._outcome import ItemResult, ItemStatus
from clerk._recording import Recording
from clerk._registry import open_bot
from clerk._secrets import REDACTOR, Credentials, load_credentials
from clerk.audit._trace import SCRATCH_DIR, clear_scratch, scratch_name
from clerk.fleet._app import ITEM_TASK, make_app
from clerk.fleet._orders import ItemOrder, ItemOutcome
from clerk.fleet._settings import FleetSettings
from clerk.fleet._status import Heartbeat, describe_order, heartbeat_folder

_PR_SET_PDEATHSIG = 1


class ItemTimedOut(BotError):
    """The item ran past ``[celery] item_timeout_s``: it is failed, never retried; the run goes on."""

    code = "ITEM_TIMEOUT"


@dataclass(frozen=True, slots=True)
class SessionKey:
    """What the logged-in sessions depend on: the bot, its target, every setting and the
    credentials (as a digest, never kept in clear). Another run with the same key reuses them."""

    bot: str
    target: str
    settings: str
    credentials: str

    @classmethod
    def of(cls, order: ItemOrder, settings: Settings, credentials: Mapping[str, Credentials]) -> SessionKey:
        digest = hashlib.sha256()
        for name, found in sorted(credentials.items()):
            digest.update(f"{name}\0{found.user}\0{found.password.reveal()}\0".encode())
        return cls(order.bot, order.target, json.dumps(settings.as_dict(), sort_keys=True, default=str),
                   digest.hexdigest())


class _Sessions:
    """The sessions of one pool process: its Worker (browser, logins, ledger connection), kept
    across items and across runs while the bot, its settings and credentials stay the same."""

    def __init__(self) -> None:
        self.key: SessionKey | None = None
        self.worker: Worker | None = None
        self.run: tuple[str, Bot[Any], Settings] | None = None  # the run being worked, its bot and settings

    def for_order(self, order: ItemOrder, project: Path) -> tuple[Bot[Any], Worker]:
        if self.run is not None and self.worker is not None and self.run[0] == order.run_id:
            return self.run[1], self.worker
        # the bot's own defaults layer into its settings; its target is the run's
        bot, settings = open_bot(order.bot, project, {f"bots.{order.bot}.target": order.target})
        credentials = {name: load_credentials(name) for name, app in bot.apps.items() if app.login}
        key = SessionKey.of(order, settings, credentials)
        recording = Recording(Path(order.recording_dir))
        if self.worker is not None and self.key == key:
            logger.info("run {}: keeping the sessions logged in for run {}", order.run_id, self.worker.ctx.run_id)
            self.worker.ctx.next_run(run_id=order.run_id, recording=recording, params=order.params)
            self.worker.screens_unknown = True  # the first item starts from the home screen, logging in if it expired
        else:
            self.close()
            ctx = RunContext(settings=settings, bot=bot.name, run_id=order.run_id, recording=recording,
                             apps=bot.apps, credentials=credentials, params=order.params,
                             scratch=_scratch_folder(settings))
            self.worker, self.key = Worker(f"{socket.gethostname()}:{os.getpid()}", ctx, open_ledger(settings)), key
        self.run = (order.run_id, bot, settings)
        return bot, self.worker

    def close(self) -> None:
        if self.worker is not None:
            try:
                self.worker.close()
            except Exception as err:  # noqa: BLE001 - the sessions may be gone already
                logger.warning("closing the sessions of {}: {}", self.worker.ctx.run_id, err)
        self.worker, self.key, self.run = None, None, None


def _scratch_folder(settings: Settings) -> Path:
    """Playwright's scratch files of a browser that serves several runs: in the worker's
    data folder, not in a run's folder (which is sealed while the browser goes on)."""
    clear_scratch(settings.data_dir)  # what killed workers left on this machine
    return settings.data_dir / SCRATCH_DIR / scratch_name()


class ItemTask(Task[Any, Any]):
    """Celery's per-process task object: holds this pool process's settings and sessions."""

    sessions = _Sessions()

    def on_success(self, retval: Any, task_id: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        result = retval.get("result", {}) if isinstance(retval, dict) else {}
        said = describe_order(args[0]) if args and isinstance(args[0], Mapping) else "an item"
        _SUCCESS_LINE.outcome = (task_id, f"{said}: {result.get('status', '?')}")


class _ShortSuccessLine(logging.Filter):
    """Celery's "Task ... succeeded" line shows the item and its outcome, not the whole
    return value (the item's events, which the run's recording has already)."""

    def __init__(self) -> None:
        super().__init__()
        self.outcome: tuple[str, str] = ("", "")  # (task id, what to say), set by ItemTask.on_success

    def filter(self, record: logging.LogRecord) -> bool:
        data = getattr(record, "data", None)  # Celery passes the line's fields as ``extra={"data": ...}``
        if isinstance(data, dict) and "return_value" in data and data.get("id") == self.outcome[0]:
            record.args = {**data, "return_value": self.outcome[1]}
        return True


_SUCCESS_LINE = _ShortSuccessLine()


def shorten_success_lines() -> None:
    """Put the short line in place of Celery's in this process (Celery's tracer logs it)."""
    trace_logger = logging.getLogger("celery.app.trace")
    if _SUCCESS_LINE not in trace_logger.filters:
        trace_logger.addFilter(_SUCCESS_LINE)


def work_item(task: ItemTask, message: dict[str, Any]) -> dict[str, Any]:
    """Work one item of a run coordinated elsewhere; return its outcome and its events."""
    order = ItemOrder.from_message(message)
    name = f"{socket.gethostname()}:{os.getpid()}"
    buffer = EventBuffer(order.run_id)
    limit = task.app.conf.task_soft_time_limit

    def time_up(_signum: int, _frame: Any) -> None:
        # Celery's soft time limit is this signal; its own exception would count as transient and be retried
        raise ItemTimedOut(f"the item ran past its {limit:g} s ([celery] item_timeout_s) on worker {name}")

    previous = signal.signal(signal.SIGUSR1, time_up)
    if _heartbeat is not None:
        _heartbeat.working_on(describe_order(message))
    try:
        with logger.contextualize(run_id=order.run_id, bot=order.bot, worker=name, item=f"row-{order.row:05d}"):
            result, stop_reason = _work(task, order)
    finally:
        signal.signal(signal.SIGUSR1, previous)
        events = buffer.close()
        if _heartbeat is not None:
            _heartbeat.working_on("")
    return ItemOutcome(result=result, stop_reason=stop_reason, events=events).as_message()


def _work(task: ItemTask, order: ItemOrder) -> tuple[ItemResult, str]:
    try:
        bot, worker = task.sessions.for_order(order, Path(task.app.conf.clerk_project))
        item = order.work_item(bot)
        # the run may end (its coordinator lost the broker) while this item is typed: its rerun
        # must not take the item over before Celery's hard time limit has stopped this worker
        worker.ledger.claim_hold = dt.timedelta(seconds=float(task.app.conf.task_time_limit))
    except BotError as err:  # this worker cannot work the run's items at all
        message = REDACTOR.scrub(f"worker {socket.gethostname()}:{os.getpid()}: {err.code}: {err}")
        logger.error("{}", message)
        return ItemResult(row=order.row, reference=order.reference, status=ItemStatus.FAILED,
                          message=message), message
    logger.info("row {} ({}) taken by worker {}", order.row, order.reference, worker.name)
    return work_one(bot, worker, item, order.survey_verdict())


def make_worker_app(fleet: FleetSettings, project: Path) -> Celery:
    app = make_app(fleet)
    app.conf.clerk_project = str(project)
    app.task(name=ITEM_TASK, bind=True, base=ItemTask)(work_item)
    return app


@dataclass(frozen=True, slots=True)
class _HeartbeatPlan:
    folder: Path
    queue: str
    every: dt.timedelta


_heartbeat_plan: _HeartbeatPlan | None = None  # set by run_worker before the pool processes fork
_heartbeat: Heartbeat | None = None  # this pool process's


@worker_process_init.connect
def _pool_process_started(**_: Any) -> None:
    global _heartbeat
    shorten_success_lines()
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if _heartbeat_plan is not None:
        node = f"clerk-{os.getppid()}@{socket.gethostname()}"  # the worker's --hostname, from its parent's pid
        _heartbeat = Heartbeat(_heartbeat_plan.folder, worker=node, queue=_heartbeat_plan.queue,
                               every=_heartbeat_plan.every)
        _heartbeat.start()


@worker_process_shutdown.connect
def _pool_process_ending(**_: Any) -> None:
    try:
        ItemTask.sessions.close()
    finally:
        if _heartbeat is not None:
            _heartbeat.stop()


def run_worker(fleet: FleetSettings, project: Path, *, concurrency: int, loglevel: str) -> None:
    """Start a Celery worker in this process (it returns when the worker is stopped)."""
    global _heartbeat_plan
    _heartbeat_plan = _HeartbeatPlan(heartbeat_folder(load_settings(project).recordings_dir), fleet.queue,
                                     fleet.heartbeat)
    app = make_worker_app(fleet, project)
    app.worker_main([
        "worker", "--pool=prefork", f"--concurrency={concurrency}", f"--queues={fleet.queue}",
        f"--loglevel={loglevel}", f"--hostname=clerk-{os.getpid()}@%h", "--without-mingle", "--task-events",
    ])
