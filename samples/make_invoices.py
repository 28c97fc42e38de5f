"""Rebuild samples/invoices.xlsx, the demo workbook: python samples/make_invoices.py"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook

ROWS = [
    ("Acme Office Supplies Inc", "DEMO-1001", dt.date(2026, 11, 2), dt.date(2026, 12, 2), 412.50, 5700, "Printer paper and toner"),
    ("Globex Telecom LLC", "DEMO-1002", "2026-11-03", "2026-12-03", 189.99, "5780", "Phone lines, November"),
    ("Initech Facilities Management", "DEMO-1003", dt.date(2026, 11, 5), dt.date(2026, 12, 5), 2500, 5760, "Office rent, December"),
    ("Umbrella Legal Partners", "DEMO-1004", dt.date(2026, 11, 9), dt.date(2026, 12, 24), 1234.56, 5610, "Contract review"),
    ("Stark Utilities Co", "DEMO-1005", "2026-11-12", "2026-12-12", 318.07, "5790", "Electricity, October"),
]


def main() -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Invoices"
    sheet.append(["Vendor", "Invoice Number", "Invoice Date", "Due Date", "Amount", "Account", "Description", "Approved by"])
    for row in ROWS:
        sheet.append([*row, "M. Jones"])
    for cell in sheet["C"][1:] + sheet["D"][1:]:
        cell.number_format = "yyyy-mm-dd"
    workbook.save(Path(__file__).with_name("invoices.xlsx"))


if __name__ == "__main__":
    main()
