"""Starting a run in a child process, and ending it: on shutdown, on timeout, or by force.

Why a child process and not a thread: a thread cannot be stopped from outside, while a
process can always be killed, and a browser that hangs or leaks goes with it. The
escalation is: SIGTERM when the runner shuts down (the engine finishes the current item);
SIGUSR1 when the job's timeout passes (the current item fails with a screenshot, see
_child.py); SIGKILL to the child's whole process group when it still runs ``stop_grace``
after the timeout. The child lives in its own session, so a Ctrl-C in the runner's
terminal reaches only the runner, which then decides what the child gets.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from loguru import logger

from clerk.scheduler._child import ChildRequest, ChildResult
from clerk.scheduler._settings import SMTP_PASSWORD_VARIABLE
from clerk.scheduler._spec import JobSpec

_WAIT_STEP = 0.25  # seconds between looks at the child, the clock and the shutdown flag


@dataclass(frozen=True, slots=True)
class ChildOutcome:
    result: ChildResult | None  # None: the child died without reporting (killed, crashed)
    pid: int
    returncode: int
    timed_out: bool  # the runner told the child its time was up
    killed: bool  # the child did not stop in time and was killed
    duration: dt.timedelta


class Launcher:
    """Runs one child per call; several calls may run at once (one per job thread)."""

    def __init__(self, project_dir: Path, work_dir: Path, stopping: threading.Event, log_level: str = "INFO") -> None:
        self.project_dir = project_dir
        self.work_dir = work_dir
        self.stopping = stopping
        self.log_level = log_level
        self._children: dict[int, subprocess.Popen[str]] = {}
        self._lock = threading.Lock()
        work_dir.mkdir(parents=True, exist_ok=True)

    def run(self, spec: JobSpec, input_path: Path | None, *, skip_invalid: bool = False) -> ChildOutcome:
        """One run of ``spec``'s bot on ``input_path``; ``skip_invalid`` as ``clerk run --skip-invalid``
        (the console's rerun of failed items, whose file may hold invalid rows)."""
        token = uuid.uuid4().hex[:12]
        request_path = self.work_dir / f"{token}.request.json"
        result_path = self.work_dir / f"{token}.result.json"
        ChildRequest(
            project_dir=str(self.project_dir), bot=spec.bot,
            input_path=str(input_path) if input_path else None, overrides=spec.overrides(),
            result_path=str(result_path), parent_pid=os.getpid(),
            timeout_s=spec.timeout.total_seconds(), workers=spec.workers, log_level=self.log_level,
            skip_invalid=skip_invalid,
        ).write(request_path)
        started = time.monotonic()
        child = subprocess.Popen(
            [sys.executable, "-m", "clerk.scheduler", str(request_path)], cwd=self.project_dir,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
            start_new_session=True, env=_child_environment(),
        )
        with self._lock:
            self._children[child.pid] = child
        relay = threading.Thread(target=_relay, args=(child.stdout, spec.name), daemon=True,
                                 name=f"relay-{spec.name}")
        relay.start()
        try:
            timed_out, killed = self._watch(child, spec)
        finally:
            with self._lock:
                self._children.pop(child.pid, None)
        relay.join(timeout=10)
        result = ChildResult.read(result_path)
        for path in (request_path, result_path):
            path.unlink(missing_ok=True)
        return ChildOutcome(result, child.pid, child.returncode, timed_out, killed,
                            dt.timedelta(seconds=time.monotonic() - started))

    def _watch(self, child: subprocess.Popen[str], spec: JobSpec) -> tuple[bool, bool]:
        deadline = time.monotonic() + spec.timeout.total_seconds()
        kill_at: float | None = None
        told_to_stop = killed = False
        while True:
            try:
                child.wait(timeout=_WAIT_STEP)
                return kill_at is not None, killed
            except subprocess.TimeoutExpired:
                pass
            now = time.monotonic()
            if self.stopping.is_set() and not told_to_stop:
                told_to_stop = True
                logger.bind(bot=spec.name).info("asking the run to stop after its current item")
                _signal(child, signal.SIGTERM)
            if kill_at is None and now >= deadline:
                kill_at = now + spec.stop_grace.total_seconds()
                logger.bind(bot=spec.name).error("the run exceeded the job's timeout of {:g}s; stopping its item",
                                                 spec.timeout.total_seconds())
                _signal(child, signal.SIGUSR1)
            elif kill_at is not None and now >= kill_at and not killed:
                killed = True
                logger.bind(bot=spec.name).error("the run did not stop within {:g}s; killing it",
                                                 spec.stop_grace.total_seconds())
                _kill_group(child)

    def kill_all(self) -> None:
        """Last resort (a second shutdown signal): kill every child now."""
        with self._lock:
            children = list(self._children.values())
        for child in children:
            _kill_group(child)

    def running(self) -> Iterable[int]:
        with self._lock:
            return list(self._children)


def _child_environment() -> dict[str, str]:
    """The runner's environment, less what only the runner needs (the alerts' SMTP password)."""
    return {name: value for name, value in os.environ.items() if name != SMTP_PASSWORD_VARIABLE}


def _signal(child: subprocess.Popen[str], signum: signal.Signals) -> None:
    try:
        child.send_signal(signum)
    except ProcessLookupError:
        pass


def _kill_group(child: subprocess.Popen[str]) -> None:
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _relay(stream: IO[str] | None, job: str) -> None:
    """Re-log the child's JSON log lines through the runner's sinks; anything else as a warning."""
    if stream is None:
        return
    for line in stream:
        text = line.rstrip("\n")
        if not text:
            continue
        try:
            fields = json.loads(text)
            level, message = str(fields["level"]), str(fields["message"])
        except (ValueError, KeyError, TypeError):
            logger.bind(bot=job).warning("{}", text)
            continue
        if fields.get("exception"):
            message += "\n" + str(fields["exception"]).rstrip()
        bound = logger.bind(bot=job, item=fields.get("item", "-"), child_run_id=fields.get("run_id", "-"))
        try:
            bound.log(level, "{}", message)
        except ValueError:  # a level this process does not know
            bound.info("{}", message)
    stream.close()
