"""Strict parsers for spreadsheet cells: they return a typed value or raise FieldError.

They never guess. Text that is not ``yyyy-mm-dd`` is not a date, a number with more
decimals than allowed is not money, and a blank required cell is an error.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


class FieldError(ValueError):
    """A single cell failed to parse; the message says why, in words for an analyst."""


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: Any, *, required: bool = True, max_length: int | None = None) -> str:
    if is_blank(value):
        if required:
            raise FieldError("is empty")
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (dt.date, dt.datetime)):
        raise FieldError(f"is a date ({value:%Y-%m-%d}), expected text")
    result = str(value).strip()
    if max_length is not None and len(result) > max_length:
        raise FieldError(f"is {len(result)} characters long, at most {max_length} allowed")
    return result


def date(value: Any) -> dt.date:
    """An Excel date cell, or text in ISO form ``yyyy-mm-dd``."""
    if is_blank(value):
        raise FieldError("is empty")
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0, 0):
            raise FieldError(f"holds a time of day ({value:%Y-%m-%d %H:%M}), expected a date")
        return value.date()
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
    if is_blank(value):
        raise FieldError("is empty")
    if isinstance(value, (bool, dt.date, dt.datetime)):
        raise FieldError(f"{value!r} is not an amount")
    raw = repr(value) if isinstance(value, float) else str(value).strip()
    if isinstance(value, str) and not _PLAIN_NUMBER.fullmatch(raw):
        raise FieldError(f"{raw!r} is not a number (use digits and a decimal point)")
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise FieldError(f"{raw!r} is not a number (use digits and a decimal point)") from None
    if not amount.is_finite():
        raise FieldError(f"{raw!r} is not a finite number")
    if amount <= 0:
        raise FieldError(f"{raw} is not positive")
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise FieldError(f"{raw} has more than {places} decimals")
    return amount.quantize(Decimal(1).scaleb(-places))


def code(value: Any, *, pattern: str, description: str) -> str:
    """Text such as an account number that must match ``pattern`` entirely."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    raw = text(value)
    if not re.fullmatch(pattern, raw):
        raise FieldError(f"{raw!r} is not {description}")
    return raw
