"""What an operator may do from the console: run a job now, pause or resume it, rerun a
run's failed items. Each is recorded in the ledger (``console_actions``) with who and when.

Runs start through the scheduler's own code (``JobWorker.fire`` and ``JobWorker.rerun``),
each in a child process on a thread of the console, exactly as the runner starts them,
and are written to the runner's journal with who asked; the ledger's item claims keep a
run started here and one started by the runner from ever entering an item twice.
"""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

from loguru import logger

from clerk._config import Settings
from clerk._errors import BotError
from clerk._ledger import RunRecord
from clerk._recording import sha256_of
from clerk.scheduler._alerts import Alerter
from clerk.scheduler._jobs import JobWorker
from clerk.scheduler._journal import Journal, journal_path
from clerk.scheduler._launch import Launcher
from clerk.scheduler._pauses import JobPauses
from clerk.scheduler._runner import check_bots
from clerk.scheduler._settings import load_runner_config
from clerk.scheduler._spec import JobSpec, Schedule
from clerk.webconsole._accounts import Accounts, User


class ActionRefused(BotError):
    """The action cannot be done (an unknown job, no input file left to rerun)."""

    code = "CONSOLE_ACTION"


class Operations:
    """The operators' actions, over one settings and schedule.

    Example:
        Operations(settings, schedule, accounts, pauses).pause("invoice_entry", user)
    """

    def __init__(self, settings: Settings, schedule: Schedule | None, accounts: Accounts, pauses: JobPauses) -> None:
        self.settings = settings
        self.schedule = schedule
        self.accounts = accounts
        self.pauses = pauses
        self.stopping = threading.Event()
        self._worker: JobWorker | None = None
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def run_now(self, job: str, user: User) -> str:
        spec = self._job(job)
        self._check_bot(spec)
        self.accounts.record(user, "run_now", job)
        self._start(f"run-now-{job}", self._job_worker().fire, job, asked_by=user.name)
        return f"{spec.name} started by {user.name}"

    def pause(self, job: str, user: User) -> str:
        self._job(job)
        self.pauses.pause(job, by=user.name)
        self.accounts.record(user, "pause", job)
        return f"{job} paused: it does not fire on its schedule until it is resumed"

    def resume(self, job: str, user: User) -> str:
        self._job(job)
        was_paused = self.pauses.resume(job)
        self.accounts.record(user, "resume", job, "" if was_paused else "it was not paused")
        return f"{job} resumed"

    def rerun_failed(self, run: RunRecord, user: User) -> str:
        """Run the run's bot again on its input: items done before are skipped by the ledger,
        failed ones are entered again, and invalid rows (still invalid) hold nothing back."""
        spec = self._job_of_bot(run.bot)
        source = self._input_of(run, spec)
        self._check_bot(spec)
        self.accounts.record(user, "rerun_failed", run.id, str(source.name))
        self._start(f"rerun-{run.id}", self._job_worker().rerun, spec.name, source, asked_by=user.name,
                    of_run=run.id)
        return f"rerun of {run.id}'s failed items started by {user.name}"

    def wait(self, timeout: float | None = None) -> None:
        """Return once every action's run is over (tests; shutdown)."""
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout)

    # ------------------------------------------------------------------ internals
    def _job(self, name: str) -> JobSpec:
        spec = self.schedule.jobs.get(name) if self.schedule else None
        if spec is None:
            raise ActionRefused(f"no job {name!r} in the schedule")
        return spec

    def _job_of_bot(self, bot: str) -> JobSpec:
        for spec in (self.schedule.jobs.values() if self.schedule else ()):
            if spec.bot == bot:
                return spec
        raise ActionRefused(f"no job in the schedule runs bot {bot!r}; its settings are needed for a rerun")

    def _input_of(self, run: RunRecord, spec: JobSpec) -> Path:
        """The run's input file: where it was, or where the inbox moved it (same content)."""
        first = Path(run.input_path)
        places = [first] + ([spec.inbox.failed / first.name, spec.inbox.processed / first.name] if spec.inbox else [])
        for place in places:
            if place.is_file() and sha256_of(place) == run.input_sha256:
                return place
        raise ActionRefused(f"the input of run {run.id} ({first.name}) is no longer where it was, "
                            "nor in the inbox's failed or processed folders")

    def _check_bot(self, spec: JobSpec) -> None:
        """The job's bot loads and its credentials are there (those of other jobs do not matter here).

        Raises:
            ConfigError: what is missing, said before anything starts.
        """
        assert self.schedule is not None
        check_bots(dataclasses.replace(self.schedule, jobs={spec.name: spec}), self.settings)

    def _job_worker(self) -> JobWorker:
        with self._lock:
            if self._worker is None:
                assert self.schedule is not None
                config = load_runner_config(self.settings.project_dir, self.settings.data_dir)
                self._worker = JobWorker(
                    schedule=self.schedule, settings=self.settings, bots={},  # each action checks its own bot
                    journal=Journal(journal_path(self.settings.data_dir)), alerter=Alerter(config.alerts),
                    launcher=Launcher(self.settings.project_dir, self.settings.data_dir / "console", self.stopping),
                    stopping=self.stopping, alert_on_invalid=config.alerts.on_invalid)
            return self._worker

    def _start(self, name: str, target: object, *args: object, **kwargs: object) -> None:
        def work() -> None:
            try:
                target(*args, **kwargs)  # type: ignore[operator]
            except Exception as err:  # noqa: BLE001 - a failed action must not take the console down
                logger.opt(exception=err).error("console action {} failed: {}", name, err)

        thread = threading.Thread(target=work, name=name, daemon=True)
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()
