"""Fixtures for invoice_entry's GnuCash target against the real GnuCash of the sandbox
(sandbox/gnucash-up.sh, DISPLAY=:77). Bills are checked in the saved book on disk.

Every test uses invoice numbers with its own random prefix and its own data and
recordings folders, so tests never see each other's bills or ledger entries.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from Xlib import Xatom

from clerk._config import load_settings
from clerk.desktop._x11 import XDisplay
from clerk_bots.invoice_entry.gnucash_book import Bill, GnuCashBook
from tests import workbooks
from tests.clerk_result import ClerkResult

PROJECT = Path(__file__).resolve().parents[3]
CLERK = [sys.executable, "-c", "from clerk.cli import main; main()"]


def book_path() -> Path:
    return Path(load_settings(PROJECT).app("gnucash")["book"])


def bills(prefix: str) -> list[Bill]:
    """The bills of the saved book whose Bill ID starts with ``prefix``, by ID and vendor."""
    found = [b for b in GnuCashBook.read(book_path()).bills if b.id.startswith(prefix)]
    return sorted(found, key=lambda b: (b.id, b.vendor.name))


@dataclass(frozen=True)
class Row:
    vendor: str
    number: str
    invoice_date: dt.date
    due_date: dt.date
    amount: Decimal
    account: str
    description: str

    def cells(self) -> list[Any]:
        return [self.vendor, self.number, self.invoice_date, self.due_date, float(self.amount), self.account,
                self.description]


def write_workbook(path: Path, rows: Sequence[Row]) -> Path:
    return workbooks.write_workbook(path, [row.cells() for row in rows])


@pytest.fixture
def prefix() -> str:
    return f"G{uuid.uuid4().hex[:8].upper()}-"


@pytest.fixture
def clerk_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DISPLAY", ":77")
    env.setdefault("XAUTHORITY", "/var/lib/gnucash-peer/empty.Xauthority")
    env.update({
        "CLERK_HOME": str(PROJECT),
        "CLERK_CLERK__DATA_DIR": str(tmp_path / "var"),
        "CLERK_CLERK__RECORDINGS_DIR": str(tmp_path / "recordings"),
        "CLERK_BOTS__INVOICE_ENTRY__GNUCASH_ACCOUNTS__5780": "Expenses:Telephone",
    })
    return env


def clerk(env: dict[str, str], *args: str, timeout: float = 240) -> ClerkResult:
    """``clerk run invoice_entry --target gnucash ARGS`` in a subprocess."""
    done = subprocess.run([*CLERK, "run", "invoice_entry", "--target", "gnucash", *args], env=env, cwd=PROJECT,
                          capture_output=True, text=True, timeout=timeout, check=False)
    return ClerkResult(done.returncode, done.stdout, done.stderr)


def wait_for_title(display: str, part: str, process: subprocess.Popen[Any], timeout: float = 120) -> None:
    """Wait until a window title holds ``part`` while ``process`` (clerk) still runs."""
    x = XDisplay(display)
    try:
        deadline = time.monotonic() + timeout
        while not any(part in w.title for w in x.windows()):
            assert process.poll() is None, f"clerk ended before a window title held {part!r}"
            assert time.monotonic() < deadline, f"no window title with {part!r} appeared"
            time.sleep(0.02)
    finally:
        x.close()


def gnucash_pid(display: str) -> int:
    """The process id of the GnuCash that shows the book's main window (its _NET_WM_PID)."""
    x = XDisplay(display)
    try:
        (main,) = [w for w in x.windows() if re.fullmatch(r"\*?acme\.gnucash - .+ - GnuCash", w.title)]
        raw = x._display
        window = raw.create_resource_object("window", main.id)
        return int(window.get_full_property(raw.intern_atom("_NET_WM_PID"), Xatom.CARDINAL).value[0])
    finally:
        x.close()


@pytest.fixture
def gnucash_back() -> Iterator[None]:
    """For a test that kills GnuCash: it is running again afterwards, whatever happened."""
    yield
    subprocess.run(["bash", str(PROJECT / "sandbox" / "gnucash-up.sh")], capture_output=True, check=True, timeout=180)
