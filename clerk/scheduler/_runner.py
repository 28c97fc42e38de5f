"""The runner: the long-running process behind ``runner.py`` and ``clerk schedule``.

Start-up checks everything it can before anything fires (the schedule, every bot, every
credential), takes the data directory's runner lock (with a shared PostgreSQL ledger, also
the scheduler lock, as a standby until the leader stops: clerk/scheduler/_leadership.py),
syncs the job store, fires the jobs
that have interrupted work, and resumes the scheduler. The main thread then only waits
for SIGTERM or SIGINT: the first one stops new fires and lets each running run finish
its current item; a second one kills the runs at once (the ledger resumes them later).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import threading
from pathlib import Path
from typing import Any

from loguru import logger

from clerk._bot import Bot
from clerk._config import Settings, find_project_dir, load_settings
from clerk._errors import ConfigError
from clerk._ledger_config import ledger_settings
from clerk._ledger_db import create_ledger_engine, parse_url
from clerk._registry import open_bot
from clerk._secrets import load_credentials
from clerk.scheduler._alerts import Alerter
from clerk.scheduler._apscheduler import JobScheduler, JobStoreTarget, SyncReport
from clerk.scheduler._jobs import JobWorker
from clerk.scheduler._journal import Event, Journal, journal_path
from clerk.scheduler._launch import Launcher
from clerk.scheduler._leadership import SchedulerLeadership
from clerk.scheduler._lock import RunnerLock
from clerk.scheduler._logs import configure_runner_logs
from clerk.scheduler._settings import RunnerConfig, load_runner_config
from clerk.scheduler._spec import Schedule, default_schedule_path, load_schedule

RUNNER = "runner"  # the journal's name for the runner itself
_IDLE_WAIT = 1.0  # seconds; the main thread wakes this often to see whether a signal asked it to stop


def store_path(settings: Settings) -> Path:
    return settings.data_dir / "schedule.sqlite3"


def job_store(settings: Settings) -> JobStoreTarget:
    """Where the jobs live: next to the SQLite ledger, or in the shared PostgreSQL ledger,
    where a standby runner that takes over finds them as the last leader left them."""
    ledger = ledger_settings(settings)
    return create_ledger_engine(parse_url(ledger.url)) if ledger.shared else store_path(settings)


def run_runner(project_dir: Path | None = None, schedule_path: Path | None = None, *, verbose: bool = False) -> int:
    """Run the scheduler until SIGTERM or SIGINT. Returns the exit code (0 after a clean stop).

    Raises:
        ConfigError: the schedule, a bot or a credential is wrong, or another runner already
            runs for this data directory (RunnerAlreadyRunning).
    """
    settings = load_settings(project_dir or find_project_dir())
    schedule = load_schedule(schedule_path or default_schedule_path(settings), settings)
    config = load_runner_config(settings.project_dir, settings.data_dir)
    with RunnerLock(settings.data_dir):
        configure_runner_logs(config.logging, verbose)
        runner = Runner(settings, schedule, config, verbose=verbose)
        ledger = ledger_settings(settings)
        if not ledger.shared:
            return runner.run()
        check_bots(schedule, settings)  # a standby's mistakes show now, not when it takes over at night
        with SchedulerLeadership(ledger, on_lost=runner.request_stop) as leadership:
            leadership.wait_until_leader()
            return runner.run()


def check_bots(schedule: Schedule, settings: Settings) -> dict[str, Bot[Any]]:
    """Load every job's bot and its credentials, so a mistake shows at start, not at night."""
    bots: dict[str, Bot[Any]] = {}
    for spec in schedule.jobs.values():
        try:
            bot, _ = open_bot(spec.bot, settings.project_dir, spec.overrides())
        except ConfigError as err:
            raise ConfigError(f"{schedule.path} [jobs.{spec.name}]: {err}") from err
        if spec.queue is not None and bot.live_source is None:
            raise ConfigError(f"{schedule.path} [jobs.{spec.name}]: bot {spec.bot} reads files, not a queue; "
                              "give it an inbox instead of queue")
        for name, app in bot.apps.items():
            if app.login:
                load_credentials(name)
        bots[spec.name] = bot
    return bots


