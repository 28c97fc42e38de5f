"""The saved GnuCash book (gzip XML), read without GnuCash: vendors, accounts and bills.

This is how the GnuCash target reads back what it entered: only what the file on disk
holds counts, never what the window shows. Facts about the format (GnuCash 4.13):

* a bill is a ``gnc:GncInvoice`` owned by a ``gncVendor``; ``invoice:id`` is the Bill ID;
* its lines are ``gnc:GncEntry`` elements linked by ``entry:bill``, with ``entry:b-acct``,
  ``entry:qty`` and ``entry:b-price`` as reduced fractions (``2469/20``);
* posting writes a transaction (``invoice:posttxn``) whose ``trans-date-due`` slot is the
  only place the due date lives; dates are stored at 10:59 UTC, so the date part is the day.
"""

from __future__ import annotations

import datetime as dt
import gzip
import xml.etree.ElementTree as ET
import zlib
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from clerk import ApplicationError, ConfigError

_NS = {p: f"http://www.gnucash.org/XML/{p}" for p in (
    "gnc", "act", "trn", "split", "ts", "slot", "invoice", "owner", "entry", "vendor", "addr", "cmdty")}
SEPARATOR = ":"


@dataclass(frozen=True, slots=True, kw_only=True)
class Account:
    guid: str
    full_name: str
    type: str
    placeholder: bool

    @property
    def leaf(self) -> str:
        return self.full_name.rsplit(SEPARATOR, 1)[-1]


@dataclass(frozen=True, slots=True, kw_only=True)
class Vendor:
    guid: str
    id: str
    name: str
    active: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class BillLine:
    account: str
    description: str
    quantity: Fraction
    price: Fraction

    @property
    def amount(self) -> Fraction:
        return self.quantity * self.price


@dataclass(frozen=True, slots=True, kw_only=True)
class Bill:
    guid: str
    id: str
    vendor: Vendor
    opened: dt.date | None
    posted: dt.date | None
    due: dt.date | None
    post_account: str | None
    lines: tuple[BillLine, ...]

    @property
    def total(self) -> Fraction:
        return sum((line.amount for line in self.lines), Fraction(0))

    @property
    def ref(self) -> str:
        """How the results workbook names the bill: vendor ID and Bill ID."""
        return f"{self.vendor.id}/{self.id}"


class GnuCashBook:
    """One reading of the saved book.

    Example:
        book = GnuCashBook.read(Path("/var/lib/gnucash-peer/acme.gnucash"))
        book.bills_of("Globex Telecom LLC", "INV-7")
    """

    def __init__(self, accounts: dict[str, Account], vendors: dict[str, Vendor], bills: list[Bill]) -> None:
        self.accounts = accounts
        self.vendors = vendors
        self.bills = bills

    @classmethod
    def read(cls, path: Path) -> GnuCashBook:
        """Parse the book at ``path``.

        Raises:
            ConfigError: the file does not exist.
            ApplicationError: it is not a GnuCash XML book (or is being rewritten).
        """
        if not path.is_file():
            raise ConfigError(f"the GnuCash book {path} does not exist")
        try:
            raw = path.read_bytes()
            root = ET.fromstring(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw)
        except (OSError, EOFError, zlib.error, ET.ParseError) as err:
            raise ApplicationError(f"cannot read the GnuCash book {path}: {err}") from err
        book = root.find("gnc:book", _NS)
        if book is None:
            raise ApplicationError(f"{path} is not a GnuCash XML book (no gnc:book)")
        accounts = _accounts(book)
        vendors = {v.guid: v for v in map(_vendor, book.findall("gnc:GncVendor", _NS))}
        return cls(accounts, vendors, _bills(book, accounts, vendors))

    def vendors_named(self, name: str) -> list[Vendor]:
        wanted = name.strip().casefold()
        return [v for v in self.vendors.values() if v.name.strip().casefold() == wanted]

    def bills_of(self, vendor_name: str, bill_id: str) -> list[Bill]:
        wanted = vendor_name.strip().casefold()
        return [b for b in self.bills if b.id == bill_id and b.vendor.name.strip().casefold() == wanted]

    def accounts_matching(self, text: str) -> list[Account]:
        """Accounts whose full name is ``text``, else whose leaf name is (case-insensitive)."""
        wanted = text.strip().casefold()
        full = [a for a in self.accounts.values() if a.full_name.casefold() == wanted]
        return full or [a for a in self.accounts.values() if a.leaf.casefold() == wanted]


