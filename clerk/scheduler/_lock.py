"""One runner per data directory: an exclusive ``flock`` on ``<data_dir>/runner.lock``.

The kernel drops the lock when the process ends, however it ends (even SIGKILL), so a
stale lock file never blocks a restart. The file's text names the holder, for the
message a second runner prints and for ``clerk status``.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from clerk._errors import ConfigError
from clerk._ledger import process_alive


class RunnerAlreadyRunning(ConfigError):
    code = "RUNNER_RUNNING"


@dataclass(frozen=True, slots=True)
class RunnerInfo:
    pid: int
    host: str
    started_at: str

    @property
    def alive(self) -> bool:
        return process_alive(self.pid, self.host)


def lock_path(data_dir: Path) -> Path:
    return data_dir / "runner.lock"


def read_runner(data_dir: Path) -> RunnerInfo | None:
    """Who holds (or last held) the runner lock; check ``alive`` before trusting it."""
    try:
        fields = json.loads(lock_path(data_dir).read_text(encoding="utf-8"))
        return RunnerInfo(int(fields["pid"]), str(fields["host"]), str(fields["started_at"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


class RunnerLock:
    """Held for the runner's whole life.

    Raises:
        RunnerAlreadyRunning: another process holds the lock for this data directory.
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = lock_path(data_dir)
        self._file: IO[str] | None = None

    def __enter__(self) -> Self:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            holder = read_runner(self.data_dir)
            who = f"pid {holder.pid} on {holder.host}, started {holder.started_at}" if holder else "another process"
            raise RunnerAlreadyRunning(
                f"a clerk runner already runs for the data directory {self.data_dir} ({who}); "
                "only one may run at a time, so this one does not start. Stop the other one first "
                "(SIGTERM lets it finish its current item)."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                 "started_at": dt.datetime.now().astimezone().isoformat(timespec="seconds")}))
        handle.flush()
        self._file = handle
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
