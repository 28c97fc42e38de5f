"""The scheduler's behaviour under a controlled clock (time-machine): runs missed while the
runner was down are made up once (coalesce) or each (no coalesce) within misfire_grace_time
and reported missed beyond it; a job never runs twice at once (max_instances=1); and the
SQLite job store keeps jobs and their next fire times across restarts.

The scheduler's own thread runs for real; only the wall clock is moved.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine

from clerk.scheduler._apscheduler import JobScheduler, stored_jobs
from clerk.scheduler._spec import IntervalSpec, JobSpec, RetrySpec

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
WAIT = 60.0  # seconds a test waits for the scheduler's thread, at most: it bounds a hang, it times nothing


class Events:
    """Recorder's lists under names that do not shadow the protocol's methods."""

    def __init__(self) -> None:
        self.missed_at: list[dt.datetime] = []
        self.busy_at: list[dt.datetime] = []
        self.caught_up_at: list[dt.datetime] = []
        self.errors: list[str] = []
        self.got_busy = threading.Event()

    def missed(self, job: str, scheduled: dt.datetime) -> None:
        self.missed_at.append(scheduled)

    def busy(self, job: str, scheduled: dt.datetime) -> None:
        self.busy_at.append(scheduled)
        self.got_busy.set()

    def caught_up(self, job: str, scheduled: dt.datetime) -> None:
        self.caught_up_at.append(scheduled)

    def crashed(self, job: str, error: str) -> None:
        self.errors.append(error)


class Calls:
    def __init__(self, release: threading.Event | None = None) -> None:
        self.names: list[str] = []
        self.first = threading.Event()
        self.release = release

    def __call__(self, name: str) -> None:
        self.names.append(name)
        self.first.set()
        if self.release is not None:
            assert self.release.wait(WAIT)


def every_minute(*, coalesce: bool, grace_s: float = 3600,
                 every: dt.timedelta = dt.timedelta(minutes=1)) -> JobSpec:
    return JobSpec(name="invoices", bot="invoice_entry", trigger=IntervalSpec(every=every, timezone="UTC"),
                   inbox=None, queue="Q", target=None, retry=RetrySpec(),
                   timeout=dt.timedelta(hours=1), stop_grace=dt.timedelta(minutes=1),
                   misfire_grace_time=dt.timedelta(seconds=grace_s), coalesce=coalesce, calendar=None)


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def first_start(store: Path, spec: JobSpec) -> None:
    """A runner that registers the job, then goes down before its first fire."""
    scheduler = JobScheduler(store, timezone="UTC", workers=1, events=Events())
    scheduler.start(Calls())
    report = scheduler.sync([spec])
    assert report.added == ["invoices"]
    scheduler.shutdown()


def restart_after(store: Path, spec: JobSpec, clock: time_machine.Coordinates, downtime: dt.timedelta,
                  events: Events) -> list[str]:
    """Start again ``downtime`` later; return the handler calls once the scheduler has caught up."""
    clock.move_to(T0 + downtime)
    calls = Calls()
    scheduler = JobScheduler(store, timezone="UTC", workers=1, events=events)
    scheduler.start(calls)
    try:
        report = scheduler.sync([spec])
        assert list(report.kept) == ["invoices"]
        assert report.kept["invoices"] == T0 + spec.trigger.every  # the store remembers what was due
        scheduler.resume()
        assert calls.first.wait(WAIT)
    finally:
        scheduler.shutdown(wait=True)  # waits until every submitted run time has been worked
    return calls.names


def test_coalesce_makes_up_all_missed_runs_with_one_run(tmp_path: Path, clock: time_machine.Coordinates) -> None:
    store, spec, events = tmp_path / "schedule.sqlite3", every_minute(coalesce=True), Events()
    first_start(store, spec)
    calls = restart_after(store, spec, clock, dt.timedelta(minutes=10, seconds=5), events)
    assert calls == ["invoices"]  # ten due times, one run
    assert events.missed_at == []


def test_a_made_up_run_is_reported_with_the_time_it_was_due(tmp_path: Path, clock: time_machine.Coordinates) -> None:
    spec, events = every_minute(coalesce=True, every=dt.timedelta(hours=1)), Events()
    first_start(tmp_path / "schedule.sqlite3", spec)
    calls = restart_after(tmp_path / "schedule.sqlite3", spec, clock, dt.timedelta(hours=3, minutes=30), events)
    assert calls == ["invoices"]
    assert events.caught_up_at == [T0 + dt.timedelta(hours=3)]  # the latest due time stands for all three


def test_without_coalesce_every_missed_run_within_the_grace_time_runs(tmp_path: Path,
                                                                      clock: time_machine.Coordinates) -> None:
    store, spec, events = tmp_path / "schedule.sqlite3", every_minute(coalesce=False), Events()
    first_start(store, spec)
    calls = restart_after(store, spec, clock, dt.timedelta(minutes=10, seconds=5), events)
    assert calls == ["invoices"] * 10
    assert events.missed_at == []


def test_runs_later_than_the_misfire_grace_time_are_reported_missed(tmp_path: Path,
                                                                    clock: time_machine.Coordinates) -> None:
    store, spec, events = tmp_path / "schedule.sqlite3", every_minute(coalesce=False, grace_s=90), Events()
    first_start(store, spec)
    calls = restart_after(store, spec, clock, dt.timedelta(minutes=10, seconds=5), events)
    # due at 9:01 ... 9:10, now 9:10:05: 9:09 and 9:10 are within 90 s, the other eight are missed
    assert calls == ["invoices"] * 2
    assert events.missed_at == [T0 + dt.timedelta(minutes=m) for m in range(1, 9)]


def test_a_job_never_runs_twice_at_once(tmp_path: Path, clock: time_machine.Coordinates) -> None:
    events, release = Events(), threading.Event()
    calls = Calls(release)
    scheduler = JobScheduler(tmp_path / "schedule.sqlite3", timezone="UTC", workers=4, events=events)
    scheduler.start(calls)
    try:
        scheduler.sync([every_minute(coalesce=True)])
        scheduler.resume()
        clock.move_to(T0 + dt.timedelta(minutes=1))
        scheduler.wake()
        assert calls.first.wait(WAIT)  # the first run works (and blocks)...
        clock.move_to(T0 + dt.timedelta(minutes=2))
        scheduler.wake()
        assert events.got_busy.wait(WAIT)  # ...so the next fire is refused, although workers are free
    finally:
        release.set()
        scheduler.shutdown(wait=True)
    assert calls.names == ["invoices"]
    assert events.busy_at == [T0 + dt.timedelta(minutes=2)]


def test_a_changed_trigger_replaces_the_stored_job_and_a_dropped_job_is_removed(
        tmp_path: Path, clock: time_machine.Coordinates) -> None:
    store = tmp_path / "schedule.sqlite3"
    first_start(store, every_minute(coalesce=True))
    assert stored_jobs(store)["invoices"].next_fire == T0 + dt.timedelta(minutes=1)
    scheduler = JobScheduler(store, timezone="UTC", workers=1, events=Events())
    scheduler.start(Calls())
    try:
        report = scheduler.sync([every_minute(coalesce=False)])
        assert report.replaced == ["invoices"] and not report.kept
        assert scheduler.sync([]).removed == ["invoices"]
    finally:
        scheduler.shutdown()
    assert stored_jobs(store) == {}


def test_only_one_scheduler_per_process(tmp_path: Path) -> None:
    first = JobScheduler(tmp_path / "a.sqlite3", timezone="UTC", workers=1, events=Events())
    first.start(Calls())
    try:
        second = JobScheduler(tmp_path / "b.sqlite3", timezone="UTC", workers=1, events=Events())
        with pytest.raises(RuntimeError, match="already runs"):
            second.start(Calls())
    finally:
        first.shutdown()
