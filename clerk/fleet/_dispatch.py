"""The run's side of a Celery run: put items on the queue, collect their outcomes.

Items go out a few at a time (``in_flight_per_worker`` per live worker), so a stop
request, ``--limit`` or too many failures in a row stop the run as they do locally: no
new item is sent, the ones sent are awaited, the rest are reported pending. The run
blocks on its reply queue (Celery's result consumer) until an outcome comes in. The
ledger is the truth: an item whose outcome never comes back (a result lost while the
broker restarted, a worker killed at the item timeout) is taken from the ledger, and one
still in progress there past its deadline is settled as failed, so a rerun looks it up in
the application first.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Generator
from contextlib import closing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from celery.exceptions import TimeoutError as NoOutcomeYet
from celery.result import AsyncResult, ResultSet
from kombu.exceptions import OperationalError
from loguru import logger

from clerk._errors import ConfigError, FatalError
from clerk._ledger import SETTLED, ItemState
from clerk._outcome import ItemResult, ItemStatus
from clerk._secrets import REDACTOR
from clerk.fleet._app import ITEM_TASK, make_app, queue_counts
from clerk.fleet._orders import ItemOrder, ItemOutcome
from clerk.fleet._settings import FleetSettings, load_fleet_settings

if TYPE_CHECKING:
    from celery import Celery

    from clerk._crew import Dispenser
    from clerk._engine import _Engine
    from clerk._items import WorkItem

_WAKE_S = 5.0  # the longest the run blocks on its reply queue before it looks at deadlines
_QUIET_S = 60.0  # an item without news this long is looked up in the ledger (its outcome may be lost)
_DEADLINE_GRACE = dt.timedelta(seconds=90)  # past the pool's hard time limit, before the ledger decides
_READY = frozenset({"SUCCESS", "FAILURE", "REVOKED"})


class BrokerLost(FatalError):
    """The run lost its broker; what was sent is settled by the workers, a rerun does the rest."""

    code = "BROKER_LOST"


@dataclass(slots=True)
class _Sent:
    item: WorkItem[Any]
    result: AsyncResult[Any]
    state: str = "PENDING"
    since: float = field(default_factory=time.monotonic)  # of the last news: a state change or a ledger look
    payload: Any = None  # the task's return value or its error, once ready


def work_on_celery(engine: _Engine, dispenser: Dispenser[WorkItem[Any]]) -> None:
    """Work the dispenser's items on Celery workers; return when every sent item has an outcome.

    Raises:
        ConfigError: no worker answers on the queue.
        BrokerLost: the broker went away mid-run.
    """
    ctx = engine.first.ctx
    fleet = load_fleet_settings(ctx.settings.project_dir)
    app = make_app(fleet)
    try:
        workers = _live_workers(app, fleet)
        window = workers * fleet.in_flight_per_worker
        logger.info("sending items to {} worker(s) on queue {} ({} at a time)", workers, fleet.queue, window)
        sent: dict[str, _Sent] = {}
        while True:
            while len(sent) < window and (item := dispenser.take()) is not None:
                entry = _send(app, engine, fleet, item)
                sent[entry.result.id] = entry
            if not sent:
                return
            _await_news(app, sent)
            for task_id in [task_id for task_id, entry in sent.items() if _finished(engine, fleet, entry)]:
                del sent[task_id]
    except (OperationalError, _ResultsLost) as err:
        raise BrokerLost(f"lost the broker {fleet.broker_url}: {REDACTOR.scrub(str(err))}; "
                         "items sent so far are settled by the workers; run the same input again") from err
    finally:
        app.close()


class _ResultsLost(Exception):
    """Celery's result consumer could not reconnect to the broker."""


def _await_news(app: Celery, sent: dict[str, _Sent]) -> None:
    """Block until an outcome of ``sent`` arrives, or ``_WAKE_S`` pass; note every state seen meanwhile."""

    def seen(meta: dict[str, Any]) -> None:
        entry = sent.get(meta.get("task_id", ""))
        if entry is not None and meta["status"] != entry.state:
            entry.state, entry.since, entry.payload = meta["status"], time.monotonic(), meta.get("result")

    waiting = ResultSet([entry.result for entry in sent.values()], app=app)
    try:
        # a generator (typed as an iterator): closing it unhooks ``seen`` from the result consumer
        outcomes = cast(Generator[Any, None, None], waiting.iter_native(timeout=_WAKE_S, on_message=seen))
        with closing(outcomes):
            next(outcomes, None)
    except NoOutcomeYet:
        pass
    except RuntimeError as err:
        if "Retry limit exceeded" not in str(err):  # Celery's E_RETRY_LIMIT_EXCEEDED
            raise
        raise _ResultsLost("the results could not be collected after a reconnect") from err


