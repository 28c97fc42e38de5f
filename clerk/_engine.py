"""The engine: works a run's items.

Every valid item not settled by an earlier run is checked against the application as a
batch (preflight, survey), then worked: claim in the ledger, look in the application,
enter and read back, settle. One worker works them one at a time; ``--workers N`` in N
sessions at once (clerk._crew); ``--on celery`` on Celery workers (clerk.fleet).
Retries, outcomes and failures in a row are handled here, so bots stay short.
"""

from __future__ import annotations

import shlex
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from loguru import logger

from clerk._batch_checks import dry_run, preflight, survey
from clerk._bot import Bot
from clerk._context import RunContext
from clerk._crew import Dispenser, Worker, crew_names, work_together
from clerk._errors import BotError, BusinessError
from clerk._items import WorkItem
from clerk._ledger import IllegalTransition, ItemLocked, ItemRecord, ItemState, ResultRow
from clerk._logging import RunLog
from clerk._outcome import ItemResult, ItemStatus, RunReport
from clerk._phases import RunPhase
from clerk._retry import RetryPolicy, retrying
from clerk._run_options import ProgressListener, RunOptions, Silent, StopFlag, announce
from clerk._secrets import REDACTOR
from clerk._sighting import Sighting

R = TypeVar("R")


class _Unread:
    """The ledger record has not been read yet."""


UNREAD = _Unread()


def _row_ranges(rows: list[int]) -> str:
    """Row numbers as ranges, e.g. "2-40, 42, 44-90"."""
    spans: list[list[int]] = []
    for row in sorted(rows):
        if spans and row == spans[-1][1] + 1:
            spans[-1][1] = row
        else:
            spans.append([row, row])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)



