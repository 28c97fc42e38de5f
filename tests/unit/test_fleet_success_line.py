"""What a worker's log says when an item's task ends: the item and its outcome, once."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from celery import Celery

from clerk._outcome import ItemResult, ItemStatus
from clerk.fleet._app import ITEM_TASK
from clerk.fleet._orders import ItemOrder, ItemOutcome
from clerk.fleet._worker import ItemTask, shorten_success_lines

STEP = "step 'form filled' in ledgersmb: shots/row-00007/01-ledgersmb-form-filled.png"


def test_celerys_success_line_names_the_item_and_its_outcome_without_its_events(
    caplog: pytest.LogCaptureFixture,
) -> None:
    order = ItemOrder(run_id="run-9", bot="invoice_entry", target="ledgersmb", recording_dir="/r", params={},
                      row=7, values={}, file="f.xlsx", headers={}, reference="acme|INV-7")
    outcome = ItemOutcome(result=ItemResult(row=7, reference="acme|INV-7", status=ItemStatus.DONE, app_ref="2251"),
                          events=[{"text": f"12:00:01 | INFO | {STEP}\n", "record": {"message": STEP}}] * 3)
    app = Celery("success-line", set_as_current=False)

    def work(_task: ItemTask, _message: dict[str, Any]) -> dict[str, Any]:
        return outcome.as_message()

    task = app.task(name=ITEM_TASK, bind=True, base=ItemTask)(work)
    shorten_success_lines()  # as each pool process does when it starts
    with caplog.at_level(logging.INFO, logger="celery.app.trace"):
        returned = task.apply(args=[order.as_message()]).get()

    assert returned == outcome.as_message()  # the run still gets the whole outcome, events included
    [line] = [r.getMessage() for r in caplog.records if "succeeded" in r.getMessage()]
    assert line.startswith(f"Task {ITEM_TASK}[") and line.endswith(": run run-9 row 7 (acme|INV-7): done"), line
    assert "form filled" not in line and "events" not in line
