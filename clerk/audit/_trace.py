"""Playwright traces per item, kept for failed items, with no secret inside.

A trace is recorded per browser context (one per application) in chunks, one chunk per
item. Tracing runs with ``snapshots=False`` and ``screenshots=False``: DOM snapshots
hold every typed value and screencast frames are unmasked, so a trace carries only
actions, their timing, logs and console messages, and the masked screenshots stay in
``shots/``. Even so the actions name what was typed, so every chunk is scrubbed (see
clerk.audit._trace_scrub) before it is written to ``traces/<item>/<app>-trace.zip``.
Which items keep their trace is decided when the run is sealed, from their outcome.
With ``traces = "retries"`` nothing is recorded until an item's attempt failed and is
retried: recording costs every browser action about a third or more (BENCHMARKS.md), so
this policy records only the attempts that follow a failure, and an item that failed on
its only attempt (a business error) has its screenshots and events but no trace.

What is typed into a password or sensitive field, or read from one, is never traced at
all, because Playwright writes each call to its scratch files as it happens, in clear,
and a killed run leaves them behind: around such a call the chunk is set aside as a
piece and a new one starts after it; an item's pieces are merged into its one zip.
Playwright's scratch files live in the run's folder (``.playwright/``, one folder per
browser), never in TMPDIR; they are removed when the browser closes, when the run is
sealed, and when a killed run is resumed.
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loguru import logger
from playwright.sync_api import Error as PlaywrightError

from clerk._errors import ApplicationError
from clerk.audit._settings import TracePolicy
from clerk.audit._trace_scrub import scrub_trace

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

    from clerk.web import WebPage

TRACES_DIR = "traces"
TRACE_SUFFIX = "-trace.zip"
SCRATCH_DIR = ".playwright"  # in the run's folder: Playwright's artifacts while a browser runs


def scratch_name() -> str:
    """``<pid>-<random>-<host>``: whose browser the folder belongs to, for clear_scratch."""
    return f"{os.getpid()}-{uuid.uuid4().hex[:8]}-{socket.gethostname()}"


def clear_scratch(run_folder: Path, *, all_of_it: bool = False) -> None:
    """Remove the scratch folders of this host's browsers whose process is gone (a killed
    run), or all of them (the run is being sealed)."""
    root = run_folder / SCRATCH_DIR
    if not root.is_dir():
        return
    for folder in root.iterdir():
        if all_of_it or _left_by_a_dead_process(folder.name):
            shutil.rmtree(folder, ignore_errors=True)
    if not any(root.iterdir()):
        root.rmdir()


def _left_by_a_dead_process(name: str) -> bool:
    pid, _, rest = name.partition("-")
    host = rest.partition("-")[2]
    if host != socket.gethostname():
        return False  # another machine's process: only that machine can tell, and the seal clears it
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return True
    except PermissionError:
        return False
    return False


@dataclass(slots=True)
class _Traced:
    context: BrowserContext
    sensitive: frozenset[str]  # Playwright selector strings of password and sensitive selectors
    pieces: list[Path] = field(default_factory=list)  # the item's chunks set aside around sensitive calls
    recording: bool = True  # a chunk is open (with "retries", only from an item's second attempt)


@dataclass(slots=True)
class ItemTracer:
    """Chunks the traces of every open web application by item.

    ``scratch`` is the folder to give the browser as its artifacts folder; the tracer's
    own pieces go there too.

    Example:
        tracer = ItemTracer(recording.folder / "traces", "failed")
        BrowserHost(settings.web, artifacts_dir=tracer.scratch)
        tracer.attach("ledgersmb", web)      # when the session starts
        tracer.next_item("row-00002")        # when the engine moves on
    """

    folder: Path
    policy: TracePolicy
    item: str = "run"
    failed: bool = False
    scratch: Path = field(init=False)
    _traced: dict[str, _Traced] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        clear_scratch(self.folder.parent)  # what the browsers of a killed run left, when it is resumed
        self.scratch = self.folder.parent / SCRATCH_DIR / scratch_name()

    def attach(self, app: str, web: WebPage) -> None:
        if self.policy == "off":
            return
        context = web.page.context
        from_start = self.policy != "retries"
        try:
            context.tracing.start(snapshots=False, screenshots=False, sources=False)
            if from_start:
                context.tracing.start_chunk(title=self.item)
            else:  # start() opened a chunk: left open it would record every action of the session
                context.tracing.stop_chunk()
        except PlaywrightError as err:
            logger.warning("cannot trace {}: {}", app, err.message)
            return
        self._traced[app] = _Traced(context, _sensitive_selectors(web), recording=from_start)
        web.untraced = lambda: self.paused(app)

    @contextmanager
    def paused(self, app: str) -> Iterator[None]:
        """Nothing done inside is traced: the chunk so far is set aside, a new one starts after.

        Raises:
            ApplicationError: the trace could not be stopped, so the call must not happen.
        """
        traced = self._traced.get(app)
        if traced is None or not traced.recording:
            yield
            return
        self._set_aside(app, traced)
        try:
            yield
        finally:
            if app in self._traced:
                try:
                    traced.context.tracing.start_chunk(title=self.item)
                except PlaywrightError as err:
                    logger.warning("cannot trace {} for {} any more: {}", app, self.item, err.message)
                    self._forget(app)

    def _set_aside(self, app: str, traced: _Traced) -> None:
        piece = self.scratch / "pieces" / f"{app}-{uuid.uuid4().hex[:8]}.zip"
        try:
            piece.parent.mkdir(parents=True, exist_ok=True)
            traced.context.tracing.stop_chunk(path=piece)
            traced.pieces.append(piece)
            return
        except (PlaywrightError, OSError) as err:
            logger.warning("could not set the trace of {} aside for {}: {}; tracing stops", app, self.item, err)
        self._forget(app)
        try:
            traced.context.tracing.stop()
        except PlaywrightError as err:
            raise ApplicationError(f"{app}: the trace cannot be stopped before a sensitive field, "
                                   f"so the field was not touched: {err.message}") from err

    def _forget(self, app: str) -> None:
        traced = self._traced.pop(app, None)
        for piece in traced.pieces if traced else []:
            piece.unlink(missing_ok=True)

    def mark_failed(self) -> None:
        self.failed = True

    def retrying(self) -> None:
        """The item's attempt failed and another begins: with "retries", start recording it."""
        for app, traced in list(self._traced.items()):
            if not traced.recording:
                try:
                    traced.context.tracing.start_chunk(title=self.item)
                    traced.recording = True
                except PlaywrightError as err:
                    logger.warning("cannot trace {} for {}: {}", app, self.item, err.message)
                    self._forget(app)

    def finish_item(self) -> None:
        """Close the current item's chunks, keeping a failed item's trace in its folder now."""
        for app in list(self._traced):
            self._stop_chunk(app)
        self._drop_closed_chunks()

    def next_item(self, item: str) -> None:
        """Close the current item's chunks and start the next item's."""
        self.finish_item()
        for app in list(self._traced) if self.policy != "retries" else []:
            try:
                self._traced[app].context.tracing.start_chunk(title=item)
                self._traced[app].recording = True
            except PlaywrightError as err:
                logger.warning("cannot trace {} for {}: {}", app, item, err.message)
                del self._traced[app]
        self.item, self.failed = item, False

    def move_to(self, folder: Path) -> None:
        """Another run's items follow in the same browser: close the current item's chunks
        (a failed item's trace goes to its own run) and keep the next items' in ``folder``."""
        for app in list(self._traced):
            self._stop_chunk(app)
        self._drop_closed_chunks()
        self.folder, self.item, self.failed = folder, "run", False

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
        if not traced.recording:
            return
        traced.recording = False
        keep = self.policy == "all" or self.failed
        pieces, traced.pieces = traced.pieces, []
        try:
            if keep:
                last = self.scratch / "pieces" / f"{app}-{uuid.uuid4().hex[:8]}.zip"
                traced.context.tracing.stop_chunk(path=last)
                pieces.append(last)
            else:
                traced.context.tracing.stop_chunk()
        except PlaywrightError as err:
            logger.warning("could not save the trace of {} for {}: {}", app, self.item, err.message)
        try:
            if keep and pieces:
                self._keep(app, traced, pieces)
        finally:
            for piece in pieces:
                piece.unlink(missing_ok=True)

    def _keep(self, app: str, traced: _Traced, pieces: list[Path]) -> None:
        folder = self.folder / self.item
        folder.mkdir(parents=True, exist_ok=True)
        try:
            scrub_trace([p for p in pieces if p.is_file()], _free_name(folder, app),
                        sensitive_selectors=traced.sensitive)
        except (OSError, ValueError, zipfile.BadZipFile) as err:
            logger.warning("dropped the trace of {} for {}: {}", app, self.item, err)

    def _drop_closed_chunks(self) -> None:
        """Playwright leaves each chunk's file behind when it is zipped; none is open now."""
        for stale in [*self.scratch.glob("*.trace"), *self.scratch.glob("*-pwnetcopy-*.network")]:
            stale.unlink(missing_ok=True)

    def dispose(self) -> None:
        """The browser is closed: remove its scratch folder."""
        shutil.rmtree(self.scratch, ignore_errors=True)
        clear_scratch(self.folder.parent)


def _free_name(folder: Path, app: str) -> Path:
    path, number = folder / f"{app}{TRACE_SUFFIX}", 1
    while path.exists():  # a session restarted within the item: a second trace
        number += 1
        path = folder / f"{app}-{number}{TRACE_SUFFIX}"
    return path


def _sensitive_selectors(web: WebPage) -> frozenset[str]:
    selectors = set()
    for name in web.selectors.sensitive_names():
        for locator in web.selectors.locators(web.page, name):  # a fallback is as secret as the first
            selector = _selector_of(locator)
            if selector:
                selectors.add(selector)
    return frozenset(selectors)


def _selector_of(locator: Any) -> str | None:
    # Playwright's Locator keeps the selector string it sends with each call (and writes to the trace)
    selector = getattr(getattr(locator, "_impl_obj", None), "_selector", None)
    return selector if isinstance(selector, str) else None
