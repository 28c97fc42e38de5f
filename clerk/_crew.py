"""Several workers on one machine: one run's items worked in N sessions at once.

Each worker is a thread with its own RunContext (its own Playwright, browser and
logins, kept across its items) and its own ledger connection, because neither
Playwright's sync API nor a SQLite connection may be shared between threads. The
first worker is the calling thread, the one that already logged in for preflight, so
one worker is exactly the single-session run, and a signal handler's exception (the
runner's timeout) still lands in a worker's current item.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from loguru import logger

from clerk._context import RunContext
from clerk._ledger import Ledger

T = TypeVar("T")


@dataclass(slots=True)
class Worker:
    """One set of application sessions working items, one at a time."""

    name: str
    ctx: RunContext
    ledger: Ledger
    screens_unknown: bool = False  # its last item failed: start the next one from a known screen

    def close(self) -> None:
        try:
            self.ctx.close()
        finally:
            self.ledger.close()


@dataclass(slots=True)
class Dispenser(Generic[T]):
    """Hands the next item to whichever worker asks first; nothing is handed out twice.

    ``refuse`` is asked under the lock before each item; a reason it returns ends the
    handing out (a stop request, the --limit reached), and ``left`` keeps what was not taken.
    """

    items: Sequence[T]
    refuse: Callable[[], str]
    lock: threading.Lock = field(default_factory=threading.Lock)
    _next: int = 0
    reason: str = ""

    def take(self) -> T | None:
        with self.lock:
            if self._next >= len(self.items) or self.reason:
                return None
            self.reason = self.refuse()
            if self.reason:
                return None
            item = self.items[self._next]
            self._next += 1
            return item

    def drain(self) -> Iterator[T]:
        while (item := self.take()) is not None:
            yield item

    @property
    def left(self) -> Sequence[T]:
        return self.items[self._next:]


def crew_names(count: int) -> list[str]:
    return [f"w{number}" for number in range(1, count + 1)]


def work_together(first: Worker, others: Sequence[str], make: Callable[[str], Worker],
                  work: Callable[[Worker], None], context: Callable[[Worker], AbstractContextManager[Any]]) -> None:
    """Run ``work(worker)`` for ``first`` here and for a new worker per name of ``others`` in
    its own thread; wait for all of them. Each thread makes and closes its own worker.

    The first error of any worker is raised here once every worker has ended; the others
    are logged. Whoever fails, the rest finish their current item (``work`` must notice
    a stop request) before this returns.
    """
    errors: list[BaseException] = []

    def run_other(name: str) -> None:
        try:
            worker = make(name)
            try:
                with context(worker):
                    work(worker)
            finally:
                worker.close()
        except BaseException as err:  # noqa: BLE001 - handed to the calling thread
            logger.opt(exception=err).error("worker {} ended with an error: {}", name, err)
            errors.append(err)

    threads = [threading.Thread(target=run_other, args=(name,), name=f"clerk-{name}", daemon=True)
               for name in others]
    for thread in threads:
        thread.start()
    try:
        with context(first):
            work(first)
    finally:
        _join(threads)
    if errors:
        raise errors[0]


def _join(threads: Sequence[threading.Thread]) -> None:
    """Wait for every thread, even when a signal handler raises in the middle of waiting."""
    pending: BaseException | None = None
    for thread in threads:
        while thread.is_alive():
            try:
                thread.join()
            except BaseException as err:  # noqa: BLE001 - e.g. the runner's timeout; raised after the join
                pending = pending or err
    if pending is not None:
        raise pending
