"""An invoice row of the input workbook, and how a row becomes one.

Columns: vendor, invoice_number, invoice_date, due_date, amount, account, description.
Headers match regardless of case and spacing; extra columns are ignored. Text cells are
one line without control characters; dates lie within ``[bots.invoice_entry]``
``date_years_back`` / ``date_years_ahead`` of today.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from clerk import ItemSchema, RowReader

COLUMNS = {
    "vendor": ("vendor name", "supplier"),
    "invoice_number": ("invoice no", "invoice #", "invoice"),
    "invoice_date": ("date",),
    "due_date": ("due",),
    "amount": ("total",),
    "account": ("expense account", "gl account"),
    "description": ("memo",),
}
REQUIRED = ("vendor", "invoice_number", "invoice_date", "due_date", "amount", "account")


@dataclass(frozen=True, slots=True, kw_only=True)
class Invoice:
    vendor: str
    number: str
    invoice_date: dt.date
    due_date: dt.date
    amount: Decimal
    account: str
    description: str

    @property
    def reference(self) -> str:
        """Vendor plus invoice number: the same invoice is never entered twice."""
        return f"{self.vendor.casefold()}|{self.number}"


def parse_invoice(row: RowReader) -> Invoice:
    invoice_date = row.date("invoice_date")
    due_date = row.date("due_date")
    if invoice_date and due_date and due_date < invoice_date:
        row.fail("due_date", f"{due_date} is before the invoice date {invoice_date}")
    return Invoice(
        vendor=row.text("vendor", max_length=64, single_line=True),
        number=row.text("invoice_number", max_length=32, single_line=True),
        invoice_date=invoice_date,
        due_date=due_date,
        amount=row.money("amount"),
        # a LedgerSMB account number (5780), or for the GnuCash target an account name
        account=row.text("account", max_length=128, single_line=True),
        description=row.text("description", required=False, max_length=200, single_line=True),
    )


SCHEMA = ItemSchema(columns=COLUMNS, required=REQUIRED, parse=parse_invoice)
