"""The work-item ledger: its state machine, attempts, history and run ownership."""

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
import sqlalchemy as sa

from clerk._ledger import (
    IllegalTransition,
    ItemLocked,
    ItemState,
    Ledger,
    LedgerError,
    RunStatus,
    process_alive,
)
from tests.waiting import wait_until

BOT = "invoice_entry"
REF = "acme|INV-1"
SETTLED = [ItemState.DONE, ItemState.ALREADY_PRESENT, ItemState.FAILED, ItemState.INVALID]
UNSETTLED = [ItemState.PENDING, ItemState.IN_PROGRESS]


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    ledger = Ledger(tmp_path / "var" / "ledger.sqlite3")
    yield ledger
    ledger.close()


def start_run(ledger: Ledger, tmp_path: Path, sha: str = "sha-a", *, bot: str = BOT, dry_run: bool = False) -> str:
    run, _ = ledger.open_run(bot, "input.xlsx", sha, tmp_path / "recordings", dry_run=dry_run)
    return run.id


def write(ledger: Ledger, sql: str, **params: object) -> None:
    """Change the ledger behind its API, as a crash or another machine would leave it."""
    with ledger._engine.begin() as db:
        db.execute(sa.text(sql), params)


def set_owner(ledger: Ledger, run_id: str, *, pid: int, host: str | None = None) -> None:
    write(ledger, "UPDATE runs SET pid=:pid, host=COALESCE(:host, host) WHERE id=:id", pid=pid, host=host, id=run_id)


def state_of(ledger: Ledger, reference: str = REF) -> ItemState | None:
    record = ledger.item(BOT, reference)
    return record.state if record else None


# ---------------------------------------------------------------------------- legal transitions
def test_a_new_item_is_claimed_in_progress_with_one_attempt(ledger: Ledger, tmp_path: Path) -> None:
    run = start_run(ledger, tmp_path)
    assert ledger.item(BOT, REF) is None
    assert ledger.claim(BOT, REF, run) is None  # nothing before
    record = ledger.item(BOT, REF)
    assert record is not None
    assert (record.state, record.run_id, record.attempts) == (ItemState.IN_PROGRESS, run, 1)
    assert ledger.history(BOT, REF) == [(None, "in_progress", run)]


@pytest.mark.parametrize("state", SETTLED)
def test_in_progress_settles_into_each_settled_state(ledger: Ledger, tmp_path: Path, state: ItemState) -> None:
    run = start_run(ledger, tmp_path)
    ledger.claim(BOT, REF, run)
    ledger.settle(BOT, REF, run, state, app_ref="17", message="what happened", error="CODE")
    record = ledger.item(BOT, REF)
    assert record is not None
    assert (record.state, record.app_ref, record.message, record.last_error) == (state, "17", "what happened", "CODE")
    assert ledger.history(BOT, REF) == [(None, "in_progress", run), ("in_progress", state.value, run)]


@pytest.mark.parametrize("state", [ItemState.FAILED, ItemState.INVALID])
def test_failed_and_invalid_items_are_claimed_again_by_a_later_run(
    ledger: Ledger, tmp_path: Path, state: ItemState
) -> None:
    first = start_run(ledger, tmp_path, "sha-1")
    ledger.claim(BOT, REF, first)
    ledger.settle(BOT, REF, first, state, message="first try")
    ledger.finish_run(first, RunStatus.COMPLETED, {state.value: 1})
    second = start_run(ledger, tmp_path, "sha-2")
    before = ledger.claim(BOT, REF, second)
    assert before is not None and before.state is state and before.run_id == first
    record = ledger.item(BOT, REF)
    assert record is not None and (record.state, record.run_id, record.attempts) == ("in_progress", second, 2)
    ledger.settle(BOT, REF, second, ItemState.DONE, app_ref="99")
    assert ledger.history(BOT, REF) == [
        (None, "in_progress", first), ("in_progress", state.value, first),
        (state.value, "in_progress", second), ("in_progress", "done", second),
    ]


