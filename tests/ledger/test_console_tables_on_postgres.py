"""The console's tables and reads on the shared PostgreSQL ledger (sandbox/ledger-db-up.sh)."""

from __future__ import annotations

from pathlib import Path

from argon2 import PasswordHasher

from clerk._ledger import ItemState, Ledger, RunStatus
from clerk._ledger_db import create_ledger_engine, parse_url
from clerk.scheduler._pauses import JobPauses
from clerk.webconsole._accounts import Accounts, Role
from clerk.webconsole._queries import Reads, RunFilter
from clerk.webconsole._throttle import LoginThrottle


def test_users_actions_pauses_and_reads_on_postgres(pg_url: str, tmp_path: Path) -> None:
    ledger = Ledger(pg_url)  # migrates the fresh schema to the head, the console's tables included
    run, _ = ledger.open_run("invoice_entry", "/in/a.xlsx", "sha", tmp_path)
    ledger.claim("invoice_entry", "globex|PG-1", run.id)
    ledger.settle("invoice_entry", "globex|PG-1", run.id, ItemState.FAILED, message="SELECTOR")
    ledger.record_result(run.id, 2, reference="globex|PG-1", status="failed", app_ref=None, message="SELECTOR")
    ledger.finish_run(run.id, RunStatus.COMPLETED, {"failed": 1})
    ledger.close()
    engine = create_ledger_engine(parse_url(pg_url))
    try:
        accounts = Accounts(engine, PasswordHasher(time_cost=1, memory_cost=1024))
        accounts.add("ops1", Role.OPERATOR, "a-postgres-password")
        user = accounts.check("ops1", "a-postgres-password")
        assert user is not None and user.may_act and accounts.check("ops1", "wrong-password!") is None
        accounts.record(user, "pause", "invoices")
        assert [a.action for a in accounts.actions()] == ["pause"]
        pauses = JobPauses(engine)
        pauses.pause("invoices", by="ops1")
        assert pauses.get("invoices") is not None and pauses.resume("invoices") and pauses.all() == {}
        reads = Reads(engine)
        assert [r.id for r in reads.runs(RunFilter(outcome="failed_items"), 1).rows] == [run.id]
        assert [r["reference"] for r in reads.items("pg-1", 1).rows] == ["globex|PG-1"]
        assert reads.unresolved(run.id) == 1 and reads.run_counts(run.id) == {"failed": 1}
        throttle = LoginThrottle(engine, free=1, base=60.0)
        throttle.failed("user:pg-ops", "address:10.0.0.9")
        throttle.failed("user:pg-ops")
        assert throttle.wait_left("user:pg-ops") > 60.0 and 0 < throttle.wait_left("address:10.0.0.9") <= 60.0
        throttle.succeeded("user:pg-ops")
        throttle.succeeded("address:10.0.0.9")
        assert throttle.wait_left("user:pg-ops", "address:10.0.0.9") == 0.0
    finally:
        engine.dispose()
