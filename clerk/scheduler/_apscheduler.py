"""The one module that imports APScheduler (3.11, not 4.x).

Everything APScheduler-specific lives here: the persistent SQLAlchemy job store (in SQLite,
or in the shared PostgreSQL ledger when several runners share one),
the triggers (cron with a time zone, interval, both wrapped by the working-day calendar),
the explicit ``misfire_grace_time``/``coalesce``/``max_instances=1`` of every job, and the
translation of APScheduler's events into our vocabulary (``missed``, ``busy``,
``caught_up``, ``crashed``). Moving to 4.x means rewriting this module only.

The job store keeps every job as a textual reference to :func:`fire` plus the job's name,
so the stored jobs outlive the process; :func:`fire` hands the name to the handler of the
scheduler running in this process.
"""

from __future__ import annotations

import datetime as dt
import threading
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa
from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    EVENT_JOB_SUBMITTED,
    JobExecutionEvent,
    JobSubmissionEvent,
    SchedulerEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from clerk.scheduler._calendar import WorkingCalendar, next_working_fire
from clerk.scheduler._spec import CronSpec, JobSpec

FIRE_REFERENCE = "clerk.scheduler._apscheduler:fire"
_LATE = dt.timedelta(seconds=60)  # a run submitted this long after its time is a catch-up
_handler: Callable[[str], None] | None = None
_handler_lock = threading.Lock()


def fire(job_name: str, config_digest: str = "") -> None:
    """What every stored job calls: the live scheduler's handler, with the job's name."""
    handler = _handler
    if handler is None:
        raise RuntimeError(f"job {job_name} fired while no clerk scheduler runs in this process")
    handler(job_name)


class SchedulerEvents(Protocol):
    """What the scheduler reports about jobs it did not simply start on time."""

    def missed(self, job: str, scheduled: dt.datetime) -> None: ...

    def busy(self, job: str, scheduled: dt.datetime) -> None: ...

    def caught_up(self, job: str, scheduled: dt.datetime) -> None: ...

    def crashed(self, job: str, error: str) -> None: ...


class WorkingDaysTrigger(BaseTrigger):  # type: ignore[misc]
    """Any trigger, minus the fire times that fall on a closed day of the calendar."""

    def __init__(self, inner: BaseTrigger, calendar: WorkingCalendar) -> None:
        self.inner = inner
        self.calendar = calendar

    def get_next_fire_time(self, previous_fire_time: dt.datetime | None,
                           now: dt.datetime) -> dt.datetime | None:
        return next_working_fire(self.calendar, self.inner.get_next_fire_time, previous_fire_time, now)

    def __getstate__(self) -> dict[str, Any]:
        return {"version": 1, "inner": self.inner, "calendar": self.calendar}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.inner = state["inner"]
        self.calendar = state["calendar"]

    def __str__(self) -> str:
        return f"{self.inner} on working days"


def build_trigger(spec: JobSpec) -> BaseTrigger:
    zone = zoneinfo.ZoneInfo(spec.trigger.timezone)
    inner: BaseTrigger
    if isinstance(spec.trigger, CronSpec):
        inner = CronTrigger.from_crontab(spec.trigger.expression, timezone=zone)
    else:
        inner = IntervalTrigger(seconds=spec.trigger.every.total_seconds(), timezone=zone)
    return WorkingDaysTrigger(inner, spec.calendar) if spec.calendar else inner


@dataclass(frozen=True, slots=True)
class SyncReport:
    added: list[str]
    kept: dict[str, dt.datetime | None]  # name -> the stored next fire time (may lie in the past)
    replaced: list[str]
    removed: list[str]


@dataclass(frozen=True, slots=True)
class StoredJob:
    name: str
    trigger: str
    next_fire: dt.datetime | None


JobStoreTarget = Path | sa.Engine  # an SQLite file, or the shared ledger's database


def _job_store(store: JobStoreTarget) -> SQLAlchemyJobStore:
    if isinstance(store, Path):
        store.parent.mkdir(parents=True, exist_ok=True)
        return SQLAlchemyJobStore(url=f"sqlite:///{store}")
    return SQLAlchemyJobStore(engine=store)


