"""Playwright traces per item, kept for failed items, with no secret inside.

A trace is recorded per browser context (one per application) in chunks, one chunk per
item. Tracing runs with ``snapshots=False`` and ``screenshots=False``: DOM snapshots
hold every typed value and screencast frames are unmasked, so a trace carries only
actions, their timing, logs and console messages, and the masked screenshots stay in
``shots/``. Even so the actions name what was typed, so every chunk is scrubbed (see
clerk.audit._trace_scrub) before it is written to ``traces/<item>/<app>-trace.zip``.
Which items keep their trace is decided when the run is sealed, from their outcome.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loguru import logger
from playwright.sync_api import Error as PlaywrightError

from clerk.audit._settings import TracePolicy
from clerk.audit._trace_scrub import scrub_trace

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

    from clerk.web import WebPage

TRACES_DIR = "traces"
TRACE_SUFFIX = "-trace.zip"


@dataclass(slots=True)
class _Traced:
    context: BrowserContext
    sensitive: frozenset[str]  # Playwright selector strings of password and sensitive selectors


@dataclass(slots=True)
class ItemTracer:
    """Chunks the traces of every open web application by item.

    Example:
        tracer = ItemTracer(recording.folder / "traces", "failed")
        tracer.attach("ledgersmb", web)      # when the session starts
        tracer.next_item("row-00002")        # when the engine moves on
    """

    folder: Path
    policy: TracePolicy
    item: str = "run"
    failed: bool = False
    _traced: dict[str, _Traced] = field(default_factory=dict, init=False)

    def attach(self, app: str, web: WebPage) -> None:
        if self.policy == "off":
            return
        context = web.page.context
        try:
            context.tracing.start(snapshots=False, screenshots=False, sources=False)
            context.tracing.start_chunk(title=self.item)
        except PlaywrightError as err:
            logger.warning("cannot trace {}: {}", app, err.message)
            return
        self._traced[app] = _Traced(context, _sensitive_selectors(web))

    def mark_failed(self) -> None:
        self.failed = True

    def next_item(self, item: str) -> None:
        """Close the current item's chunks and start the next item's."""
        for app in list(self._traced):
            self._stop_chunk(app)
            try:
                self._traced[app].context.tracing.start_chunk(title=item)
            except PlaywrightError as err:
                logger.warning("cannot trace {} for {}: {}", app, item, err.message)
                del self._traced[app]
        self.item, self.failed = item, False

    def detach(self, app: str) -> None:
        """The application's session is closing: keep what its trace holds so far."""
        if app in self._traced:
            self._stop_chunk(app)
            del self._traced[app]

    def close(self) -> None:
        for app in list(self._traced):
            self.detach(app)

    def _stop_chunk(self, app: str) -> None:
        traced = self._traced[app]
        keep = self.policy == "all" or self.failed
        try:
            if not keep:
                traced.context.tracing.stop_chunk()
                return
            folder = self.folder / self.item
            folder.mkdir(parents=True, exist_ok=True)
            raw = folder / f".{app}.unscrubbed.zip"
            traced.context.tracing.stop_chunk(path=raw)
        except PlaywrightError as err:
            logger.warning("could not save the trace of {} for {}: {}", app, self.item, err.message)
            return
        try:
            scrub_trace(raw, _free_name(folder, app), sensitive_selectors=traced.sensitive)
        except (OSError, ValueError, zipfile.BadZipFile) as err:
            logger.warning("dropped the trace of {} for {}: {}", app, self.item, err)
        finally:
            raw.unlink(missing_ok=True)


def _free_name(folder: Path, app: str) -> Path:
    path, number = folder / f"{app}{TRACE_SUFFIX}", 1
    while path.exists():  # a session restarted within the item: a second trace
        number += 1
        path = folder / f"{app}-{number}{TRACE_SUFFIX}"
    return path


def _sensitive_selectors(web: WebPage) -> frozenset[str]:
    selectors = set()
    for name in web.selectors.sensitive_names():
        selector = _selector_of(web.find(name))
        if selector:
            selectors.add(selector)
    return frozenset(selectors)


def _selector_of(locator: Any) -> str | None:
    # Playwright's Locator keeps the selector string it sends with each call (and writes to the trace)
    selector = getattr(getattr(locator, "_impl_obj", None), "_selector", None)
    return selector if isinstance(selector, str) else None
