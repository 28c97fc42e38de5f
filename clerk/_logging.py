"""Log sinks. Only the CLI and the engine call these; bots just use ``ctx.log``.

Secrets are redacted twice: a loguru patcher scrubs every record's message and extras
as soon as it is made, and every sink scrubs the final text again, after loguru has
formatted the message and any traceback, so nothing slips past either way.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from loguru import logger

from clerk._secrets import REDACTOR
from clerk.audit._chain import ChainHead

if TYPE_CHECKING:
    from loguru import Message, Record

CONSOLE_FORMAT = (
    "<green>{time:HH:mm:ss}</green> <level>{level: <7}</level> "
    "<cyan>{extra[bot]}</cyan> {extra[item]} <level>{message}</level>"
)


def redact_record(record: Record) -> None:
    """The loguru patcher: scrub registered secrets from the message and the extras."""
    record["message"] = REDACTOR.scrub(record["message"])
    for key, value in record["extra"].items():
        if isinstance(value, str):
            record["extra"][key] = REDACTOR.scrub(value)


logger.configure(extra={"bot": "-", "item": "-", "run_id": "-", "step": "-"}, patcher=redact_record)


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


def _scrubbed(value: Any) -> Any:
    if isinstance(value, str):
        return REDACTOR.scrub(value)
    if isinstance(value, dict):
        return {key: _scrubbed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrubbed(item) for item in value]
    return value


def _ends_mid_line(path: Path) -> bool:
    with path.open("rb") as handle:
        if handle.seek(0, 2) == 0:
            return False
        handle.seek(-1, 2)
        return handle.read(1) != b"\n"


class RunLog:
    """A JSON-lines log for one run, holding only the records bound to that run.

    Each line is loguru's serialized record (``text`` and ``record``) with the secrets
    scrubbed out of every string, chained to the line before it (``seq``, ``prev``,
    ``hash``; see clerk.audit._chain). A resumed run continues the chain of its file.
    """

    def __init__(self, path: Path, run_id: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._head = ChainHead.of_file(path)
        self._file = path.open("a", encoding="utf-8")
        if _ends_mid_line(path):
            self._file.write("\n")  # a line cut short by a crash stays on its own line
        self._sink_id = logger.add(
            self._write, level="DEBUG", serialize=True, diagnose=False,
            filter=lambda record: record["extra"].get("run_id") == run_id,
        )

    @property
    def head(self) -> ChainHead:
        return self._head

    def _write(self, message: Message) -> None:
        body = _scrubbed(json.loads(str(message)))
        event = self._head.link(body)
        self._file.write(json.dumps(event, ensure_ascii=False) + "\n")
        self._file.flush()

    def close(self) -> None:
        logger.remove(self._sink_id)
        self._file.close()
