"""The events of a run as a hash chain.

Each line of ``events.jsonl`` is one JSON object with ``seq`` (1, 2, ...), ``prev`` (the
previous event's hash) and ``hash``: the SHA-256 of the canonical JSON of the object
without ``hash``. Editing, deleting, inserting or reordering lines breaks the chain at
that exact line, and the seal in the manifest records the count and the last hash, so
cutting events off the end shows too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clerk.audit._digest import GENESIS, canonical, sha256_hex
from clerk.audit._finding import Finding, Problem

EVENTS_FILE = "events.jsonl"


def event_hash(event: Mapping[str, Any]) -> str:
    return sha256_hex(canonical({k: v for k, v in event.items() if k != "hash"}))


@dataclass(slots=True)
class ChainHead:
    """Where the chain stands: the last sequence number and hash written."""

    seq: int = 0
    hash: str = GENESIS

    @classmethod
    def of_file(cls, path: Path) -> ChainHead:
        """Continue the chain of an existing file (a resumed run); a fresh one otherwise."""
        head = cls()
        if not path.is_file():
            return head
        with path.open("r", encoding="utf-8") as handle:
            for line in handle:
                try:
                    event = json.loads(line)
                    head = cls(int(event["seq"]), str(event["hash"]))
                except (ValueError, KeyError, TypeError):
                    continue  # a line cut short by a crash; the next event links to the last whole one
        return head

    def link(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """``body`` as the next event of the chain (with seq, prev and hash); advances the head."""
        event = {"seq": self.seq + 1, "prev": self.hash, **body}
        event["hash"] = event_hash(event)
        self.seq, self.hash = event["seq"], event["hash"]
        return event


@dataclass(slots=True)
class _Line:
    number: int
    event: dict[str, Any] | None
    intact: bool  # the line's content matches its own hash

    @property
    def seq(self) -> int | None:
        seq = self.event.get("seq") if self.event else None
        return seq if isinstance(seq, int) else None

    def get(self, key: str) -> Any:
        return self.event.get(key) if self.event else None


@dataclass(slots=True)
class ChainReport:
    count: int = 0
    head: str = GENESIS
    findings: list[Finding] = field(default_factory=list)


class EventLines:
    """The lines of an events file, read one at a time, each time it is iterated.

    Lines end at ``\n`` only: JSON escapes it inside strings, but not the other line
    breaks Unicode knows (U+2028, U+0085), which a message may hold.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def __iter__(self) -> Iterator[str]:
        with self.path.open("rb") as handle:
            for raw in handle:
                yield raw.rstrip(b"\n").decode("utf-8", "replace")


def iter_events(path: Path) -> Iterator[dict[str, Any]]:
    """Every parseable event of a run, in file order, one at a time."""
    if not path.is_file():
        return
    for line in EventLines(path):
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict):
            yield event


def read_events(path: Path) -> list[dict[str, Any]]:
    """Every parseable event of a run, in file order."""
    return list(iter_events(path))


def check_chain(lines: Iterable[str]) -> ChainReport:
    """Walk the chain and name every line where it breaks, and how.

    One pass, one line in memory at a time: ``lines`` is read again only to tell how
    the chain broke (a copy, a duplicate, a move), so it must be re-iterable (a list or
    an EventLines).
    """
    walk = _Walk(lines)
    for line, following in _pairs(_parse(number, text) for number, text in enumerate(lines, start=1)):
        walk.step(line, following)
    walk.report.head = walk.prev
    return walk.report


_RESCANS = 32  # breaks diagnosed by reading the file again; any further break is named, not explained
_SEQ_AT_START = re.compile(r'\{"seq": ?(\d+)[,}]')


