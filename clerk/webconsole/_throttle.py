"""Failed logins slow the next ones down: per user name and per client address.

After ``free`` failures in a row, each further attempt must wait ``base`` doubled per
extra failure (capped at ``longest``) after the last one; an attempt that comes too early
is refused without looking at the password. A successful login clears the name's count.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(slots=True)
class _Failures:
    count: int = 0
    last: float = 0.0


@dataclass(slots=True)
class LoginThrottle:
    free: int = 3
    base: float = 2.0
    longest: float = 300.0
    clock: Callable[[], float] = time.monotonic
    _seen: dict[str, _Failures] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_left(self, *keys: str) -> float:
        """Seconds before any of ``keys`` (a user name, a client address) may try again."""
        now = self.clock()
        with self._lock:
            return max((self._wait(self._seen.get(key), now) for key in keys), default=0.0)

    def failed(self, *keys: str) -> None:
        now = self.clock()
        with self._lock:
            for key in keys:
                entry = self._seen.setdefault(key, _Failures())
                entry.count += 1
                entry.last = now

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._seen.pop(key, None)

    def _wait(self, entry: _Failures | None, now: float) -> float:
        if entry is None or entry.count < self.free:
            return 0.0
        delay = min(self.longest, self.base * 2.0 ** (entry.count - self.free))
        return max(0.0, entry.last + delay - now)
