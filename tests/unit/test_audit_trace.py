"""Traces: kept for failed items only (by policy), and scrubbed of everything typed into a
password or sensitive field and of every registered secret."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from clerk._outcome import ItemStatus
from clerk._recording import Recording
from clerk.audit import seal_run, verify_run
from clerk.audit._seal import _settle_traces
from clerk.audit._trace import ItemTracer
from clerk.audit._trace_scrub import scrub_trace
from tests.audit_helpers import find_secrets, make_run

SECRET = 'Pa"ss/wörd 42!'


def trace_lines() -> list[dict[str, object]]:
    return [
        {"version": 10, "type": "context-options", "title": "row-00002"},
        {"type": "before", "callId": "c1", "method": "fill",
         "params": {"selector": "input[name=login]", "value": "admin"}},
        {"type": "log", "callId": "c1", "message": '  fill("admin")'},
        {"type": "before", "callId": "c2", "method": "fill", "params": {"selector": "#pw", "value": SECRET}},
        {"type": "log", "callId": "c2", "message": '  locator resolved to <input value="" type="password" id="pw"/>'},
        {"type": "log", "callId": "c2", "message": f"  fill({json.dumps(SECRET)})"},
        {"type": "before", "callId": "c3", "method": "fill",
         "params": {"selector": "input[name=iban]", "value": "DE02 1203"}},
        {"type": "log", "callId": "c3", "message": '  locator resolved to <input value="DE02 1203" name="iban"/>'},
        {"type": "before", "callId": "c4", "method": "inputValue", "params": {"selector": "input[name=iban]"}},
        {"type": "after", "callId": "c4", "result": {"value": "DE02 1203"}},
        {"type": "log", "callId": "c5", "message": 'resolved to <input type="password" value="old value"/>'},
        {"type": "console", "text": f"debug: posting password={SECRET}"},
    ]


@pytest.fixture
def raw_trace(tmp_path: Path) -> Path:
    path = tmp_path / "raw.zip"
    with zipfile.ZipFile(path, "w") as zipped:
        zipped.writestr("trace.trace", "\n".join(json.dumps(line) for line in trace_lines()) + "\n")
        zipped.writestr("trace.network", json.dumps({"postData": "login=admin&password=Pa%22ss%2Fw%C3%B6rd+42%21"}))
        zipped.writestr("resources/blob.bin", b"\x00\x01" + SECRET.encode() + b"\xff")
    return path


def test_scrubbing_removes_typed_secrets_and_sensitive_values(raw_trace: Path, tmp_path: Path) -> None:
    scrubbed = tmp_path / "ledgersmb-trace.zip"
    scrub_trace(raw_trace, scrubbed, sensitive_selectors={"input[name=iban]"}, secrets=[SECRET])
    assert find_secrets([scrubbed], [SECRET, "DE02 1203", "old value"]) == []
    lines = [json.loads(line) for line in zipfile.ZipFile(scrubbed).read("trace.trace").decode().splitlines()]
    assert lines[1]["params"]["value"] == "admin" and lines[2]["message"] == '  fill("admin")'  # evidence stays
    assert lines[3]["params"]["value"] == "[redacted]" and lines[5]["message"] == '  fill("[redacted]")'
    assert lines[6]["params"]["value"] == "[redacted]" and lines[9]["result"] == "[redacted]"
    assert 'value="[redacted]"' in lines[10]["message"]


def test_traces_of_items_that_did_not_fail_are_dropped(tmp_path: Path) -> None:
    folder = tmp_path / "traces"
    for key in ("row-00002", "row-00003", "run"):
        (folder / key).mkdir(parents=True)
        (folder / key / "ledgersmb-trace.zip").write_bytes(b"PK")
    (folder / "row-00003" / ".ledgersmb.unscrubbed.zip").write_bytes(b"left by a crash")
    statuses = {"row-00002": ItemStatus.DONE, "row-00003": ItemStatus.FAILED}
    kept = _settle_traces(folder, statuses, "failed")
    assert kept == {"row-00003": ["traces/row-00003/ledgersmb-trace.zip"], "run": ["traces/run/ledgersmb-trace.zip"]}
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.zip")) == [
        "row-00003/ledgersmb-trace.zip", "run/ledgersmb-trace.zip"]


def test_policy_all_keeps_every_trace(tmp_path: Path) -> None:
    folder = tmp_path / "traces"
    (folder / "row-00002").mkdir(parents=True)
    (folder / "row-00002" / "ledgersmb-trace.zip").write_bytes(b"PK")
    assert _settle_traces(folder, {"row-00002": ItemStatus.DONE}, "all") == {
        "row-00002": ["traces/row-00002/ledgersmb-trace.zip"]}


def _dead_pid() -> int:
    """A process id that no process has right now (a killed run's)."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    return int(done.stdout)


def test_a_resumed_run_clears_what_the_killed_runs_browser_left(tmp_path: Path) -> None:
    run = tmp_path / "recordings" / "invoice_entry" / "20260101-120000-abcdef"
    host = socket.gethostname()
    killed = run / ".playwright" / f"{_dead_pid()}-1a2b3c4d-{host}"
    (killed / "pieces").mkdir(parents=True)
    (killed / "0f1e-chunk1.trace").write_text('{"type":"before","method":"fill"}\n')
    alive = run / ".playwright" / f"{os.getpid()}-9f8e7d6c-{host}"  # another worker of this very process
    elsewhere = run / ".playwright" / f"{_dead_pid()}-5a6b7c8d-another-host.example"  # only it can tell
    alive.mkdir()
    elsewhere.mkdir()
    tracer = ItemTracer(run / "traces", "failed")
    assert not killed.exists() and alive.is_dir() and elsewhere.is_dir()
    assert tracer.scratch.parent == run / ".playwright" and tracer.scratch.name.startswith(f"{os.getpid()}-")
    tracer.scratch.mkdir()
    tracer.dispose()
    assert not tracer.scratch.exists() and alive.is_dir()


def test_sealing_removes_every_scratch_folder(tmp_path: Path) -> None:
    run = make_run(tmp_path)
    scratch = run.folder / ".playwright" / f"{os.getpid()}-00000000-{socket.gethostname()}"
    scratch.mkdir(parents=True)
    (scratch / "c9be-chunk1.trace").write_text("{}\n")
    assert seal_run(Recording(run.folder), run.report, run.settings)
    assert not (run.folder / ".playwright").exists()
    assert verify_run(run.folder).intact