class JobScheduler:
    """A background scheduler over the job store ``store`` (an SQLite file or a database engine).

    Example:
        scheduler = JobScheduler(data_dir / "schedule.sqlite3", timezone="UTC", workers=2, events=journal)
        scheduler.start(handler); scheduler.sync(schedule.jobs.values()); scheduler.resume()
    """

    def __init__(self, store: JobStoreTarget, *, timezone: str, workers: int, events: SchedulerEvents) -> None:
        self.events = events
        self.timezone = zoneinfo.ZoneInfo(timezone)
        self._scheduler = BackgroundScheduler(
            jobstores={"default": _job_store(store)},
            executors={"default": ThreadPoolExecutor(max_workers=max(1, workers))},
            timezone=self.timezone,
        )
        self._scheduler.add_listener(
            self._on_event, EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES | EVENT_JOB_ERROR | EVENT_JOB_SUBMITTED)

    def start(self, handler: Callable[[str], None]) -> None:
        """Open the job store, paused: nothing fires before :meth:`resume`."""
        global _handler
        with _handler_lock:
            if _handler is not None:
                raise RuntimeError("a clerk scheduler already runs in this process")
            _handler = handler
        self._scheduler.start(paused=True)

    def sync(self, jobs: Iterable[JobSpec]) -> SyncReport:
        """Make the store hold exactly ``jobs``. A stored job whose trigger settings did not
        change is kept as it is, with its next fire time, so runs missed while the runner
        was down are made up (or reported missed) by the misfire and coalesce rules."""
        stored = {job.id: job for job in self._scheduler.get_jobs()}
        report = SyncReport(added=[], kept={}, replaced=[], removed=[])
        for spec in jobs:
            digest = spec.trigger_digest()
            job = stored.pop(spec.name, None)
            if job is not None and job.kwargs.get("config_digest") == digest:
                report.kept[spec.name] = job.next_run_time
                continue
            (report.replaced if job is not None else report.added).append(spec.name)
            self._scheduler.add_job(
                FIRE_REFERENCE, trigger=build_trigger(spec), args=[spec.name], kwargs={"config_digest": digest},
                id=spec.name, name=spec.name, replace_existing=True, max_instances=1, coalesce=spec.coalesce,
                misfire_grace_time=max(1, round(spec.misfire_grace_time.total_seconds())),
            )
        for name in stored:
            self._scheduler.remove_job(name)
            report.removed.append(name)
        return report

    def run_soon(self, name: str) -> None:
        """Fire ``name`` now (e.g. to finish interrupted work), then follow its trigger again."""
        self._scheduler.modify_job(name, next_run_time=dt.datetime.now(self.timezone))

    def resume(self) -> None:
        self._scheduler.resume()

    def pause(self) -> None:
        self._scheduler.pause()

    def wake(self) -> None:
        """Look for due jobs now (after the clock jumped, e.g. in tests)."""
        self._scheduler.wakeup()

    def next_fire_times(self) -> dict[str, dt.datetime | None]:
        return {job.id: job.next_run_time for job in self._scheduler.get_jobs()}

    def shutdown(self, wait: bool = True) -> None:
        """Stop firing; with ``wait``, return once the running jobs have returned."""
        global _handler
        try:
            if self._scheduler.running:
                self._scheduler.shutdown(wait=wait)
        finally:
            with _handler_lock:
                _handler = None

    def _on_event(self, event: SchedulerEvent) -> None:
        if isinstance(event, JobExecutionEvent) and event.code == EVENT_JOB_MISSED:
            self.events.missed(event.job_id, event.scheduled_run_time)
        elif isinstance(event, JobExecutionEvent) and event.code == EVENT_JOB_ERROR:
            self.events.crashed(event.job_id, f"{type(event.exception).__name__}: {event.exception}")
        elif isinstance(event, JobSubmissionEvent) and event.code == EVENT_JOB_MAX_INSTANCES:
            self.events.busy(event.job_id, event.scheduled_run_times[-1])
        elif isinstance(event, JobSubmissionEvent) and event.code == EVENT_JOB_SUBMITTED:
            scheduled = event.scheduled_run_times[-1]
            if dt.datetime.now(dt.UTC) - scheduled > _LATE:
                self.events.caught_up(event.job_id, scheduled)


def stored_jobs(store: JobStoreTarget) -> Mapping[str, StoredJob]:
    """The jobs in the store as the scheduler last left them, read without starting one."""
    if isinstance(store, Path) and not store.is_file():
        return {}
    job_store = _job_store(store)
    job_store.start(BackgroundScheduler(), "default")
    try:
        return {job.id: StoredJob(job.id, str(job.trigger), job.next_run_time) for job in job_store.get_all_jobs()}
    finally:
        job_store.shutdown()
