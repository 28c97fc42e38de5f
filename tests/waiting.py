"""Polling something a test cannot be told about (a database's lock table, a ledger row)."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    """Poll ``condition`` until it holds; ``timeout`` only bounds a wait meant to succeed."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)  # nothing to synchronize with: the state is only seen by asking again
