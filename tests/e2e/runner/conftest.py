"""Fixtures for the runner against the real LedgerSMB of the sandbox.

Each test gets its own project folder (a copy of config/ and a test-only bot in bots/, used
as CLERK_HOME) with its own schedule, data directory, inbox and recordings, and its own
invoice numbers, so it never sees another test's data. The runner is started as ops
would start it: ``python runner.py`` with no arguments, in a subprocess.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from tests.ledger_reads import query_ledger
from tests.workbooks import INVOICE_HEADER, read_results, write_workbook

REPO = Path(__file__).resolve().parents[3]
SANDBOX_PASSWORD = "Admin123!"  # the sandbox's seeded login, public test data
SMTP_PASSWORD = "smtp-Pa55-for-tests"

HANG_PROBE = '''"""Test-only bot: invoice_entry's checks and search, but entering waits for a LedgerSMB
screen that never comes, the way a hung application would keep a real bot waiting."""

from __future__ import annotations

import dataclasses

from clerk_bots.invoice_entry.bot import APP, BOT as INVOICES
from clerk_bots.invoice_entry.model import Invoice
from clerk import RunContext


def enter(ctx: RunContext, invoice: Invoice) -> str:
    session = ctx.app(APP)
    ctx.snap("before the hang", APP)
    session.web.page.wait_for_selector("#a-screen-that-never-comes", timeout=0)
    return ""


BOT = dataclasses.replace(INVOICES, name="hang_probe", description="hangs while entering", enter=enter)
'''


def wait_until(condition: Callable[[], object], timeout: float, what: str, poll: float = 0.25) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(poll)  # the test polls files and databases; it does not drive an application


def invoice_rows(prefix: str, numbers: Sequence[int]) -> list[list[object]]:
    return [["Globex Telecom LLC", f"{prefix}{n:03d}", dt.datetime(2026, 11, n % 27 + 1), f"2026-12-{n % 27 + 1:02d}",
             f"{100 + n}.25", "5780", f"clerk runner e2e {prefix}{n:03d}"] for n in numbers]


def workbook_bytes(tmp: Path, rows: Sequence[Sequence[object]], header: Sequence[str] = INVOICE_HEADER) -> bytes:
    path = write_workbook(tmp / f"wb-{uuid.uuid4().hex}.xlsx", rows, header)
    data = path.read_bytes()
    path.unlink()
    return data


def result_statuses(path: Path) -> list[str]:
    return [str(row["status"]) for row in read_results(path)]


class Project:
    """A throw-away clerk project (CLERK_HOME) with its own data directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        shutil.copytree(REPO / "config", root / "config")  # the installed bots come with their selectors
        (root / "bots" / "hang_probe").mkdir(parents=True)
        (root / "bots" / "hang_probe" / "bot.py").write_text(HANG_PROBE)
        self.data = root / "var"
        self.env = {name: value for name, value in os.environ.items() if not name.startswith("CLERK_")}
        self.env.update({"CLERK_HOME": str(root), "CLERK_LEDGERSMB_USER": "admin",
                         "CLERK_LEDGERSMB_PASSWORD": SANDBOX_PASSWORD})

    def schedule(self, jobs: str, **defaults: object) -> None:
        settings = {"timezone": "UTC", "settle_s": 1, "calendar": False, "timeout_s": 300, **defaults}
        lines = ["[defaults]", *[f"{k} = {_toml(v)}" for k, v in settings.items()], "", jobs]
        (self.root / "config" / "schedule.toml").write_text("\n".join(lines), encoding="utf-8")

    def inbox(self, job: str) -> Path:
        return self.data / "inbox" / job

    def drop(self, job: str, name: str, data: bytes) -> Path:
        """Drop a file the way a copy tool does: write under a temporary name, then rename."""
        folder = self.inbox(job)
        folder.mkdir(parents=True, exist_ok=True)
        temporary = folder / f".{name}.part"
        temporary.write_bytes(data)
        return temporary.rename(folder / name)

    def clerk(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "clerk", *args], env=self.env, cwd=self.root,
                              capture_output=True, text=True, timeout=120, check=False)

    def ledger(self, sql: str, *args: object) -> list[tuple[object, ...]]:
        return query_ledger(self.data / "ledger.sqlite3", sql, *args)

    def item_states(self, bot: str, prefix: str) -> list[str]:
        return [str(r[0]) for r in self.ledger("SELECT state FROM items WHERE bot=? AND reference LIKE ? "
                                               "ORDER BY reference", bot, f"%{prefix}%")]


class RunnerProcess:
    """``python runner.py`` (no arguments) in the project folder, its output in a file."""

    def __init__(self, project: Project, name: str = "runner") -> None:
        self.project = project
        self.log = project.root / f"{name}-{uuid.uuid4().hex[:6]}.out"
        self._out = self.log.open("w")
        self.process = subprocess.Popen([sys.executable, str(REPO / "runner.py")], env=project.env,
                                        cwd=project.root, stdout=self._out, stderr=subprocess.STDOUT, text=True)

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, text: str, timeout: float = 60) -> None:
        wait_until(lambda: text in self.output or self.process.poll() is not None, timeout, repr(text))
        assert text in self.output, f"the runner ended ({self.process.returncode}) before {text!r}:\n{self.output}"

    def wait(self, timeout: float) -> int:
        try:
            return self.process.wait(timeout)
        finally:
            self._out.close()

    def stop(self, signum: signal.Signals = signal.SIGTERM, timeout: float = 120) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signum)
        return self.wait(timeout)

    def kill(self) -> None:
        self.process.kill()
        self.wait(30)


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return f'"{value}"' if isinstance(value, str) else str(value)


@pytest.fixture
def prefix() -> str:
    return f"R{uuid.uuid4().hex[:8].upper()}-"


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(tmp_path / "project")


@pytest.fixture
def start_runner(project: Project) -> Iterator[Callable[[], RunnerProcess]]:
    started: list[RunnerProcess] = []

    def start() -> RunnerProcess:
        runner = RunnerProcess(project, f"runner{len(started) + 1}")
        started.append(runner)
        return runner

    yield start
    for runner in started:  # never leave a runner (or its runs) behind
        if runner.process.poll() is None:
            runner.process.kill()
        runner.wait(30)
