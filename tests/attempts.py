"""An item's steps in a sealed run, read as its attempts.

An e2e run on a loaded machine may retry an item (the application answered after the
wait ran out). What a test can expect then is told by the run's own trail, not by the
clock: each failed attempt ends with its failure screenshot, and the last one did the work.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clerk.audit._steps import FAILURE

Step = dict[str, Any]


@dataclass(frozen=True)
class Attempts:
    failed: list[list[Step]]  # each ends with its failure step
    last: list[Step]

    def names(self) -> list[str]:
        return [step["name"] for step in self.last]


def attempts_of(steps: list[Step]) -> Attempts:
    """An item's steps (``run.json``'s ``items[].steps``) split after each failure step."""
    attempts: list[list[Step]] = [[]]
    for step in steps:
        attempts[-1].append(step)
        if step["action"] == FAILURE:
            attempts.append([])
    *failed, last = attempts
    for number, attempt in enumerate(failed, 1):
        assert attempt[-1]["name"] == f"attempt-{number}-failed" and attempt[-1]["error"], attempt
    return Attempts(failed=failed, last=last)


def item_attempts(shots_folder: Path) -> Attempts:
    """The steps of the item whose screenshots are in ``shots_folder``
    (``<run>/shots/<item>``, as the results workbook names it), by attempt.

    Also checks that every screenshot in the folder is one of the item's recorded steps, in order.
    """
    run_folder = shots_folder.parents[1]
    manifest = json.loads((run_folder / "run.json").read_text(encoding="utf-8"))
    steps: list[Step] = next(item["steps"] for item in manifest["items"] if item["key"] == shots_folder.name)
    shots = sorted(path.relative_to(run_folder).as_posix() for path in shots_folder.glob("*.png"))
    assert shots == [step["shot"] for step in steps], (shots, steps)
    return attempts_of(steps)


def assert_entered_once(attempts: Attempts, message: str) -> None:
    """invoice_entry's last attempt entered the item and read it back; or, when an earlier
    attempt failed after filling the form (it may have posted), found it instead of posting
    again (the result's ``message`` then says so)."""
    if "after an interrupted attempt" in message:
        assert attempts.names() == ["found existing"], attempts
        assert any(step["name"] == "form filled" for attempt in attempts.failed for step in attempt), attempts
    else:
        assert attempts.names() == ["form filled", "read back"], attempts
