"""Run outcomes and exit codes, decided in one place."""

from __future__ import annotations

from pathlib import Path

import pytest

from clerk import (
    ApplicationError,
    BusinessError,
    ConfigError,
    FatalError,
    InputFileError,
    OperatorAbort,
)
from clerk._outcome import EXIT_CODES, ItemResult, ItemStatus, RunOutcome, RunReport


def report(*statuses: ItemStatus, stop_reason: str = "") -> RunReport:
    return RunReport(run_id="r", bot="b", input_path=Path("in.xlsx"), output_path=Path("out.xlsx"),
                     recording_dir=Path("rec"), stop_reason=stop_reason,
                     results=[ItemResult(row=n, reference=None, status=s) for n, s in enumerate(statuses, 2)])


@pytest.mark.parametrize(
    ("statuses", "stop_reason", "outcome"),
    [
        ((), "", RunOutcome.SUCCEEDED),
        ((ItemStatus.DONE, ItemStatus.ALREADY_PRESENT, ItemStatus.READY), "", RunOutcome.SUCCEEDED),
        ((ItemStatus.DONE, ItemStatus.PENDING), "", RunOutcome.SUCCEEDED),
        ((ItemStatus.DONE, ItemStatus.INVALID), "", RunOutcome.INVALID_ITEMS),
        ((ItemStatus.HELD,), "", RunOutcome.INVALID_ITEMS),
        ((ItemStatus.INVALID, ItemStatus.FAILED), "", RunOutcome.FAILED_ITEMS),
        ((ItemStatus.DONE,), "the application failed 3 items in a row", RunOutcome.STOPPED),
        ((ItemStatus.FAILED, ItemStatus.PENDING), "stopped by SIGTERM", RunOutcome.STOPPED),
    ],
)
def test_outcome_of_a_run(statuses: tuple[ItemStatus, ...], stop_reason: str, outcome: RunOutcome) -> None:
    result = report(*statuses, stop_reason=stop_reason)
    assert result.outcome is outcome
    assert result.exit_code == EXIT_CODES[outcome]


def test_exit_codes_match_the_documented_table() -> None:
    assert EXIT_CODES == {RunOutcome.SUCCEEDED: 0, RunOutcome.INVALID_ITEMS: 1,
                          RunOutcome.FAILED_ITEMS: 3, RunOutcome.STOPPED: 4}
    assert (BusinessError.exit_code, InputFileError.exit_code, ConfigError.exit_code) == (1, 1, 2)
    assert (ApplicationError.exit_code, FatalError.exit_code, OperatorAbort.exit_code) == (3, 4, 4)


def test_error_behaviour_lives_in_class_attributes() -> None:
    assert ApplicationError.retryable and not BusinessError.retryable and not ConfigError.retryable
    assert ConfigError.stops_run and FatalError.stops_run and not ApplicationError.stops_run
    assert BusinessError("x", code="UNKNOWN_VENDOR", column="vendor").code == "UNKNOWN_VENDOR"
    assert BusinessError("x").code == "BUSINESS" and str(BusinessError("why")) == "why"


def test_counts() -> None:
    assert report(ItemStatus.DONE, ItemStatus.DONE, ItemStatus.FAILED).counts == {"done": 2, "failed": 1}
