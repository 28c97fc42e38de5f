"""Real outages for the fleet's reliability tests: the sandbox's RabbitMQ node stopped and
started again, and a PostgreSQL server of the test's own crashed and started again.

RabbitMQ is shared with other tests running at the same time, so only its application is
stopped (``rabbitmqctl stop_app``; the Erlang node, users, durable queues and persistent
messages stay), for a few seconds, and it is always started again. The ledger's PostgreSQL
of the sandbox is the cluster LedgerSMB's database lives in, so the ledger test runs a
throwaway server (initdb + pg_ctl of Debian's PostgreSQL 15) on a free loopback port,
owned by the postgres user, and crashes that one.
"""

from __future__ import annotations

import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _as(user: str, command: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["su", user, "-s", "/bin/sh", "-c", command], capture_output=True, text=True,
                          timeout=timeout, check=False)


def rabbitmqctl(*args: str) -> str:
    done = _as("rabbitmq", "ERL_EPMD_ADDRESS=127.0.0.1 rabbitmqctl -n rabbit@localhost " + shlex.join(args))
    assert done.returncode == 0, f"rabbitmqctl {' '.join(args)}: {done.stdout}{done.stderr}"
    return done.stdout


@contextmanager
def broker_stopped() -> Iterator[None]:
    """RabbitMQ's application stopped (every connection closed, nothing accepted) until the block ends."""
    rabbitmqctl("stop_app")
    try:
        yield
    finally:
        rabbitmqctl("start_app")
        rabbitmqctl("await_startup", "--timeout", "120")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ThrowawayPostgres:
    folder: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://clerk_ledger@127.0.0.1:{self.port}/clerk_ledger"

    def _pg_ctl(self, *args: str) -> None:
        done = _as("postgres", shlex.join([str(PG_BIN / "pg_ctl"), "-D", str(self.folder / "data"), *args]))
        assert done.returncode == 0, f"pg_ctl {' '.join(args)}: {done.stdout}{done.stderr}\n{self.log()}"

    def log(self) -> str:
        path = self.folder / "server.log"
        return path.read_text(errors="replace")[-4000:] if path.is_file() else ""

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder}"
        self._pg_ctl("-l", str(self.folder / "server.log"), "-o", options, "-w", "-t", "120", "start")

    def crash(self) -> None:
        """Stop the server the way a crash does: no checkpoint, every session cut at once."""
        self._pg_ctl("-m", "immediate", "-w", "stop")


@pytest.fixture
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    """A PostgreSQL server of this test's own with the role and database clerk_ledger (trust on loopback)."""
    folder = Path(tempfile.mkdtemp(prefix="clerk-pg-"))
    shutil.chown(folder, "postgres", "postgres")
    server = ThrowawayPostgres(folder, _free_port())
    made = _as("postgres", shlex.join([str(PG_BIN / "initdb"), "-D", str(folder / "data"), "-U", "clerk_ledger",
                                       "-A", "trust", "--no-sync"]))
    assert made.returncode == 0, made.stdout + made.stderr
    server.start()
    try:
        created = _as("postgres", shlex.join([str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(server.port),
                                              "-U", "clerk_ledger", "clerk_ledger"]))
        assert created.returncode == 0, created.stdout + created.stderr
        yield server
    finally:
        _as("postgres", shlex.join([str(PG_BIN / "pg_ctl"), "-D", str(folder / "data"), "-m", "immediate", "stop"]))
        shutil.rmtree(folder, ignore_errors=True)
