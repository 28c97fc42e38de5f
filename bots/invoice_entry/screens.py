"""LedgerSMB's accounts-payable screens, as verbs: open the form, choose the vendor,
fill, post and read the posted transaction back; search for transactions by invoice number."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from clerk import ApplicationError, BusinessError

from ..apps.ledgersmb import LedgerSmb
from .model import Invoice

_POSTED_ID = re.compile(r"Action: post, ID: (\d+)")
_EDIT_LINK_ID = re.compile(r"[?&;]id=(\d+)")


@dataclass(frozen=True, slots=True)
class ApRow:
    """One line of AP > Search results."""

    ap_id: str
    vendor: str
    invoice_number: str
    date: str
    due_date: str
    amount: Decimal | None


@dataclass(frozen=True, slots=True)
class PostedAp:
    """A transaction as LedgerSMB shows it right after Post, loaded back from its database."""

    ap_id: str
    vendor: str
    invoice_number: str
    date: str
    due_date: str
    amount: Decimal | None
    account: str  # "5780--Telephone"


@dataclass(frozen=True, slots=True)
class _VendorChosen:
    """The pane holds a new form on which only the vendor was typed and Update pressed."""

    typed: str
    shown: str


_NEW_FORM = "ap.add new"


class ApTransactionForm:
    """AP > Add Transaction."""

    ROUTE = "ap.pl?action=add"  # where the menu entry leads, for a new form without reloading the shell

    def __init__(self, lsmb: LedgerSmb) -> None:
        self.lsmb = lsmb
        self.web = lsmb.web

    def open(self) -> None:
        self.lsmb.navigate("menu.ap", "menu.ap.add_transaction", arrives="ap.add.title", route=self.ROUTE)
        self.lsmb.pane_note = _NEW_FORM

    def open_with_vendor(self, name: str) -> str:
        """A new form with ``name`` typed as the vendor and Update pressed; returns the vendor
        LedgerSMB settled on. When the pane already holds such a form, untouched since (preflight
        checked the batch's only vendor on it) and still showing so, it is taken as it is."""
        note, self.lsmb.pane_note = self.lsmb.pane_note, None
        if isinstance(note, _VendorChosen) and note.typed == name and self._blank_with_vendor(note.shown):
            return note.shown
        self.open()
        return self.choose_vendor(name)

    def _blank_with_vendor(self, shown: str) -> bool:
        web = self.web
        return (web.is_visible("ap.add.title") and web.value("ap.add.vendor") == shown
                and web.value("ap.add.invoice_number") == "" and web.value("ap.add.amount") in ("", "0.00"))

    def expense_accounts(self) -> dict[str, str]:
        """Account number -> option text ("5780" -> "5780--Telephone") as the form offers them."""
        self.web.click("ap.add.account")
        options = self.web.texts("ap.add.account_options")
        self.web.press("ap.add.account", "Escape")
        return {text.split("--", 1)[0]: text for text in options if "--" in text}

    def choose_vendor(self, name: str) -> str:
        """Type the vendor and press Update. Returns the vendor name LedgerSMB settled on,
        which for a partial name may be some other vendor.

        Raises:
            BusinessError: LedgerSMB has no vendor matching ``name`` at all.
        """
        new_form, self.lsmb.pane_note = self.lsmb.pane_note == _NEW_FORM, None
        self.web.fill("ap.add.vendor", name)
        with self.web.replacing("main.pane"):
            self.web.click("ap.add.update")
        if self.web.wait_any("ap.add.vendor", "main.error") == "main.error":
            message = self.web.text("main.pane")
            if self.web.count("ap.add.vendor_not_on_file"):
                raise BusinessError(f"LedgerSMB has no vendor named {name!r}", code="UNKNOWN_VENDOR", column="vendor")
            raise ApplicationError(f"LedgerSMB answered an error after Update: {_first_line(message)}")
        shown = self.web.value("ap.add.vendor")
        if new_form:
            self.lsmb.pane_note = _VendorChosen(typed=name, shown=shown)
        return shown

    def fill(self, invoice: Invoice) -> None:
        """Fill every field after the vendor was chosen (Update resets the due date)."""
        web = self.web
        self.lsmb.pane_note = None
        web.fill("ap.add.invoice_number", invoice.number)
        self._date("ap.add.invoice_date", "ap.add.invoice_date_value", invoice.invoice_date.isoformat())
        self._date("ap.add.due_date", "ap.add.due_date_value", invoice.due_date.isoformat())
        web.fill("ap.add.description", invoice.description)
        web.fill("ap.add.amount", f"{invoice.amount:.2f}")
        web.click("ap.add.account")
        web.click("ap.add.account_option", account=invoice.account)
        web.fill("ap.add.line_description", invoice.description)
        web.press("ap.add.line_description", "Tab")
        chosen = web.value("ap.add.account_value")
        if not chosen.startswith(f"{invoice.account}--"):
            raise ApplicationError(f"the account list kept {chosen!r} instead of {invoice.account}")

    def _date(self, field: str, hidden: str, iso: str) -> None:
        # a dojo DateTextBox copies the typed date into a hidden input on blur
        self.web.fill(field, iso)
        self.web.press(field, "Tab")
        if (stored := self.web.value(hidden)) != iso:
            raise ApplicationError(f"the date field {field} holds {stored!r} instead of {iso}")

    def post(self) -> str:
        """Click Post and return the new transaction's id from the redrawn screen."""
        self.lsmb.pane_note = None
        with self.web.replacing("main.pane"):
            self.web.click("ap.add.post")
        screen = self.web.wait_any("ap.posted.copy_to_new", "ap.add.repost_needed", "main.error")
        text = self.web.text("main.pane")
        if screen == "ap.add.repost_needed":
            raise ApplicationError("LedgerSMB recalculated the form instead of posting ('Please re-post')")
        if screen == "main.error":
            raise ApplicationError(f"LedgerSMB answered an error on Post: {_first_line(text)}")
        match = _POSTED_ID.search(text)
        if not match:
            raise ApplicationError("the posted screen shows no transaction id")
        return match.group(1)

    def posted(self, ap_id: str) -> PostedAp:
        """The posted screen's values. LedgerSMB answers Post by loading the new transaction
        from its database by id and drawing it, so this is what it stored."""
        web = self.web
        return PostedAp(ap_id=ap_id, vendor=web.value("ap.posted.vendor"),
                        invoice_number=web.value("ap.posted.invoice_number"),
                        date=web.value("ap.posted.invoice_date"), due_date=web.value("ap.posted.due_date"),
                        amount=_decimal(web.value("ap.posted.amount")), account=web.value("ap.posted.account"))


class ApSearch:
    """AP > Search, including closed and unapproved transactions."""

    # the address AP > Search > Continue loads, with Open, Closed, All (approval) and Due Date
    # ticked and the other fields at their defaults (the empty ones left out); then the number
    RESULTS = ("invoice.pl?action=invoice_search&entity_class=1&interval=none&on_hold=on&open=1&closed=1"
               "&is_approved=All&col_invnumber=1&col_transdate=1&col_entity_name=1&col_amount=1&col_paid=1"
               "&col_duedate=1&col_due=1&")

    def __init__(self, lsmb: LedgerSmb) -> None:
        self.lsmb = lsmb
        self.web = lsmb.web

    def by_invoice_number(self, number: str) -> list[ApRow]:
        """Every AP transaction whose invoice number is exactly ``number``."""
        return [row for row in self.containing(number) if row.invoice_number == number]

    def containing(self, part: str) -> list[ApRow]:
        """Every AP transaction whose invoice number contains ``part`` (LedgerSMB matches parts).

        The results are opened by the address the search form submits to, in one round trip
        instead of two (the form, then Continue)."""
        web = self.web
        self.lsmb.open_route(self.RESULTS + urlencode({"invnumber": part}), arrives="ap.search.results")
        rows = []
        for cells in web.table("ap.search.results"):
            invoice = cells.get("Invoice")
            if invoice is None or part not in invoice.text:  # the total row is empty
                continue
            link = _EDIT_LINK_ID.search(invoice.href or "")
            rows.append(ApRow(
                ap_id=link.group(1) if link else "", vendor=cells["Vendor"].text, invoice_number=invoice.text,
                date=cells["Date"].text, due_date=cells["Due Date"].text if "Due Date" in cells else "",
                amount=_decimal(cells["Total"].text),
            ))
        return rows


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip() and line.strip() != "Error!"]
    return lines[0] if lines else text.strip()
