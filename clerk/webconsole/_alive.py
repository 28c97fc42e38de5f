"""Who is alive, for the overview: the runner (its lock and its journal) and the Celery
workers (the reading ``clerk status --fleet`` prints: their heartbeat files, and the
queue's depth from the broker), each with when it was last seen.

One reading serves every overview opened within ``fresh_s`` (it connects to the broker);
the workers are read at all only where the project runs its items on Celery
(``[runner] executor = "celery"``) or some worker left a heartbeat.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from clerk._config import Settings
from clerk.fleet._settings import FleetSettings, load_fleet_settings
from clerk.fleet._status import FleetState, fleet_state, heartbeat_folder
from clerk.scheduler._journal import Journal, journal_path
from clerk.scheduler._lock import read_runner


@dataclass(frozen=True, slots=True)
class RunnerSeen:
    alive: bool
    pid: int | None
    host: str
    since: str  # when it started; "" when no runner ever ran here
    last_seen: str  # now when alive, else its last journal entry


def runner_seen(settings: Settings) -> RunnerSeen:
    runner = read_runner(settings.data_dir)
    if runner is not None and runner.alive:
        now = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        return RunnerSeen(True, runner.pid, runner.host, runner.started_at, now)
    path = journal_path(settings.data_dir)
    newest = Journal(path).entries(limit=1) if path.exists() else []
    return RunnerSeen(False, runner.pid if runner else None, runner.host if runner else "",
                      runner.started_at if runner else "", newest[0].at if newest else "")


class WorkersWatch:
    """Example:
        WorkersWatch(settings).state()  # None where this project has no Celery workers
    """

    def __init__(self, settings: Settings, *, fresh_s: float = 5.0,
                 read: Callable[[FleetSettings, Path], FleetState] = fleet_state,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._heartbeats = heartbeat_folder(settings.recordings_dir)
        self._fleet = load_fleet_settings(settings.project_dir)
        self._fresh_s = fresh_s
        self._read = read
        self._clock = clock
        self._lock = threading.Lock()
        self._last: tuple[float, FleetState] | None = None

    def state(self) -> FleetState | None:
        if self._fleet.executor != "celery" and not (self._heartbeats.is_dir() and
                                                      any(self._heartbeats.glob("*.json"))):
            return None
        with self._lock:  # one reading at a time; the others wait for it and share it
            if self._last is None or self._clock() - self._last[0] >= self._fresh_s:
                self._last = (self._clock(), self._read(self._fleet, self._heartbeats))
            return self._last[1]
