"""A run killed with SIGKILL after logging in leaves the LedgerSMB password nowhere on disk.

Playwright writes each traced call to its scratch files as it happens; a killed run never
cleans them up. So the password is never traced at all, the scratch files stay in the
run's folder (not TMPDIR), and resuming the run clears what the killed one left.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.audit_helpers import find_secrets
from tests.workbooks import write_workbook

from .conftest import PROJECT, SANDBOX_PASSWORD

pytestmark = pytest.mark.e2e


def _invoice(prefix: str, n: int) -> list[object]:
    return ["Globex Telecom LLC", f"{prefix}{n:03d}", dt.datetime(2026, 10, n + 1), f"2026-11-{n + 1:02d}",
            f"{200 + n}.50", "5780", f"clerk killed-run e2e {prefix}{n:03d}"]


def _wait_until(condition: Callable[[], bool], what: str, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.1)  # polling the run's files from the test, not synchronizing the bot


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and text.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.fixture
def private_tmp() -> Iterator[Path]:
    """The runs' own TMPDIR (short: Chromium puts a socket in it); any browser left over by
    the killed run is ended afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="clerk-kr-", dir="/tmp"))
    yield folder
    for pid in _processes_mentioning(str(folder)):  # only processes started with this private TMPDIR
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    shutil.rmtree(folder, ignore_errors=True)


def test_a_killed_run_leaves_no_password_and_its_resumption_clears_the_rest(tmp_path: Path,
                                                                            private_tmp: Path) -> None:
    prefix = f"KR{uuid.uuid4().hex[:8].upper()}-"
    env = {name: value for name, value in os.environ.items() if not name.startswith("CLERK_")}
    env.update({
        "CLERK_HOME": str(PROJECT), "CLERK_LEDGERSMB_USER": "admin", "CLERK_LEDGERSMB_PASSWORD": SANDBOX_PASSWORD,
        "CLERK_CLERK__DATA_DIR": str(tmp_path / "var"), "CLERK_CLERK__RECORDINGS_DIR": str(tmp_path / "recordings"),
        "CLERK_AUDIT__TRACES": "all", "TMPDIR": str(private_tmp),
    })
    workbook = write_workbook(tmp_path / "invoices.xlsx", [_invoice(prefix, n) for n in (1, 2, 3)])
    command = [sys.executable, "-m", "clerk", "-v", "run", "invoice_entry", "--input", str(workbook)]
    with (tmp_path / "killed.log").open("wb") as log:
        process = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    events = tmp_path / "recordings" / "invoice_entry"

    def logged_in_and_working() -> bool:
        if process.poll() is not None:
            raise AssertionError((tmp_path / "killed.log").read_text())
        return any('"audit": "step"' in path.read_text(encoding="utf-8") for path in events.glob("*/events.jsonl"))

    _wait_until(logged_in_and_working, "the run has logged in and recorded its first step")
    os.killpg(process.pid, signal.SIGKILL)  # the run, its Playwright driver: nobody cleans up
    process.wait()
    (folder,) = events.iterdir()

    assert find_secrets([private_tmp, folder], [SANDBOX_PASSWORD]) == []
    assert not list(private_tmp.glob("playwright-artifacts-*"))
    chunks = list((folder / ".playwright").rglob("*.trace"))
    assert chunks, "the trace was not written to the run's folder"
    assert any(b'"method":"fill"' in chunk.read_bytes() for chunk in chunks)  # the item's typing was traced

    resumed = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600,
                             check=False)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "resum" in resumed.stderr and list(events.iterdir()) == [folder]
    assert not (folder / ".playwright").exists()
    assert find_secrets([private_tmp, folder, tmp_path / "var"], [SANDBOX_PASSWORD]) == []
    verified = subprocess.run([sys.executable, "-m", "clerk", "audit", "verify", str(folder)], env=env,
                              cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr
