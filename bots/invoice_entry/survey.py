"""The run's survey of LedgerSMB: which invoices of the batch AP already has, in a few searches.

AP > Search matches any part of the invoice number, so invoice numbers that differ only in
their last characters (``INV-2026-0041``, ``INV-2026-0042``) are searched together by what
they share. The part searched for keeps all but ``SHARED_TAIL`` trailing characters and at
least ``MIN_PART`` characters, so one search lists at most about a hundred numbers of a
series rather than a whole ledger; a number with nothing to share is searched on its own.
Rows are then compared exactly (invoice number, and vendor ignoring case), as ``find`` does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from clerk import Found, RunContext, WorkItem

from ..apps.ledgersmb import LedgerSmb
from .model import Invoice
from .screens import ApRow, ApSearch

APP = "ledgersmb"
SHARED_TAIL = 2  # trailing characters that may differ within one search
MIN_PART = 6  # a shorter shared part would list too much of the ledger


def searches(numbers: Sequence[str]) -> dict[str, list[str]]:
    """The parts to search for, each with the invoice numbers its results cover."""
    groups: dict[str, list[str]] = defaultdict(list)
    for number in numbers:
        stem = number[:-SHARED_TAIL]
        groups[stem if len(stem) >= MIN_PART else number].append(number)
    return {part: sorted(set(covered)) for part, covered in groups.items()}


def matching(rows: Sequence[ApRow], invoice: Invoice) -> list[ApRow]:
    return [row for row in rows if row.invoice_number == invoice.number
            and row.vendor.strip().casefold() == invoice.vendor.strip().casefold()]


def survey(ctx: RunContext, items: Sequence[WorkItem[Invoice]]) -> dict[str, Found | None]:
    """For each item's reference, the AP transaction(s) it already has, or None."""
    search = ApSearch(ctx.app(LedgerSmb))
    invoices = [(item, item.data) for item in items if item.data is not None]
    verdicts: dict[str, Found | None] = {}
    for part, numbers in searches([invoice.number for _, invoice in invoices]).items():
        rows = search.containing(part)
        for item, invoice in invoices:
            if invoice.number not in numbers:
                continue
            matches = matching(rows, invoice)
            if matches:
                ctx.item_key = item.key  # the evidence goes with the item it shows
                ctx.snap("found existing", APP)
            verdicts[item.reference or ""] = _found(matches)
    return verdicts


def _found(matches: Sequence[ApRow]) -> Found | None:
    if not matches:
        return None
    ids = ", ".join(row.ap_id for row in matches)
    return Found(app_ref=matches[0].ap_id, detail=f"LedgerSMB transaction(s) {ids}")
