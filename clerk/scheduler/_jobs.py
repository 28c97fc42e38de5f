"""What a job does when it fires: work its inbox (or its queue), one run per input.

Each run happens in a child process (_launch.py); this module decides what the outcome
means for the input (_verdict.py), moves the file, keeps the journal and sends alerts.
Only one run of a bot happens at a time, even when several jobs use the same bot.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loguru import logger

from clerk._bot import Bot
from clerk._config import Settings
from clerk._ledger import ItemState, RunStatus
from clerk._ledger_config import ledger_engine, open_ledger
from clerk._recording import sha256_of
from clerk._results import default_output_path
from clerk.scheduler._alerts import Alerter
from clerk.scheduler._child import JobTimedOut
from clerk.scheduler._inbox import INPUT_SUFFIXES, Inbox
from clerk.scheduler._journal import Event, Journal
from clerk.scheduler._launch import ChildOutcome, Launcher
from clerk.scheduler._pauses import JobPauses
from clerk.scheduler._spec import JobSpec, Schedule
from clerk.scheduler._verdict import RunSummary, Verdict, failure_reason, judge, needs_alert

if TYPE_CHECKING:
    from loguru import Logger

_POLL_ROUNDS = 3  # per fire: look again for files that were still arriving, at most this often
_PROBLEMS_SHOWN = 10


@dataclass(slots=True, kw_only=True)
class JobWorker:
    schedule: Schedule
    settings: Settings
    bots: Mapping[str, Bot[Any]]  # job name -> its bot, loaded once at start
    journal: Journal
    alerter: Alerter
    launcher: Launcher
    stopping: threading.Event
    alert_on_invalid: bool = True
    _bot_locks: dict[str, threading.Lock] = field(default_factory=dict)
    _inboxes: dict[str, Inbox] = field(default_factory=dict)
    _active: int = 0
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def __post_init__(self) -> None:
        for spec in self.schedule.jobs.values():
            self._bot_locks.setdefault(spec.bot, threading.Lock())
            if spec.inbox is not None:
                self._inboxes[spec.name] = Inbox(spec.inbox)

    def jobs_with_interrupted_work(self) -> list[str]:
        return [name for name, inbox in self._inboxes.items() if inbox.interrupted()]

    def wait_idle(self) -> None:
        """Return once no job is working (used on shutdown, after new fires were stopped)."""
        with self._changed:
            self._changed.wait_for(lambda: self._active == 0)

    def fire(self, job_name: str, *, asked_by: str | None = None) -> None:
        """The handler the scheduler calls; ``asked_by``: a person ran it now (a paused job too).
        Never raises: failures are logged, journaled and alerted."""
        spec = self.schedule.jobs.get(job_name)
        if spec is None or self.stopping.is_set() or (asked_by is None and self._paused(job_name)):
            return
        if spec.inbox is not None and self._inboxes[job_name].is_empty():
            return  # without taking the bot's lock: another job of the bot may have a file this minute
        lock = self._bot_locks[spec.bot]
        if not lock.acquire(blocking=False):
            _log(job_name).warning("not started: another job is running bot {}", spec.bot)
            self.journal.record(job_name, Event.SKIPPED, f"another job is running bot {spec.bot}")
            return
        with self._changed:
            self._active += 1
        fired = self.journal.record(job_name, Event.FIRED, spec.input_label + (f" (run now by {asked_by})"
                                                                              if asked_by else ""))
        worked = True
        try:
            worked = self._drain(spec, self._inboxes[job_name]) if spec.inbox is not None else self._run_queue(spec)
        except Exception as err:  # noqa: BLE001 - the runner must outlive any one job
            _log(job_name).opt(exception=err).error("the job failed: {}", err)
            self.journal.record(job_name, Event.ERROR, f"{type(err).__name__}: {err}")
            self._alert(RunSummary(job=job_name, bot=spec.bot, input=spec.input_label, run_id=None, outcome="error",
                                   counts={}, reason=f"{type(err).__name__}: {err}", recordings=None,
                                   results_workbook=None, next_step="see the runner's log"))
        finally:
            if worked:
                self.journal.record(job_name, Event.IDLE)
            else:
                self.journal.forget(fired)  # an empty inbox: nothing worth keeping
            lock.release()
            with self._changed:
                self._active -= 1
                self._changed.notify_all()

    def rerun(self, job_name: str, source: Path, *, asked_by: str, of_run: str) -> None:
        """A person's rerun of run ``of_run``'s failed items: the job's bot on ``source`` again,
        invalid rows skipped (the ledger skips the done ones). Journaled like the job's own runs,
        with who asked; the input file stays where it is. Never raises."""
        spec = self.schedule.jobs.get(job_name)
        if spec is None or self.stopping.is_set():
            return
        asked = f"rerun of {of_run}'s failed items by {asked_by}"
        lock = self._bot_locks[spec.bot]
        if not lock.acquire(blocking=False):
            self.journal.record(job_name, Event.SKIPPED, f"{asked}: another job is running bot {spec.bot}")
            return
        with self._changed:
            self._active += 1
        self.journal.record(job_name, Event.FIRED, asked)
        try:
            self.journal.record(job_name, Event.RUN_STARTED, asked, input_path=source.name)
            outcome = self.launcher.run(spec, source, skip_invalid=True)
            result = outcome.result
            done = result is not None and result.outcome == "succeeded" and not result.error_code
            reason = "every item done or already present" if done else failure_reason(outcome)
            self.journal.record(job_name, Event.RUN_ENDED, f"{_label(outcome)}: {reason} ({asked})",
                                run_id=self._run_id(spec, outcome), input_path=source.name)
        except Exception as err:  # noqa: BLE001 - a failed rerun must not take its caller down
            _log(job_name).opt(exception=err).error("the rerun failed: {}", err)
            self.journal.record(job_name, Event.ERROR, f"{type(err).__name__}: {err}")
        finally:
            self.journal.record(job_name, Event.IDLE)
            lock.release()
            with self._changed:
                self._active -= 1
                self._changed.notify_all()

    def _paused(self, job_name: str) -> bool:
        engine = ledger_engine(self.settings)
        try:
            pause = JobPauses(engine).get(job_name)
        finally:
            engine.dispose()
        if pause is not None:
            _log(job_name).info("not started: paused by {} at {}", pause.paused_by, pause.paused_at)
            self.journal.record(job_name, Event.SKIPPED, f"paused by {pause.paused_by} at {pause.paused_at}")
        return pause is not None

    # ------------------------------------------------------------------ inbox jobs
    def _drain(self, spec: JobSpec, inbox: Inbox) -> bool:
        """Work the interrupted files, then the new ones; returns whether there was any."""
        worked = False
        for working in inbox.interrupted():
            if self.stopping.is_set():
                return True
            worked = True
            logger.bind(bot=spec.name).info("working {} again (its last run did not finish)", working.name)
            self._work_file(spec, inbox, working)
        for _ in range(_POLL_ROUNDS):
            ready, arriving = inbox.poll()
            for path in ready:
                if self.stopping.is_set():
                    return True
                worked = True
                taken = inbox.take(path)
                if taken is None:
                    continue  # a file of that name is still being worked; it waits for the next fire
                self.journal.record(spec.name, Event.FILE_TAKEN, input_path=path.name)
                self._work_file(spec, inbox, taken)
            if not arriving or self.stopping.is_set():
                return worked
            if not ready:  # give the files being copied in one settle period, then look again
                self.stopping.wait(spec.inbox.settle.total_seconds() if spec.inbox else 0)
        return worked

    def _work_file(self, spec: JobSpec, inbox: Inbox, working: Path) -> None:
        if working.suffix.lower() not in INPUT_SUFFIXES:
            reason = f"{working.name} is not a file clerk reads ({', '.join(INPUT_SUFFIXES)}); nothing was entered"
            moved = inbox.finish(working, failed=True)
            summary = self._summary(spec, str(moved), None, None, "rejected", reason,
                                    "fix the file and drop it again")
            inbox.explain(moved, summary.text())
            _log(spec.name).error("{}", reason)
            self.journal.record(spec.name, Event.FILE_MOVED, f"failed: {reason}", input_path=working.name)
            self._alert(summary)
            return
        sha256 = sha256_of(working)
        self.journal.record(spec.name, Event.RUN_STARTED, input_path=working.name)
        _log(spec.name).info("running {} on {}", spec.bot, working.name)
        outcome = self.launcher.run(spec, working)
        run_id = self._run_id(spec, outcome)
        runs_before = self.journal.runs_of_file(spec.name, working.name, sha256)
        verdict, reason = judge(outcome, shutting_down=self.stopping.is_set(), runs_before=runs_before,
                                runs_allowed=spec.retry.runs)
        self.journal.record(spec.name, Event.RUN_ENDED, f"{_label(outcome)}: {reason}", run_id=run_id,
                            input_path=working.name)
        if verdict is Verdict.RESUME:
            self.journal.record(spec.name, Event.FILE_KEPT, reason, run_id=run_id, input_path=working.name)
            _log(spec.name).info("{} stays in {}: {}", working.name, inbox.spec.working, reason)
            return
        if verdict is Verdict.RETRY:
            self.journal.count_run_of_file(spec.name, working.name, sha256)
            self.journal.record(spec.name, Event.FILE_KEPT, reason, run_id=run_id, input_path=working.name)
            where, next_step = working, "it is run again at the next fire"
        else:
            self.journal.forget_file(spec.name, working.name, sha256)
            where = inbox.finish(working, failed=verdict is Verdict.FAILED)
            next_step = ("nothing; it is done" if verdict is Verdict.PROCESSED
                         else "fix what the reason and the results workbook say, then drop the file again"
                         if default_output_path(where).exists() else "fix the file, then drop it again")
            self.journal.record(spec.name, Event.FILE_MOVED, f"{verdict.value}: {where}", run_id=run_id,
                                input_path=working.name)
        summary = self._summary(spec, str(where), outcome, run_id, _label(outcome), reason, next_step)
        if verdict is Verdict.FAILED:
            inbox.explain(where, summary.text())
        level = "INFO" if verdict is Verdict.PROCESSED else "WARNING"
        _log(spec.name).log(level, "{} {}: {}", working.name, verdict.value, reason)
        if needs_alert(outcome, verdict, on_invalid=self.alert_on_invalid):
            self._alert(summary)

    # ------------------------------------------------------------------ queue jobs
    def _run_queue(self, spec: JobSpec) -> bool:
        self.journal.record(spec.name, Event.RUN_STARTED, input_path=spec.input_label)
        _log(spec.name).info("running {} on {}", spec.bot, spec.input_label)
        outcome = self.launcher.run(spec, None)
        run_id = self._run_id(spec, outcome)
        result = outcome.result
        succeeded = result is not None and result.outcome == "succeeded" and not result.error_code
        reason = "every item done or already present" if succeeded else failure_reason(outcome)
        self.journal.record(spec.name, Event.RUN_ENDED, f"{_label(outcome)}: {reason}", run_id=run_id,
                            input_path=spec.input_label)
        _log(spec.name).log("INFO" if succeeded else "WARNING", "{}: {}", spec.input_label, reason)
        if needs_alert(outcome, None, on_invalid=False):  # a queue's refused tickets are answered in the queue
            self._alert(self._summary(spec, spec.input_label, outcome, run_id, _label(outcome), reason,
                                      "see the results workbook; the queue is read again at the next fire"))
        return True

    # ------------------------------------------------------------------ ledger and alerts
    def _run_id(self, spec: JobSpec, outcome: ChildOutcome) -> str | None:
        """The run's id; for a child killed after its timeout, its stuck items are recorded as failed."""
        if outcome.result is not None and outcome.result.run_id:
            return outcome.result.run_id
        ledger = open_ledger(self.settings)
        try:
            runs = ledger.runs_of_process(outcome.pid)
            if not runs:
                return None
            run = runs[0]
            if outcome.killed and run.status is RunStatus.RUNNING:
                stuck = ledger.items_in_progress(run.id)
                for item in stuck:
                    ledger.settle(item.bot, item.reference, run.id, ItemState.FAILED, error=JobTimedOut.code,
                                  message=f"{JobTimedOut.code}: the job's timeout passed and the run was killed")
                counts = Counter(str(r["status"]) for r in ledger.results(run.id).values())
                counts["failed"] += len(stuck)
                ledger.finish_run(run.id, RunStatus.STOPPED, counts)
            return run.id
        finally:
            ledger.close()

    def _summary(self, spec: JobSpec, where: str, outcome: ChildOutcome | None, run_id: str | None, label: str,
                 reason: str, next_step: str) -> RunSummary:
        result = outcome.result if outcome else None
        problems: list[str] = []
        recordings = result.recording_dir if result else None
        counts: Mapping[str, int] = result.counts if result else {}
        if run_id is not None:
            ledger = open_ledger(self.settings)
            try:
                run = ledger.run(run_id)
                recordings = recordings or run.recording_dir
                counts = counts or run.counts
                for row, item in sorted(ledger.results(run_id).items()):
                    if item["status"] in ("failed", "invalid") and len(problems) < _PROBLEMS_SHOWN:
                        problems.append(f"row {row} ({item['reference']}): {item['status']}: {item['message']}")
            finally:
                ledger.close()
        workbook = default_output_path(Path(where)) if spec.inbox is not None else None
        results = str(workbook) if workbook and workbook.exists() else (result.results_workbook if result else None)
        return RunSummary(job=spec.name, bot=spec.bot, input=where, run_id=run_id, outcome=label, counts=counts,
                          reason=reason, recordings=recordings, results_workbook=results, next_step=next_step,
                          problems=problems)

    def _alert(self, summary: RunSummary) -> None:
        logger.bind(bot=summary.job).warning("alert: {} ({})", summary.subject, summary.reason)
        if not self.alerter.channels:
            self.journal.record(summary.job, Event.ALERT, "no alert channel is configured", run_id=summary.run_id)
            return
        sent, errors = self.alerter.send(summary)
        detail = f"sent by {', '.join(sent) or 'no channel'}" + (f"; failed: {'; '.join(errors)}" if errors else "")
        self.journal.record(summary.job, Event.ALERT, detail, run_id=summary.run_id)


def _log(job: str) -> Logger:
    return logger.bind(bot=job)


def _label(outcome: ChildOutcome) -> str:
    result = outcome.result
    if outcome.killed:
        return "killed"
    if outcome.timed_out:
        return "timed_out"
    if result is None:
        return "crashed"
    if result.error_code:
        return "rejected" if result.error_code == "INPUT_FILE" else "error"
    return result.outcome or "unknown"