class _JournalEvents:
    """APScheduler's reports, logged and journaled."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    def missed(self, job: str, scheduled: dt.datetime) -> None:
        logger.bind(bot=job).warning("missed the run due at {} (later than its misfire_grace_time)", scheduled)
        self.journal.record(job, Event.MISSED, f"due at {scheduled.isoformat()}")

    def busy(self, job: str, scheduled: dt.datetime) -> None:
        logger.bind(bot=job).info("not started at {}: its previous run is still working", scheduled)
        self.journal.record(job, Event.SKIPPED, f"due at {scheduled.isoformat()}: the previous run still works")

    def caught_up(self, job: str, scheduled: dt.datetime) -> None:
        logger.bind(bot=job).info("making up the run that was due at {}", scheduled)
        self.journal.record(job, Event.CAUGHT_UP, f"due at {scheduled.isoformat()}")

    def crashed(self, job: str, error: str) -> None:
        logger.bind(bot=job).error("the job crashed: {}", error)
        self.journal.record(job, Event.ERROR, error)


class Runner:
    def __init__(self, settings: Settings, schedule: Schedule, config: RunnerConfig, *,
                 verbose: bool = False) -> None:
        self.settings = settings
        self.schedule = schedule
        self.config = config
        self.verbose = verbose
        self.stopping = threading.Event()
        self._stop_reason = ""
        self._exit_code = 0
        self._idle = threading.Event()  # never set: the main thread's interruptible wait
        self._launcher: Launcher | None = None

    def run(self) -> int:
        bots = check_bots(self.schedule, self.settings)
        journal = Journal(journal_path(self.settings.data_dir))
        child_level = "DEBUG" if self.verbose or "DEBUG" in (self.config.logging.console_level,
                                                             self.config.logging.file_level) else "INFO"
        self._launcher = Launcher(self.settings.project_dir, self.settings.data_dir / "runner", self.stopping,
                                  child_level)
        worker = JobWorker(schedule=self.schedule, settings=self.settings, bots=bots, journal=journal,
                           alerter=Alerter(self.config.alerts), launcher=self._launcher, stopping=self.stopping,
                           alert_on_invalid=self.config.alerts.on_invalid)
        scheduler = JobScheduler(job_store(self.settings), timezone=self.schedule.timezone,
                                 workers=len(self.schedule.jobs), events=_JournalEvents(journal))
        self._install_signals()
        scheduler.start(worker.fire)
        try:
            self._log_sync(scheduler.sync(self.schedule.jobs.values()), scheduler)
            for name in worker.jobs_with_interrupted_work():
                logger.bind(bot=name).info("its inbox holds interrupted work: firing it now")
                scheduler.run_soon(name)
            scheduler.resume()
            journal.record(RUNNER, Event.RUNNER_STARTED, f"pid {os.getpid()}, {len(self.schedule.jobs)} job(s)")
            logger.info("runner started (pid {}, data {}); SIGTERM or Ctrl-C stops it after the current items",
                        os.getpid(), self.settings.data_dir)
            while not self._stop_reason:
                self._idle.wait(_IDLE_WAIT)
            logger.info("stopping ({}): no new runs; the running ones finish their current item", self._stop_reason)
            self.stopping.set()
            scheduler.pause()
            scheduler.wake()  # let the scheduler's thread see the pause before its next timed wake-up
            worker.wait_idle()
        finally:
            self.stopping.set()
            scheduler.shutdown(wait=True)
            journal.record(RUNNER, Event.RUNNER_STOPPED, self._stop_reason or "stopped by an error")
        logger.info("runner stopped")
        return self._exit_code

    def request_stop(self, reason: str) -> None:
        """Stop as SIGTERM would, and end with exit code 1 (e.g. the scheduler lock is lost)."""
        logger.error("stopping: {}", reason)
        self._exit_code = 1
        self._stop_reason = reason

    def _install_signals(self) -> None:
        def handler(signum: int, _frame: Any) -> None:
            name = signal.Signals(signum).name
            if self._stop_reason:  # the second signal: do not wait any longer
                if self._launcher is not None:
                    self._launcher.kill_all()
                os._exit(128 + signum)
            self._stop_reason = f"{name} received"

        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, handler)

    def _log_sync(self, report: SyncReport, scheduler: JobScheduler) -> None:
        next_fire = scheduler.next_fire_times()
        for name, stored in report.kept.items():
            logger.bind(bot=name).info("kept from the job store (its next fire time there: {})", stored)
        for name in report.added:
            logger.bind(bot=name).info("added to the job store; next fire {}", next_fire.get(name))
        for name in report.replaced:
            logger.bind(bot=name).info("its trigger settings changed: replaced; next fire {}", next_fire.get(name))
        for name in report.removed:
            logger.bind(bot=name).info("no longer in the schedule: removed from the job store")
        if not self.schedule.jobs:
            logger.warning("{} has no enabled job; the runner waits idle", self.schedule.path)
