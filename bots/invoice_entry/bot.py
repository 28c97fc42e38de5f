"""invoice_entry: vendor invoices from a workbook into LedgerSMB accounts payable.

Input: an .xlsx or .csv with vendor, invoice_number, invoice_date, due_date, amount,
account and description (see model.py). Each valid row becomes one AP transaction
(AP > Add Transaction, Update, Post), read back from the posted screen, which LedgerSMB
draws from its database. Before the first item, one AP search per series of invoice
numbers (survey.py) tells which are there already; ``find`` searches for one invoice.

Postconditions: exactly one AP transaction per vendor + invoice number, with the
workbook's dates, amount and expense account; the results workbook names its id.

Business errors (never retried): UNKNOWN_VENDOR, VENDOR_MISMATCH (LedgerSMB resolves
the name to a different vendor), UNKNOWN_ACCOUNT, and the row-level validation errors.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from clerk import App, ApplicationError, Bot, BusinessError, Found, Problem, RunContext, WorkItem

from ..apps.ledgersmb import LedgerSmb
from .model import SCHEMA, Invoice
from .screens import ApSearch, ApTransactionForm, PostedAp
from .survey import matching, survey

APP = "ledgersmb"


def _same_vendor(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def preflight(ctx: RunContext, items: Sequence[WorkItem[Invoice]]) -> Iterator[Problem]:
    """Every expense account and every vendor of the file must exist in LedgerSMB, by exact name."""
    lsmb = ctx.app(LedgerSmb)
    form = ApTransactionForm(lsmb)
    form.open()
    accounts = form.expense_accounts()
    offered = ", ".join(sorted(accounts))
    vendors: dict[str, str | None] = {}
    for item in items:
        invoice = item.data
        assert invoice is not None
        if invoice.account not in accounts:
            yield item.problem("account", f"{invoice.account!r} is not an expense account in LedgerSMB "
                                          f"(offered: {offered})")
        key = invoice.vendor.casefold()
        if key not in vendors:
            ctx.item_key = item.key  # the evidence of a refused vendor goes with its first row
            vendors[key] = _vendor_problem(ctx, form, invoice.vendor)
        if vendors[key]:
            yield item.problem("vendor", vendors[key] or "")


def _vendor_problem(ctx: RunContext, form: ApTransactionForm, vendor: str) -> str | None:
    """Type the vendor into the open form and press Update, as a person would check it."""
    try:
        shown = form.choose_vendor(vendor)
    except BusinessError as err:
        ctx.snap("vendor refused", APP)
        form.open()  # the error page replaced the form
        return str(err)
    if not _same_vendor(shown, vendor):
        ctx.snap("vendor refused", APP)
        return f"no LedgerSMB vendor is named exactly {vendor!r} (LedgerSMB would pick {shown!r})"
    return None


def find(ctx: RunContext, invoice: Invoice) -> Found | None:
    lsmb = ctx.app(LedgerSmb)
    matches = matching(ApSearch(lsmb).by_invoice_number(invoice.number), invoice)
    if not matches:
        return None
    ctx.snap("found existing", APP)
    ids = ", ".join(row.ap_id for row in matches)
    return Found(app_ref=matches[0].ap_id, detail=f"LedgerSMB transaction(s) {ids}")


def enter(ctx: RunContext, invoice: Invoice) -> str:
    lsmb = ctx.app(LedgerSmb)
    form = ApTransactionForm(lsmb)
    shown = form.open_with_vendor(invoice.vendor)
    if not _same_vendor(shown, invoice.vendor):
        ctx.snap("vendor mismatch", APP)
        raise BusinessError(f"LedgerSMB resolved {invoice.vendor!r} to {shown!r}; not posted",
                            code="VENDOR_MISMATCH", column="vendor")
    form.fill(invoice)
    ctx.snap("form filled", APP)
    posted_id = form.post()
    _read_back(form.posted(posted_id), invoice)
    ctx.snap("read back", APP)
    return posted_id


def _read_back(shown: PostedAp, invoice: Invoice) -> None:
    """The posted screen, which LedgerSMB draws from what it stored, must show the invoice as given."""
    got = (shown.invoice_number, shown.date, shown.due_date, shown.amount)
    wanted = (invoice.number, invoice.invoice_date.isoformat(), invoice.due_date.isoformat(), invoice.amount)
    if got != wanted or not _same_vendor(shown.vendor, invoice.vendor) or \
            not shown.account.startswith(f"{invoice.account}--"):
        raise ApplicationError(
            f"LedgerSMB id {shown.ap_id} reads back as vendor {shown.vendor!r}, invoice {shown.invoice_number!r}, "
            f"date {shown.date}, due {shown.due_date}, amount {shown.amount}, account {shown.account!r}; expected "
            f"{invoice.vendor!r}, {invoice.number!r}, {invoice.invoice_date}, {invoice.due_date}, {invoice.amount}, "
            f"{invoice.account}")


BOT = Bot(
    name="invoice_entry",
    description="Vendor invoices from a workbook into LedgerSMB accounts payable",
    apps={APP: App(session=LedgerSmb)},
    schema=SCHEMA,
    reference=lambda invoice: invoice.reference,
    find=find,
    survey=survey,
    enter=enter,
    preflight=preflight,
    app_ref_label="ledgersmb_id",
    targets={"gnucash": ".gnucash:BOT_GNUCASH"},
)