def test_a_pending_item_can_be_claimed(ledger: Ledger, tmp_path: Path) -> None:
    run = start_run(ledger, tmp_path)
    ledger.claim(BOT, REF, run)
    write(ledger, "UPDATE items SET state='pending' WHERE reference=:ref", ref=REF)  # no API writes pending today
    assert ledger.claim(BOT, REF, run).state is ItemState.PENDING  # type: ignore[union-attr]
    assert state_of(ledger) is ItemState.IN_PROGRESS


def test_the_same_run_may_claim_its_own_in_progress_item_again(ledger: Ledger, tmp_path: Path) -> None:
    run = start_run(ledger, tmp_path)
    ledger.claim(BOT, REF, run)
    before = ledger.claim(BOT, REF, run)
    assert before is not None and before.state is ItemState.IN_PROGRESS
    assert ledger.item(BOT, REF).attempts == 2  # type: ignore[union-attr]
    assert ledger.history(BOT, REF)[-1] == ("in_progress", "in_progress", run)


def test_app_ref_is_kept_when_a_later_settle_has_none(ledger: Ledger, tmp_path: Path) -> None:
    run = start_run(ledger, tmp_path)
    ledger.claim(BOT, REF, run)
    ledger.settle(BOT, REF, run, ItemState.FAILED, app_ref="41")
    ledger.claim(BOT, REF, run)
    ledger.settle(BOT, REF, run, ItemState.FAILED, error="APPLICATION")
    assert ledger.item(BOT, REF).app_ref == "41"  # type: ignore[union-attr]


def test_bots_have_separate_namespaces(ledger: Ledger, tmp_path: Path) -> None:
    run = start_run(ledger, tmp_path)
    ledger.claim(BOT, REF, run)
    ledger.settle(BOT, REF, run, ItemState.DONE)
    ledger.claim("gnucash_bills", REF, run)  # the same reference, another bot: a new item
    assert ledger.item("gnucash_bills", REF).attempts == 1  # type: ignore[union-attr]


# ---------------------------------------------------------------------------- illegal transitions
@pytest.mark.parametrize("state", [ItemState.DONE, ItemState.ALREADY_PRESENT])
def test_terminal_items_are_never_claimed_again(ledger: Ledger, tmp_path: Path, state: ItemState) -> None:
    run = start_run(ledger, tmp_path)
    ledger.claim(BOT, REF, run)
    ledger.settle(BOT, REF, run, state)
    history = ledger.history(BOT, REF)
    for claimant in (run, start_run(ledger, tmp_path, "sha-other")):
        with pytest.raises(IllegalTransition, match=f"{BOT}/{REF} is already {state.value}"):
            ledger.claim(BOT, REF, claimant)
    record = ledger.item(BOT, REF)
    assert record is not None and (record.state, record.attempts) == (state, 1)
    assert ledger.history(BOT, REF) == history


@pytest.mark.parametrize("state", UNSETTLED)
def test_settling_into_an_unsettled_state_is_refused(ledger: Ledger, tmp_path: Path, state: ItemState) -> None:
    run = start_run(ledger, tmp_path)
    ledger.claim(BOT, REF, run)
    with pytest.raises(IllegalTransition, match="is not a settled state"):
        ledger.settle(BOT, REF, run, state)
    assert state_of(ledger) is ItemState.IN_PROGRESS


def test_settling_an_unknown_item_is_refused(ledger: Ledger, tmp_path: Path) -> None:
    run = start_run(ledger, tmp_path)
    with pytest.raises(IllegalTransition, match="cannot settle as done; it is missing"):
        ledger.settle(BOT, REF, run, ItemState.DONE)
    assert ledger.item(BOT, REF) is None


@pytest.mark.parametrize("first", SETTLED)
@pytest.mark.parametrize("second", SETTLED)
def test_settling_twice_is_refused(ledger: Ledger, tmp_path: Path, first: ItemState, second: ItemState) -> None:
    run = start_run(ledger, tmp_path)
    ledger.claim(BOT, REF, run)
    ledger.settle(BOT, REF, run, first)
    with pytest.raises(IllegalTransition, match=f"cannot settle as {second.value}; it is {first.value}"):
        ledger.settle(BOT, REF, run, second)
    assert state_of(ledger) is first


