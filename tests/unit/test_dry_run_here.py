"""A dry run with ``--workers N`` or ``--on celery`` checks the input on this machine in one
session, and says so (on the console and in the run's events and manifest), rather than
appear to have used the workers or the fleet it was given."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clerk._run import run_bot
from clerk._run_options import RunOptions

HEADER = ["Reference", "Amount"]


@pytest.mark.parametrize(("workers", "executor", "said"), [(3, "local", "--workers 3"), (1, "celery", "--on celery")])
def test_a_dry_run_asked_for_more_sessions_checks_here_in_one_and_says_so(
        make_bot, fake_app, settings, write_table, workers: int, executor: str, said: str) -> None:
    fake_app.records["A-2"] = "F-9"
    path = write_table("lines.xlsx", [HEADER, ["A-1", "1"], ["A-2", "2"]])
    report = run_bot(make_bot(), settings, RunOptions(input_path=path, dry_run=True, workers=workers,
                                                      executor=executor))  # type: ignore[arg-type]
    assert [(r.row, r.status.value) for r in report.results] == [(2, "ready"), (3, "already_present")]
    assert fake_app.entered() == []
    manifest = json.loads((report.recording_dir / "run.json").read_text())
    assert (manifest["executor"], manifest["workers"]) == ("local", 1)  # what the check really used
    events = [json.loads(line)["record"] for line in (report.recording_dir / "events.jsonl").read_text().splitlines()]
    [notice] = [e for e in events if e["level"]["name"] == "WARNING"]
    assert notice["message"] == (f"a dry run checks the input on this machine in one session; {said} apply to "
                                 "real runs only")
    assert {e["extra"].get("worker") for e in events} <= {None, "w1"}  # one session, no second worker


def test_a_real_run_keeps_its_workers(make_bot, fake_app, settings, write_table: Path) -> None:
    path = write_table("lines.xlsx", [HEADER, ["A-1", "1"], ["A-2", "2"]])
    report = run_bot(make_bot(), settings, RunOptions(input_path=path, workers=2))
    manifest = json.loads((report.recording_dir / "run.json").read_text())
    assert (manifest["executor"], manifest["workers"]) == ("local", 2)
    assert sorted(fake_app.entered()) == ["A-1", "A-2"]