class _Walk:
    def __init__(self, lines: Iterable[str]) -> None:
        self.lines = lines
        self.report = ChainReport()
        self.prev, self.expected = GENESIS, 1
        self.set_aside: set[str] = set()  # hashes of events set aside as duplicates (one per finding)
        self.rescans = _RESCANS

    def flag(self, problem: Problem, line: _Line, detail: str) -> None:
        self.report.findings.append(Finding(problem=problem, where=f"{EVENTS_FILE}:{line.number}", detail=detail))

    def step(self, line: _Line, following: _Line | None) -> None:
        if line.event is None:
            self.flag(Problem.EVENT_EDITED, line, "not a valid event (the line was edited or inserted)")
            return
        if not line.intact:
            if following is not None and following.get("prev") == self.prev:
                self.flag(Problem.EVENT_INSERTED, line,
                          f"an event that was never logged sits after event {self.expected - 1}")
                return
            self.flag(Problem.EVENT_EDITED, line, f"event {line.seq}: its content does not match its hash")
        elif line.seq == self.expected and line.get("prev") in self.set_aside:
            pass  # follows an event set aside as a duplicate: that conflict is already reported
        elif line.get("prev") != self.prev or line.seq != self.expected:
            self.diagnose(line)
        if line.seq is not None and line.seq < self.expected and line.intact:
            self.set_aside.add(str(line.get("hash")))
            return  # a duplicate or an event out of order: keep following the original chain
        self.prev, self.expected = str(line.get("hash")), (line.seq or self.expected) + 1
        self.report.count += 1

    def diagnose(self, line: _Line) -> None:
        seq, expected = line.seq, self.expected
        if seq is None:
            self.flag(Problem.EVENT_EDITED, line, "the event has no sequence number")
        elif seq == expected:
            self.flag(Problem.EVENT_EDITED, line, f"event {seq} does not link to event {expected - 1} before it")
        elif not self._may_rescan():
            self.flag(Problem.EVENT_REORDERED, line, f"event {seq} where event {expected} should be "
                                                     "(too many breaks to tell how each came about)")
        elif seq < expected:
            self._diagnose_backwards(line, seq, expected)
        else:
            self._diagnose_gap(line, seq, expected)

    def _may_rescan(self) -> bool:
        self.rescans -= 1
        return self.rescans >= 0

    def _diagnose_backwards(self, line: _Line, seq: int, expected: int) -> None:
        earlier = next((other for other in self._scan(stop=line.number) if other.seq == seq), None)
        if earlier is None:
            self.flag(Problem.EVENT_REORDERED, line, f"event {seq} comes after event {expected - 1}")
        elif earlier.get("hash") == line.get("hash"):
            self.flag(Problem.EVENT_INSERTED, line, f"a copy of event {seq} (line {earlier.number}) was inserted")
        else:
            self.flag(Problem.EVENT_INSERTED, line,
                      f"a second event {seq} (the first is on line {earlier.number}); one of them was inserted")

    def _diagnose_gap(self, line: _Line, seq: int, expected: int) -> None:
        missing = range(expected, seq)
        if any(other.seq in missing for other in self._scan(start=line.number + 1)):
            self.flag(Problem.EVENT_REORDERED, line, f"event {seq} comes before event {expected}")
        else:
            span = f"event {expected}" if seq == expected + 1 else f"events {expected} to {seq - 1}"
            self.flag(Problem.EVENT_DELETED, line, f"{span} deleted before event {seq}")

    def _scan(self, *, start: int = 1, stop: int | None = None) -> Iterator[_Line]:
        """Read the lines again (numbers ``start`` up to ``stop``), for their sequence numbers and hashes."""
        for number, text in enumerate(self.lines, start=1):
            if stop is not None and number >= stop:
                return
            if number >= start:
                yield _sequenced(number, text)


def _pairs(lines: Iterable[_Line]) -> Iterator[tuple[_Line, _Line | None]]:
    """Each line with the one after it (None after the last)."""
    iterator = iter(lines)
    current = next(iterator, None)
    while current is not None:
        following = next(iterator, None)
        yield current, following
        current = following


def _parse(number: int, text: str) -> _Line:
    try:
        event = json.loads(text)
    except ValueError:
        return _Line(number, None, False)
    if not isinstance(event, dict):
        return _Line(number, None, False)
    return _Line(number, event, event.get("hash") == event_hash(event))


def _sequenced(number: int, text: str) -> _Line:
    """The line's seq and hash, cheaply: the writer puts seq first and hash last, so most
    lines need no parsing (``intact`` is not checked here)."""
    seq, hash_at = _SEQ_AT_START.match(text), text.rfind('"hash": "')
    if seq is None or hash_at < 0:
        line = _parse(number, text)
        return _Line(number, {"seq": line.seq, "hash": line.get("hash")}, line.intact)
    return _Line(number, {"seq": int(seq.group(1)), "hash": text[hash_at + 9:hash_at + 73]}, True)
