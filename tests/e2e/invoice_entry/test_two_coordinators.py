"""The same workbook started twice at once, on two machines sharing the PostgreSQL ledger:
every invoice is posted to LedgerSMB exactly once, and a rerun completes the file.

The second machine is a process with a host name of its own (``unshare --uts``), so the
two runs can judge each other only by their leases in the shared ledger."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.workbooks import read_results, write_workbook

from .conftest import ClerkRunner, ap_rows, invoice

pytestmark = pytest.mark.e2e
INVOICES = range(1, 7)


def machine(clerk: ClerkRunner, root: Path, workbook: Path, pg_url: str, *, host: str | None) -> subprocess.Popen[bytes]:
    """``clerk run invoice_entry`` on a copy of ``workbook`` in ``root``, with its own data folder."""
    root.mkdir()
    copy = shutil.copy(workbook, root / workbook.name)
    clerk.env = {**clerk.env, "CLERK_LEDGER__URL": pg_url, "CLERK_CLERK__DATA_DIR": str(root / "var"),
                 "CLERK_CLERK__RECORDINGS_DIR": str(root / "recordings")}
    command = clerk.command("run", "invoice_entry", "--input", str(copy))
    if host:
        command = ["unshare", "--uts", "sh", "-c", f'hostname {host} && exec "$0" "$@"', *command]
    with (root / "run.log").open("wb") as log:
        return subprocess.Popen(command, env=clerk.env, cwd=root, stdout=log, stderr=subprocess.STDOUT)


def test_the_same_file_started_twice_at_once_posts_each_invoice_once(
        clerk: ClerkRunner, prefix: str, tmp_path: Path, pg_url: str) -> None:
    workbook = write_workbook(tmp_path / "invoices.xlsx", [invoice(prefix, n) for n in INVOICES])
    first = machine(clerk, tmp_path / "machine-a", workbook, pg_url, host=None)
    second = machine(clerk, tmp_path / "machine-b", workbook, pg_url, host="machine-b")
    codes = [first.wait(timeout=900), second.wait(timeout=900)]
    logs = {name: (tmp_path / name / "run.log").read_text(errors="replace") for name in ("machine-a", "machine-b")}
    assert set(codes) <= {0, 3}, logs  # 3: rows the other machine held are reported failed, to be rerun

    numbers = [row.invnumber for row in ap_rows(prefix)]
    assert numbers == [f"{prefix}{n:03d}" for n in INVOICES], f"posted: {numbers}\n{logs}"
    statuses = [[str(r["status"]) for r in read_results(tmp_path / name / "invoices.results.xlsx")]
                for name in ("machine-a", "machine-b")]
    for row, pair in enumerate(zip(*statuses, strict=True), start=2):
        assert "done" in pair or "already_present" in pair, f"row {row}: {pair}\n{logs}"

    rerun = subprocess.run(clerk.command("run", "invoice_entry", "--input", str(tmp_path / "machine-b" / "invoices.xlsx")),
                           env=clerk.env, cwd=tmp_path, capture_output=True, text=True, timeout=900, check=False)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert [row.invnumber for row in ap_rows(prefix)] == [f"{prefix}{n:03d}" for n in INVOICES]
