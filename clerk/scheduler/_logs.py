"""The runner's log sinks: one console stream plus a rotated file.

The framework never adds sinks; the runner does, once, here. Both sinks scrub secrets
from the final text (the file sink formats each line itself, traceback included, then
scrubs it). APScheduler logs through the standard library; its errors are routed into
loguru so they land in the same two places (the runner logs missed and skipped runs).
"""

from __future__ import annotations

import logging
import traceback
from typing import TYPE_CHECKING

from loguru import logger

from clerk._logging import configure_console
from clerk._secrets import REDACTOR
from clerk.scheduler._settings import LogSettings

if TYPE_CHECKING:
    from loguru import Record

_LINE_KEY = "_clerk_runner_line"


def _file_format(record: Record) -> str:
    extra = record["extra"]
    line = (f"{record['time']:%Y-%m-%d %H:%M:%S.%f}"[:-3] + f" {record['level'].name:<7} "
            f"{extra.get('bot', '-')} {extra.get('item', '-')} {record['message']}")
    if record["exception"] is not None:
        kind, value, tb = record["exception"]
        line += "\n" + "".join(traceback.format_exception(kind, value, tb)).rstrip()
    extra[_LINE_KEY] = REDACTOR.scrub(line)
    return "{extra[" + _LINE_KEY + "]}\n"


class _ToLoguru(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        logger.bind(bot="scheduler").opt(exception=record.exc_info).log(level, "{}", record.getMessage())


def configure_runner_logs(settings: LogSettings, verbose: bool = False) -> None:
    """Console at ``console_level`` (DEBUG when verbose), the file with rotation and retention."""
    configure_console("DEBUG" if verbose else settings.console_level)
    if settings.file is not None:
        settings.file.parent.mkdir(parents=True, exist_ok=True)
        logger.add(settings.file, level=settings.file_level, format=_file_format, rotation=settings.rotation,
                   retention=settings.retention, encoding="utf-8", diagnose=False, backtrace=False)
    scheduler_log = logging.getLogger("apscheduler")
    scheduler_log.handlers = [_ToLoguru()]
    scheduler_log.setLevel(logging.ERROR)  # missed and skipped runs are logged by the runner itself
    scheduler_log.propagate = False