def _live_workers(app: Celery, fleet: FleetSettings) -> int:
    """The workers consuming the queue, as the broker counts them: one round trip, where
    asking the workers themselves (``inspect``) waits its whole timeout for late answers."""
    workers = queue_counts(app, fleet.queue).consumers
    if not workers:
        raise ConfigError(f"no clerk worker answers on queue {fleet.queue!r} at {fleet.broker_url}; "
                          "start one with `clerk worker`")
    return workers


def _send(app: Celery, engine: _Engine, fleet: FleetSettings, item: WorkItem[Any]) -> _Sent:
    ctx = engine.first.ctx
    order = ItemOrder.of(engine.bot, ctx.run_id, ctx.recording.folder, ctx.params, item,
                         engine.sightings.get(item.key))
    result = app.send_task(ITEM_TASK, args=[order.as_message()], queue=fleet.queue)
    logger.bind(item=item.key).debug("row {} sent to queue {} as task {}", item.row.number, fleet.queue, result.id)
    return _Sent(item, result)


def _finished(engine: _Engine, fleet: FleetSettings, entry: _Sent) -> bool:
    """Record the item if its outcome is in (or overdue); True when it is recorded."""
    if entry.state == "SUCCESS":
        assert isinstance(entry.payload, dict)
        outcome = ItemOutcome.from_message(entry.payload)
        if engine.run_log is not None:
            for event in outcome.events:
                engine.run_log.append(event)
        engine.accept(entry.item, outcome.result, outcome.stop_reason)
        return True
    if entry.state in _READY:
        _from_ledger(engine, entry.item, f"the worker gave up on it: {REDACTOR.scrub(repr(entry.payload))}")
        return True
    quiet = time.monotonic() - entry.since
    overdue = fleet.item_timeout + _DEADLINE_GRACE
    if entry.state == "STARTED" and quiet > overdue.total_seconds():
        _from_ledger(engine, entry.item, f"no outcome came back within {overdue.total_seconds():g}s of its start")
        return True
    if quiet > _QUIET_S:
        entry.since = time.monotonic()
        settled = _settled_in_ledger(engine, entry.item)
        if settled is not None:
            logger.bind(item=entry.item.key).warning(
                "row {}: its outcome did not come back from the worker; taken from the ledger", entry.item.row.number)
            engine.accept(entry.item, settled)
            return True
    return False


def _settled_in_ledger(engine: _Engine, item: WorkItem[Any]) -> ItemResult | None:
    """The item's outcome if a worker settled it for this run in the ledger."""
    bot, ledger, run_id = engine.bot, engine.first.ledger, engine.first.ctx.run_id
    known = ledger.item(bot.ledger_key, engine.ledger_reference(item))
    if known is None or known.run_id != run_id or known.state not in SETTLED:
        return None
    return ItemResult(row=item.row.number, reference=item.reference, status=ItemStatus(known.state.value),
                      app_ref=known.app_ref, message=known.message)


def _from_ledger(engine: _Engine, item: WorkItem[Any], why: str) -> None:
    """The item's outcome as the ledger knows it; still in progress there means failed."""
    result = _settled_in_ledger(engine, item)
    if result is None:
        bot, ledger, run_id = engine.bot, engine.first.ledger, engine.first.ctx.run_id
        message = f"no outcome from any worker ({why}); run the input again to finish it"
        known = ledger.item(bot.ledger_key, engine.ledger_reference(item))
        if known is not None and known.run_id == run_id and known.state is ItemState.IN_PROGRESS:
            ledger.settle(bot.ledger_key, engine.ledger_reference(item), run_id, ItemState.FAILED, message=message,
                          error="NO_OUTCOME")
        result = ItemResult(row=item.row.number, reference=item.reference, status=ItemStatus.FAILED, message=message)
    logger.bind(item=item.key).warning("row {}: {}", item.row.number, why)
    engine.accept(item, result)
