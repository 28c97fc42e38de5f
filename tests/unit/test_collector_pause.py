"""The cyclic collector is off while an input is read and parsed, and always comes back on."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from clerk import ItemSchema, RowReader
from clerk._collector import collector_paused
from clerk._errors import InputFileError
from clerk._items import parse_items
from clerk.inputs import _workbook, read_table


@pytest.fixture(autouse=True)
def _collector_on() -> Iterator[None]:
    gc.enable()
    yield
    gc.enable()


def test_reading_a_workbook_opens_it_with_the_collector_paused(write_table, monkeypatch) -> None:
    seen: list[bool] = []
    load = _workbook.load_workbook

    def recording_load(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return load(*args, **kwargs)

    monkeypatch.setattr(_workbook, "load_workbook", recording_load)
    path = write_table("lines.xlsx", [["ref"], ["A"], ["B"]])
    table = read_table(path, {"ref": ()}, required=("ref",))
    assert [row.number for row in table.rows] == [2, 3]
    assert seen == [False]
    assert gc.isenabled()


def test_parsing_rows_runs_with_the_collector_paused(write_table) -> None:
    seen: list[bool] = []

    def parse(row: RowReader) -> str:
        seen.append(gc.isenabled())
        return row.text("ref")

    schema = ItemSchema(columns={"ref": ()}, required=("ref",), parse=parse)
    table = read_table(write_table("lines.csv", [["ref"], ["A"], ["B"]]), schema.columns, required=schema.required)
    items = parse_items(table, schema, str)
    assert [item.reference for item in items] == ["A", "B"]
    assert seen == [False, False]
    assert gc.isenabled()


def test_the_collector_comes_back_on_when_reading_fails(write_table) -> None:
    with pytest.raises(InputFileError, match="no data rows"):
        read_table(write_table("empty.csv", [["ref"]]), {"ref": ()}, required=("ref",))
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_nested_and_concurrent_pauses_restore_the_collector_only_when_the_last_ends() -> None:
    inner_started, outer_may_end = threading.Event(), threading.Event()

    def other_thread() -> None:
        with collector_paused():
            inner_started.set()
            outer_may_end.wait(timeout=60)  # bounds a hang: its pause must outlast the main thread's

    with collector_paused():
        worker = threading.Thread(target=other_thread)
        worker.start()
        assert inner_started.wait(timeout=60), "the other thread never paused the collector"
        with collector_paused():
            pass
        assert not gc.isenabled()
    assert not gc.isenabled()  # the other thread's pause is still on
    outer_may_end.set()
    worker.join(timeout=60)
    assert gc.isenabled()
