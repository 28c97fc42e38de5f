"""Is the process that holds a run still alive? A lease renewed by a heartbeat.

Every open run's process writes the database's clock into ``runs.heartbeat`` every
quarter of the lease. A run is taken to be dead when its process is gone from this
machine (pid and host: known at once, the usual case after a crash here), or when its
heartbeat is older than the lease (the only thing another machine can see). The
database's clock is the one clock, so machines whose clocks differ agree on the age.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
from collections.abc import Callable

from loguru import logger
from sqlalchemy.exc import SQLAlchemyError

DEFAULT_LEASE = dt.timedelta(seconds=60)


def process_alive(pid: int, host: str) -> bool:
    """Whether ``pid`` runs on ``host``; a process on another machine is assumed alive."""
    if host != socket.gethostname():
        return True  # cannot tell from here; the lease decides for other machines
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def holder_alive(*, pid: int, host: str, heartbeat: float | None, now: float, lease: dt.timedelta) -> bool:
    """Whether the process that holds a run still works on it.

    ``heartbeat`` and ``now`` are the database's clock in seconds; a run from before
    leases (no heartbeat) is judged by its pid alone.
    """
    if not process_alive(pid, host):
        return False
    return heartbeat is None or now - heartbeat < lease.total_seconds()


class Heartbeat:
    """A daemon thread that renews the leases of this process's open runs.

    Example:
        beat = Heartbeat(ledger.beat, lease); beat.add(run_id); ...; beat.stop()
    """

    def __init__(self, renew: Callable[[str], None], lease: dt.timedelta) -> None:
        self._renew = renew
        self._every = lease.total_seconds() / 4
        self._runs: set[str] = set()
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, run_id: str) -> None:
        with self._lock:
            self._runs.add(run_id)
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="clerk-ledger-heartbeat", daemon=True)
                self._thread.start()

    def discard(self, run_id: str) -> None:
        with self._lock:
            self._runs.discard(run_id)

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stopped.wait(self._every):  # the wait is the period, not a synchronization
            with self._lock:
                runs = sorted(self._runs)
            for run_id in runs:
                try:
                    self._renew(run_id)
                except SQLAlchemyError as err:  # a database hiccup must not end the run; the next beat tries again
                    logger.warning("could not renew the lease of run {}: {}", run_id, err)
