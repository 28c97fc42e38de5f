"""Fixtures for invoice_entry against the real LedgerSMB of the sandbox (sandbox/ledgersmb-up.sh).

Every test works on invoice numbers with its own random prefix and on its own data and
recordings folders, so tests never see each other's rows.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from tests.clerk_result import ClerkResult
from tests.ledgersmb_db import psql

PROJECT = Path(__file__).resolve().parents[3]
SANDBOX_PASSWORD = "Admin123!"  # the sandbox's seeded login, public test data


@dataclass(frozen=True)
class ApRow:
    id: int
    vendor: str
    invnumber: str
    transdate: dt.date
    duedate: dt.date
    amount: Decimal
    expense_account: str


def ap_rows(prefix: str) -> list[ApRow]:
    """AP transactions whose invoice number starts with ``prefix``, straight from the database."""
    rows = psql(
        "SELECT a.id, e.name, a.invnumber, a.transdate, a.duedate, a.amount, acc.accno "
        "FROM ap a JOIN entity_credit_account eca ON eca.id = a.entity_credit_account "
        "JOIN entity e ON e.id = eca.entity_id "
        "JOIN acc_trans t ON t.trans_id = a.id JOIN account acc ON acc.id = t.chart_id "
        f"WHERE a.invnumber LIKE '{prefix}%' AND acc.accno <> '2100' ORDER BY a.invnumber, a.id"
    )
    return [ApRow(int(r[0]), r[1], r[2], dt.date.fromisoformat(r[3]), dt.date.fromisoformat(r[4]),
                  Decimal(r[5]), r[6]) for r in rows]


@pytest.fixture
def prefix() -> str:
    return f"T{uuid.uuid4().hex[:8].upper()}-"


@pytest.fixture
def clerk_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "CLERK_HOME": str(PROJECT),
        "CLERK_LEDGERSMB_USER": "admin",
        "CLERK_LEDGERSMB_PASSWORD": SANDBOX_PASSWORD,
        "CLERK_CLERK__DATA_DIR": str(tmp_path / "var"),
        "CLERK_CLERK__RECORDINGS_DIR": str(tmp_path / "recordings"),
    })
    return env


class ClerkRunner:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "clerk", *args]

    def __call__(self, *args: str, extra_env: dict[str, str] | None = None) -> ClerkResult:
        done = subprocess.run(self.command(*args), env={**self.env, **(extra_env or {})},
                              capture_output=True, text=True, timeout=600, cwd=PROJECT, check=False)
        return ClerkResult(done.returncode, done.stdout, done.stderr)

    def start(self, *args: str, log: Path) -> subprocess.Popen[bytes]:
        with log.open("wb") as output:
            return subprocess.Popen(self.command(*args), env=self.env, cwd=PROJECT,
                                    stdout=output, stderr=subprocess.STDOUT)


@pytest.fixture
def clerk(clerk_env: dict[str, str]) -> ClerkRunner:
    return ClerkRunner(clerk_env)


def invoice(prefix: str, n: int, vendor: str = "Globex Telecom LLC", amount: object = "123.45",
            account: object = "5780") -> list[object]:
    return [vendor, f"{prefix}{n:03d}", dt.datetime(2026, 11, n % 27 + 1), f"2026-12-{n % 27 + 1:02d}",
            amount, account, f"clerk e2e {prefix}{n:03d}"]


@pytest.fixture
def recordings(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "recordings"

