"""Working days: the weekdays and dates on which scheduled jobs do not fire.

The calendar is pure data plus one search, so the scheduler adapter can wrap any trigger
with it and tests can check it with plain datetimes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from clerk._errors import ConfigError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SEARCH_DAYS = 800  # a calendar closed on every day of two years never fires

NextFire = Callable[[dt.datetime | None, dt.datetime], dt.datetime | None]
"""A trigger's own search: (previous fire time, now) -> next fire time or None."""


@dataclass(frozen=True, slots=True)
class WorkingCalendar:
    """Closed weekdays (0 = Monday) and closed dates; every other day is a working day.

    Example:
        >>> cal = WorkingCalendar.parse(["sat", "sun"], ["2026-12-25"])
        >>> cal.is_working_day(dt.date(2026, 12, 25))
        False
    """

    closed_weekdays: frozenset[int] = frozenset()
    closed_dates: frozenset[dt.date] = frozenset()

    @classmethod
    def parse(cls, weekdays: Iterable[object], dates: Iterable[object]) -> WorkingCalendar:
        """Build from config values: weekday names and ISO dates (or TOML dates).

        Raises:
            ConfigError: an unknown weekday name or a malformed date.
        """
        closed_days = set()
        for name in weekdays:
            key = str(name).strip().lower()[:3]
            if key not in WEEKDAYS:
                raise ConfigError(f"calendar: {name!r} is not a weekday (use {', '.join(WEEKDAYS)})")
            closed_days.add(WEEKDAYS.index(key))
        closed_dates = set()
        for value in dates:
            if isinstance(value, dt.datetime):
                value = value.date()
            if not isinstance(value, dt.date):
                try:
                    value = dt.date.fromisoformat(str(value))
                except ValueError:
                    raise ConfigError(f"calendar: {value!r} is not a date (YYYY-MM-DD)") from None
            closed_dates.add(value)
        return cls(frozenset(closed_days), frozenset(closed_dates))

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() not in self.closed_weekdays and day not in self.closed_dates

    def describe(self) -> str:
        days = ", ".join(WEEKDAYS[d] for d in sorted(self.closed_weekdays))
        return f"closed on {days or 'no weekday'} and {len(self.closed_dates)} listed date(s)"


def next_working_fire(calendar: WorkingCalendar, next_fire: NextFire, previous: dt.datetime | None,
                      now: dt.datetime) -> dt.datetime | None:
    """The trigger's next fire time that falls on a working day (in the fire time's own zone).

    A fire time on a closed day is passed over by asking the trigger again from midnight of
    the following day, so cron and interval triggers keep their own rhythm.
    """
    candidate = next_fire(previous, now)
    for _ in range(_SEARCH_DAYS):
        if candidate is None or calendar.is_working_day(candidate.date()):
            return candidate
        midnight = dt.datetime.combine(candidate.date() + dt.timedelta(days=1), dt.time(), candidate.tzinfo)
        candidate = next_fire(None, midnight)
    return None
