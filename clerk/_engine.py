"""The engine: one run of one bot over one input file.

It reads and validates every row, checks the rest against the application (preflight),
then works the items: claim in the ledger, look in the application, enter and read back,
settle. One worker works them one at a time; ``--workers N`` works them in N sessions at
once (clerk._crew). Retries, outcomes, the results workbook and the audit trail are all
handled here, so bots stay short.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shlex
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

from loguru import logger

from clerk._bot import Bot
from clerk._config import Settings
from clerk._context import RunContext
from clerk._crew import Dispenser, Worker, crew_names, work_together
from clerk._errors import BotError, BusinessError, ConfigError
from clerk._fields import DateWindow
from clerk._items import Problem, WorkItem, parse_items
from clerk._ledger import (
    IllegalTransition,
    ItemLocked,
    ItemRecord,
    ItemState,
    LedgerUnavailable,
    ResultRow,
    RunStatus,
)
from clerk._ledger_config import open_ledger
from clerk._logging import RunLog
from clerk._outcome import ItemResult, ItemStatus, RunReport
from clerk._phases import RunPhase
from clerk._recording import Recording, sha256_of
from clerk._results import RESULTS_COPY, default_output_path, write_results
from clerk._retry import RetryPolicy, retrying
from clerk._secrets import REDACTOR, load_credentials
from clerk._sighting import Sighting
from clerk.audit import seal_run
from clerk.inputs import Table, read_table
from clerk.web import BrowserHost

R = TypeVar("R")


@dataclass(frozen=True, slots=True, kw_only=True)
class RunOptions:
    input_path: Path | None = None
    output_path: Path | None = None
    dry_run: bool = False
    limit: int | None = None
    skip_invalid: bool = False
    workers: int = 1  # sessions working items at once on this machine
    executor: Literal["local", "celery"] = "local"  # celery: the items go to `clerk worker`s through a queue
    params: Mapping[str, Any] = field(default_factory=dict)  # bot-specific, e.g. {"queue": "PlanChanges"}


class ProgressListener(Protocol):
    def phase(self, phase: RunPhase, app: str) -> None: ...

    def started(self, total: int, resumed: bool) -> None: ...

    def advanced(self, result: ItemResult) -> None: ...


@dataclass(slots=True)
class StopFlag:
    """Set by a signal handler: the engine finishes the current item, then stops."""

    reason: str = ""

    def request(self, reason: str) -> None:
        self.reason = self.reason or reason


class _Silent:
    def phase(self, phase: RunPhase, app: str) -> None: ...

    def started(self, total: int, resumed: bool) -> None: ...

    def advanced(self, result: ItemResult) -> None: ...


def ledger_path(settings: Settings) -> Path:
    return settings.data_dir / "ledger.sqlite3"


def check_workers(bot: Bot[Any], workers: int) -> None:
    """Refuse more workers than the bot can run side by side.

    Raises:
        ConfigError: ``workers`` is below one or above the bot's ``max_workers``.
    """
    if workers < 1:
        raise ConfigError(f"--workers must be at least 1, got {workers}")
    if bot.max_workers is not None and workers > bot.max_workers:
        why = f" ({bot.max_workers_reason})" if bot.max_workers_reason else ""
        raise ConfigError(f"bot {bot.name} with target {bot.main_app} runs at most {bot.max_workers} "
                          f"session(s) at once{why}; --workers {workers} refused")


def _dry_run_elsewhere(options: RunOptions) -> str:
    """The options of a dry run that ask for sessions elsewhere or in parallel ("" if none)."""
    if not options.dry_run:
        return ""
    asked = [f"--workers {options.workers}"] if options.workers > 1 else []
    asked += ["--on celery"] if options.executor == "celery" else []
    return " and ".join(asked)


def run_bot(bot: Bot[Any], settings: Settings, options: RunOptions,
            progress: ProgressListener | None = None, stop: StopFlag | None = None) -> RunReport:
    """Run ``bot`` over its input and write the results workbook.

    The input is ``options.input_path``, or, without one, the bot's live source (for
    example an RT queue).

    Raises:
        InputFileError: the input cannot be used at all; nothing was entered.
        ConfigError: settings, credentials or selectors are wrong; nothing was entered.
    """
    check_workers(bot, options.workers)
    progress = progress or _Silent()
    progress.phase(RunPhase.READING, bot.main_app)
    if options.executor == "celery" and options.workers > 1:
        raise ConfigError("--workers is for runs on this machine; on celery, start more `clerk worker`s")
    elsewhere = _dry_run_elsewhere(options)
    if elsewhere:  # a dry run enters nothing: one session here checks the input as well as a fleet would
        options = replace(options, workers=1, executor="local")
    table, input_label, identity = _open_input(bot, options, settings)
    window = DateWindow.from_settings(settings.bot(bot.name), dt.date.today())
    credentials = {name: load_credentials(name) for name, app in bot.apps.items() if app.login}
    if any(app.kind == "web" for app in bot.apps.values()):
        BrowserHost(settings.web).check()  # a wrong web.browser is a configuration error, before any item
    ledger = open_ledger(settings)
    run, resumed = ledger.open_run(bot.ledger_key, input_label, identity, settings.recordings_dir / bot.name,
                                   dry_run=options.dry_run)
    recording = Recording(Path(run.recording_dir))
    run_log = RunLog(recording.events, run.id)
    output = options.output_path or (
        default_output_path(options.input_path.resolve(), dry_run=options.dry_run) if options.input_path
        else recording.folder / RESULTS_COPY)
    report = RunReport(run_id=run.id, bot=bot.name, input_path=Path(input_label), output_path=output.resolve(),
                       recording_dir=recording.folder, resumed=resumed, dry_run=options.dry_run)
    recording.write_manifest({
        "run_id": run.id, "bot": bot.name, "input": {"path": input_label, "sha256": identity},
        "started_at": run.started_at, "resumed": resumed, "dry_run": options.dry_run, "workers": options.workers,
        "executor": options.executor,
        "settings": settings.as_dict(), "settings_sources": dict(settings.sources),
    })

    def new_context() -> RunContext:
        return RunContext(settings=settings, bot=bot.name, run_id=run.id, recording=recording, apps=bot.apps,
                          credentials=credentials, dry_run=options.dry_run, params=options.params,
                          on_drift=lambda drift: report.drifts.append(drift.message))

    ctx: RunContext | None = None
    engine: _Engine | None = None
    try:
        ctx = new_context()
        first = Worker(crew_names(1)[0], ctx, ledger)
        engine = _Engine(bot, first, report, options, progress, stop or StopFlag(),
                         lambda name: Worker(name, new_context(), ledger.sibling()), run_log)
        with logger.contextualize(run_id=run.id, bot=bot.name):
            if elsewhere:
                logger.warning("a dry run checks the input on this machine in one session; {} apply to real "
                               "runs only", elsewhere)
            if table is None:
                assert bot.live_source is not None
                source, live_ctx = bot.live_source, ctx
                table = engine.with_retries(first, lambda: source(live_ctx), "reading the live source")
            engine.enter_phase(RunPhase.VALIDATING)
            items = parse_items(table, bot.schema, bot.reference, window=window)
            logger.info("{} run {} on {} ({} items)", "resuming" if resumed else "starting", run.id,
                        input_label, len(items))
            engine.execute(items)
    except BaseException as err:  # the run ends here: the ledger and the manifest must not call it completed
        report.stop_reason = report.stop_reason or f"{getattr(err, 'code', type(err).__name__)}: {err}"
        raise
    finally:
        if ctx is not None:
            ctx.close()
        if table is not None:
            _announce(progress, RunPhase.WRITING, bot.main_app)
            _write_results(report, table, bot.app_ref_label, recording)
        touched = resumed or (engine is not None and engine.entered_count > 0)
        try:
            ledger.finish_run(run.id, _final_status(report, touched), report.counts)
        except LedgerUnavailable as err:  # the recording is closed and sealed all the same; a rerun resumes the run
            logger.error("{}", err)
            report.stop_reason = report.stop_reason or f"{err.code}: {err}"
        recording.write_manifest({
            "ended_at": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
            "outcome": report.outcome.value, "stop_reason": REDACTOR.scrub(report.stop_reason),
            "counts": dict(report.counts), "results_workbook": str(report.output_path),
            "results_copy": RESULTS_COPY,
        })
        _announce(progress, RunPhase.SEALING, bot.main_app)
        run_log.close()
        seal_run(recording, report, settings)  # never raises; says so in the log when it cannot seal
        ledger.close()
    return report


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


def _announce(progress: ProgressListener, phase: RunPhase, app: str) -> None:
    logger.info("phase: {}", phase.describe(app))
    progress.phase(phase, app)


def _final_status(report: RunReport, touched: bool) -> RunStatus:
    """A run that ended in an error before it started any item was rejected, not stopped:
    nothing of it is left to resume."""
    if not report.stop_reason:
        return RunStatus.COMPLETED
    return RunStatus.STOPPED if touched else RunStatus.REJECTED


def _write_results(report: RunReport, table: Table, app_ref_label: str, recording: Recording) -> None:
    """The results workbook where the user asked, and a copy in the recording that the seal covers,
    so each run's results stay findable after a later run replaced the workbook."""
    write_results(report.output_path, table, {r.row: r for r in report.results}, app_ref_label)
    copy = recording.folder / RESULTS_COPY
    if report.output_path != copy.resolve():
        shutil.copyfile(report.output_path, copy)


