"""The GnuCash screens of a vendor bill, as verbs: open, fill, create, add a line, post, close.

Each verb ends by waiting on what GnuCash shows next (a window, a title), so the next
keys never reach a window that is not there yet.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ..apps.gnucash import GnuCash


class VendorBill:
    """One new vendor bill, from Business > Vendor > New Bill... to its posted, closed tab.

    Example:
        bill = VendorBill(gnucash, "INV-7")
        bill.open(); bill.fill_header("Globex Telecom LLC", date(2026, 10, 5)); bill.create()
    """

    def __init__(self, gnucash: GnuCash, bill_id: str) -> None:
        self.gnucash = gnucash
        self.desktop = gnucash.desktop
        self.bill_id = bill_id

    def _date(self, day: dt.date) -> str:
        return day.strftime(self.gnucash.date_format)

    def open(self) -> None:
        self.desktop.menu("menu.new_bill")
        self.desktop.wait_window("bill.new")

    def fill_header(self, vendor: str, opened: dt.date) -> None:
        """Vendor (has the keyboard when the dialog opens), Date Opened, Bill ID."""
        desktop = self.desktop
        desktop.fill("bill.new.vendor", vendor)
        desktop.fill("bill.new.date", self._date(opened))
        desktop.fill("bill.new.id", self.bill_id)
        desktop.wait_window("bill.new.with_id", bill_id=self.bill_id)

    def create(self) -> None:
        """OK: the dialog goes and the bill opens in an editor tab of the main window."""
        desktop = self.desktop
        desktop.activate("bill.new.ok", lambda: desktop.find_window("bill.new") is None
                         and desktop.find_window("main.bill_editor", bill_id=self.bill_id),
                         f"the editor of bill {self.bill_id} opening")

    def add_line(self, description: str, account: str, amount: Decimal) -> None:
        """One entry: expense account (full name), quantity 1 at ``amount``, then the
        description, last (see selectors/gnucash.yaml), and record it."""
        desktop = self.desktop
        desktop.fill("bill.line.account", account)
        desktop.fill("bill.line.quantity", "1")
        desktop.fill("bill.line.price", f"{amount:.2f}")
        desktop.fill("bill.line.description", description)
        desktop.keys("bill.line.record")

    def open_post_dialog(self, posted: dt.date, due: dt.date) -> None:
        """Edit > Post Bill, with the post date and the due date (GnuCash would default it
        to the post date)."""
        desktop = self.desktop
        desktop.menu("menu.post_bill")
        desktop.wait_window("post.dialog")
        desktop.fill("post.date", self._date(posted))
        desktop.fill("post.due_date", self._date(due))

    def post(self) -> None:
        desktop = self.desktop
        desktop.activate("post.ok", lambda: desktop.find_window("post.dialog") is None
                         and desktop.find_window("main.bill_posted", bill_id=self.bill_id),
                         f"bill {self.bill_id} being posted")

    def close(self) -> None:
        self.desktop.keys("page.close")
        self.desktop.wait_window("main.home")
