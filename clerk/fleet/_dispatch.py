"""The run's side of a Celery run: put items on the queue, collect their outcomes.

Items go out a few at a time (``in_flight_per_worker`` per live worker), so a stop
request, ``--limit`` or too many failures in a row stop the run as they do locally: no
new item is sent, the ones sent are awaited, the rest are reported pending. The ledger is
the truth: an item whose outcome never comes back (a lost result, a worker killed at the
item timeout) is taken from the ledger, and one still in progress there is settled as
failed, so a rerun looks it up in the application first.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from celery.result import AsyncResult
from kombu.exceptions import OperationalError
from loguru import logger

from clerk._errors import ConfigError, FatalError
from clerk._ledger import SETTLED, ItemState
from clerk._outcome import ItemResult, ItemStatus
from clerk._secrets import REDACTOR
from clerk.fleet._app import ITEM_TASK, make_app
from clerk.fleet._orders import ItemOrder, ItemOutcome
from clerk.fleet._settings import FleetSettings, load_fleet_settings

if TYPE_CHECKING:
    from celery import Celery

    from clerk._crew import Dispenser
    from clerk._engine import _Engine
    from clerk._items import WorkItem

_POLL_S = 0.3
_DEADLINE_GRACE = dt.timedelta(seconds=90)  # past the pool's hard time limit, before the ledger decides


class BrokerLost(FatalError):
    """The run lost its broker; what was sent is settled by the workers, a rerun does the rest."""

    code = "BROKER_LOST"


@dataclass(slots=True)
class _Sent:
    item: WorkItem[Any]
    result: AsyncResult[Any]
    state: str = "PENDING"
    since: float = 0.0  # monotonic time of the last state change


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
        window = max(1, len(workers)) * fleet.in_flight_per_worker
        logger.info("sending items to {} worker(s) on queue {} ({} at a time)", len(workers), fleet.queue, window)
        sent: list[_Sent] = []
        while True:
            while len(sent) < window and (item := dispenser.take()) is not None:
                sent.append(_send(app, engine, fleet, item))
            if not sent:
                return
            for entry in [entry for entry in sent if _finished(engine, fleet, entry)]:
                sent.remove(entry)
            time.sleep(_POLL_S)
    except OperationalError as err:
        raise BrokerLost(f"lost the broker {fleet.broker_url}: {REDACTOR.scrub(str(err))}; "
                         "items sent so far are settled by the workers; run the same input again") from err
    finally:
        app.close()


def _live_workers(app: Celery, fleet: FleetSettings) -> list[str]:
    replies = app.control.inspect(timeout=2.0).active_queues() or {}
    workers = [name for name, queues in replies.items() if any(q.get("name") == fleet.queue for q in queues)]
    if not workers:
        raise ConfigError(f"no clerk worker answers on queue {fleet.queue!r} at {fleet.broker_url}; "
                          "start one with `clerk worker`")
    return workers


def _send(app: Celery, engine: _Engine, fleet: FleetSettings, item: WorkItem[Any]) -> _Sent:
    ctx = engine.first.ctx
    order = ItemOrder.of(engine.bot, ctx.run_id, ctx.recording.folder, ctx.params, item)
    result = app.send_task(ITEM_TASK, args=[order.as_message()], queue=fleet.queue)
    logger.bind(item=item.key).debug("row {} sent to queue {} as task {}", item.row.number, fleet.queue, result.id)
    return _Sent(item, result, since=time.monotonic())


def _finished(engine: _Engine, fleet: FleetSettings, entry: _Sent) -> bool:
    """Record the item if its outcome is in (or overdue); True when it is recorded."""
    state = entry.result.state
    if state != entry.state:
        entry.state, entry.since = state, time.monotonic()
    if state == "SUCCESS":
        message = entry.result.result
        assert isinstance(message, dict)
        outcome = ItemOutcome.from_message(message)
        if engine.run_log is not None:
            for event in outcome.events:
                engine.run_log.append(event)
        engine.accept(entry.item, outcome.result, outcome.stop_reason)
        return True
    if state in ("FAILURE", "REVOKED"):
        _from_ledger(engine, entry.item, f"the worker gave up on it: {REDACTOR.scrub(repr(entry.result.result))}")
        return True
    overdue = fleet.item_timeout + _DEADLINE_GRACE
    if state == "STARTED" and time.monotonic() - entry.since > overdue.total_seconds():
        _from_ledger(engine, entry.item, f"no outcome came back within {overdue.total_seconds():g}s of its start")
        return True
    return False


def _from_ledger(engine: _Engine, item: WorkItem[Any], why: str) -> None:
    """The item's outcome as the ledger knows it; still in progress there means failed."""
    bot, ledger, run_id = engine.bot, engine.first.ledger, engine.first.ctx.run_id
    known = ledger.item(bot.ledger_key, engine.ledger_reference(item))
    if known is not None and known.run_id == run_id and known.state in SETTLED:
        result = ItemResult(row=item.row.number, reference=item.reference, status=ItemStatus(known.state.value),
                            app_ref=known.app_ref, message=known.message)
    else:
        message = f"no outcome from any worker ({why}); run the input again to finish it"
        if known is not None and known.run_id == run_id and known.state is ItemState.IN_PROGRESS:
            ledger.settle(bot.ledger_key, engine.ledger_reference(item), run_id, ItemState.FAILED, message=message,
                          error="NO_OUTCOME")
        result = ItemResult(row=item.row.number, reference=item.reference, status=ItemStatus.FAILED, message=message)
    logger.bind(item=item.key).warning("row {}: {}", item.row.number, why)
    engine.accept(item, result)
