"""Waiting on what the application shows: poll a condition until it holds or time runs out.

This is the desktop counterpart of Playwright's auto-waiting. The short pause between
two looks only paces the polling; what ends the wait is always the condition.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

from tenacity import RetryError, Retrying, retry_if_result, stop_after_delay, wait_fixed

from clerk._errors import ScreenNotReached

T = TypeVar("T")

POLL_INTERVAL = dt.timedelta(milliseconds=50)


def wait_for(condition: Callable[[], T | None], timeout: dt.timedelta, what: str) -> T:
    """Return the first truthy value of ``condition()`` within ``timeout``.

    Raises:
        ScreenNotReached: ``condition`` stayed falsy; the message says ``what`` was awaited.

    Example:
        window = wait_for(lambda: desktop.find_window("bill.new"), timeout, "the New Bill dialog")
    """
    polling = Retrying(stop=stop_after_delay(timeout.total_seconds()), wait=wait_fixed(POLL_INTERVAL),
                       retry=retry_if_result(lambda value: not value))
    try:
        return polling(condition)  # type: ignore[return-value]
    except RetryError:
        raise ScreenNotReached(f"{what} did not happen within {timeout.total_seconds():g}s") from None
