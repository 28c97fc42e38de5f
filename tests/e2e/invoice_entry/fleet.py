"""Real `clerk worker` processes for the Celery tests: started, awaited, stopped or killed.

Each worker runs in its own session (process group), so SIGKILL to the group takes the
worker, its pool process and its browser down at once, as a crash of the machine would.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from kombu import Connection

from .conftest import PROJECT


def broker_url() -> str:
    password = os.environ.get("CLERK_BROKER_PASSWORD")
    if not password:
        pytest.fail("CLERK_BROKER_PASSWORD is not set: . sandbox/credentials.sh (and bash sandbox/rabbitmq-up.sh)")
    return f"amqp://clerk:{password}@127.0.0.1:5672/clerk"


@dataclass
class WorkerProcess:
    process: subprocess.Popen[bytes]
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.is_file() else ""

    def signal_group(self, signum: int) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signum)


@dataclass
class Fleet:
    env: dict[str, str]
    folder: Path
    workers: list[WorkerProcess] = field(default_factory=list)

    def start(self, extra_env: dict[str, str] | None = None) -> WorkerProcess:
        log = self.folder / f"worker-{len(self.workers) + 1}.log"
        with log.open("wb") as output:
            process = subprocess.Popen([sys.executable, "-m", "clerk", "worker"], cwd=PROJECT,
                                       env={**self.env, **(extra_env or {})}, stdout=output,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        worker = WorkerProcess(process, log)
        self.workers.append(worker)
        deadline = time.monotonic() + 180
        while " ready." not in worker.text():
            assert process.poll() is None, f"the worker ended at start:\n{worker.text()}"
            assert time.monotonic() < deadline, f"the worker did not get ready:\n{worker.text()}"
            time.sleep(0.5)
        return worker

    def stop_all(self) -> None:
        for worker in self.workers:
            worker.signal_group(signal.SIGTERM)
        for worker in self.workers:
            try:
                worker.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                worker.signal_group(signal.SIGKILL)
                worker.process.wait(timeout=30)


@pytest.fixture
def fleet(clerk_env: dict[str, str], tmp_path: Path) -> Iterator[Fleet]:
    """Workers on a queue of this test's own; the run uses the same queue (CLERK_CELERY__QUEUE)."""
    with Connection(broker_url(), connect_timeout=5) as connection:
        connection.ensure_connection(max_retries=1)  # a clear failure when the broker is down
    clerk_env["CLERK_CELERY__QUEUE"] = f"e2e-{uuid.uuid4().hex[:8]}"
    crew = Fleet(clerk_env, tmp_path)
    yield crew
    crew.stop_all()
