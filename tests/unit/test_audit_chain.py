"""The events of a run form a hash chain: every edit, deletion, insertion or reordering
is found at its exact line."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from loguru import logger

from clerk._logging import RunLog
from clerk.audit._chain import ChainHead, check_chain, event_hash
from clerk.audit._finding import Problem


def chain_of(count: int) -> list[str]:
    head = ChainHead()
    return [json.dumps(head.link({"record": {"message": f"event {n}"}})) for n in range(1, count + 1)]


def problems(lines: list[str]) -> list[tuple[Problem, str]]:
    return [(f.problem, f.where) for f in check_chain(lines).findings]


def test_an_untouched_chain_has_no_findings() -> None:
    lines = chain_of(6)
    report = check_chain(lines)
    assert report.findings == [] and report.count == 6
    assert report.head == json.loads(lines[-1])["hash"]


def test_each_event_covers_the_previous_hash() -> None:
    first, second = (json.loads(line) for line in chain_of(2))
    assert second["prev"] == first["hash"] and second["seq"] == 2
    assert first["hash"] == event_hash(first)
    assert event_hash({**second, "prev": "0" * 64}) != second["hash"]


def test_an_edited_event_is_named() -> None:
    lines = chain_of(6)
    lines[2] = lines[2].replace("event 3", "event three")
    assert problems(lines) == [(Problem.EVENT_EDITED, "events.jsonl:3")]


def test_a_deleted_event_is_named() -> None:
    lines = chain_of(6)
    del lines[3]
    report = check_chain(lines)
    assert [(f.problem, f.where) for f in report.findings] == [(Problem.EVENT_DELETED, "events.jsonl:4")]
    assert "event 4 deleted before event 5" in report.findings[0].detail


def test_the_first_event_deleted() -> None:
    lines = chain_of(3)[1:]
    assert problems(lines) == [(Problem.EVENT_DELETED, "events.jsonl:1")]


def test_a_forged_event_inserted_is_named() -> None:
    lines = chain_of(6)
    forged = json.loads(lines[1]) | {"record": {"message": "approved by the manager"}}
    lines.insert(2, json.dumps(forged))
    assert problems(lines) == [(Problem.EVENT_INSERTED, "events.jsonl:3")]


def test_a_copied_event_inserted_is_named() -> None:
    lines = chain_of(6)
    lines.insert(4, lines[1])
    report = check_chain(lines)
    assert [(f.problem, f.where) for f in report.findings] == [(Problem.EVENT_INSERTED, "events.jsonl:5")]
    assert "copy of event 2" in report.findings[0].detail


def test_an_event_rehashed_to_fit_is_still_found() -> None:
    lines = chain_of(6)
    forged = {"seq": 3, "prev": json.loads(lines[1])["hash"], "record": {"message": "forged"}}
    forged["hash"] = event_hash(forged)
    lines.insert(2, json.dumps(forged))
    found = problems(lines)
    assert found and all(where == "events.jsonl:4" for _, where in found)


def test_reordered_events_are_named() -> None:
    lines = chain_of(6)
    lines[2], lines[3] = lines[3], lines[2]
    assert problems(lines) == [(Problem.EVENT_REORDERED, "events.jsonl:3"), (Problem.EVENT_REORDERED, "events.jsonl:4")]


def test_a_line_that_is_not_json() -> None:
    lines = chain_of(3)
    lines[1] = lines[1][:40]
    assert (Problem.EVENT_EDITED, "events.jsonl:2") in problems(lines)


def test_the_run_log_writes_a_chain_and_a_resumed_run_continues_it(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    for session in ("first", "resumed"):
        run_log = RunLog(path, "run-x")
        try:
            logger.bind(run_id="run-x").info("{} session, event a", session)
            logger.bind(run_id="run-x").info("{} session, event b", session)
        finally:
            run_log.close()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["seq"] for line in lines] == [1, 2, 3, 4]
    assert check_chain(lines).findings == []
    assert json.loads(lines[0])["record"]["message"] == "first session, event a"


def test_a_line_cut_short_by_a_crash_is_replaced_by_an_event_saying_so(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    torn = chain_of(3)[2][:30]
    path.write_text("\n".join(chain_of(2)) + "\n" + torn, encoding="utf-8")
    run_log = RunLog(path, "run-y")
    try:
        logger.bind(run_id="run-y").info("after the crash")
    finally:
        run_log.close()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert check_chain(lines).findings == [] and len(lines) == 4
    note = json.loads(lines[2])["record"]
    assert "cut short by a crash (30 bytes after event 2)" in note["message"]
    assert note["extra"]["torn_sha256"] == hashlib.sha256(torn.encode()).hexdigest()


def test_a_whole_last_event_without_its_newline_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(chain_of(2)), encoding="utf-8")
    run_log = RunLog(path, "run-z")
    try:
        logger.bind(run_id="run-z").info("resumed")
    finally:
        run_log.close()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3 and check_chain(lines).findings == []


@pytest.mark.parametrize("count", [1, 2])
def test_short_chains(count: int) -> None:
    assert check_chain(chain_of(count)).findings == []
