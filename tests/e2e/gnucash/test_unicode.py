"""Any text a workbook holds goes into GnuCash as it is, even while GnuCash lags."""

from __future__ import annotations

import csv
import datetime as dt
import os
import signal
import subprocess
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from tests.workbooks import INVOICE_HEADER
from tests.workbooks import read_results as results

from .conftest import CLERK, PROJECT, Row, bills, clerk, gnucash_pid, wait_for_title, write_workbook

pytestmark = pytest.mark.e2e
VENDOR = "Ærø Müller & Søn ApS"  # seeded by sandbox/gnucash-up.sh, as is Expenses:Bürobedarf


def test_text_outside_ascii_is_entered_exactly_while_gnucash_lags(
        tmp_path: Path, prefix: str, clerk_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XAUTHORITY", clerk_env["XAUTHORITY"])
    rows = [
        Row(VENDOR, f"{prefix}001", dt.date(2026, 9, 1), dt.date(2026, 10, 1), Decimal("980.00"),
            "Bürobedarf", "Beratung – Müller & Søn, №7 ✓"),
        Row("Globex Telecom LLC", f"{prefix}002", dt.date(2026, 9, 2), dt.date(2026, 10, 2), Decimal("12.50"),
            "Telephone", "beratung – müller"),  # a prefix of the line before, in another case: no quickfill
        Row(VENDOR, f"{prefix}003", dt.date(2026, 9, 3), dt.date(2026, 10, 3), Decimal("3.00"),
            "Expenses:Bürobedarf", "Kaffe og wienerbrød 😀 é å æ"),
    ]
    workbook = write_workbook(tmp_path / "invoices.xlsx", rows)
    args = [*CLERK, "run", "invoice_entry", "--target", "gnucash", "--input", str(workbook)]
    output = tmp_path / "clerk.out"
    with output.open("w") as sink, subprocess.Popen(args, env=clerk_env, cwd=PROJECT, stdout=sink,
                                                    stderr=subprocess.STDOUT) as run:
        try:
            # GnuCash stops for a moment while the first bill is typed: it reads its keys late, as a busy one would
            wait_for_title(clerk_env["DISPLAY"], f"Edit Bill - {prefix}001", run)
            gnucash = gnucash_pid(clerk_env["DISPLAY"])
            os.kill(gnucash, signal.SIGSTOP)
            resume = threading.Timer(4, os.kill, (gnucash, signal.SIGCONT))  # the rest of the bill waits
            resume.start()
            resume.join()
            run.wait(timeout=240)
        finally:
            if run.poll() is None:
                run.kill()
    assert run.returncode == 0, output.read_text()

    report = results(workbook.with_name("invoices.results.xlsx"))
    assert [r["status"] for r in report] == ["done", "done", "done"]
    saved = bills(prefix)
    assert [(b.id, b.vendor.name, [(line.account, line.description) for line in b.lines]) for b in saved] == [
        (f"{prefix}001", VENDOR, [("Expenses:Bürobedarf", "Beratung – Müller & Søn, №7 ✓")]),
        (f"{prefix}002", "Globex Telecom LLC", [("Expenses:Telephone", "beratung – müller")]),
        (f"{prefix}003", VENDOR, [("Expenses:Bürobedarf", "Kaffe og wienerbrød 😀 é å æ")]),
    ]
    assert [r["gnucash_bill"] for r in report] == [b.ref for b in saved]


def test_what_a_bill_line_cannot_hold_is_refused_before_anything_is_entered(
        tmp_path: Path, prefix: str, clerk_env: dict[str, str]) -> None:
    # U+FFFE is no XML 1.0 character: a workbook cannot even carry it, a CSV file can
    source = tmp_path / "invoices.csv"
    with source.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([
            INVOICE_HEADER,
            [VENDOR, f"{prefix}001", "2026-09-01", "2026-10-01", "10.00", "Bürobedarf", "Søn ✓"],
            [VENDOR, f"{prefix}002", "2026-09-01", "2026-10-01", "20.00", "Bürobedarf", "Søn\ufffe"],
        ])
    result = clerk(clerk_env, "--input", str(source))
    assert result.returncode == 1, result.stdout + result.stderr
    said = result.stdout + result.stderr  # (the results workbook copies the cell, so it holds no XML either)
    assert "row 3: invalid: column 'Description': 'Søn\\ufffe' holds characters a GnuCash bill line cannot hold " \
           "(U+FFFE)" in said
    assert bills(prefix) == []
