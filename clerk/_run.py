"""One run of one bot over one input: open the input, the ledger and the recording, let the
engine work the items, then write the results workbook and seal the recording, however the
run ends."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

from loguru import logger

from clerk._bot import Bot
from clerk._config import Settings
from clerk._context import RunContext
from clerk._crew import Worker, crew_names
from clerk._engine import _Engine
from clerk._errors import ConfigError
from clerk._fields import DateWindow
from clerk._items import parse_items
from clerk._ledger import LedgerUnavailable, RunStatus
from clerk._ledger_config import open_ledger
from clerk._logging import RunLog
from clerk._outcome import RunReport
from clerk._phases import RunPhase
from clerk._recording import Recording, sha256_of
from clerk._results import RESULTS_COPY, default_output_path, write_results
from clerk._run_options import (
    ProgressListener,
    RunOptions,
    Silent,
    StopFlag,
    announce,
    check_workers,
)
from clerk._secrets import REDACTOR, load_credentials
from clerk.audit import seal_run
from clerk.inputs import Table, read_table
from clerk.web import BrowserHost


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
    progress = progress or Silent()
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
            announce(progress, RunPhase.WRITING, bot.main_app)
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
        announce(progress, RunPhase.SEALING, bot.main_app)
        run_log.close()
        seal_run(recording, report, settings)  # never raises; says so in the log when it cannot seal
        ledger.close()
    return report


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

