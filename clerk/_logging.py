"""Log sinks. Only the CLI and the engine call these; bots just use ``ctx.log``.

Secrets are redacted twice: a loguru patcher scrubs every record's message and extras
as soon as it is made, and every sink scrubs the final text again, after loguru has
formatted the message and any traceback, so nothing slips past either way.
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from loguru import logger

from clerk._secrets import REDACTOR
from clerk.audit._chain import ChainHead, event_hash
from clerk.audit._digest import hmac_key

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


def _cut_torn_line(path: Path) -> bytes:
    """A crash can leave the last line half written: cut it off and return it, so the chain
    goes on from the last whole event. A whole event that only lacks its newline stays."""
    if not path.is_file():
        return b""
    data = path.read_bytes()
    if not data or data.endswith(b"\n"):
        return b""
    start = data.rfind(b"\n") + 1
    tail = data[start:]
    try:
        event = json.loads(tail)
        whole = isinstance(event, dict) and event.get("hash") == event_hash(event)
    except ValueError:
        whole = False
    with path.open("r+b") as handle:
        if whole:
            handle.seek(0, 2)
            handle.write(b"\n")
            return b""
        handle.truncate(start)
    return tail


class RunLog:
    """A JSON-lines log for one run, holding only the records bound to that run.

    Each line is loguru's serialized record (``text`` and ``record``) with the secrets
    scrubbed out of every string, chained to the line before it (``seq``, ``prev``,
    ``hash``; see clerk.audit._chain). A resumed run continues the chain of its file.
    Events logged on another machine (a Celery worker) are chained in with ``append``.
    """

    def __init__(self, path: Path, run_id: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        hmac_key()  # registers the run's signing key for redaction before anything is logged
        torn = _cut_torn_line(path)
        self._head = ChainHead.of_file(path)
        self._lock = threading.Lock()
        self._file = path.open("a", encoding="utf-8")
        self._sink_id = logger.add(
            self._write, level="DEBUG", serialize=True, diagnose=False,
            filter=lambda record: record["extra"].get("run_id") == run_id,
        )
        if torn:
            logger.bind(run_id=run_id, torn_sha256=hashlib.sha256(torn).hexdigest()).warning(
                "the run's log ended in a line cut short by a crash ({} bytes after event {}); "
                "it was removed and the log goes on from there", len(torn), self._head.seq)

    @property
    def head(self) -> ChainHead:
        return self._head

    def _write(self, message: Message) -> None:
        self.append(_scrubbed(json.loads(str(message))))

    def append(self, body: Mapping[str, Any]) -> None:
        """Chain in one event body (loguru's serialized record, as ``EventBuffer`` keeps them)."""
        body = {key: value for key, value in _scrubbed(dict(body)).items() if key not in ("seq", "prev", "hash")}
        with self._lock:
            event = self._head.link(body)
            self._file.write(json.dumps(event, ensure_ascii=False) + "\n")
            self._file.flush()

    def close(self) -> None:
        logger.remove(self._sink_id)
        self._file.close()


class EventBuffer:
    """The records of one run logged in this process, kept in memory as event bodies.

    A Celery worker keeps an item's events here and hands them to the run's coordinator,
    which chains them into the run's ``events.jsonl`` (``RunLog.append``).
    """

    def __init__(self, run_id: str) -> None:
        self.events: list[dict[str, Any]] = []
        self._sink_id = logger.add(
            self._keep, level="DEBUG", serialize=True, diagnose=False,
            filter=lambda record: record["extra"].get("run_id") == run_id,
        )

    def _keep(self, message: Message) -> None:
        self.events.append(_scrubbed(json.loads(str(message))))

    def close(self) -> list[dict[str, Any]]:
        logger.remove(self._sink_id)
        return self.events
