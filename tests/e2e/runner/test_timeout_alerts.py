"""A hung item is stopped by the job's timeout and recorded as failed with a screenshot;
the failed run is announced by e-mail (a local SMTP sink) and by webhook (a local receiver),
with the path of its recordings and without any secret."""

from __future__ import annotations

import email
from pathlib import Path

import pytest

from tests.ledgersmb_db import ap_invoice_numbers

from .conftest import (
    SANDBOX_PASSWORD,
    SMTP_PASSWORD,
    Project,
    RunnerProcess,
    invoice_rows,
    result_statuses,
    wait_until,
    workbook_bytes,
)
from .sinks import alert_sinks

pytestmark = pytest.mark.e2e

TIMEOUT_S = 60  # generous: login and preflight must fit before the item hangs, on a busy sandbox


def test_a_hung_item_is_stopped_by_the_timeout_recorded_failed_and_alerted(
        project: Project, start_runner, prefix: str, tmp_path: Path) -> None:
    project.schedule(f"""
[jobs.probe]
bot = "hang_probe"
interval_s = 2
timeout_s = {TIMEOUT_S}
stop_grace_s = 30
""")
    with alert_sinks() as sinks:
        project.env.update({
            "CLERK_ALERTS__SMTP_HOST": "127.0.0.1", "CLERK_ALERTS__SMTP_PORT": str(sinks.smtp_port),
            "CLERK_ALERTS__SMTP_USER": "clerk-alerts", "CLERK_SMTP_PASSWORD": SMTP_PASSWORD,
            "CLERK_ALERTS__MAIL_TO": '["ops@example.com"]', "CLERK_ALERTS__WEBHOOK_URL": sinks.webhook_url,
        })
        runner: RunnerProcess = start_runner()
        runner.wait_for("runner started")
        project.drop("probe", f"{prefix}.xlsx", workbook_bytes(tmp_path, invoice_rows(prefix, [1, 2])))
        failed = project.data / "failed" / "probe" / f"{prefix}.xlsx"
        wait_until(lambda: failed.exists() and len(sinks.box.mails) == 1 and len(sinks.box.posts) == 1,
                   TIMEOUT_S + 120, "the timed-out file in failed/ and both alerts")
        assert runner.process.poll() is None  # the runner itself goes on
        assert runner.stop() == 0

    # the hung item: failed, with the timeout as its error and a failure screenshot; the next one not tried
    (state, error), = project.ledger(
        "SELECT state, last_error FROM items WHERE bot='hang_probe' AND reference LIKE ?", f"%{prefix}001")
    assert (state, error) == ("failed", "JOB_TIMEOUT")
    (run_id, status, recordings), = project.ledger(
        "SELECT id, status, recording_dir FROM runs WHERE input_path LIKE ?", f"%{prefix}%")
    assert status == "stopped"
    shots = sorted(p.name for p in (Path(recordings) / "shots" / "row-00002").glob("*.png"))
    assert any("attempt-1-failed" in name for name in shots), shots
    assert result_statuses(failed.with_name(f"{prefix}.results.xlsx")) == ["failed", "pending"]
    assert "timeout" in failed.with_name(f"{prefix}.error.txt").read_text()
    assert ap_invoice_numbers(prefix) == []  # it hung before posting anything

    mail = email.message_from_string(sinks.box.mails[0].data)
    body = mail.get_payload(decode=True).decode()
    assert sinks.box.mails[0].login == "clerk-alerts" and sinks.box.mails[0].recipients == ["ops@example.com"]
    assert "probe needs attention" in mail["Subject"]
    assert recordings in body and run_id in body and "JOB_TIMEOUT" in body
    post = sinks.box.posts[0]
    assert post["content_type"] == "application/json"
    payload = post["json"]
    assert isinstance(payload, dict)
    assert payload["run_id"] == run_id and payload["recordings"] == recordings and payload["counts"]["failed"] == 1
    everything = sinks.box.mails[0].data + str(payload) + runner.output
    assert SANDBOX_PASSWORD not in everything and SMTP_PASSWORD not in everything
