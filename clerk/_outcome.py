"""What happened to each item and to the run, as the results file and the CLI report it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class ItemStatus(StrEnum):
    DONE = "done"  # entered by clerk and read back
    ALREADY_PRESENT = "already_present"  # was in the application before; not entered again
    INVALID = "invalid"  # bad data or refused by a business rule; never retried
    FAILED = "failed"  # the application kept failing; see the screenshots
    HELD = "held"  # valid, but not entered because the file has invalid rows
    PENDING = "pending"  # not reached: --limit, or the run stopped early
    READY = "ready"  # dry run: valid and would be entered
    UNCONFIRMED = "unconfirmed"  # its write was interrupted and the app cannot be searched: check by hand


class RunOutcome(StrEnum):
    SUCCEEDED = "succeeded"  # every item done or already present
    INVALID_ITEMS = "invalid_items"
    FAILED_ITEMS = "failed_items"
    STOPPED = "stopped"  # ended early


EXIT_CODES = {
    RunOutcome.SUCCEEDED: 0,
    RunOutcome.INVALID_ITEMS: 1,
    RunOutcome.FAILED_ITEMS: 3,
    RunOutcome.STOPPED: 4,
}


@dataclass(frozen=True, slots=True)
class ItemResult:
    row: int
    reference: str | None
    status: ItemStatus
    app_ref: str | None = None
    message: str = ""
    shots: str = ""
    worker: str = ""  # who worked the item (e.g. w2); empty when no worker touched it


@dataclass(slots=True)
class RunReport:
    run_id: str
    bot: str
    input_path: Path
    output_path: Path
    recording_dir: Path
    resumed: bool = False
    dry_run: bool = False
    stop_reason: str = ""
    stop_exit_code: int | None = None  # the exit code of the error that stopped the run, when one did
    results: list[ItemResult] = field(default_factory=list)
    drifts: list[str] = field(default_factory=list)  # selectors whose fallback was used, as messages

    @property
    def drifted_selectors(self) -> list[str]:
        return list(dict.fromkeys(self.drifts))

    @property
    def counts(self) -> Counter[str]:
        return Counter(r.status.value for r in self.results)

    @property
    def outcome(self) -> RunOutcome:
        counts = self.counts
        if self.stop_reason:
            return RunOutcome.STOPPED
        if counts[ItemStatus.FAILED] or counts[ItemStatus.UNCONFIRMED]:
            return RunOutcome.FAILED_ITEMS
        if counts[ItemStatus.INVALID] or counts[ItemStatus.HELD]:
            return RunOutcome.INVALID_ITEMS
        return RunOutcome.SUCCEEDED

    @property
    def exit_code(self) -> int:
        """By the outcome; a run stopped by an error exits with that error's code (a
        configuration error found mid-item is still exit 2)."""
        outcome = self.outcome
        if outcome is RunOutcome.STOPPED and self.stop_exit_code is not None:
            return self.stop_exit_code
        return EXIT_CODES[outcome]
