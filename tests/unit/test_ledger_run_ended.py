"""An item a queue delivers after its run has ended (a worker that got it late, once the
broker was back) is not claimed for that run: the run's rerun may be entering it now."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from clerk._ledger import ItemLocked, ItemState, Ledger, RunEnded, RunStatus

BOT = "invoice_entry"


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    opened = Ledger(tmp_path / "ledger.db")
    yield opened
    opened.close()


@pytest.mark.parametrize("ended", [RunStatus.STOPPED, RunStatus.COMPLETED])
def test_a_claim_for_a_run_that_has_ended_is_refused_and_leaves_the_item_to_the_rerun(
        ledger: Ledger, tmp_path: Path, ended: RunStatus) -> None:
    old, _ = ledger.open_run(BOT, "in.xlsx", "sha", tmp_path / "recordings")
    ledger.claim(BOT, "acme|A-1", old.id)  # in progress when the run stopped
    ledger.finish_run(old.id, ended, {})
    rerun, resumed = ledger.open_run(BOT, "in.xlsx", "sha", tmp_path / "recordings")
    assert not resumed
    ledger.claim(BOT, "acme|A-1", rerun.id)  # the rerun takes the item over
    with pytest.raises(RunEnded, match=rf"acme\|A-2 was not worked: its run {old.id} has ended \({ended}\); "
                                       "run the input again to finish it") as refused:
        ledger.claim(BOT, "acme|A-2", old.id)  # the old run's message, delivered late
    assert isinstance(refused.value, ItemLocked)  # worked like a held item: failed for that run, never entered
    with pytest.raises(RunEnded):
        ledger.claim(BOT, "acme|A-1", old.id)
    held = ledger.item(BOT, "acme|A-1")
    assert held is not None and (held.state, held.run_id) == (ItemState.IN_PROGRESS, rerun.id)
    assert ledger.item(BOT, "acme|A-2") is None


def test_a_running_run_claims_as_before(ledger: Ledger, tmp_path: Path) -> None:
    run, _ = ledger.open_run(BOT, "in.xlsx", "sha", tmp_path / "recordings")
    assert ledger.claim(BOT, "acme|A-1", run.id) is None
    assert ledger.claim(BOT, "acme|A-1", run.id) is not None  # a redelivery to the same run: claimed again


def test_an_item_a_worker_elsewhere_claimed_is_not_taken_over_within_its_hold_even_once_its_run_ended(
        ledger: Ledger, tmp_path: Path) -> None:
    old, _ = ledger.open_run(BOT, "in.xlsx", "sha", tmp_path / "recordings")
    worker = ledger.sibling()
    worker.claim_hold = dt.timedelta(minutes=11)  # a Celery worker: the hard item time limit
    worker.claim(BOT, "acme|A-1", old.id)  # typing it, when the coordinator lost the broker
    ledger.finish_run(old.id, RunStatus.STOPPED, {})
    rerun, _ = ledger.open_run(BOT, "in.xlsx", "sha", tmp_path / "recordings")
    with pytest.raises(ItemLocked, match=rf"acme\|A-1 may still be being entered by a worker of run {old.id} "
                                         r"\(its item time limit runs until \d\d:\d\d:\d\d UTC\); "
                                         "run the input again after that"):
        ledger.claim(BOT, "acme|A-1", rerun.id)
    held = ledger.item(BOT, "acme|A-1")
    assert held is not None and (held.state, held.run_id) == (ItemState.IN_PROGRESS, old.id)


def test_a_hold_that_has_run_out_lets_the_rerun_take_the_item_over(ledger: Ledger, tmp_path: Path) -> None:
    old, _ = ledger.open_run(BOT, "in.xlsx", "sha", tmp_path / "recordings")
    worker = ledger.sibling()
    worker.claim_hold = dt.timedelta(seconds=-1)  # claimed longer ago than the item time limit
    worker.claim(BOT, "acme|A-1", old.id)
    ledger.finish_run(old.id, RunStatus.STOPPED, {})
    rerun, _ = ledger.open_run(BOT, "in.xlsx", "sha", tmp_path / "recordings")
    before = ledger.claim(BOT, "acme|A-1", rerun.id)
    assert before is not None and before.state is ItemState.IN_PROGRESS  # in doubt: looked up in the app first


def test_a_held_item_goes_to_another_worker_of_the_same_run(ledger: Ledger, tmp_path: Path) -> None:
    run, _ = ledger.open_run(BOT, "in.xlsx", "sha", tmp_path / "recordings")
    killed, other = ledger.sibling(), ledger.sibling()
    killed.claim_hold = other.claim_hold = dt.timedelta(minutes=11)
    killed.claim(BOT, "acme|A-1", run.id)  # its worker was SIGKILLed; the broker redelivers the order
    before = other.claim(BOT, "acme|A-1", run.id)
    assert before is not None and before.run_id == run.id and before.attempts == 1


def test_a_hold_ends_with_its_worker_process_on_this_machine(ledger: Ledger, tmp_path: Path) -> None:
    old, _ = ledger.open_run(BOT, "in.xlsx", "sha", tmp_path / "recordings")
    worker = textwrap.dedent(f"""
        import datetime as dt
        from clerk._ledger import Ledger
        from pathlib import Path
        ledger = Ledger(Path({str(tmp_path / "ledger.db")!r}))
        ledger.claim_hold = dt.timedelta(minutes=11)
        ledger.claim({BOT!r}, "acme|A-1", {old.id!r})
        ledger.close()
    """)
    subprocess.run([sys.executable, "-c", worker], check=True, timeout=120)  # a worker that claimed, then died
    ledger.finish_run(old.id, RunStatus.STOPPED, {})
    rerun, _ = ledger.open_run(BOT, "in.xlsx", "sha", tmp_path / "recordings")
    before = ledger.claim(BOT, "acme|A-1", rerun.id)
    assert before is not None and before.held_by is not None and before.held_by != f"{socket.gethostname()}:{os.getpid()}"
    assert before.state is ItemState.IN_PROGRESS  # in doubt: the rerun looks it up in the app before typing
