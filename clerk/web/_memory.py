"""Keeping a long-lived page's renderer small.

A page that serves hundreds of items grows its renderer process by the garbage of every
screen it replaced: V8 and Blink collect it late, the more so when a busy run leaves the
page little idle time (a LedgerSMB page grew by about 400 MB over a hundred invoices).
Chromium's DevTools protocol collects it now (HeapProfiler.collectGarbage: a full
collection of the JavaScript and DOM heaps, tens of milliseconds) without a reload: the
page and its session stay as they are. (Memory.simulatePressureNotification, which asks
the renderer to drop its caches, freed nothing measurable on a LedgerSMB page.)
"""

from __future__ import annotations

from dataclasses import dataclass

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from clerk._errors import ApplicationError


@dataclass(frozen=True, slots=True)
class Released:
    """The page's JavaScript heap in use, in MB, before and after."""

    before_mb: float
    after_mb: float


def release_memory(page: Page, app: str) -> Released:
    """Collect the garbage of the page's renderer now.

    Raises:
        ApplicationError: the browser did not answer (it crashed, or the page is closed).
    """
    try:
        session = page.context.new_cdp_session(page)
        try:
            before = _heap_in_use(session.send("Runtime.getHeapUsage"))
            session.send("HeapProfiler.collectGarbage")
            return Released(before, _heap_in_use(session.send("Runtime.getHeapUsage")))
        finally:
            session.detach()
    except PlaywrightError as err:
        raise ApplicationError(f"{app}: could not release the page's memory: {err.message.splitlines()[0]}") from err


def _heap_in_use(usage: dict[str, float]) -> float:
    return round(usage["usedSize"] / 1e6, 1)
