"""One run in a child process of the runner: ``python -m clerk.scheduler REQUEST.json``.

The runner starts every run in a child process so that it can always end it: a browser
that hangs, a leak or a crash stays in the child. The child runs the engine exactly as
``clerk run`` does and talks to the runner through signals and two files:

- SIGTERM: the runner is shutting down; finish the current item, then stop (StopFlag).
- SIGUSR1: the job's timeout passed. The handler raises :class:`JobTimedOut` where the
  main thread is, normally inside a Playwright wait (Playwright's sync API re-raises a
  signal handler's exception in the waiting call and keeps its event loop intact). The
  engine then treats it like any item error: failure screenshot, item recorded as
  failed, and because it stops the run, the other items stay pending.
- stdout: every log record as one JSON line; the runner relays them to its own sinks.
- the result file: what happened, as JSON, written once the run is over.

The child also asks the kernel to kill it when the runner dies (PR_SET_PDEATHSIG), so a
SIGKILLed runner never leaves a run going on behind its back.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import sys
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from loguru import logger

from clerk._errors import BotError, FatalError
from clerk._secrets import REDACTOR

_PR_SET_PDEATHSIG = 1


class JobTimedOut(FatalError):
    """The job's timeout passed while the run was still working."""

    code = "JOB_TIMEOUT"


@dataclass(frozen=True, slots=True, kw_only=True)
class ChildRequest:
    project_dir: str
    bot: str
    input_path: str | None
    overrides: dict[str, Any]
    result_path: str
    parent_pid: int
    timeout_s: float
    workers: int = 1
    log_level: str = "INFO"
    skip_invalid: bool = False

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self)), encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> ChildRequest:
        return cls(**json.loads(path.read_text(encoding="utf-8")))


@dataclass(frozen=True, slots=True, kw_only=True)
class ChildResult:
    run_id: str | None = None
    outcome: str | None = None  # a RunOutcome value; None when the run did not get that far
    counts: dict[str, int] = field(default_factory=dict)
    stop_reason: str = ""
    results_workbook: str | None = None
    recording_dir: str | None = None
    resumed: bool = False
    error_code: str | None = None
    error: str = ""
    timed_out: bool = False
    stopped_by_runner: bool = False

    def write(self, path: Path) -> None:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(asdict(self)), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def read(cls, path: Path) -> ChildResult | None:
        try:
            return cls(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None


class _Signals:
    """Routes the runner's signals to the engine's StopFlag (and the timeout to an exception)."""

    def __init__(self, stop: Any, timeout_s: float) -> None:
        self.stop = stop
        self.timeout_s = timeout_s
        self.timed_out = False
        self.stopped = False
        self.armed = True
        signal.signal(signal.SIGTERM, self._terminate)
        signal.signal(signal.SIGINT, self._terminate)
        signal.signal(signal.SIGUSR1, self._time_up)

    def _terminate(self, signum: int, _frame: Any) -> None:
        self.stopped = True
        self.stop.request(f"stopped by the runner ({signal.Signals(signum).name})")

    def _time_up(self, _signum: int, _frame: Any) -> None:
        if self.timed_out or not self.armed:
            return
        self.timed_out = True
        message = f"the job's timeout ({self.timeout_s:g}s) passed; the item was stopped"
        self.stop.request(message)
        raise JobTimedOut(message)

    def disarm(self) -> None:
        self.armed = False
        signal.signal(signal.SIGUSR1, signal.SIG_IGN)


def _die_with_parent(parent_pid: int) -> None:
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:
        os._exit(70)  # the runner died before the request above took effect


def _to_parent(message: Any) -> None:
    record = message.record
    extra = record["extra"]
    line = {"level": record["level"].name, "message": record["message"],
            "bot": str(extra.get("bot", "-")), "item": str(extra.get("item", "-")),
            "run_id": str(extra.get("run_id", "-"))}
    if record["exception"] is not None:
        kind, value, tb = record["exception"]
        line["exception"] = "".join(traceback.format_exception(kind, value, tb))
    scrubbed = {key: REDACTOR.scrub(value) for key, value in line.items()}
    sys.stdout.write(json.dumps(scrubbed) + "\n")
    sys.stdout.flush()


def _run(request: ChildRequest, signals: _Signals) -> ChildResult:
    from clerk._registry import open_bot
    from clerk._run import run_bot
    from clerk._run_options import RunOptions
    from clerk.fleet import load_fleet_settings

    bot, settings = open_bot(request.bot, Path(request.project_dir), request.overrides)
    executor = load_fleet_settings(settings.project_dir).executor  # [runner] executor
    options = RunOptions(input_path=Path(request.input_path) if request.input_path else None,
                         workers=request.workers if executor == "local" else 1, executor=executor,
                         skip_invalid=request.skip_invalid)
    report = run_bot(bot, settings, options, stop=signals.stop)
    signals.disarm()
    return ChildResult(
        run_id=report.run_id, outcome=report.outcome.value, counts=dict(report.counts),
        stop_reason=REDACTOR.scrub(report.stop_reason), results_workbook=str(report.output_path),
        recording_dir=str(report.recording_dir), resumed=report.resumed,
        timed_out=signals.timed_out, stopped_by_runner=signals.stopped and not signals.timed_out,
    )


def main(argv: list[str] | None = None) -> int:
    from clerk._run_options import StopFlag

    request = ChildRequest.read(Path((argv or sys.argv[1:])[0]))
    _die_with_parent(request.parent_pid)
    logger.remove()
    logger.add(_to_parent, level=request.log_level, diagnose=False)
    signals = _Signals(StopFlag(), request.timeout_s)
    try:
        result = _run(request, signals)
    except BotError as err:
        signals.disarm()
        result = ChildResult(error_code=err.code, error=REDACTOR.scrub(str(err)), timed_out=signals.timed_out,
                             stopped_by_runner=signals.stopped and not signals.timed_out)
    except Exception as err:  # noqa: BLE001 - report anything to the runner rather than die silently
        signals.disarm()
        logger.opt(exception=err).error("the run crashed: {}", err)
        result = ChildResult(error_code=type(err).__name__, error=REDACTOR.scrub(str(err)),
                             timed_out=signals.timed_out)
    result.write(Path(request.result_path))
    return 0
