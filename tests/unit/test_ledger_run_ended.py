"""An item a queue delivers after its run has ended (a worker that got it late, once the
broker was back) is not claimed for that run: the run's rerun may be entering it now."""

from __future__ import annotations

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
