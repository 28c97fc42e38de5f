"""A lost LedgerSMB session is recovered by logging in again; no password reaches any file."""

from __future__ import annotations

from pathlib import Path

import pytest

from clerk._config import load_settings
from clerk._outcome import ItemResult, ItemStatus
from clerk._phases import RunPhase
from clerk._run import run_bot
from clerk._run_options import RunOptions
from clerk_bots.invoice_entry.bot import BOT
from tests.ledgersmb_db import psql
from tests.workbooks import write_workbook

from .conftest import PROJECT, SANDBOX_PASSWORD, ClerkRunner, ap_rows, invoice

pytestmark = pytest.mark.e2e


class SessionKiller:
    """After the first item, throw away every LedgerSMB session, as an expiry would."""

    def phase(self, phase: RunPhase, app: str) -> None: ...

    def started(self, total: int, resumed: bool) -> None: ...

    def advanced(self, result: ItemResult) -> None:
        if result.row == 2:
            psql("DELETE FROM session")


def test_expired_session_is_recovered_by_logging_in_again(
    prefix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLERK_LEDGERSMB_USER", "admin")
    monkeypatch.setenv("CLERK_LEDGERSMB_PASSWORD", SANDBOX_PASSWORD)
    settings = load_settings(PROJECT, {"clerk.data_dir": str(tmp_path / "var"), "web.timeout_s": 6,
                                       "clerk.recordings_dir": str(tmp_path / "rec"), "retry.wait_initial_s": 0.1})
    path = write_workbook(tmp_path / "expiry.xlsx", [invoice(prefix, 1), invoice(prefix, 2)])
    report = run_bot(BOT, settings, RunOptions(input_path=path), progress=SessionKiller())
    assert [r.status for r in report.results] == [ItemStatus.DONE, ItemStatus.DONE]
    assert [r.invnumber for r in ap_rows(prefix)] == [f"{prefix}001", f"{prefix}002"]
    events = (report.recording_dir / "events.jsonl").read_text()
    assert "logging in again" in events


def test_no_password_in_any_recording_log_or_output(clerk: ClerkRunner, prefix: str, tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "secret.xlsx", [invoice(prefix, 1), invoice(prefix, 2, vendor="co")])
    result = clerk("-v", "run", "invoice_entry", "--input", str(path), "--skip-invalid")
    assert result.returncode == 1
    needle = SANDBOX_PASSWORD.encode()
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".png" for p in files) and any(p.name == "events.jsonl" for p in files)
    leaks = [str(p) for p in files if needle in p.read_bytes()]
    assert leaks == []
    assert SANDBOX_PASSWORD not in result.stdout + result.stderr
