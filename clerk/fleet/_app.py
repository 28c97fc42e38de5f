"""The Celery app of clerk, configured for items that must never be lost nor entered twice.

What matters is set explicitly, whatever Celery's defaults are:

- ``task_acks_late``: an item's message is acknowledged only after the item is settled,
  so a worker that dies mid-item leaves it unacknowledged and RabbitMQ hands it to
  another worker as soon as the dead worker's connection closes.
- ``task_reject_on_worker_lost``: a pool process killed mid-item (SIGKILL, OOM) puts the
  message back on the queue instead of acknowledging it as failed.
- ``worker_cancel_long_running_tasks_on_connection_loss``: a worker that loses the broker
  stops its item, because the broker has already redelivered it to someone else.
- ``worker_prefetch_multiplier = 1``: a worker holds one item at a time, so the items of a
  dead worker are never many, and a slow worker does not sit on items others could take.
- ``task_soft_time_limit`` / ``task_time_limit``: the item timeout raises inside the item
  (it is recorded as failed, with a screenshot); a grace later the pool process is killed.
- ``broker_heartbeat``: the broker notices a worker that went silent within seconds.

The result backend is ``rpc://``: outcomes travel back to the run over the broker, with no
other service; the ledger stays the truth should a result be lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from celery import Celery

from clerk.fleet._settings import FleetSettings

ITEM_TASK = "clerk.work_item"
_TIMEOUT_GRACE_S = 60


def celery_config(fleet: FleetSettings) -> dict[str, Any]:
    soft = fleet.item_timeout.total_seconds()
    return {
        "broker_url": fleet.broker_connection,
        "broker_heartbeat": fleet.heartbeat.total_seconds(),
        "broker_connection_retry_on_startup": True,
        "result_backend": "rpc://",
        "result_persistent": True,
        "task_serializer": "json", "result_serializer": "json", "accept_content": ["json"],
        "task_default_queue": fleet.queue,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_acks_on_failure_or_timeout": True,  # a timed-out item is failed, not redelivered forever
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        "worker_prefetch_multiplier": 1,
        "task_soft_time_limit": soft,
        "task_time_limit": soft + _TIMEOUT_GRACE_S,
        "task_track_started": True,
        "worker_send_task_events": True,  # for `clerk status` and Flower
        "task_send_sent_event": True,
        "worker_hijack_root_logger": False,
    }


def make_app(fleet: FleetSettings) -> Celery:
    app = Celery("clerk")
    app.conf.update(celery_config(fleet))
    return app


@dataclass(frozen=True, slots=True)
class QueueCounts:
    waiting: int  # messages not yet delivered to a worker
    consumers: int  # workers consuming the queue (one per `clerk worker`, whatever its concurrency)


def queue_counts(app: Celery, queue: str) -> QueueCounts:
    """The broker's counts for ``queue``, in one round trip (a passive declare); a queue no
    worker ever declared has none of either.

    Raises:
        kombu.exceptions.OperationalError: the broker cannot be reached.
    """
    with app.connection_for_write() as connection:
        channel: Any = connection.default_channel  # an amqp channel; kombu's stubs type only the common part
        try:
            declared = channel.queue_declare(queue=queue, passive=True)
        except connection.channel_errors:  # amqp's NOT_FOUND: no such queue
            return QueueCounts(waiting=0, consumers=0)
    return QueueCounts(waiting=declared.message_count, consumers=declared.consumer_count)
