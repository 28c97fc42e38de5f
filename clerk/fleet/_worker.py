"""`clerk worker`: a Celery worker whose pool processes keep their sessions logged in.

Each pool process works one item at a time and keeps the run's sessions (browser,
logins, ledger connection) open for the run's next items; an item of another run closes
them and opens the new run's. A pool process dies with its worker (PR_SET_PDEATHSIG), so
no orphan goes on typing into an application after its item went to another worker.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

from celery import Celery, Task
from celery.signals import worker_process_init, worker_process_shutdown
from loguru import logger

from clerk._bot import Bot
from clerk._config import Settings
from clerk._context import RunContext
from clerk._crew import Worker
from clerk._engine import work_one
from clerk._errors import BotError
from clerk._ledger_config import open_ledger
from clerk._logging import EventBuffer
from clerk._outcome import ItemResult, ItemStatus
from clerk._recording import Recording
from clerk._registry import open_bot
from clerk._secrets import REDACTOR, load_credentials
from clerk.fleet._app import ITEM_TASK, make_app
from clerk.fleet._orders import ItemOrder, ItemOutcome
from clerk.fleet._settings import FleetSettings

_PR_SET_PDEATHSIG = 1


class ItemTimedOut(BotError):
    """The item ran past ``[celery] item_timeout_s``: it is failed, never retried; the run goes on."""

    code = "ITEM_TIMEOUT"


class _Sessions:
    """The open run of one pool process: its Worker, kept across the run's items."""

    def __init__(self) -> None:
        self.key: tuple[str, str, str] | None = None
        self.worker: Worker | None = None

    def for_order(self, order: ItemOrder, bot: Bot[Any], settings: Settings) -> Worker:
        key = (order.run_id, order.bot, order.target)
        if self.worker is not None and self.key == key:
            return self.worker
        self.close()
        credentials = {name: load_credentials(name) for name, app in bot.apps.items() if app.login}
        ctx = RunContext(settings=settings, bot=bot.name, run_id=order.run_id,
                         recording=Recording(Path(order.recording_dir)), apps=bot.apps,
                         credentials=credentials, params=order.params)
        self.worker = Worker(f"{socket.gethostname()}:{os.getpid()}", ctx, open_ledger(settings))
        self.key = key
        return self.worker

    def close(self) -> None:
        if self.worker is not None:
            try:
                self.worker.close()
            except Exception as err:  # noqa: BLE001 - the old run's sessions may be gone already
                logger.warning("closing the sessions of run {}: {}", self.key, err)
        self.worker, self.key = None, None


class ItemTask(Task[Any, Any]):
    """Celery's per-process task object: holds this pool process's settings and sessions."""

    sessions = _Sessions()
    settings: Settings | None = None


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
    try:
        with logger.contextualize(run_id=order.run_id, bot=order.bot, worker=name, item=f"row-{order.row:05d}"):
            result, stop_reason = _work(task, order)
    finally:
        signal.signal(signal.SIGUSR1, previous)
        events = buffer.close()
    return ItemOutcome(result=result, stop_reason=stop_reason, events=events).as_message()


def _work(task: ItemTask, order: ItemOrder) -> tuple[ItemResult, str]:
    try:
        # the bot's own defaults layer into its settings; its target is the run's
        bot, settings = open_bot(order.bot, Path(task.app.conf.clerk_project),
                                 {f"bots.{order.bot}.target": order.target})
        task.settings = settings
        worker = task.sessions.for_order(order, bot, settings)
        item = order.work_item(bot)
    except BotError as err:  # this worker cannot work the run's items at all
        message = REDACTOR.scrub(f"worker {socket.gethostname()}:{os.getpid()}: {err.code}: {err}")
        logger.error("{}", message)
        return ItemResult(row=order.row, reference=order.reference, status=ItemStatus.FAILED,
                          message=message), message
    logger.info("row {} ({}) taken by worker {}", order.row, order.reference, worker.name)
    return work_one(bot, worker, item)


def make_worker_app(fleet: FleetSettings, project: Path) -> Celery:
    app = make_app(fleet)
    app.conf.clerk_project = str(project)
    app.task(name=ITEM_TASK, bind=True, base=ItemTask)(work_item)
    return app


@worker_process_init.connect
def _pool_process_started(**_: Any) -> None:
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


@worker_process_shutdown.connect
def _pool_process_ending(**_: Any) -> None:
    ItemTask.sessions.close()


def run_worker(fleet: FleetSettings, project: Path, *, concurrency: int, loglevel: str) -> None:
    """Start a Celery worker in this process (it returns when the worker is stopped)."""
    app = make_worker_app(fleet, project)
    app.worker_main([
        "worker", "--pool=prefork", f"--concurrency={concurrency}", f"--queues={fleet.queue}",
        f"--loglevel={loglevel}", f"--hostname=clerk-{os.getpid()}@%h", "--without-mingle", "--task-events",
    ])
