"""``clerk audit prune`` asks the shared PostgreSQL ledger which old runs it still needs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from clerk._ledger import ItemState, Ledger, RunStatus
from clerk.audit import plan_prune
from tests.audit_helpers import make_run

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
OLD = NOW - dt.timedelta(days=120)


def test_prune_keeps_what_the_shared_ledger_still_needs(pg_url: str, tmp_path: Path) -> None:
    ledger = Ledger(pg_url)
    try:
        ids = {}
        for name, failed, status in (("resolved", (), RunStatus.COMPLETED), ("unresolved", (3,), RunStatus.COMPLETED),
                                     ("running", (), RunStatus.RUNNING)):
            run, _ = ledger.open_run("invoice_entry", "in.xlsx", f"sha-{name}", tmp_path / "recordings" / "invoice_entry")
            for row in (2, 3):
                ledger.claim("invoice_entry", f"{name}-{row}", run.id)
                ledger.settle("invoice_entry", f"{name}-{row}", run.id,
                              ItemState.FAILED if row in failed else ItemState.DONE)
            if status is not RunStatus.RUNNING:
                ledger.finish_run(run.id, status, {})
            make_run(tmp_path, run_id=run.id, items=2, shots=1, failed=failed, ended=OLD)
            ids[name] = run.id
    finally:
        ledger.close()
    by_run = {d.run_id: d for d in plan_prune(tmp_path / "recordings", pg_url, dt.timedelta(days=90), now=NOW)}
    assert by_run[ids["resolved"]].delete
    assert not by_run[ids["unresolved"]].delete and "1 failed item(s) not yet rerun" in by_run[ids["unresolved"]].reason
    assert not by_run[ids["running"]].delete and "still running" in by_run[ids["running"]].reason