def test_only_the_claiming_run_may_settle(ledger: Ledger, tmp_path: Path) -> None:
    owner = start_run(ledger, tmp_path, "sha-1")
    other = start_run(ledger, tmp_path, "sha-2")
    ledger.claim(BOT, REF, owner)
    with pytest.raises(IllegalTransition, match=f"it is in_progress \\(run {owner}\\)"):
        ledger.settle(BOT, REF, other, ItemState.DONE)


# ---------------------------------------------------------------------------- ownership between runs
def test_an_item_held_by_a_live_run_is_locked(ledger: Ledger, tmp_path: Path) -> None:
    owner = start_run(ledger, tmp_path, "sha-1")  # this process: alive
    ledger.claim(BOT, REF, owner)
    other = start_run(ledger, tmp_path, "sha-2")
    with pytest.raises(ItemLocked, match=f"is being worked by run {owner} \\(pid {os.getpid()}\\)"):
        ledger.claim(BOT, REF, other)
    record = ledger.item(BOT, REF)
    assert record is not None and (record.run_id, record.attempts) == (owner, 1)
    assert not ItemLocked.retryable


def test_an_item_held_by_a_dead_run_can_be_taken_over(ledger: Ledger, tmp_path: Path, dead_pid: int) -> None:
    owner = start_run(ledger, tmp_path, "sha-1")
    ledger.claim(BOT, REF, owner)
    set_owner(ledger, owner, pid=dead_pid)
    other = start_run(ledger, tmp_path, "sha-2")
    before = ledger.claim(BOT, REF, other)
    assert before is not None and before.state is ItemState.IN_PROGRESS and before.run_id == owner
    record = ledger.item(BOT, REF)
    assert record is not None and (record.run_id, record.attempts) == (other, 2)
    assert ledger.history(BOT, REF)[-1] == ("in_progress", "in_progress", other)


@pytest.mark.parametrize("status", [RunStatus.COMPLETED, RunStatus.STOPPED])
def test_an_item_left_by_a_finished_run_can_be_taken_over(
    ledger: Ledger, tmp_path: Path, status: RunStatus
) -> None:
    owner = start_run(ledger, tmp_path, "sha-1")
    ledger.claim(BOT, REF, owner)
    ledger.finish_run(owner, status, {})
    assert ledger.claim(BOT, REF, start_run(ledger, tmp_path, "sha-2")) is not None


def test_a_run_on_another_host_is_assumed_alive(ledger: Ledger, tmp_path: Path, dead_pid: int) -> None:
    owner = start_run(ledger, tmp_path, "sha-1")
    ledger.claim(BOT, REF, owner)
    set_owner(ledger, owner, pid=dead_pid, host="another-host.example")
    with pytest.raises(ItemLocked):
        ledger.claim(BOT, REF, start_run(ledger, tmp_path, "sha-2"))


_CLAIM_AND_WAIT = textwrap.dedent("""
    import sys
    from pathlib import Path
    from clerk._ledger import Ledger
    ledger = Ledger(sys.argv[1])
    run, _ = ledger.open_run("invoice_entry", "other.xlsx", "sha-child", Path(sys.argv[2]))
    ledger.claim("invoice_entry", sys.argv[3], run.id)
    print(run.id, flush=True)
    sys.stdin.read()  # hold the item until the parent closes our stdin or kills us
""")


def test_a_claim_held_by_another_live_process_until_that_process_dies(ledger: Ledger, tmp_path: Path) -> None:
    with subprocess.Popen(
        [sys.executable, "-c", _CLAIM_AND_WAIT, ledger.url, str(tmp_path / "recordings"), REF],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    ) as child:
        try:
            owner = child.stdout.readline().strip()  # type: ignore[union-attr]
            assert owner, "the child process did not claim the item"
            mine = start_run(ledger, tmp_path, "sha-parent")
            with pytest.raises(ItemLocked, match=f"run {owner} \\(pid {child.pid}\\)"):
                ledger.claim(BOT, REF, mine)
        finally:
            child.kill()
    # the with block has reaped the child: its pid no longer names a live process
    before = ledger.claim(BOT, REF, mine)
    assert before is not None and before.run_id == owner
    assert ledger.item(BOT, REF).run_id == mine  # type: ignore[union-attr]


def test_process_alive(dead_pid: int) -> None:
    import socket

    assert process_alive(os.getpid(), socket.gethostname())
    assert not process_alive(dead_pid, socket.gethostname())
    assert process_alive(dead_pid, "elsewhere")


