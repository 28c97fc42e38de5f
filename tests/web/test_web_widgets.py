"""Widgets that do not behave like plain HTML: a dijit button, a CKEditor iframe, a report table."""

from __future__ import annotations

import pytest

from clerk import SelectorFailed

pytestmark = pytest.mark.web


def test_a_dijit_button_is_clicked_through_its_role(open_page) -> None:
    web = open_page("dijit.html")
    web.click("dijit.post")
    assert web.text("dijit.result") == "Posted: action=post, invnumber=INV-1"


def test_the_off_screen_submit_input_cannot_be_clicked(open_page) -> None:
    """Why the selector names the visible button: the real input is outside the viewport."""
    web = open_page("dijit.html", timeout_ms=800)
    with pytest.raises(SelectorFailed, match="quirks: 'dijit.raw_submit' was not ready within 0.8s"):
        web.click("dijit.raw_submit")
    assert web.text("dijit.result") == ""


def test_typing_into_a_ckeditor_like_iframe(open_page) -> None:
    web = open_page("editor.html")
    web.fill("editor.body", "Plan changed to PRO-100")  # waits for the editor to be drawn
    assert web.text("editor.body") == "Plan changed to PRO-100"
    web.click("editor.submit")
    assert web.text("editor.results") == "Comments added: Plan changed to PRO-100"
    assert "Plan changed to PRO-100" in web.value("editor.content")


def test_reading_a_report_table_with_a_totals_row(open_page, quirk_server) -> None:
    web = open_page("report.html")
    rows = web.table("report.table")
    assert len(rows) == 3
    first, second, total = rows
    assert list(first) == ["Date", "Vendor", "Invoice", "Total", "Paid", "Due Date"]
    assert first["Vendor"].text == "Globex Telecom LLC"
    assert (first["Invoice"].text, first["Total"].text) == ("INV-1001", "123.45")
    assert first["Invoice"].href == f"{quirk_server.url}/ap.pl?action=edit&id=41"  # absolute, entities decoded
    assert first["Due Date"].text == "2026-12-15"
    assert first["Date"].href is None
    assert second["Total"].text == "2500"
    # the totals row has no invoice: a bot must not take it for a transaction
    assert (total["Invoice"].text, total["Invoice"].href, total["Total"].text) == ("", None, "2623.45")


def test_a_templated_row_selector(open_page) -> None:
    web = open_page("report.html")
    assert web.count("report.row", invoice="INV-1001") == 2  # has_text matches parts of the text
    assert "2500" in web.text("report.row", invoice="INV-1001-B")
