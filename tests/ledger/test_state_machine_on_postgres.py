"""Every test of the ledger's state machine (tests/unit/test_ledger.py), on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from clerk._ledger import Ledger
from tests.unit.test_ledger import *  # the same tests, with the ledger fixture below


@pytest.fixture
def ledger(pg_url: str) -> Iterator[Ledger]:
    ledger = Ledger(pg_url)
    yield ledger
    ledger.close()