# ---------------------------------------------------------------------------- runs
def test_a_new_run_records_who_runs_it(ledger: Ledger, tmp_path: Path) -> None:
    run, resumed = ledger.open_run(BOT, "/in/invoices.xlsx", "sha-a", tmp_path / "recordings")
    assert not resumed
    assert (run.bot, run.input_path, run.input_sha256, run.status) == (BOT, "/in/invoices.xlsx", "sha-a", "running")
    assert run.pid == os.getpid()
    assert run.recording_dir == str(tmp_path / "recordings" / run.id)
    assert run.ended_at is None and run.counts == {}


def test_resuming_the_run_of_a_dead_process_on_the_same_input(ledger: Ledger, tmp_path: Path, dead_pid: int) -> None:
    first = start_run(ledger, tmp_path)
    set_owner(ledger, first, pid=dead_pid)
    run, resumed = ledger.open_run(BOT, "input.xlsx", "sha-a", tmp_path / "recordings")
    assert resumed and run.id == first
    assert run.pid == os.getpid()  # it is ours now


def test_a_live_run_on_the_same_input_is_not_resumed(ledger: Ledger, tmp_path: Path) -> None:
    first = start_run(ledger, tmp_path)
    run, resumed = ledger.open_run(BOT, "input.xlsx", "sha-a", tmp_path / "recordings")
    assert not resumed and run.id != first


@pytest.mark.parametrize("status", [RunStatus.COMPLETED, RunStatus.STOPPED, RunStatus.REJECTED])
def test_a_finished_run_is_not_resumed(ledger: Ledger, tmp_path: Path, dead_pid: int, status: RunStatus) -> None:
    first = start_run(ledger, tmp_path)
    set_owner(ledger, first, pid=dead_pid)
    ledger.finish_run(first, status, {"done": 2})
    run, resumed = ledger.open_run(BOT, "input.xlsx", "sha-a", tmp_path / "recordings")
    assert not resumed and run.id != first


def test_other_input_or_other_bot_is_not_resumed(ledger: Ledger, tmp_path: Path, dead_pid: int) -> None:
    first = start_run(ledger, tmp_path, "sha-a")
    set_owner(ledger, first, pid=dead_pid)
    assert not ledger.open_run(BOT, "input.xlsx", "sha-b", tmp_path / "recordings")[1]
    assert not ledger.open_run("another_bot", "input.xlsx", "sha-a", tmp_path / "recordings")[1]


def test_dry_runs_are_never_resumed_and_never_resume(ledger: Ledger, tmp_path: Path, dead_pid: int) -> None:
    dry = start_run(ledger, tmp_path, dry_run=True)
    set_owner(ledger, dry, pid=dead_pid)
    run, resumed = ledger.open_run(BOT, "input.xlsx", "sha-a", tmp_path / "recordings")
    assert not resumed and run.id != dry  # a real run does not pick up a dry one
    set_owner(ledger, run.id, pid=dead_pid)
    again, resumed = ledger.open_run(BOT, "input.xlsx", "sha-a", tmp_path / "recordings", dry_run=True)
    assert not resumed and again.id not in (dry, run.id)  # a dry run does not pick up a real one


def test_finish_run_and_listing(ledger: Ledger, tmp_path: Path) -> None:
    first = start_run(ledger, tmp_path, "sha-1")
    second = start_run(ledger, tmp_path, "sha-2", bot="other")
    ledger.finish_run(first, RunStatus.COMPLETED, {"done": 3, "invalid": 1})
    finished = ledger.run(first)
    assert finished.status is RunStatus.COMPLETED and finished.ended_at
    assert finished.counts == {"done": 3, "invalid": 1}
    assert [r.id for r in ledger.runs(BOT)] == [first]
    assert {r.id for r in ledger.runs()} == {first, second}
    with pytest.raises(LedgerError, match="no run 'nope'"):
        ledger.run("nope")


