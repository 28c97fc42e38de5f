"""A run's verification is computed by `clerk audit verify`'s code once, and again only
when something in its folder changed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from clerk._ledger import Ledger, RunStatus
from clerk.audit import _verify
from clerk.audit._verify import Verification
from clerk.webconsole._verdicts import Verdicts
from tests.audit_helpers import make_run
from tests.console.conftest import Seeded, sign_in


def _sealed_run(seeded: Seeded) -> tuple[str, Path]:
    ledger = Ledger(seeded.project / "var" / "ledger.sqlite3")
    try:
        run, _ = ledger.open_run("invoice_entry", str(seeded.project / "in.xlsx"), "0" * 64,
                                 seeded.project / "recordings" / "invoice_entry")
        ledger.finish_run(run.id, RunStatus.COMPLETED, {"done": 2, "failed": 1})
    finally:
        ledger.close()
    folder = make_run(seeded.project, run_id=run.id).folder
    assert str(folder) == run.recording_dir
    return run.id, folder


@pytest.fixture
def hashed(seeded: Seeded, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The folders `clerk audit verify`'s code hashed, in order (the real code runs)."""
    seen: list[Path] = []

    def counted(folder: Path) -> Verification:
        seen.append(folder)
        return _verify.verify_run(folder)

    seeded.console.verdicts = Verdicts(verify=counted)
    return seen


def test_an_unchanged_run_is_not_hashed_again_and_a_changed_screenshot_is_shown(
        seeded: Seeded, hashed: list[Path]) -> None:
    run_id, folder = _sealed_run(seeded)
    sign_in(seeded.client, "aud1")
    first = seeded.client.get(f"/runs/{run_id}").text
    assert '<span class="ok">intact</span>' in first
    assert seeded.client.get(f"/runs/{run_id}").text == first
    assert seeded.client.get(f"/runs/{run_id}?page=1&status=done").status_code == 200
    assert hashed == [folder]  # three opens, one verification

    shot = folder / "shots" / "row-00002" / "01-ledgersmb-step-1.png"
    before = shot.stat()
    data = shot.read_bytes()
    shot.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))  # same size,
    os.utime(shot, ns=(before.st_atime_ns, before.st_mtime_ns))  # and its old modification time
    changed = seeded.client.get(f"/runs/{run_id}").text
    assert '<span class="bad">changed</span>' in changed
    assert "shots/row-00002/01-ledgersmb-step-1.png: its content changed since the run was sealed" in changed
    assert hashed == [folder, folder]
