"""Verification streams the events: one pass over the file, memory flat in its length.

A run of 300,000 refused rows once took 2.7 GB and ten minutes to verify, because the
whole events file was held in memory, parsed, and sliced once per line.
"""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from loguru import logger

from clerk.audit import Problem, verify_run
from clerk.audit._chain import ChainHead, check_chain
from tests.audit_helpers import make_refused_run


class CountedLines:
    """Lines that count how many are read, over how many passes."""

    def __init__(self, lines: list[str]) -> None:
        self.lines, self.passes, self.read = lines, 0, 0

    def __iter__(self) -> Iterator[str]:
        self.passes += 1
        for line in self.lines:
            self.read += 1
            yield line


def chain_of(count: int, message: str = "event {}") -> list[str]:
    head = ChainHead()
    return [json.dumps(head.link({"record": {"message": message.format(n)}}), ensure_ascii=False)
            for n in range(1, count + 1)]


def peak_of_verifying(folder: Path) -> int:
    verify_run(folder)  # imports and caches settle outside the measurement
    tracemalloc.start()
    try:
        assert verify_run(folder).intact
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_an_intact_chain_is_read_once() -> None:
    lines = CountedLines(chain_of(3000))
    assert check_chain(lines).count == 3000
    assert (lines.passes, lines.read) == (1, 3000)


def test_only_a_break_is_read_again() -> None:
    plain = chain_of(3000)
    plain[100], plain[101] = plain[101], plain[100]
    del plain[2000]
    lines = CountedLines(plain)
    report = check_chain(lines)
    assert [(f.problem, f.where) for f in report.findings] == [
        (Problem.EVENT_REORDERED, "events.jsonl:101"), (Problem.EVENT_REORDERED, "events.jsonl:102"),
        (Problem.EVENT_DELETED, "events.jsonl:2001")]
    assert lines.passes == 4 and lines.read < 4 * 3000  # one pass, and one per break to explain it


def test_many_breaks_are_all_named_without_reading_the_file_for_each(monkeypatch: pytest.MonkeyPatch) -> None:
    plain = chain_of(400)
    for at in range(10, 390, 8):  # 48 swapped pairs
        plain[at], plain[at + 1] = plain[at + 1], plain[at]
    lines = CountedLines(plain)
    findings = check_chain(lines).findings
    assert len(findings) == 96 and {f.problem for f in findings} == {Problem.EVENT_REORDERED}
    assert "too many breaks" in findings[-1].detail and lines.passes <= 33


def test_a_message_holding_a_unicode_line_separator_is_one_event(tmp_path: Path) -> None:
    run = make_refused_run(tmp_path, rows=3, items=3)
    path = run / "events.jsonl"
    head, lines = ChainHead(), []
    for line in path.read_bytes().split(b"\n")[:-1]:
        event = json.loads(line)
        body = {k: v for k, v in event.items() if k not in ("seq", "prev", "hash")}
        body["record"]["message"] += " Müller\u2028Søn\x85"  # JSON leaves both unescaped
        lines.append(json.dumps(head.link(body), ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    manifest = json.loads((run / "run.json").read_text(encoding="utf-8"))
    from clerk.audit._manifest import file_hashes, write_sealed

    manifest.update(events={"file": "events.jsonl", "count": head.seq, "head": head.hash}, files=file_hashes(run))
    write_sealed(run, manifest, None)
    result = verify_run(run)
    assert result.intact, result.findings
    assert result.events == 3


def test_memory_stays_flat_as_the_events_grow(tmp_path: Path) -> None:
    logger.remove()  # nothing to log; keeps the measurement to verification
    small = make_refused_run(tmp_path / "small", rows=2_500, items=10)
    large = make_refused_run(tmp_path / "large", rows=10_000, items=10)
    line = max(len(text) for text in (large / "events.jsonl").read_text(encoding="utf-8").splitlines())
    size = (large / "events.jsonl").stat().st_size
    small_peak, large_peak = peak_of_verifying(small), peak_of_verifying(large)
    assert large_peak - small_peak < 16 * line, (small_peak, large_peak)  # four times the events, same memory
    assert large_peak < size / 3, (large_peak, size)  # far less than the file: it is never held whole