def test_per_run_results(ledger: Ledger, tmp_path: Path) -> None:
    run = start_run(ledger, tmp_path)
    ledger.record_result(run, 2, reference=REF, status="failed", app_ref=None, message="first")
    ledger.record_result(run, 2, reference=REF, status="done", app_ref="7", message="second", shots="shots/row-2")
    ledger.record_result(run, 3, reference=None, status="invalid", app_ref=None, message="bad")
    results = ledger.results(run)
    assert sorted(results) == [2, 3]
    assert (results[2]["status"], results[2]["app_ref"], results[2]["shots"]) == ("done", "7", "shots/row-2")
    assert ledger.results("another-run") == {}


def test_the_ledger_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    first = Ledger(path)
    run = start_run(first, tmp_path)
    first.claim(BOT, REF, run)
    first.settle(BOT, REF, run, ItemState.DONE, app_ref="5")
    first.close()
    second = Ledger(path)
    try:
        assert second.item(BOT, REF).app_ref == "5"  # type: ignore[union-attr]
        with pytest.raises(IllegalTransition):
            second.claim(BOT, REF, run)
    finally:
        second.close()


# ---------------------------------------------------------------------------- leases (runs on other machines)
def age_heartbeat(ledger: Ledger, run_id: str, seconds: float) -> None:
    write(ledger, "UPDATE runs SET heartbeat = heartbeat - :s WHERE id=:id", s=seconds, id=run_id)


def test_a_run_on_another_host_whose_lease_ran_out_is_taken_over(ledger: Ledger, tmp_path: Path) -> None:
    owner = start_run(ledger, tmp_path, "sha-1")
    ledger.claim(BOT, REF, owner)
    set_owner(ledger, owner, pid=os.getpid(), host="another-host.example")
    age_heartbeat(ledger, owner, ledger.lease.total_seconds() + 1)
    other = start_run(ledger, tmp_path, "sha-2")
    assert ledger.claim(BOT, REF, other).run_id == owner  # type: ignore[union-attr]
    assert ledger.item(BOT, REF).run_id == other  # type: ignore[union-attr]


def test_a_run_on_another_host_within_its_lease_keeps_its_item(ledger: Ledger, tmp_path: Path) -> None:
    owner = start_run(ledger, tmp_path, "sha-1")
    ledger.claim(BOT, REF, owner)
    set_owner(ledger, owner, pid=os.getpid(), host="another-host.example")
    age_heartbeat(ledger, owner, ledger.lease.total_seconds() - 5)
    with pytest.raises(ItemLocked, match="on another-host.example"):
        ledger.claim(BOT, REF, start_run(ledger, tmp_path, "sha-2"))


def test_an_interrupted_run_on_another_host_is_resumed_once_its_lease_ran_out(ledger: Ledger, tmp_path: Path) -> None:
    first = start_run(ledger, tmp_path)
    set_owner(ledger, first, pid=os.getpid(), host="another-host.example")
    assert not ledger.open_run(BOT, "input.xlsx", "sha-a", tmp_path / "recordings")[1]
    age_heartbeat(ledger, first, ledger.lease.total_seconds() + 1)
    run, resumed = ledger.open_run(BOT, "input.xlsx", "sha-a", tmp_path / "recordings")
    assert resumed and run.id == first and run.host == socket.gethostname()


def test_the_heartbeat_renews_an_open_runs_lease_until_it_finishes(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.sqlite3", lease=dt.timedelta(seconds=2))
    try:
        run = start_run(ledger, tmp_path)
        age_heartbeat(ledger, run, 100)
        stale = ledger.run(run).heartbeat
        wait_until(lambda: ledger.run(run).heartbeat != stale, "a heartbeat")
        assert ledger.run_alive(ledger.run(run))
        ledger.finish_run(run, RunStatus.COMPLETED, {})
        age_heartbeat(ledger, run, 100)
        stale = ledger.run(run).heartbeat
        ledger._heartbeat._stopped.wait(2)  # four beats' time: none of them may touch a finished run
        assert ledger.run(run).heartbeat == stale
    finally:
        ledger.close()


def test_a_sibling_shares_the_database_and_closes_alone(ledger: Ledger, tmp_path: Path) -> None:
    run = start_run(ledger, tmp_path)
    sibling = ledger.sibling()
    sibling.claim(BOT, REF, run)
    sibling.close()
    assert state_of(ledger) is ItemState.IN_PROGRESS  # the original still works after the sibling closed
    ledger.settle(BOT, REF, run, ItemState.DONE)
