"""Failed logins slow the next ones down: per user name and per client address.

After ``free`` failures in a row, each further attempt must wait ``base`` doubled per
extra failure (capped at ``longest``) after the last one; an attempt that comes too early
is refused without looking at the password. A successful login clears the name's count.

The counts live in the ledger (``console_sign_in_failures``), not in memory, so a
restarted console still remembers them and two consoles over one ledger share them.
Times are wall-clock seconds, comparable between processes and machines.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa

from clerk._ledger_schema import console_sign_in_failures as failures

_KEY_CHARS = 200  # a name as long as a request allows is cut, not stored whole
_FORGOTTEN_AFTER_S = 86_400.0  # a key quiet this long is deleted at the next failure


@dataclass(slots=True)
class LoginThrottle:
    """Example:
        throttle = LoginThrottle(ledger_engine(settings))
        if throttle.wait_left("user:ops1", "address:10.0.0.7") == 0: ...
    """

    engine: sa.Engine
    free: int = 3
    base: float = 2.0
    longest: float = 300.0
    clock: Callable[[], float] = field(default=time.time)

    def wait_left(self, *keys: str) -> float:
        """Seconds before any of ``keys`` (a user name, a client address) may try again."""
        now = self.clock()
        query = sa.select(failures.c.failures, failures.c.last_at).where(failures.c.key.in_([_cut(k) for k in keys]))
        with self.engine.connect() as db:
            rows = db.execute(query).all()
        return max((self._wait(row.failures, row.last_at, now) for row in rows), default=0.0)

    def failed(self, *keys: str) -> None:
        try:
            self._count(keys, self.clock())
        except sa.exc.IntegrityError:  # another console inserted the same key first: it is there now
            self._count(keys, self.clock())

    def _count(self, keys: tuple[str, ...], now: float) -> None:
        with self.engine.begin() as db:
            db.execute(failures.delete().where(failures.c.last_at < now - _FORGOTTEN_AFTER_S))
            for key in map(_cut, keys):
                counted = db.execute(failures.update().where(failures.c.key == key)
                                     .values(failures=failures.c.failures + 1, last_at=now))
                if counted.rowcount == 0:
                    db.execute(failures.insert().values(key=key, failures=1, last_at=now))

    def succeeded(self, key: str) -> None:
        with self.engine.begin() as db:
            db.execute(failures.delete().where(failures.c.key == _cut(key)))

    def _wait(self, count: int, last: float, now: float) -> float:
        if count < self.free:
            return 0.0
        delay = min(self.longest, self.base * 2.0 ** (count - self.free))
        return max(0.0, last + delay - now)


def _cut(key: str) -> str:
    return key[:_KEY_CHARS]
