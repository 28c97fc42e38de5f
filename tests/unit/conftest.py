"""Unit-test fixtures: no browser, no display, no real credentials, no real keyring."""

from __future__ import annotations

import csv
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backend import KeyringBackend
from loguru import logger
from openpyxl import Workbook

WriteTable = Callable[[str, Sequence[Sequence[Any]]], Path]


@pytest.fixture(autouse=True)
def _no_clerk_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's CLERK_* variables (credentials, CLERK_ENV, CLERK_HOME) must not leak in."""
    for name in list(os.environ):
        if name.startswith("CLERK_"):
            monkeypatch.delenv(name)


class MemoryKeyring(KeyringBackend):
    """A keyring backend that lives in a dict."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}
        self.lookups: list[tuple[str, str]] = []

    def get_password(self, service: str, username: str) -> str | None:
        self.lookups.append((service, username))
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


@pytest.fixture(autouse=True)
def fake_keyring() -> Iterator[MemoryKeyring]:
    """Every unit test sees an empty in-memory keyring instead of the machine's."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def write_table(tmp_path: Path) -> WriteTable:
    """Write rows (the first one being the header) as .xlsx, .csv or .tsv, by the name's suffix."""

    def write(name: str, rows: Sequence[Sequence[Any]]) -> Path:
        path = tmp_path / name
        if path.suffix == ".xlsx":
            workbook = Workbook()
            sheet = workbook.active
            for row in rows:
                sheet.append(list(row))
            workbook.save(path)
        else:
            with path.open("w", encoding="utf-8", newline="") as handle:
                csv.writer(handle, delimiter="\t" if path.suffix == ".tsv" else ",").writerows(rows)
        return path

    return write


@pytest.fixture(autouse=True)
def _plain_loguru_sinks() -> Iterator[None]:
    """The CLI replaces loguru's sinks; afterwards leave one sink on whatever stderr is current."""
    yield
    logger.remove()
    logger.add(lambda message: sys.stderr.write(message), level="DEBUG", diagnose=False)
