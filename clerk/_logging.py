"""Log sinks. Only the CLI and the engine call these; bots just use ``ctx.log``.

Every sink is a function that scrubs registered secrets from the final text, after
loguru has formatted the message, its extras and any traceback, so nothing slips past.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from loguru import logger

from clerk._secrets import REDACTOR

CONSOLE_FORMAT = (
    "<green>{time:HH:mm:ss}</green> <level>{level: <7}</level> "
    "<cyan>{extra[bot]}</cyan> {extra[item]} <level>{message}</level>"
)

logger.configure(extra={"bot": "-", "item": "-", "run_id": "-", "step": "-"})


def _scrubbing_writer(stream: TextIO):  # type: ignore[no-untyped-def]
    def write(message: str) -> None:
        stream.write(REDACTOR.scrub(str(message)))
        stream.flush()

    return write


def configure_console(level: str = "INFO", stream: TextIO | None = None) -> int:
    """Replace loguru's default sink with one scrubbed console sink."""
    logger.remove()
    return logger.add(
        _scrubbing_writer(stream or sys.stderr), level=level, format=CONSOLE_FORMAT,
        diagnose=False, colorize=stream is None and sys.stderr.isatty(),
    )


class RunLog:
    """A JSON-lines log for one run, holding only the records bound to that run."""

    def __init__(self, path: Path, run_id: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file = path.open("a", encoding="utf-8")
        self._sink_id = logger.add(
            _scrubbing_writer(self._file), level="DEBUG", serialize=True, diagnose=False,
            filter=lambda record: record["extra"].get("run_id") == run_id,
        )

    def close(self) -> None:
        logger.remove(self._sink_id)
        self._file.close()
