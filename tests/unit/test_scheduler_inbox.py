"""Inbox folders: complete files only, taken exactly once, moved out with their results;
and the one-runner-per-data-directory lock."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from openpyxl import Workbook

from clerk.scheduler._inbox import Inbox, is_temporary
from clerk.scheduler._lock import RunnerAlreadyRunning, RunnerLock, read_runner
from clerk.scheduler._spec import InboxSpec


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def inbox(tmp_path: Path, clock: Clock) -> Inbox:
    spec = InboxSpec(folder=tmp_path / "inbox" / "job", processed=tmp_path / "processed" / "job",
                     failed=tmp_path / "failed" / "job", settle=dt.timedelta(seconds=2))
    return Inbox(spec, clock)


def workbook(path: Path) -> Path:
    book = Workbook()
    book.active.append(["Vendor", "Invoice Number"])
    book.save(path)
    return path


def test_a_file_is_taken_once_its_size_and_time_held_still_for_the_settle_time(inbox: Inbox, clock: Clock) -> None:
    path = workbook(inbox.spec.folder / "a.xlsx")
    assert inbox.poll() == ([], 1)  # first sight
    clock.now += 1
    assert inbox.poll() == ([], 1)  # unchanged, but not for long enough
    clock.now += 1
    assert inbox.poll() == ([path], 0)


def test_a_file_that_is_still_growing_is_not_taken(inbox: Inbox, clock: Clock) -> None:
    path = inbox.spec.folder / "b.csv"
    path.write_text("Vendor,Invoice Number\n")
    inbox.poll()
    for _ in range(3):
        clock.now += 5
        with path.open("a") as handle:
            handle.write("Globex,1\n")
        assert inbox.poll() == ([], 1)
    clock.now += 5
    assert inbox.poll() == ([path], 0)


def test_a_workbook_that_is_not_yet_a_zip_waits_even_when_it_holds_still(inbox: Inbox, clock: Clock) -> None:
    whole = workbook(inbox.spec.folder.parent / "whole.xlsx").read_bytes()
    path = inbox.spec.folder / "c.xlsx"
    path.write_bytes(whole[: len(whole) // 2])  # a copy that stalled halfway
    inbox.poll()
    clock.now += 10
    assert inbox.poll() == ([], 1)
    clock.now += 60
    assert inbox.poll() == ([path], 0)  # given up waiting: it is taken, and the run will reject it


@pytest.mark.parametrize("name", [".hidden.xlsx", "~$book.xlsx", ".~lock.book.xlsx#", "book.xlsx.part",
                                  "book.tmp", "book.crdownload", "book.xlsx.partial"])
def test_temporary_names_are_never_taken(inbox: Inbox, clock: Clock, name: str) -> None:
    assert is_temporary(name)
    (inbox.spec.folder / name).write_text("x")
    inbox.poll()
    clock.now += 100
    assert inbox.poll() == ([], 0)


def test_results_workbooks_are_not_inputs(inbox: Inbox, clock: Clock) -> None:
    workbook(inbox.spec.folder / "a.results.xlsx")
    inbox.poll()
    clock.now += 100
    assert inbox.poll() == ([], 0)


def test_taking_moves_the_file_into_working_and_refuses_a_second_file_of_that_name(inbox: Inbox,
                                                                                 clock: Clock) -> None:
    first = workbook(inbox.spec.folder / "a.xlsx")
    taken = inbox.take(first)
    assert taken == inbox.spec.working / "a.xlsx" and not first.exists()
    assert inbox.interrupted() == [taken]
    again = workbook(inbox.spec.folder / "a.xlsx")
    assert inbox.take(again) is None and again.exists()


def test_oldest_files_come_first(inbox: Inbox, clock: Clock) -> None:
    newer = workbook(inbox.spec.folder / "a.xlsx")
    older = workbook(inbox.spec.folder / "b.xlsx")
    os.utime(older, (1_000_000, 1_000_000))
    inbox.poll()
    clock.now += 3
    assert inbox.poll()[0] == [older, newer]


def test_finishing_moves_the_file_with_its_results_and_never_overwrites(inbox: Inbox) -> None:
    for n in range(2):
        taken = inbox.take(workbook(inbox.spec.folder / "a.xlsx"))
        assert taken is not None
        workbook(inbox.results_of(taken))
        moved = inbox.finish(taken, failed=n == 1)
        assert moved.exists() and moved.with_name(f"{moved.stem}.results.xlsx").exists()
        assert list(inbox.spec.working.iterdir()) == []
    assert sorted(p.name for p in inbox.spec.processed.iterdir()) == ["a.results.xlsx", "a.xlsx"]
    assert sorted(p.name for p in inbox.spec.failed.iterdir()) == ["a.results.xlsx", "a.xlsx"]
    explanation = Inbox.explain(inbox.spec.failed / "a.xlsx", "why")
    assert explanation.read_text() == "why\n"


def test_a_finished_file_is_moved_after_its_results_so_they_are_there_when_it_arrives(
        inbox: Inbox, monkeypatch: pytest.MonkeyPatch) -> None:
    taken = inbox.take(workbook(inbox.spec.folder / "a.xlsx"))
    assert taken is not None
    workbook(inbox.results_of(taken))
    seen_on_arrival: list[bool] = []

    def replace(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
        real_replace(source, target)
        if Path(target) == inbox.spec.processed / "a.xlsx":
            seen_on_arrival.append((inbox.spec.processed / "a.results.xlsx").exists())

    real_replace = os.replace
    monkeypatch.setattr(os, "replace", replace)
    inbox.finish(taken, failed=False)
    assert seen_on_arrival == [True]  # a runner's test (or operator) waiting for a.xlsx can read its results


def test_a_name_already_in_processed_gets_a_time_stamp(inbox: Inbox) -> None:
    workbook(inbox.spec.processed / "a.xlsx")
    taken = inbox.take(workbook(inbox.spec.folder / "a.xlsx"))
    assert taken is not None
    moved = inbox.finish(taken, failed=False)
    assert moved.parent == inbox.spec.processed and moved.name.startswith("a.") and moved.name != "a.xlsx"


def test_a_second_runner_for_the_same_data_directory_is_refused(tmp_path: Path) -> None:
    with RunnerLock(tmp_path):
        holder = read_runner(tmp_path)
        assert holder is not None and holder.pid == os.getpid() and holder.alive
        refused = rf"already runs for the data directory {tmp_path}.*pid {os.getpid()}"
        with pytest.raises(RunnerAlreadyRunning, match=refused), RunnerLock(tmp_path):
            pass
    with RunnerLock(tmp_path):  # released: the next runner may start
        pass
