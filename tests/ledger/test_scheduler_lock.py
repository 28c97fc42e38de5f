"""The scheduler lock on the sandbox's PostgreSQL: one holder, a standby that can name it,
and a leader told at once when its database session is gone."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import sqlalchemy as sa

from clerk._ledger_config import LedgerSettings
from clerk._ledger_db import create_ledger_engine, parse_url
from clerk.scheduler._leadership import SchedulerLeadership, lock_key, runner_name, scheduler_holder
from tests.waiting import wait_until

POLL = dt.timedelta(seconds=1)


def shared(pg_url: str) -> LedgerSettings:
    return LedgerSettings(url=pg_url, sqlite_file=Path("unused.sqlite3"))


def test_one_runner_holds_the_lock_and_a_standby_names_it(pg_url: str) -> None:
    with SchedulerLeadership(shared(pg_url), on_lost=print, poll=POLL) as leader, \
            SchedulerLeadership(shared(pg_url), on_lost=print, poll=POLL) as standby:
        leader.wait_until_leader()
        assert not standby._try_lock()
        assert standby.holder() == runner_name() == scheduler_holder(shared(pg_url))
    # the holder's server process ends after its client has closed the session, and frees the lock then
    wait_until(lambda: scheduler_holder(shared(pg_url)) is None, "no holder")  # what clerk status shows then
    with SchedulerLeadership(shared(pg_url), on_lost=print, poll=POLL) as after:
        assert after._try_lock(), "the lock was not freed when its holder closed"


def test_a_leader_whose_session_ends_is_told_and_the_lock_is_free(pg_url: str) -> None:
    lost: list[str] = []
    told = threading.Event()

    def on_lost(reason: str) -> None:
        lost.append(reason)
        told.set()

    with SchedulerLeadership(shared(pg_url), on_lost=on_lost, poll=POLL) as leader:
        leader.wait_until_leader()
        admin = create_ledger_engine(parse_url(pg_url))
        try:
            with admin.begin() as db:  # what a restart of PostgreSQL, or a cut network, does to the session
                db.execute(sa.text("SELECT pg_terminate_backend(l.pid) FROM pg_locks l WHERE l.locktype = 'advisory'"
                                   " AND l.objid = :key AND l.granted"), {"key": lock_key(db)})
        finally:
            admin.dispose()
        assert told.wait(60), "the leader never noticed its session was gone"
        assert lost[0].startswith("lost the scheduler lock")
        with SchedulerLeadership(shared(pg_url), on_lost=print, poll=POLL) as successor:
            # the terminated server process may still be exiting when its client learns of it
            wait_until(successor._try_lock, "the successor getting the lock")


def test_ledgers_in_two_schemas_of_one_database_each_have_their_scheduler(pg_url: str) -> None:
    other = pg_url.replace("search_path%3D", "search_path%3Dother_")  # a schema that need not exist
    with SchedulerLeadership(shared(pg_url), on_lost=print, poll=POLL) as here, \
            SchedulerLeadership(shared(other), on_lost=print, poll=POLL) as there:
        assert here._try_lock() and there._try_lock()


def test_a_standby_with_a_wrong_schedule_refuses_at_start_not_at_takeover(pg_url: str, tmp_path: Path,
                                                                         checkout: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(checkout / "config", project / "config")
    (project / "config" / "schedule.toml").write_text('[jobs.nightly]\nbot = "no_such_bot"\ninterval_s = 60\n')
    environ = {**os.environ, "CLERK_HOME": str(project), "CLERK_LEDGER__URL": pg_url,
               "CLERK_CLERK__DATA_DIR": str(tmp_path / "var")}
    with SchedulerLeadership(shared(pg_url), on_lost=print, poll=POLL) as leader:
        leader.wait_until_leader()  # another runner schedules: this one would wait as a standby
        standby = subprocess.run([sys.executable, str(checkout / "runner.py")], env=environ, cwd=project,
                                 capture_output=True, text=True, timeout=120, check=False)
    assert standby.returncode == 2 and "no_such_bot" in standby.stdout + standby.stderr, standby
