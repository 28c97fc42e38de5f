"""What a finished run means for its input, and the summary that alerts and error files show.

``judge`` is pure: the runner's rules for an inbox file in one place.

- succeeded: the file goes to processed/.
- the file cannot be used, or rows are invalid (business errors): failed/ at once;
  running it again cannot help.
- items failed (application errors), the run stopped early, timed out or crashed: the
  file stays in ``.working`` and is run again at the next fire, until the job's
  ``retry.runs`` are used up; then failed/. The ledger makes every new run safe.
- the runner was shut down (SIGTERM/SIGINT): the file stays and is resumed on restart;
  this does not count as a run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from clerk._outcome import RunOutcome
from clerk._secrets import REDACTOR
from clerk.scheduler._child import JobTimedOut
from clerk.scheduler._launch import ChildOutcome

_UNUSABLE_INPUT = "INPUT_FILE"


class Verdict(StrEnum):
    PROCESSED = "processed"
    FAILED = "failed"
    RETRY = "retry"  # kept for the next fire
    RESUME = "resume"  # kept: the runner is shutting down


def judge(outcome: ChildOutcome, *, shutting_down: bool, runs_before: int, runs_allowed: int) -> tuple[Verdict, str]:
    """The verdict on one run of an inbox file, and the reason in one line."""
    result = outcome.result
    if result is not None and result.stopped_by_runner and not outcome.timed_out:
        return Verdict.RESUME, "the runner was stopped; the run goes on when it starts again"
    if result is None and shutting_down and not outcome.timed_out:
        return Verdict.RESUME, "the runner was stopped while the run started; it goes on when it starts again"
    if result is not None and result.outcome == RunOutcome.SUCCEEDED and not result.error_code:
        return Verdict.PROCESSED, "every row is done or was already present"
    if result is not None and result.error_code == _UNUSABLE_INPUT:
        return Verdict.FAILED, f"the file cannot be used: {result.error}"
    if result is not None and result.outcome == RunOutcome.INVALID_ITEMS:
        return Verdict.FAILED, "some rows are invalid (see the results workbook); fix them and drop the file again"
    reason = failure_reason(outcome)
    if runs_before + 1 < runs_allowed:
        return Verdict.RETRY, f"{reason}; run {runs_before + 1} of {runs_allowed}, trying again at the next fire"
    return Verdict.FAILED, reason if runs_allowed == 1 else f"{reason}; gave up after {runs_allowed} runs"


def failure_reason(outcome: ChildOutcome) -> str:
    result = outcome.result
    if outcome.killed:
        return (f"the run exceeded the job's timeout and did not stop; it was killed after "
                f"{outcome.duration.total_seconds():.0f}s")
    if outcome.timed_out or (result is not None and result.error_code == JobTimedOut.code):
        return "the run exceeded the job's timeout; the item it was working was recorded as failed"
    if result is None:
        return f"the run ended without a report (exit code {outcome.returncode})"
    if result.error_code:
        return f"{result.error_code}: {result.error}"
    if result.stop_reason:
        return f"the run stopped early: {result.stop_reason}"
    failed = result.counts.get("failed", 0)
    return f"{failed} row(s) failed in the application" if failed else f"outcome {result.outcome}"


def needs_alert(outcome: ChildOutcome, verdict: Verdict | None, *, on_invalid: bool) -> bool:
    """Failed items, or a run that failed as a whole; invalid rows too when ``on_invalid``."""
    result = outcome.result
    if verdict is Verdict.RESUME or (result is not None and result.stopped_by_runner and not outcome.timed_out):
        return False
    if result is None or result.error_code or outcome.timed_out or outcome.killed:
        return True
    if result.outcome == RunOutcome.STOPPED or result.counts.get("failed", 0):
        return True
    return on_invalid and result.outcome == RunOutcome.INVALID_ITEMS


@dataclass(frozen=True, slots=True, kw_only=True)
class RunSummary:
    """One run, told for people: the alert's body and a failed file's explanation."""

    job: str
    bot: str
    input: str
    run_id: str | None
    outcome: str
    counts: Mapping[str, int]
    reason: str
    recordings: str | None
    results_workbook: str | None
    next_step: str
    problems: Sequence[str] = field(default_factory=list)

    @property
    def subject(self) -> str:
        return f"clerk: {self.job} needs attention ({self.outcome})"

    def text(self) -> str:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items())) or "none"
        lines = [
            f"job:        {self.job} (bot {self.bot})",
            f"input:      {self.input}",
            f"outcome:    {self.outcome} (rows: {counts})",
            f"reason:     {self.reason}",
            f"next:       {self.next_step}",
            f"run:        {self.run_id or '-'}",
            f"recordings: {self.recordings or '-'}",
            f"results:    {self.results_workbook or '-'}",
        ]
        if self.problems:
            lines += ["", "rows that need attention:", *[f"  {p}" for p in self.problems]]
        return REDACTOR.scrub("\n".join(lines) + "\n")

    def as_dict(self) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "job": self.job, "bot": self.bot, "input": self.input, "run_id": self.run_id, "outcome": self.outcome,
            "counts": dict(self.counts), "reason": self.reason, "next_step": self.next_step,
            "recordings": self.recordings, "results_workbook": self.results_workbook, "problems": list(self.problems),
        }
        scrubbed: dict[str, Any] = _scrub(fields)
        return scrubbed


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return REDACTOR.scrub(value)
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value
