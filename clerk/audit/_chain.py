"""The events of a run as a hash chain.

Each line of ``events.jsonl`` is one JSON object with ``seq`` (1, 2, ...), ``prev`` (the
previous event's hash) and ``hash``: the SHA-256 of the canonical JSON of the object
without ``hash``. Editing, deleting, inserting or reordering lines breaks the chain at
that exact line, and the seal in the manifest records the count and the last hash, so
cutting events off the end shows too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
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


def read_events(path: Path) -> list[dict[str, Any]]:
    """Every parseable event of a run, in file order."""
    if not path.is_file():
        return []
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            continue
    return events


def check_chain(lines: Iterable[str]) -> ChainReport:
    """Walk the chain and name every line where it breaks, and how."""
    parsed = [_parse(number, text) for number, text in enumerate(lines, start=1)]
    report = ChainReport()
    prev, expected = GENESIS, 1
    accepted: dict[int, int] = {}  # seq -> line number of the event accepted for it
    seen_hashes: dict[str, int] = {}
    set_aside: set[str] = set()

    def flag(problem: Problem, line: _Line, detail: str) -> None:
        report.findings.append(Finding(problem=problem, where=f"{EVENTS_FILE}:{line.number}", detail=detail))

    for index, line in enumerate(parsed):
        later = parsed[index + 1:]
        if line.event is None:
            flag(Problem.EVENT_EDITED, line, "not a valid event (the line was edited or inserted)")
            continue
        if not line.intact:
            following = later[0] if later else None
            if following is not None and following.get("prev") == prev:
                flag(Problem.EVENT_INSERTED, line, f"an event that was never logged sits after event {expected - 1}")
                continue
            flag(Problem.EVENT_EDITED, line, f"event {line.seq}: its content does not match its hash")
        elif line.seq == expected and line.get("prev") in set_aside:
            pass  # follows an event set aside as a duplicate: that conflict is already reported
        elif line.get("prev") != prev or line.seq != expected:
            _diagnose_break(line, expected, later, accepted, seen_hashes, flag)
        if line.seq is not None and line.seq < expected and line.intact:
            set_aside.add(str(line.get("hash")))
            continue  # a duplicate or an event out of order: keep following the original chain
        prev, expected = str(line.get("hash")), (line.seq or expected) + 1
        accepted[line.seq or expected - 1] = line.number
        seen_hashes[prev] = line.number
        report.count += 1
    report.head = prev
    return report


def _diagnose_break(line: _Line, expected: int, later: list[_Line], accepted: dict[int, int],
                    seen: dict[str, int], flag: Any) -> None:
    seq = line.seq
    if seq is None:
        flag(Problem.EVENT_EDITED, line, "the event has no sequence number")
    elif seq < expected:
        if line.get("hash") in seen:
            flag(Problem.EVENT_INSERTED, line, f"a copy of event {seq} (line {seen[line.get('hash')]}) was inserted")
        elif seq in accepted:
            flag(Problem.EVENT_INSERTED, line,
                 f"a second event {seq} (the first is on line {accepted[seq]}); one of them was inserted")
        else:
            flag(Problem.EVENT_REORDERED, line, f"event {seq} comes after event {expected - 1}")
    elif seq > expected:
        missing = set(range(expected, seq))
        if any(other.seq in missing for other in later):
            flag(Problem.EVENT_REORDERED, line, f"event {seq} comes before event {expected}")
        else:
            span = f"event {expected}" if seq == expected + 1 else f"events {expected} to {seq - 1}"
            flag(Problem.EVENT_DELETED, line, f"{span} deleted before event {seq}")
    else:
        flag(Problem.EVENT_EDITED, line, f"event {seq} does not link to event {expected - 1} before it")


def _parse(number: int, text: str) -> _Line:
    try:
        event = json.loads(text)
    except ValueError:
        return _Line(number, None, False)
    if not isinstance(event, dict):
        return _Line(number, None, False)
    return _Line(number, event, event.get("hash") == event_hash(event))
