"""Pause Python's cyclic garbage collector while a large input is read and parsed.

Reading a workbook builds a few objects per row and keeps them all; the collector would
walk every one of them again and again as they pile up (a fifth of the time of reading
100,000 rows). Rows and items hold no reference cycles, so nothing is lost by pausing it:
reference counting still frees every temporary object at once, and the collector runs
again as soon as the outermost pause ends, also when it ends with an error.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _Pauses:
    """Nested and concurrent pauses: the first to start disables, the last to end restores."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._was_enabled = False

    @contextmanager
    def pause(self) -> Iterator[None]:
        with self._lock:
            if self._depth == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0 and self._was_enabled:
                    gc.enable()


collector_paused = _Pauses().pause
"""``with collector_paused():`` runs its body with the cyclic collector off, then restores it."""
