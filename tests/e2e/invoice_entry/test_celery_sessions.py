"""A `clerk worker` keeps its LedgerSMB session across runs, and says it is alive while idle."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from tests.workbooks import read_results, write_workbook

from .conftest import ClerkRunner, ap_rows, invoice, psql
from .fleet import Fleet, fleet  # noqa: F401 - the fixture

pytestmark = pytest.mark.e2e

HEADER = ["vendor", "invoice_number", "invoice_date", "due_date", "amount", "account", "description"]


def run_events(results_path: Path) -> list[dict[str, Any]]:
    results = read_results(results_path)
    folder = Path(str(results[0]["screenshots"])).parents[1]
    return [json.loads(line)["record"] for line in (folder / "events.jsonl").read_text().splitlines()]


def sessions() -> dict[int, float]:
    """LedgerSMB's sessions: id -> when last used (the database's clock)."""
    return {int(r[0]): float(r[1]) for r in psql("SELECT session_id, extract(epoch FROM last_used) FROM session")}


def db_now() -> float:
    [[now]] = psql("SELECT extract(epoch FROM now()::timestamp)")
    return float(now)


def logins(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The workers' logins (the run itself logs in too, for preflight)."""
    return [e for e in events if "logging in" in str(e["message"]) and e["extra"].get("worker")]


def test_a_worker_keeps_its_ledgersmb_session_from_one_run_to_the_next(
    clerk: ClerkRunner, fleet: Fleet, prefix: str, tmp_path: Path
) -> None:
    worker = fleet.start()
    first_book = write_workbook(tmp_path / "first.xlsx", [invoice(prefix, n) for n in (1, 2)], HEADER)
    second_book = write_workbook(tmp_path / "second.xlsx", [invoice(prefix, n) for n in (3, 4)], HEADER)

    before = set(sessions())
    first = clerk("run", "invoice_entry", "--input", str(first_book), "--on", "celery")
    assert first.returncode == 0, first.stdout + first.stderr
    between = db_now()
    made_in_first = set(sessions()) - before  # the worker's login, and any other test's made meanwhile
    second = clerk("run", "invoice_entry", "--input", str(second_book), "--on", "celery")
    assert second.returncode == 0, second.stdout + second.stderr

    assert [r.invnumber for r in ap_rows(prefix)] == [f"{prefix}{n:03d}" for n in (1, 2, 3, 4)]  # once each
    assert [r["status"] for r in read_results(tmp_path / "second.results.xlsx")] == ["done", "done"]
    worked_first = run_events(tmp_path / "first.results.xlsx")
    worked_second = run_events(tmp_path / "second.results.xlsx")
    assert len([e for e in logins(worked_first) if "logging in to ledgersmb" in str(e["message"])]) == 1
    assert logins(worked_second) == [], logins(worked_second)  # neither a first login nor a recovered one
    kept = [e for e in worked_second if "keeping the sessions logged in" in str(e["message"])]
    assert len(kept) == 1, [e["message"] for e in worked_second]
    assert worker.process.poll() is None  # the same worker process did both runs
    after = sessions()  # LedgerSMB saw a session made during the first run used again in the second
    assert any(after.get(session, 0.0) > between for session in made_in_first), (made_in_first, between, after)


def test_a_new_run_logs_in_again_when_the_app_dropped_the_session(
    clerk: ClerkRunner, fleet: Fleet, prefix: str, tmp_path: Path
) -> None:
    """The worker's session is gone in LedgerSMB between two runs: the next run's first item
    sees the login form on the home screen and logs in again, and its invoices go in once."""
    before = set(sessions())
    worker = fleet.start()
    first_book = write_workbook(tmp_path / "first.xlsx", [invoice(prefix, 1)], HEADER)
    first = clerk("run", "invoice_entry", "--input", str(first_book), "--on", "celery")
    assert first.returncode == 0, first.stdout + first.stderr
    ended = db_now()
    # the worker's session: made during the first run and idle since it ended (a session another
    # test made meanwhile and still uses is left alone; an idle one of an ended run harms nobody)
    idle = [session for session, used in sessions().items() if session not in before and used <= ended]
    assert idle, "the worker's login made no LedgerSMB session"
    psql(f"DELETE FROM session WHERE session_id IN ({', '.join(map(str, sorted(idle)))})")

    second_book = write_workbook(tmp_path / "second.xlsx", [invoice(prefix, 2)], HEADER)
    second = clerk("run", "invoice_entry", "--input", str(second_book), "--on", "celery")
    assert second.returncode == 0, second.stdout + second.stderr
    assert [r.invnumber for r in ap_rows(prefix)] == [f"{prefix}001", f"{prefix}002"]
    assert [r["status"] for r in read_results(tmp_path / "second.results.xlsx")] == ["done"]
    assert logins(run_events(tmp_path / "second.results.xlsx")), "the second run did not notice the lost session"
    worked_second = run_events(tmp_path / "second.results.xlsx")
    assert [e for e in worked_second if "keeping the sessions logged in" in str(e["message"])], worker.text()


def test_status_shows_a_live_worker_and_marks_it_gone_once_its_heartbeat_stops(
    clerk: ClerkRunner, fleet: Fleet
) -> None:
    fleet.env["CLERK_CELERY__HEARTBEAT_S"] = "2"
    worker = fleet.start()
    name = f"clerk-{worker.process.pid}@"
    deadline = time.monotonic() + 60
    while True:
        status = clerk("status", "--fleet")
        assert status.returncode == 0, status.stderr
        line = next((line for line in status.stdout.splitlines() if name in line), "")
        if "alive" in line:
            break
        assert time.monotonic() < deadline, status.stdout
    assert "idle" in line, status.stdout  # no item in its hands
    assert f"{fleet.env['CLERK_CELERY__QUEUE']}: 0 item(s) waiting" in status.stdout, status.stdout
    seen_first = line

    # an idle worker's heartbeat moves on by itself (every 2 s; a busy machine may delay a beat)
    deadline = time.monotonic() + 60
    while (later := next(line for line in clerk("status", "--fleet").stdout.splitlines() if name in line)) == seen_first:
        assert time.monotonic() < deadline, f"the heartbeat did not move on: {later}"
    assert "alive" in later, (seen_first, later)

    worker.signal_group(signal.SIGKILL)
    worker.process.wait(timeout=30)
    deadline = time.monotonic() + 60
    while True:
        status = clerk("status", "--fleet")
        line = next((line for line in status.stdout.splitlines() if name in line), "")
        if "gone" in line:
            break
        assert "alive" in line or not line, status.stdout
        assert time.monotonic() < deadline, status.stdout
