"""Strict parsers for spreadsheet cells: they return a typed value or raise FieldError.

They never guess. Text that is not ``yyyy-mm-dd`` is not a date, a number with more
decimals than allowed is not money, a blank required cell is an error, and neither a
control character (BEL, ESC, ...) in text nor a date far from today is something a back
office means.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from clerk._errors import ConfigError

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


class FieldError(ValueError):
    """A single cell failed to parse; the message says why, in words for an analyst."""


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_CONTROL_NAMES = {
    "\x00": "NUL", "\x07": "BEL", "\x08": "backspace", "\t": "a tab", "\n": "a line break",
    "\x0b": "vertical tab", "\x0c": "form feed", "\r": "a carriage return", "\x1b": "ESC", "\x7f": "DEL",
}
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc
_CONTROLS_BUT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # tab, LF and CR allowed


_ESCAPED_CONTROL = re.compile(r"_x(00[01][0-9A-Fa-f]|007[Ff]|00[89][0-9A-Fa-f])_")  # how .xlsx files store them


def _control_character(text: str, *, single_line: bool) -> str | None:
    """How to name the first control character of ``text`` (None when there is none).

    A workbook stores a control character as ``_xHHHH_``, which openpyxl hands over as is.
    """
    if text.isprintable() and "_x" not in text:  # the common case, without a regular expression
        return None
    if found := (_CONTROLS if single_line else _CONTROLS_BUT_LINES).search(text):
        char, written = found.group(), ""
    elif escaped := _ESCAPED_CONTROL.search(text):
        found, char = escaped, chr(int(escaped.group(1), 16))
        written = f", written {escaped.group()} in the workbook"
        if not single_line and char in "\t\n\r":
            return None
    else:
        return None
    name = _CONTROL_NAMES.get(char, "a control character")
    return f"{name} (U+{ord(char):04X}{written}) at character {found.start() + 1}"


def text(value: Any, *, required: bool = True, max_length: int | None = None, single_line: bool = False) -> str:
    """Text as written, trimmed. Control characters are refused; tabs and line breaks too
    when ``single_line`` (a one-line field of the application would lose them)."""
    result = value.strip() if type(value) is str else _as_text(value)
    if not result:
        if required:
            raise FieldError("is empty")
        return ""
    if found := _control_character(result, single_line=single_line):
        raise FieldError(f"holds {found}; remove it from the cell")
    if max_length is not None and len(result) > max_length:
        raise FieldError(f"is {len(result)} characters long, at most {max_length} allowed")
    return result


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (dt.date, dt.datetime)):
        raise FieldError(f"is a date ({value:%Y-%m-%d}), expected text")
    return str(value).strip()


YEARS_BACK, YEARS_AHEAD = 5, 1  # the default window of accepted dates around today


@dataclass(frozen=True, slots=True, kw_only=True)
class DateWindow:
    """The dates a bot accepts: ``years_back`` before ``today`` up to ``years_ahead`` after it.

    Example:
        DateWindow(today=dt.date.today(), years_back=5, years_ahead=1).check(dt.date(1900, 1, 1))
    """

    today: dt.date
    years_back: int = YEARS_BACK
    years_ahead: int = YEARS_AHEAD
    earliest: dt.date = field(init=False, repr=False, compare=False)
    latest: dt.date = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:  # the bounds, once: every date cell is checked against them
        object.__setattr__(self, "earliest", _years_from(self.today, -self.years_back))
        object.__setattr__(self, "latest", _years_from(self.today, self.years_ahead))

    @classmethod
    def from_settings(cls, bot_settings: Mapping[str, Any], today: dt.date) -> DateWindow:
        """The window of a bot's ``[bots.<name>]`` keys ``date_years_back`` and ``date_years_ahead``.

        Raises:
            ConfigError: a key is not a whole number of years, 0 or more.
        """
        years = {}
        for key, default in (("date_years_back", YEARS_BACK), ("date_years_ahead", YEARS_AHEAD)):
            value = bot_settings.get(key, default)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigError(f"{key} must be a whole number of years (0 or more), got {value!r}")
            years[key] = value
        return cls(today=today, years_back=years["date_years_back"], years_ahead=years["date_years_ahead"])

    def check(self, day: dt.date) -> dt.date:
        if day < self.earliest:
            raise FieldError(f"{day} is more than {_years(self.years_back)} before today "
                             f"(the earliest date accepted is {self.earliest})")
        if day > self.latest:
            raise FieldError(f"{day} is more than {_years(self.years_ahead)} after today "
                             f"(the latest date accepted is {self.latest})")
        return day


def _years_from(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


def _years(count: int) -> str:
    return "1 year" if count == 1 else f"{count} years"


def date(value: Any, *, window: DateWindow | None = None) -> dt.date:
    """An Excel date cell, or text in ISO form ``yyyy-mm-dd``; inside ``window`` when given."""
    day = _date(value)
    return window.check(day) if window is not None else day


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        if value.hour or value.minute or value.second or value.microsecond:
            raise FieldError(f"holds a time of day ({value:%Y-%m-%d %H:%M}), expected a date")
        return value.date()
    if is_blank(value):
        raise FieldError("is empty")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (bool, int, float)):
        raise FieldError(f"is the number {value!r}, expected a date (yyyy-mm-dd)")
    raw = str(value).strip()
    if not _ISO_DATE.fullmatch(raw):
        raise FieldError(f"{raw!r} is not a date in the form yyyy-mm-dd")
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise FieldError(f"{raw!r} is not a real calendar date") from None


def money(value: Any, *, places: int = 2) -> Decimal:
    """A positive amount with at most ``places`` decimals, from a number or plain text."""
    raw = repr(value) if type(value) is float else _amount_text(value)
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise FieldError(f"{raw!r} is not a number (use digits and a decimal point)") from None
    if not amount.is_finite():
        raise FieldError(f"{raw!r} is not a finite number")
    if amount <= 0:
        raise FieldError(f"{raw} is not positive")
    if _decimals(raw, amount) > places:
        raise FieldError(f"{raw} has more than {places} decimals")
    return amount.quantize(_quantum(places))


def _amount_text(value: Any) -> str:
    if is_blank(value):
        raise FieldError("is empty")
    if isinstance(value, (bool, dt.date, dt.datetime)):
        raise FieldError(f"{value!r} is not an amount")
    raw = repr(value) if isinstance(value, float) else str(value).strip()
    if isinstance(value, str) and not _PLAIN_NUMBER.fullmatch(raw):
        raise FieldError(f"{raw!r} is not a number (use digits and a decimal point)")
    return raw


def _decimals(raw: str, amount: Decimal) -> int:
    """The decimals ``amount`` is written with; read off the text unless it has an exponent (1e-05)."""
    if "e" in raw or "E" in raw:
        exponent = amount.as_tuple().exponent
        return -exponent if isinstance(exponent, int) else 0
    point = raw.find(".")
    return 0 if point < 0 else len(raw) - point - 1


@functools.cache
def _quantum(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def code(value: Any, *, pattern: str, description: str) -> str:
    """Text such as an account number that must match ``pattern`` entirely."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    raw = text(value)
    if not re.fullmatch(pattern, raw):
        raise FieldError(f"{raw!r} is not {description}")
    return raw
