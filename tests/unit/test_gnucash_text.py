"""What text the GnuCash target takes: anything an XML book and a one-line bill line hold."""

from __future__ import annotations

import re

import pytest

from clerk import BusinessError
from clerk_bots.invoice_entry.gnucash import check_storable


@pytest.mark.parametrize("text", ["Beratung – Müller & Søn, №7 ✓", "Ærø æå é ß Ωμέγα 東京 😀", "Review (contract #7/8) & fees", ""])
def test_text_of_any_script_is_storable(text: str) -> None:
    check_storable(text, "description")


@pytest.mark.parametrize(("text", "named"), [
    ("bell\x07", "U+0007"), ("esc\x1b[0m", "U+001B"), ("Papier\tToner", "U+0009"), ("two\nlines", "U+000A"),
    ("c1\x85", "U+0085"), ("not\ufffea char", "U+FFFE"), ("half \ud800 pair", "U+D800"),
])
def test_what_an_xml_bill_line_cannot_hold_is_refused_by_code_point(text: str, named: str) -> None:
    with pytest.raises(BusinessError, match=re.escape(f"cannot hold ({named})")) as refused:
        check_storable(text, "description")
    assert (refused.value.code, refused.value.column) == ("NOT_STORABLE", "description")

