"""Cell parsers: strict, never guessing, with messages an analyst can act on."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from clerk import _fields
from clerk._errors import ConfigError
from clerk._fields import FieldError


# ---------------------------------------------------------------------------- dates
@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (dt.datetime(2026, 11, 15, 0, 0), dt.date(2026, 11, 15)),  # how openpyxl returns a date cell
        (dt.date(2026, 11, 15), dt.date(2026, 11, 15)),
        ("2026-11-15", dt.date(2026, 11, 15)),
        ("  2026-02-28 ", dt.date(2026, 2, 28)),
        ("2028-02-29", dt.date(2028, 2, 29)),
    ],
)
def test_date_accepts_excel_dates_and_iso_text(cell: object, expected: dt.date) -> None:
    assert _fields.date(cell) == expected


@pytest.mark.parametrize(
    ("cell", "words"),
    [
        (None, "is empty"),
        ("   ", "is empty"),
        ("15/11/2026", "not a date in the form yyyy-mm-dd"),
        ("11/15/2026", "not a date in the form yyyy-mm-dd"),
        ("2026-1-5", "not a date in the form yyyy-mm-dd"),
        ("next friday", "not a date in the form yyyy-mm-dd"),
        ("2026-11-15T00:00:00", "not a date in the form yyyy-mm-dd"),
        ("2026-02-30", "not a real calendar date"),
        ("2026-13-01", "not a real calendar date"),
        (46341, "is the number 46341"),  # an Excel serial number in a cell formatted as number
        (46341.0, "is the number 46341.0"),
        (True, "is the number True"),
        (dt.datetime(2026, 11, 15, 9, 30), "holds a time of day (2026-11-15 09:30)"),
        (dt.time(9, 30), "not a date in the form yyyy-mm-dd"),  # a time-only cell
    ],
)
def test_date_refuses_anything_else_with_a_reason(cell: object, words: str) -> None:
    with pytest.raises(FieldError) as caught:
        _fields.date(cell)
    assert words in str(caught.value)


# ---------------------------------------------------------------------------- money
@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (1234.56, "1234.56"),  # a float from an Excel cell
        (0.1, "0.10"),
        (12.3, "12.30"),
        (2500, "2500.00"),
        (2500.0, "2500.00"),
        ("99.9", "99.90"),
        (" 1234.56 ", "1234.56"),
        ("0.01", "0.01"),
        (Decimal("7.5"), "7.50"),
        (9999999.99, "9999999.99"),
    ],
)
def test_money_accepts_positive_amounts_with_two_decimals(cell: object, expected: str) -> None:
    amount = _fields.money(cell)
    assert amount == Decimal(expected)
    assert str(amount) == expected  # always two places, as LedgerSMB is fed


@pytest.mark.parametrize(
    ("cell", "words"),
    [
        (None, "is empty"),
        ("", "is empty"),
        (12.345, "more than 2 decimals"),
        ("12.345", "more than 2 decimals"),
        (0.1 + 0.2, "more than 2 decimals"),  # float noise is refused, not rounded away
        (0, "not positive"),
        (0.0, "not positive"),
        (-5, "not positive"),
        ("-12.50", "not positive"),
        ("1,234.56", "not a number"),
        ("$12", "not a number"),
        ("twelve", "not a number"),
        ("NaN", "is not a number"),
        ("1e3", "is not a number"),
        ("Infinity", "is not a number"),
        (True, "is not an amount"),
        (dt.date(2026, 1, 1), "is not an amount"),
    ],
)
def test_money_refuses_bad_amounts_with_a_reason(cell: object, words: str) -> None:
    with pytest.raises(FieldError) as caught:
        _fields.money(cell)
    assert words in str(caught.value)


def test_money_places_are_configurable() -> None:
    assert _fields.money("1.234", places=3) == Decimal("1.234")
    with pytest.raises(FieldError, match="more than 0 decimals"):
        _fields.money("1.5", places=0)


# ---------------------------------------------------------------------------- text and codes
def test_text_strips_and_turns_whole_floats_into_digits() -> None:
    assert _fields.text("  Acme Office Supplies Inc ") == "Acme Office Supplies Inc"
    assert _fields.text(1001.0) == "1001"  # an invoice number typed into a number cell
    assert _fields.text(12.5) == "12.5"
    assert _fields.text(None, required=False) == ""


@pytest.mark.parametrize(
    ("cell", "options", "words"),
    [
        (None, {}, "is empty"),
        (" \t", {}, "is empty"),
        ("x" * 33, {"max_length": 32}, "is 33 characters long, at most 32 allowed"),
        (dt.date(2026, 1, 2), {}, "is a date (2026-01-02), expected text"),
        (dt.datetime(2026, 1, 2, 3, 4), {}, "is a date (2026-01-02), expected text"),
    ],
)
def test_text_refusals(cell: object, options: dict[str, object], words: str) -> None:
    with pytest.raises(FieldError) as caught:
        _fields.text(cell, **options)  # type: ignore[arg-type]
    assert words in str(caught.value)


def test_code_must_match_the_whole_pattern() -> None:
    account = {"pattern": r"\d{4}", "description": "a four-digit account number"}
    assert _fields.code("5780", **account) == "5780"
    assert _fields.code(5780.0, **account) == "5780"
    assert _fields.code(" 5780 ", **account) == "5780"
    with pytest.raises(FieldError, match="'57800' is not a four-digit account number"):
        _fields.code("57800", **account)
    with pytest.raises(FieldError, match="'5780--Telephone' is not a four-digit account number"):
        _fields.code("5780--Telephone", **account)
    with pytest.raises(FieldError, match="is empty"):
        _fields.code(None, **account)


def test_is_blank() -> None:
    assert _fields.is_blank(None) and _fields.is_blank("") and _fields.is_blank("  \n")
    assert not _fields.is_blank(0) and not _fields.is_blank("0") and not _fields.is_blank(False)


# ---------------------------------------------------------------------------- control characters, date window
def test_multi_line_text_keeps_its_line_breaks_but_not_other_controls() -> None:
    assert _fields.text("move 40012345\r\nto BIZ-50\tplease") == "move 40012345\r\nto BIZ-50\tplease"
    with pytest.raises(FieldError, match=r"holds ESC \(U\+001B\) at character 5"):
        _fields.text("move\x1b 40012345")
    with pytest.raises(FieldError, match=r"holds a control character \(U\+0085\)"):
        _fields.text("next\x85line")  # C1 controls too


def test_the_date_window_comes_from_the_bot_settings() -> None:
    today = dt.date(2028, 2, 29)
    window = _fields.DateWindow.from_settings({"date_years_back": 2, "date_years_ahead": 0}, today)
    assert (window.earliest, window.latest) == (dt.date(2026, 2, 28), today)
    default = _fields.DateWindow.from_settings({}, today)
    assert (default.years_back, default.years_ahead) == (5, 1)
    assert _fields.date("2028-02-29", window=window) == today
    with pytest.raises(FieldError, match="2028-03-01 is more than 0 years after today"):
        _fields.date("2028-03-01", window=window)


@pytest.mark.parametrize("value", [-1, 2.5, "ten", True])
def test_a_date_window_setting_must_be_whole_years(value: object) -> None:
    with pytest.raises(ConfigError, match="date_years_back must be a whole number of years"):
        _fields.DateWindow.from_settings({"date_years_back": value}, dt.date(2026, 11, 29))
