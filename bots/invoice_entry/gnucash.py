"""invoice_entry, GnuCash target: vendor invoices from a workbook as GnuCash vendor bills.

Selected with ``clerk run invoice_entry --target gnucash`` or ``[bots.invoice_entry]
target = "gnucash"``. The workbook is the one the LedgerSMB target reads (model.py).
Each valid row becomes one bill: Business > Vendor > New Bill, the vendor, Bill ID = the
invoice number, Date Opened = the invoice date, one line (description, expense account,
quantity 1 at the amount), posted to Accounts Payable on the invoice date with the
workbook's due date. The book is saved after each bill and the bill is read back from
the saved file before the row counts as done.

The Account column holds a GnuCash account: its full name (``Expenses:Telephone``), an
unambiguous leaf name (``Telephone``), or a key of ``[bots.invoice_entry.gnucash_accounts]``
(e.g. ``"5780" = "Expenses:Telephone"``), so one workbook can feed both targets.

Postconditions: exactly one posted bill per vendor + Bill ID in the saved book, with the
workbook's dates, account, description and amount; the results workbook names it as
``<vendor id>/<bill id>``.

Business errors (never retried): UNKNOWN_VENDOR, AMBIGUOUS_VENDOR, INACTIVE_VENDOR,
UNKNOWN_ACCOUNT, AMBIGUOUS_ACCOUNT, NOT_AN_EXPENSE_ACCOUNT, NOT_STORABLE (control characters
in the description, which an XML book cannot hold), BILL_NOT_POSTED (a bill with
this vendor and ID exists unposted: a person must post or delete it), and the row-level
validation errors. READ_BACK_MISMATCH stops the run: the saved bill differs from the row.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from fractions import Fraction
from typing import Any

from clerk import (
    App,
    ApplicationError,
    Bot,
    BusinessError,
    FatalError,
    Found,
    Problem,
    RunContext,
    WorkItem,
)

from ..apps.gnucash import GnuCash
from .gnucash_book import Account, Bill, GnuCashBook, Vendor
from .gnucash_screens import VendorBill
from .model import SCHEMA, Invoice

APP = "gnucash"


def _account_map(ctx: RunContext) -> Mapping[str, Any]:
    mapping = ctx.bot_settings.get("gnucash_accounts", {})
    return mapping if isinstance(mapping, Mapping) else {}


def vendor_of(book: GnuCashBook, name: str) -> Vendor:
    """The one active GnuCash vendor named ``name`` (case-insensitive).

    Raises:
        BusinessError: no such vendor, several, or an inactive one.
    """
    vendors = book.vendors_named(name)
    if not vendors:
        raise BusinessError(f"no GnuCash vendor is named {name!r}", code="UNKNOWN_VENDOR", column="vendor")
    if len(vendors) > 1:
        ids = ", ".join(sorted(v.id for v in vendors))
        raise BusinessError(f"several GnuCash vendors are named {name!r} ({ids})", code="AMBIGUOUS_VENDOR",
                            column="vendor")
    if not vendors[0].active:
        raise BusinessError(f"the GnuCash vendor {name!r} is inactive", code="INACTIVE_VENDOR", column="vendor")
    return vendors[0]


def account_of(book: GnuCashBook, text: str, mapping: Mapping[str, Any]) -> Account:
    """The expense account that the Account cell ``text`` names.

    Raises:
        BusinessError: no such account, an ambiguous leaf name, or not an expense account.
    """
    target = str(mapping.get(text, text))
    via = f" ({text!r} maps to {target!r} in [bots.invoice_entry.gnucash_accounts])" if target != text else ""
    found = book.accounts_matching(target)
    if not found:
        offered = ", ".join(sorted(a.full_name for a in book.accounts.values()
                                   if a.type == "EXPENSE" and not a.placeholder))
        raise BusinessError(f"no GnuCash account is named {target!r}{via} (expense accounts: {offered})",
                            code="UNKNOWN_ACCOUNT", column="account")
    if len(found) > 1:
        names = ", ".join(sorted(a.full_name for a in found))
        raise BusinessError(f"{target!r}{via} could be {names}: write the full name", code="AMBIGUOUS_ACCOUNT",
                            column="account")
    account = found[0]
    if account.type != "EXPENSE" or account.placeholder:
        kind = "a placeholder" if account.placeholder else f"a {account.type} account"
        raise BusinessError(f"{account.full_name}{via} is {kind}, not an expense account",
                            code="NOT_AN_EXPENSE_ACCOUNT", column="account")
    return account


def check_storable(text: str, column: str) -> None:
    """Any text goes into GnuCash (what has no key is pasted), but its book is XML 1.0 and a
    bill line is one line: control characters, lone surrogates and U+FFFE/U+FFFF cannot be
    stored there.

    Raises:
        BusinessError: ``text`` holds such characters (named by code point: most are invisible).
    """
    odd = sorted({c for c in text if not _storable(c)})
    if odd:
        names = " ".join(f"U+{ord(c):04X}" for c in odd)
        raise BusinessError(f"{text!r} holds characters a GnuCash bill line cannot hold ({names})",
                            code="NOT_STORABLE", column=column)


def _storable(char: str) -> bool:
    return unicodedata.category(char) not in ("Cc", "Cs") and char not in "\ufffe\uffff"


def preflight(ctx: RunContext, items: Sequence[WorkItem[Invoice]]) -> Iterator[Problem]:
    """The display and GnuCash must be up; every vendor and account must be in the book."""
    gnucash = ctx.app(GnuCash)  # display, screen size, GnuCash running: or the run stops here
    book = GnuCashBook.read(gnucash.book_path)
    mapping = _account_map(ctx)
    for item in items:
        invoice = item.data
        assert invoice is not None
        for err in _problems(book, invoice, mapping):
            yield item.problem(err.column, str(err))


def _problems(book: GnuCashBook, invoice: Invoice, mapping: Mapping[str, Any]) -> Iterator[BusinessError]:
    try:
        vendor_of(book, invoice.vendor)
    except BusinessError as err:
        yield err
    try:
        account_of(book, invoice.account, mapping)
    except BusinessError as err:
        yield err
    try:
        check_storable(invoice.description, "description")
    except BusinessError as err:
        yield err


def find(ctx: RunContext, invoice: Invoice) -> Found | None:
    """The posted bill of this vendor with this Bill ID, in the saved book."""
    bills = GnuCashBook.read(ctx.app(GnuCash).book_path).bills_of(invoice.vendor, invoice.number)
    if not bills:
        return None
    if any(bill.posted is None for bill in bills):
        raise BusinessError(f"GnuCash holds an unposted bill {invoice.number} of {invoice.vendor!r}; "
                            "post or delete it by hand, then run again", code="BILL_NOT_POSTED")
    return Found(app_ref=bills[0].ref, detail=", ".join(bill.ref for bill in bills))


def enter(ctx: RunContext, invoice: Invoice) -> str:
    gnucash = ctx.app(GnuCash)
    book = GnuCashBook.read(gnucash.book_path)
    vendor = vendor_of(book, invoice.vendor)
    account = account_of(book, invoice.account, _account_map(ctx))
    check_storable(invoice.description, "description")
    gnucash.reset()
    bill = VendorBill(gnucash, invoice.number)
    bill.open()
    bill.fill_header(vendor.name, invoice.invoice_date)
    ctx.snap("new bill filled", APP)
    bill.create()
    ctx.snap("bill created", APP)
    bill.add_line(invoice.description, account.full_name, invoice.amount)
    bill.open_post_dialog(invoice.invoice_date, invoice.due_date)
    ctx.snap("line entered, post dialog filled", APP)
    bill.post()
    ctx.snap("posted", APP)
    gnucash.save()
    ctx.snap("saved", APP)
    bill.close()
    return _read_back(gnucash, invoice, vendor, account)


def _read_back(gnucash: GnuCash, invoice: Invoice, vendor: Vendor, account: Account) -> str:
    bills = GnuCashBook.read(gnucash.book_path).bills_of(vendor.name, invoice.number)
    if not bills:
        raise ApplicationError(f"bill {invoice.number} of {vendor.name!r} is not in the saved book")
    if len(bills) > 1:
        raise FatalError(f"the saved book holds {len(bills)} bills {invoice.number} of {vendor.name!r}",
                         code="DUPLICATE_BILL")
    differences = differences_from(bills[0], invoice, account.full_name, gnucash.payable_account)
    if differences:
        raise FatalError(f"bill {bills[0].ref} was saved but reads back differently: {'; '.join(differences)}",
                         code="READ_BACK_MISMATCH")
    return bills[0].ref


def differences_from(bill: Bill, invoice: Invoice, account: str, payable: str) -> list[str]:
    """What in the saved ``bill`` differs from the row, in words (empty: it matches)."""
    expected_line = (account, invoice.description, Fraction(invoice.amount))
    lines = [(line.account, line.description, line.amount) for line in bill.lines]
    checks = [
        ("date opened", bill.opened, invoice.invoice_date),
        ("post date", bill.posted, invoice.invoice_date),
        ("due date", bill.due, invoice.due_date),
        ("posted to", bill.post_account, payable),
        ("lines (account, description, amount)", lines, [expected_line]),
    ]
    return [f"{what} is {got!r}, expected {want!r}" for what, got, want in checks if got != want]


BOT_GNUCASH = Bot(
    name="invoice_entry",
    description="Vendor invoices from a workbook into GnuCash as vendor bills (desktop)",
    apps={APP: App(session=GnuCash, kind="desktop", login=False)},
    schema=SCHEMA,
    reference=lambda invoice: invoice.reference,
    find=find,
    enter=enter,
    preflight=preflight,
    app_ref_label="gnucash_bill",
    ledger_name="invoice_entry@gnucash",
    max_workers=1,
    max_workers_reason="GnuCash is driven through one window on one X display",
)