def _text(element: ET.Element, path: str) -> str:
    found = element.find(path, _NS)
    return (found.text or "").strip() if found is not None else ""


def _date(element: ET.Element, path: str) -> dt.date | None:
    text = _text(element, path)
    return dt.date.fromisoformat(text[:10]) if text else None


def _slots(element: ET.Element, path: str) -> dict[str, ET.Element]:
    return {_text(slot, "slot:key"): slot.find("slot:value", _NS)  # type: ignore[misc]
            for slot in element.findall(f"{path}/slot", _NS)}


def _fraction(text: str) -> Fraction:
    return Fraction(text) if text else Fraction(0)


def _accounts(book: ET.Element) -> dict[str, Account]:
    raw = {}
    for element in book.findall("gnc:account", _NS):
        slots = _slots(element, "act:slots")
        placeholder = slots.get("placeholder")
        raw[_text(element, "act:id")] = (_text(element, "act:name"), _text(element, "act:type"),
                                         _text(element, "act:parent"),
                                         placeholder is not None and (placeholder.text or "") == "true")

    def full_name(guid: str) -> str:
        name, _, parent, _ = raw[guid]
        if parent not in raw or raw[parent][1] == "ROOT":
            return name
        return f"{full_name(parent)}{SEPARATOR}{name}"

    return {guid: Account(guid=guid, full_name=full_name(guid), type=kind, placeholder=placeholder)
            for guid, (_, kind, _, placeholder) in raw.items() if kind != "ROOT"}


def _vendor(element: ET.Element) -> Vendor:
    return Vendor(guid=_text(element, "vendor:guid"), id=_text(element, "vendor:id"),
                  name=_text(element, "vendor:name"), active=_text(element, "vendor:active") == "1")


def _bills(book: ET.Element, accounts: dict[str, Account], vendors: dict[str, Vendor]) -> list[Bill]:
    lines: dict[str, list[BillLine]] = {}
    for entry in book.findall("gnc:GncEntry", _NS):
        bill = _text(entry, "entry:bill")
        if bill:
            account = accounts.get(_text(entry, "entry:b-acct"))
            lines.setdefault(bill, []).append(BillLine(
                account=account.full_name if account else "", description=_text(entry, "entry:description"),
                quantity=_fraction(_text(entry, "entry:qty")), price=_fraction(_text(entry, "entry:b-price"))))
    due_dates = {_text(t, "trn:id"): _due_date(t) for t in book.findall("gnc:transaction", _NS)}
    bills = []
    for invoice in book.findall("gnc:GncInvoice", _NS):
        vendor = vendors.get(_text(invoice, "invoice:owner/owner:id"))
        credit_note = _slots(invoice, "invoice:slots").get("credit-note")
        if (_text(invoice, "invoice:owner/owner:type") != "gncVendor" or vendor is None
                or (credit_note is not None and (credit_note.text or "0") != "0")):
            continue
        guid = _text(invoice, "invoice:guid")
        post_account = accounts.get(_text(invoice, "invoice:postacc"))
        bills.append(Bill(guid=guid, id=_text(invoice, "invoice:id"), vendor=vendor,
                          opened=_date(invoice, "invoice:opened/ts:date"),
                          posted=_date(invoice, "invoice:posted/ts:date"),
                          due=due_dates.get(_text(invoice, "invoice:posttxn")),
                          post_account=post_account.full_name if post_account else None,
                          lines=tuple(lines.get(guid, ()))))
    return bills


def _due_date(transaction: ET.Element) -> dt.date | None:
    value = _slots(transaction, "trn:slots").get("trans-date-due")
    if value is None:
        return None
    return _date(value, "ts:date")
