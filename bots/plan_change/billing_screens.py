"""LedgerSMB as the billing system: the price groups on offer (the plans), and the Contacts
screens: find a customer's credit account, read its plan (price group), end date and
notes, change the plan, add a note.

Every write answers with the whole contact screen redrawn into ``#maindiv``, so each
one waits for the old pane to go. Read-back opens the account's link in the list of
credit accounts, which fetches the contact screen fresh from the server.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from clerk import AppEnv, ApplicationError, BusinessError, ScreenNotReached

from ..apps.ledgersmb import LedgerSmb
from .plans import PlanCatalogue


class BillingSession(LedgerSmb):
    """A LedgerSMB session that keeps the plans on offer once it has read them: one read
    per session, so per run (a session started afresh after a crash reads them again)."""

    def __init__(self, env: AppEnv) -> None:
        super().__init__(env)
        self.plans: PlanCatalogue | None = None


class PriceGroups:
    """Goods and Services > Search Pricegroups with no name given: every price group.

    The search is a GET form, so its results have a stable address, opened directly."""

    def __init__(self, lsmb: LedgerSmb) -> None:
        self.lsmb = lsmb
        self.web = lsmb.web

    def offered(self) -> list[str]:
        """The price groups' names as the report lists them (by name)."""
        web = self.web
        url = f"{self.lsmb.home_url}#/goods.pl?action=search_pricegroups&pricegroup="
        if web.page.url == url:
            self.lsmb.reset()
        with web.replacing("main.pane"):
            web.goto(url)
        web.wait("pricegroups.report")
        return [name for name in web.texts("pricegroups.names") if name]

from ..apps.ledgersmb import LedgerSmb


@dataclass(frozen=True, slots=True)
class CreditAccount:
    """A customer's credit account as the Contact screen shows it."""

    account: str  # the account number (meta_number)
    customer: str
    credit_id: str
    kind: str  # "Customer", "Vendor"...
    plan: str  # the price group's name; "" when none is set
    end_date: dt.date | None
    notes: tuple[tuple[str, str], ...]  # (text, entered at), as listed

    def closed_on(self, today: dt.date) -> bool:
        """No end date in the past means active."""
        return self.end_date is not None and self.end_date < today

    @property
    def reference(self) -> str:
        return f"LedgerSMB credit account {self.credit_id}"


class Contacts:
    def __init__(self, lsmb: LedgerSmb) -> None:
        self.lsmb = lsmb
        self.web = lsmb.web

    # ------------------------------------------------------------------ reading
    def open_account(self, account: str) -> CreditAccount | None:
        """Open the contact screen of the credit account numbered exactly ``account``.

        Returns None when no contact has that number.

        Raises:
            BusinessError: several contacts share the number.
        """
        if self.showing(account):
            return self.read(account)
        web = self.web
        self._search(account)
        matches = [n for n in web.texts("contact.search.result_numbers") if n == account]
        if not matches:
            return None
        if len(matches) > 1:
            raise BusinessError(f"{len(matches)} LedgerSMB contacts have the account number {account}",
                                code="AMBIGUOUS_ACCOUNT")
        with web.replacing("main.pane"):
            web.click("contact.search.result_link", account=account)
        web.wait("contact.tabs")
        return self.read(account)

    def exists(self, account: str) -> bool:
        """Whether a contact has exactly this account number (a search; nothing is opened)."""
        self._search(account)
        return account in self.web.texts("contact.search.result_numbers")

    def _search(self, account: str) -> None:
        """Contacts > Search by "Account Number". The search is a GET form, so its results have
        a stable address (the screen's own [permalink]); opening it skips the menu and the form,
        which matters because the menu ignores a click on the entry already selected."""
        web = self.web
        url = f"{self.lsmb.home_url}#/contact_reports.pl?action=search&meta_number={account}"
        if web.url == url:
            self.lsmb.reset()
        with web.replacing("main.pane"):
            web.goto(url)
        web.wait("contact.search.results")

    def showing(self, account: str) -> bool:
        """Whether the contact screen of this credit account is open."""
        return self.web.count("contact.credit.number") == 1 and self.web.value("contact.credit.number") == account

    def read(self, account: str) -> CreditAccount:
        web = self.web
        web.click("contact.tab.credit")
        web.wait("contact.credit.plan")
        shown = web.value("contact.credit.number")
        if shown != account:
            raise ScreenNotReached(f"ledgersmb: the contact screen shows account {shown!r}, not {account}")
        end = web.text("contact.credit.listed_end_date", account=account)
        web.click("contact.tab.notes")
        web.wait("contact.notes.subject")
        notes = tuple(zip(web.texts("contact.notes.contents"),
                          (t.removeprefix("Entered at:").strip().split(".")[0]
                           for t in web.texts("contact.notes.timestamps")), strict=True))
        web.click("contact.tab.credit")
        return CreditAccount(
            account=account,
            customer=web.text("contact.credit.listed_name", account=account),
            credit_id=web.value("contact.credit.id"),
            kind=web.text("contact.credit.listed_type", account=account),
            plan=web.text("contact.credit.plan_label"),
            end_date=dt.date.fromisoformat(end) if end else None,
            notes=notes,
        )

    def reload(self, account: str) -> CreditAccount:
        """Fetch the contact screen fresh from the server (the account's link in the list of
        credit accounts is a GET of contact.pl) and read it."""
        web = self.web
        web.click("contact.tab.credit")
        with web.replacing("main.pane"):
            web.click("contact.credit.listed_link", account=account)
        web.wait("contact.tabs")
        return self.read(account)

    # ------------------------------------------------------------------ writing
    def add_note(self, subject: str, text: str) -> None:
        """A note of class "Credit Account" on the open credit account."""
        web = self.web
        web.click("contact.tab.notes")
        web.fill("contact.notes.subject", subject)
        web.click("contact.notes.note_class")
        web.click("contact.notes.note_class_option", note_class="Credit Account")
        web.fill("contact.notes.text", text)
        self._save("contact.notes.save", "the note")

    def change_plan(self, plan: str, end_date: dt.date | None) -> None:
        """Pick ``plan`` and Save Changes. The form's End Date field is always drawn empty
        and saving it empty would reopen a closed account, so the listed date is typed back."""
        web = self.web
        web.click("contact.tab.credit")
        web.click("contact.credit.plan")
        web.click("contact.credit.plan_option", plan=plan)
        if web.text("contact.credit.plan_label") != plan:
            raise ApplicationError(f"ledgersmb: the Pricegroup list did not take {plan!r}")
        if end_date is not None:
            web.fill("contact.credit.end_date", end_date.isoformat())
            web.press("contact.credit.end_date", "Tab")
        self._save("contact.credit.save", "the credit account")

    def _save(self, button: str, what: str) -> None:
        with self.web.replacing("main.pane"):
            self.web.click(button)
        if self.web.wait_any("contact.tabs", "main.error") == "main.error":
            raise ApplicationError(f"ledgersmb: saving {what} answered with an error page")