def _open_input(bot: Bot[Any], options: RunOptions, settings: Settings) -> tuple[Table | None, str, str]:
    """The input table (None for a live source, read later), a label, and its identity for resuming."""
    if options.input_path is not None:
        path = options.input_path.resolve()
        if bot.file_source is not None:
            table = bot.file_source(path, settings.bot(bot.name))
        else:
            table = read_table(path, bot.schema.columns, required=bot.schema.required)
        return table, str(path), sha256_of(path)
    if bot.live_source is None:
        raise ConfigError(f"bot {bot.name} reads a file: give --input FILE")
    params = {p.name: settings.bot(bot.name).get(p.name) for p in bot.all_params} | dict(options.params)
    label = f"live:{bot.name}:" + ",".join(f"{k}={v}" for k, v in sorted(params.items()) if v is not None)
    return None, label, hashlib.sha256(label.encode()).hexdigest()


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
            if todo and self.bot.preflight is not None:
                self.enter_phase(RunPhase.PREFLIGHT)
                self._preflight(todo)
                todo = [item for item in todo if self._reject_if_invalid(item)]
            invalid = [r for r in self.report.results if r.status is ItemStatus.INVALID]
            if invalid and not self.options.skip_invalid:
                first = min(r.row for r in invalid)
                self._finish_all(todo, ItemStatus.HELD,
                                 f"not entered: {len(invalid)} row(s) of this file are invalid (first: row {first}); "
                                 "fix them and run again, or run with --skip-invalid")
                return
        self._survey(todo)
        if self.options.dry_run:
            self.enter_phase(RunPhase.DRY_RUN)
            self._dry_run(todo)
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
        _announce(self.progress, phase, self.bot.main_app)

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
            self._record(worker, item, ItemStatus.UNCONFIRMED, known.app_ref, f"{since}{known.message}")
            return True
        if known is None or known.state not in (ItemState.DONE, ItemState.ALREADY_PRESENT):
            return False
        if known.run_id == worker.ctx.run_id and known.state is ItemState.DONE:
            self._record(worker, item, ItemStatus.DONE, known.app_ref, known.message)
        else:
            self._record(worker, item, ItemStatus.ALREADY_PRESENT, known.app_ref,
                         f"already {known.state.value.replace('_', ' ')} per clerk run {known.run_id}; not entered again")
        return True

    def _preflight(self, todo: list[WorkItem[Any]]) -> None:
        assert self.bot.preflight is not None
        preflight, ctx = self.bot.preflight, self.first.ctx
        problems: list[Problem] = list(self.with_retries(self.first, lambda: list(preflight(ctx, todo)), "preflight"))
        by_row = {item.row.number: item for item in todo}
        for problem in problems:
            by_row[problem.row].problems.append(problem)

    def _survey(self, todo: list[WorkItem[Any]]) -> None:
        """Look the whole batch up in the application at once, when the bot can. A survey that keeps
        failing costs nothing but speed: every item is then looked up on its own."""
        survey, ctx = self.bot.survey, self.first.ctx
        if survey is None or self.bot.find is None or not todo:
            return
        try:
            seen = self.with_retries(self.first, lambda: survey(ctx, todo), "survey")
        except BotError as err:
            if err.stops_run:
                raise
            logger.warning("the survey of {} failed ({}: {}); each item is looked up on its own",
                           self.bot.main_app, err.code, err)
            return
        finally:
            ctx.item_key = "run"
        self.sightings = {item.key: Sighting(seen[item.reference or ""]) for item in todo
                          if (item.reference or "") in seen}
        logger.info("survey of {}: {} of {} item(s) covered, {} already there", self.bot.main_app,
                    len(self.sightings), len(todo), sum(1 for s in self.sightings.values() if s.found))

    def _reject_if_invalid(self, item: WorkItem[Any]) -> bool:
        if item.valid:
            return True
        self._record(self.first, item, ItemStatus.INVALID,
                     message="; ".join(p.reason_with_column() for p in item.problems))
        return False

    def _dry_run(self, todo: list[WorkItem[Any]]) -> None:
        app, worker, ctx = self.bot.main_app, self.first, self.first.ctx
        for item in todo:
            ctx.begin_item(item.key)
            if self.bot.find is None:
                self._record(worker, item, ItemStatus.READY, message=f"dry run: valid; would be entered in {app} "
                             f"({app} cannot be searched: whether it is there already is not checked)")
                continue
            sighting = self.sightings.get(item.key)
            try:
                found = sighting.found if sighting is not None else \
                    self.with_retries(worker, partial(self.bot.find, ctx, item.data), item.key)
            except BusinessError as err:  # find may already know the item will be refused
                self._record(worker, item, ItemStatus.INVALID, message=f"dry run: {err}")
                continue
            except BotError as err:
                if err.stops_run:
                    raise
                self._record(worker, item, ItemStatus.FAILED, message=f"dry run: {err.code}: {err}")
                continue
            if found is not None:
                self._record(worker, item, ItemStatus.ALREADY_PRESENT, found.app_ref,
                             f"dry run: already in {app}; would not be entered")
            else:
                self._record(worker, item, ItemStatus.READY, message=f"dry run: valid; would be entered in {app}")

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
                self._record(worker, item, ItemStatus.FAILED, message=str(err), by=worker.name)
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
        self._record(self.first, item, result.status, result.app_ref, result.message, by=result.worker)

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
        self._record(worker, item, status, app_ref, message, by=worker.name)

    def _record(self, worker: Worker, item: WorkItem[Any], status: ItemStatus, app_ref: str | None = None,
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
            self._record(self.first, item, status, message=message, logged=False)
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
    engine = _Engine(bot, worker, report, RunOptions(), _Silent(), StopFlag(), _no_more_workers,
                     counts_failures=False)
    try:
        engine._work(worker, item, sighting)
    finally:
        worker.ctx.end_item()  # its trace joins the run's recording before the outcome is sent
    return report.results[-1], report.stop_reason


def _no_more_workers(name: str) -> Worker:
    raise AssertionError(f"a single item needs no worker {name}")
