"""What a run means for its inbox file, when people are alerted, and what an alert says."""

from __future__ import annotations

import datetime as dt
import socket

import pytest

from clerk._secrets import REDACTOR
from clerk.scheduler._alerts import Alerter
from clerk.scheduler._child import ChildResult
from clerk.scheduler._launch import ChildOutcome
from clerk.scheduler._settings import AlertSettings
from clerk.scheduler._verdict import RunSummary, Verdict, judge, needs_alert


def outcome(result: ChildResult | None, *, timed_out: bool = False, killed: bool = False) -> ChildOutcome:
    return ChildOutcome(result, pid=1234, returncode=0 if result else -9, timed_out=timed_out, killed=killed,
                        duration=dt.timedelta(seconds=42))


SUCCEEDED = ChildResult(run_id="r1", outcome="succeeded", counts={"done": 2})
FAILED_ITEMS = ChildResult(run_id="r1", outcome="failed_items", counts={"done": 1, "failed": 1})
INVALID = ChildResult(run_id="r1", outcome="invalid_items", counts={"invalid": 1, "held": 1})
UNUSABLE = ChildResult(error_code="INPUT_FILE", error="book.xlsx: no sheet has the columns Vendor, Amount")
SHUTDOWN = ChildResult(run_id="r1", outcome="stopped", counts={"done": 1, "pending": 1},
                       stop_reason="stopped by the runner (SIGTERM)", stopped_by_runner=True)
TIMED_OUT = ChildResult(run_id="r1", outcome="stopped", counts={"failed": 1, "pending": 1},
                        stop_reason="JOB_TIMEOUT: ...", timed_out=True)


@pytest.mark.parametrize(("child", "runs_before", "verdict", "words"), [
    (outcome(SUCCEEDED), 0, Verdict.PROCESSED, "every row"),
    (outcome(UNUSABLE), 0, Verdict.FAILED, "cannot be used: book.xlsx"),
    (outcome(INVALID), 0, Verdict.FAILED, "rows are invalid"),
    (outcome(FAILED_ITEMS), 0, Verdict.RETRY, "run 1 of 3"),
    (outcome(FAILED_ITEMS), 1, Verdict.RETRY, "run 2 of 3"),
    (outcome(FAILED_ITEMS), 2, Verdict.FAILED, "gave up after 3 runs"),
    (outcome(TIMED_OUT, timed_out=True), 2, Verdict.FAILED, "exceeded the job's timeout"),
    (outcome(None, timed_out=True, killed=True), 2, Verdict.FAILED, "was killed"),
    (outcome(None), 2, Verdict.FAILED, "without a report"),
    (outcome(SHUTDOWN), 2, Verdict.RESUME, "runner was stopped"),
])
def test_judge(child: ChildOutcome, runs_before: int, verdict: Verdict, words: str) -> None:
    got, reason = judge(child, shutting_down=False, runs_before=runs_before, runs_allowed=3)
    assert got is verdict and words in reason


def test_a_child_that_died_while_the_runner_shut_down_is_resumed() -> None:
    assert judge(outcome(None), shutting_down=True, runs_before=0, runs_allowed=1)[0] is Verdict.RESUME


@pytest.mark.parametrize(("child", "on_invalid", "alert"), [
    (outcome(SUCCEEDED), True, False),
    (outcome(SHUTDOWN), True, False),
    (outcome(FAILED_ITEMS), False, True),
    (outcome(TIMED_OUT, timed_out=True), False, True),
    (outcome(UNUSABLE), False, True),
    (outcome(None), False, True),
    (outcome(INVALID), True, True),
    (outcome(INVALID), False, False),
])
def test_who_gets_alerted(child: ChildOutcome, on_invalid: bool, alert: bool) -> None:
    assert needs_alert(child, None, on_invalid=on_invalid) is alert


def summary(message: str) -> RunSummary:
    return RunSummary(job="invoice_entry", bot="invoice_entry", input="/data/failed/a.xlsx", run_id="r1",
                      outcome="failed_items", counts={"done": 1, "failed": 1}, reason=message,
                      recordings="/rec/invoice_entry/r1", results_workbook="/data/failed/a.results.xlsx",
                      next_step="fix it", problems=[f"row 3 (Globex|7): failed: {message}"])


def test_a_summary_names_the_recordings_and_never_a_secret() -> None:
    REDACTOR.register("hunter2-secret")
    text = summary("login as admin/hunter2-secret refused").text()
    assert "hunter2-secret" not in text and "[redacted]" in text
    assert "/rec/invoice_entry/r1" in text and "row 3 (Globex|7)" in text
    assert "hunter2-secret" not in repr(summary("x hunter2-secret").as_dict())


def test_an_undeliverable_alert_is_reported_not_raised() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    alerter = Alerter(AlertSettings(smtp_host="127.0.0.1", smtp_port=port, mail_to=("ops@example.com",),
                                    webhook_url=f"http://127.0.0.1:{port}/hook", timeout=dt.timedelta(seconds=2)))
    assert alerter.channels == ["email", "webhook"]
    sent, errors = alerter.send(summary("x"))
    assert sent == [] and len(errors) == 2 and errors[0].startswith("email: ") and errors[1].startswith("webhook: ")


def test_no_channel_configured_means_nothing_to_send() -> None:
    assert Alerter(AlertSettings()).channels == []