@dataclass(slots=True)
class _Engine:
    bot: Bot[Any]
    first: Worker  # logged in for preflight; works items in the calling thread
    report: RunReport
    options: RunOptions
    progress: ProgressListener
    stop: StopFlag
    new_worker: Callable[[str], Worker]  # another worker, made in the thread that uses it
    run_log: RunLog | None = None  # where events of items worked elsewhere (Celery workers) are chained in
    counts_failures: bool = True  # False on a Celery worker: failures in a row are the coordinator's count
    policy: RetryPolicy = field(init=False)
    lock: threading.Lock = field(default_factory=threading.Lock)  # results, progress and counters
    consecutive_failures: int = 0
    entered_count: int = 0
    unsaved: list[ResultRow] | None = None  # results waiting for one ledger write (see _saved_together)
    sightings: dict[str, Sighting] = field(default_factory=dict)  # the survey's verdicts, by item key

    def __post_init__(self) -> None:
        self.policy = self.bot.retry or RetryPolicy.from_settings(self.first.ctx.settings.retry)

    # ------------------------------------------------------------------ phases
    def execute(self, items: list[WorkItem[Any]]) -> None:
        self.progress.started(len(items), self.report.resumed)
        with self._saved_together():
            valid = [item for item in items if self._reject_if_invalid(item)]
            known = self.first.ledger.items(self.bot.ledger_key, [self.ledger_reference(item) for item in valid])
            todo = [item for item in valid
                    if not self._settled_by_ledger(self.first, item, known.get(self.ledger_reference(item)))]
            checked = bool(todo) and self.bot.preflight is not None
            if checked:
                self.enter_phase(RunPhase.PREFLIGHT)
            self.sightings = survey(self, todo)  # it only reads: the first item starts where preflight left off
            if checked:
                preflight(self, todo)
                todo = [item for item in todo if self._reject_if_invalid(item)]
            invalid = [r for r in self.report.results if r.status is ItemStatus.INVALID]
            if invalid and not self.options.skip_invalid:
                first = min(r.row for r in invalid)
                self._finish_all(todo, ItemStatus.HELD,
                                 f"not entered: {len(invalid)} row(s) of this file are invalid (first: row {first}); "
                                 "fix them and run again, or run with --skip-invalid")
                return
        if self.options.dry_run:
            self.enter_phase(RunPhase.DRY_RUN)
            dry_run(self, todo)
            return
        self.enter_phase(RunPhase.ENTERING)
        dispenser = Dispenser(todo, self._refusal)
        others = crew_names(min(self.options.workers, len(todo)))[1:]
        if others and self.options.executor == "local":
            logger.info("working {} items with {} workers", len(todo), len(others) + 1)
        try:
            if self.options.executor == "celery":
                # imported here: Celery is loaded only by runs that use it
                from clerk.fleet._dispatch import work_on_celery

                work_on_celery(self, dispenser)
            else:
                work_together(self.first, others, self.new_worker, lambda worker: self._drain(worker, dispenser),
                              lambda worker: logger.contextualize(run_id=worker.ctx.run_id, bot=self.bot.name,
                                                                  worker=worker.name))
        finally:
            reason = dispenser.reason or (self.report.stop_reason and f"not attempted: {self.report.stop_reason}")
            with self._saved_together():
                self._finish_all(dispenser.left, ItemStatus.PENDING, reason or "not attempted: the run ended")

    def enter_phase(self, phase: RunPhase) -> None:
        announce(self.progress, phase, self.bot.main_app)

    @contextmanager
    def _saved_together(self) -> Iterator[None]:
        """Record the results of items settled without being worked (refused, held, left pending) in the
        ledger in one transaction instead of one per row: a file refused whole costs one write."""
        self.unsaved = []
        try:
            yield
        finally:
            rows, self.unsaved = self.unsaved, None
            if rows:
                self.first.ledger.record_results(self.first.ctx.run_id, rows)

    def _refusal(self) -> str:
        """Why no further item may start (empty: go on). Called under the dispenser's lock."""
        with self.lock:
            if self.stop.reason or self.report.stop_reason:
                self.report.stop_reason = self.report.stop_reason or self.stop.reason
                return f"not attempted: {self.report.stop_reason}"
            if self.options.limit is not None and self.entered_count >= self.options.limit:
                return f"not attempted: --limit {self.options.limit} reached"
            self.entered_count += 1  # given back if the claim is refused
            return ""

    def _drain(self, worker: Worker, dispenser: Dispenser[WorkItem[Any]]) -> None:
        try:
            for item in dispenser.drain():
                self._work(worker, item)
        except BaseException as err:  # this worker is going down: the others stop after their item
            with self.lock:
                self.report.stop_reason = self.report.stop_reason or f"{getattr(err, 'code', type(err).__name__)}: {err}"
            raise

    def _settled_by_ledger(self, worker: Worker, item: WorkItem[Any], known: ItemRecord | None | _Unread = UNREAD) -> bool:
        """Whether the ledger already settled the item for good (``known``: its record, when already read)."""
        if isinstance(known, _Unread):
            known = worker.ledger.item(self.bot.ledger_key, self.ledger_reference(item))
        if known is not None and known.state is ItemState.UNCONFIRMED:  # a person has to look; never re-entered
            since = "" if known.run_id == worker.ctx.run_id else f"since clerk run {known.run_id}: "
            self.record(worker, item, ItemStatus.UNCONFIRMED, known.app_ref, f"{since}{known.message}")
            return True
        if known is None or known.state not in (ItemState.DONE, ItemState.ALREADY_PRESENT):
            return False
        if known.run_id == worker.ctx.run_id and known.state is ItemState.DONE:
            self.record(worker, item, ItemStatus.DONE, known.app_ref, known.message)
        else:
            self.record(worker, item, ItemStatus.ALREADY_PRESENT, known.app_ref,
                         f"already {known.state.value.replace('_', ' ')} per clerk run {known.run_id}; not entered again")
        return True

    def _reject_if_invalid(self, item: WorkItem[Any]) -> bool:
        if item.valid:
            return True
        self.record(self.first, item, ItemStatus.INVALID,
                     message="; ".join(p.reason_with_column() for p in item.problems))
        return False

    # ------------------------------------------------------------------ one item
    def ledger_reference(self, item: WorkItem[Any]) -> str:
        """The item's key in the ledger: its reference; within this run when every run is new."""
        reference = item.reference or ""
        return f"{self.first.ctx.run_id}/{reference}" if self.bot.every_run_is_new else reference

    def _work(self, worker: Worker, item: WorkItem[Any], sighting: Sighting | None = None) -> None:
        """Claim, look up (or take the survey's verdict, for an item never claimed before), enter, settle."""
        reference = item.reference or ""
        sighting = sighting or self.sightings.get(item.key)
        worker.ctx.begin_item(item.key)
        with logger.contextualize(item=item.key, reference=reference):
            try:
                before = worker.ledger.claim(self.bot.ledger_key, self.ledger_reference(item), worker.ctx.run_id)
            except ItemLocked as err:
                with self.lock:
                    self.entered_count -= 1
                self.record(worker, item, ItemStatus.FAILED, message=str(err), by=worker.name)
                return
            except IllegalTransition:  # another run (another machine) settled it since this run started
                with self.lock:
                    self.entered_count -= 1
                if not self._settled_by_ledger(worker, item):
                    raise
                return
            interrupted = before is not None and before.state is ItemState.IN_PROGRESS
            if interrupted and self.bot.find is None:
                assert before is not None
                self._settle(worker, item, ItemStatus.UNCONFIRMED, None, self._unconfirmed(
                    f"an earlier attempt (clerk run {before.run_id}) was interrupted while entering it", item))
                return
            if interrupted:
                logger.warning("an earlier attempt at {} was interrupted; checking the application first", reference)
            write = _Write()
            try:
                fresh = sighting if before is None else None  # claimed before: the survey may be out of date
                status, app_ref, message = self._attempt_item(worker, item, interrupted, write, fresh)
            except BusinessError as err:
                worker.screens_unknown = True
                where = f"column {item.column(err.column)!r}: " if err.column else ""
                self._settle(worker, item, ItemStatus.INVALID, None, f"{where}{err}", error=err.code)
            except BotError as err:
                self._fail(worker, item, err, write)
                if err.stops_run:
                    with self.lock:
                        if not self.report.stop_reason:
                            self.report.stop_reason = f"{err.code}: {err}"
                            self.report.stop_exit_code = err.exit_code
            except Exception as err:  # noqa: BLE001 - the catch-all release: record and go on
                self._fail(worker, item, err, write)
            else:
                self._tally(failed=False)
                self._settle(worker, item, status, app_ref, message)

    def _attempt_item(self, worker: Worker, item: WorkItem[Any], interrupted: bool,
                      write: _Write, sighting: Sighting | None = None) -> tuple[ItemStatus, str, str]:
        app, ctx, find = self.bot.main_app, worker.ctx, self.bot.find
        entered = interrupted

        def attempt() -> tuple[ItemStatus, str, str]:
            nonlocal entered, sighting
            if find is None and write.started:  # it failed part-way: entering it again might enter it twice
                return ItemStatus.UNCONFIRMED, "", self._unconfirmed(f"entering it failed part-way ({write.error})", item)
            if worker.screens_unknown:
                ctx.reset()
                worker.screens_unknown = False
            if find is None:
                return self._enter_unsearchable(ctx, item, write)
            if sighting is not None:  # the first attempt: nothing was written since the survey saw it
                found, sighting = sighting.found, None
            else:
                found = find(ctx, item.data)
            if found is not None and entered:
                return ItemStatus.DONE, found.app_ref, f"found in {app} after an interrupted attempt; not entered again"
            if found is not None:
                return ItemStatus.ALREADY_PRESENT, found.app_ref, f"already in {app}; not entered again"
            entered = True
            app_ref = self.bot.enter(ctx, item.data)
            return ItemStatus.DONE, app_ref, f"entered in {app} and read back"

        return self.with_retries(worker, attempt, item.key)

    def _enter_unsearchable(self, ctx: RunContext, item: WorkItem[Any], write: _Write) -> tuple[ItemStatus, str, str]:
        app = self.bot.main_app
        write.started = True
        try:
            app_ref = self.bot.enter(ctx, item.data)
        except BusinessError:
            write.started = False  # the application refused it: nothing was written
            raise
        except Exception as err:
            write.error = f"{getattr(err, 'code', type(err).__name__)}: {err}"
            raise
        message = (f"entered in {app} and read back; {app} cannot be searched, "
                   "so an entry made there outside clerk would not have been noticed")
        return ItemStatus.DONE, app_ref, message

    def _unconfirmed(self, why: str, item: WorkItem[Any]) -> str:
        app, confirm = self.bot.main_app, f"clerk confirm {self.bot.name} {shlex.quote(self.ledger_reference(item))}"
        return (f"{why}, and {app} cannot be searched, so clerk cannot tell whether it went in: "
                f"check in {app} by hand; clerk will not enter it again on its own "
                f"(then: {confirm} --entered, or --not-entered to have the next run enter it)")

    def _fail(self, worker: Worker, item: WorkItem[Any], err: BaseException, write: _Write | None = None) -> None:
        worker.screens_unknown = True
        code = getattr(err, "code", type(err).__name__)
        if self.bot.find is None and write is not None and write.started:
            self._settle(worker, item, ItemStatus.UNCONFIRMED, None,
                         self._unconfirmed(f"entering it failed part-way ({code}: {err})", item), error=code)
            self._tally(failed=True, last=f"{code}: {err}")
            return
        self._settle(worker, item, ItemStatus.FAILED, None, f"{code}: {err}", error=code)
        self._tally(failed=True, last=f"{code}: {err}")

    def _tally(self, *, failed: bool, last: str = "") -> None:
        """Count failures in a row across every worker; too many stop the run."""
        limit = self.first.ctx.settings.run.max_consecutive_failures if self.counts_failures else 0
        with self.lock:
            self.consecutive_failures = self.consecutive_failures + 1 if failed else 0
            if failed and limit and self.consecutive_failures >= limit and not self.report.stop_reason:
                self.report.stop_reason = f"the application failed {self.consecutive_failures} items in a row (last: {last})"
                logger.error("stopping the run early: {}", self.report.stop_reason)

    def accept(self, item: WorkItem[Any], result: ItemResult, stop_reason: str = "") -> None:
        """Record an item worked elsewhere (a Celery worker settled it in the ledger); a
        ``stop_reason`` from its error stops the run."""
        if result.status is ItemStatus.FAILED:
            self._tally(failed=True, last=result.message)
        elif result.status in (ItemStatus.DONE, ItemStatus.ALREADY_PRESENT):
            self._tally(failed=False)
        if stop_reason:
            with self.lock:
                self.report.stop_reason = self.report.stop_reason or stop_reason
        self.record(self.first, item, result.status, result.app_ref, result.message, by=result.worker)

    # ------------------------------------------------------------------ plumbing
    def with_retries(self, worker: Worker, action: Callable[[], R], label: str) -> R:
        for attempt in retrying(self.policy):
            with attempt:
                number = attempt.retry_state.attempt_number
                if number > 1:
                    worker.ctx.retrying()
                    worker.ctx.reset()
                try:
                    return action()
                except Exception as err:
                    logger.bind(step="failure").warning("{} attempt {} failed: {}", label, number, err)
                    worker.ctx.snap_failure(f"attempt-{number}-failed")
                    raise
        raise AssertionError("unreachable: tenacity re-raises the last error")

    def _settle(self, worker: Worker, item: WorkItem[Any], status: ItemStatus, app_ref: str | None, message: str,
                error: str | None = None) -> None:
        state = ItemState(status.value)
        worker.ledger.settle(self.bot.ledger_key, self.ledger_reference(item), worker.ctx.run_id, state,
                             app_ref=app_ref, message=REDACTOR.scrub(message), error=error)
        self.record(worker, item, status, app_ref, message, by=worker.name)

    def record(self, worker: Worker, item: WorkItem[Any], status: ItemStatus, app_ref: str | None = None,
                message: str = "", *, by: str = "", logged: bool = True) -> None:
        shots = worker.ctx.recording.shots_of(item.key)
        shot_text = str(shots[0].parent) if shots else ""
        result = ItemResult(row=item.row.number, reference=item.reference, status=status, app_ref=app_ref,
                            message=REDACTOR.scrub(message), shots=shot_text, worker=by)
        saved = (item.row.number, item.reference, status.value, app_ref, result.message, shot_text)
        if self.unsaved is not None and worker is self.first:
            self.unsaved.append(saved)
        else:
            worker.ledger.record_results(worker.ctx.run_id, [saved])
        if logged:
            log = logger.bind(item=item.key)
            (log.info if status in (ItemStatus.DONE, ItemStatus.ALREADY_PRESENT, ItemStatus.READY) else log.warning)(
                "row {}: {} ({})", item.row.number, status.value, result.message)
        with self.lock:
            self.report.results.append(result)
            self.progress.advanced(result)

    def _finish_all(self, items: Iterable[WorkItem[Any]], status: ItemStatus, message: str) -> None:
        """Settle rows nobody worked with one message, and log them as one record, not one per row."""
        rows = []
        for item in items:
            self.record(self.first, item, status, message=message, logged=False)
            rows.append(item.row.number)
        if rows:
            logger.warning("{} row(s) {} (rows {}): {}", len(rows), status.value, _row_ranges(rows),
                           REDACTOR.scrub(message))


@dataclass(slots=True)
class _Write:
    """Whether the bot's ``enter`` was called for the item (and how it failed)."""

    started: bool = False
    error: str = ""


def work_one(bot: Bot[Any], worker: Worker, item: WorkItem[Any],
             sighting: Sighting | None = None) -> tuple[ItemResult, str]:
    """Work one item the way a run does (claim, look up, enter and read back, settle) for
    a run coordinated elsewhere, with the run's survey verdict on it if it has one.
    Returns its result and, when its error stops the run, why."""
    ctx = worker.ctx
    report = RunReport(run_id=ctx.run_id, bot=bot.name, input_path=Path("-"), output_path=Path("-"),
                       recording_dir=ctx.recording.folder)
    engine = _Engine(bot, worker, report, RunOptions(), Silent(), StopFlag(), _no_more_workers,
                     counts_failures=False)
    try:
        engine._work(worker, item, sighting)
    finally:
        worker.ctx.end_item()  # its trace joins the run's recording before the outcome is sent
    return report.results[-1], report.stop_reason


def _no_more_workers(name: str) -> Worker:
    raise AssertionError(f"a single item needs no worker {name}")

