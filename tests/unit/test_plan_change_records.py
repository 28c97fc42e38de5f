"""The marks plan_change leaves in RT and LedgerSMB, and the decisions it takes from them."""

from __future__ import annotations

import datetime as dt

import pytest

from clerk import BusinessError
from clerk_bots.plan_change import records
from clerk_bots.plan_change.billing_screens import CreditAccount
from clerk_bots.plan_change.extract import Refusal, Request
from clerk_bots.plan_change.model import PlanTicket
from clerk_bots.plan_change.rt_screens import TicketView, Transaction
from clerk_bots.plan_change.situation import Billing, assess_billing, rt_record, settled_in_rt

TICKET = PlanTicket(system="RT", ticket="12", subject="Upgrade", description="", account="", plan="")
LABEL = TICKET.label
TODAY = dt.date(2026, 11, 23)


def test_labels_and_markers_name_the_system() -> None:
    assert LABEL == "RT ticket 12"
    assert records.marker(LABEL) == "[clerk plan_change RT ticket 12]"
    jira = PlanTicket(system="Jira", ticket="OPS-7", subject="", description="", account="", plan="")
    assert not jira.in_rt and records.marker(jira.label) == "[clerk plan_change Jira ticket OPS-7]"


def test_a_ticket_marker_is_not_found_in_a_longer_ticket_number() -> None:
    note = records.note_text("RT ticket 123", "40012345", "BASIC-10", "BIZ-50")
    assert records.find_note("RT ticket 12", [(note, "2026-11-23 10:00:00")]) is None
    assert records.find_note("RT ticket 123", [(note, "2026-11-23 10:00:00")]) == \
        records.NoteRecord(old_plan="BASIC-10", new_plan="BIZ-50", entered_at="2026-11-23 10:00:00")


def test_a_note_for_an_account_without_a_plan() -> None:
    note = records.note_text(LABEL, "40012345", "", "BIZ-50")
    assert "from (none) to BIZ-50" in note
    assert records.find_note(LABEL, [("other note", "x"), (note, "t")]) == records.NoteRecord("", "BIZ-50", "t")


def test_a_plan_named_in_words_reads_back_whole() -> None:
    note = records.note_text(LABEL, "40012345", "Gold Plan", "Business 50")
    assert records.find_note(LABEL, [(note, "t")]) == records.NoteRecord("Gold Plan", "Business 50", "t")
    changed = records.changed_comment(LABEL, "40012345", "N", "Gold Plan", "Business 50", "ref")
    assert records.read_outcome(LABEL, changed) == records.Outcome(
        records.Kind.CHANGED, "40012345: Gold Plan -> Business 50 (ref)")
    same = records.no_change_comment(LABEL, "40012345", "N", "Business 50", "ref")
    assert records.read_outcome(LABEL, same) == records.Outcome(
        records.Kind.NO_CHANGE, "40012345: already Business 50, not changed (ref)")


@pytest.mark.parametrize(("comment", "kind", "summary"), [
    (records.changed_comment(LABEL, "40012345", "Northwind Bakery LLC", "BASIC-10", "BIZ-50",
                             "LedgerSMB credit account 6, note of 2026-11-23 10:34:20"),
     records.Kind.CHANGED, "40012345: BASIC-10 -> BIZ-50 (LedgerSMB credit account 6, note of 2026-11-23 10:34:20)"),
    (records.no_change_comment(LABEL, "40012345", "Northwind (Bakery) LLC", "BIZ-50", "LedgerSMB credit account 6"),
     records.Kind.NO_CHANGE, "40012345: already BIZ-50, not changed (LedgerSMB credit account 6)"),
    (records.refusal_comment(LABEL, "account 40011111 is closed (end date 2025-06-30)"),
     records.Kind.REFUSED, "account 40011111 is closed (end date 2025-06-30)"),
])
def test_comments_read_back_as_what_they_record(comment: str, kind: records.Kind, summary: str) -> None:
    # RT shows the comment as HTML paragraphs: line breaks and non-breaking spaces differ
    shown = comment.replace("\n", "\n\n\xa0\n")
    assert records.read_outcome(LABEL, shown) == records.Outcome(kind, summary)
    assert records.read_outcome("RT ticket 13", shown) is None
    assert records.same_text(comment, shown)


# ---------------------------------------------------------------------- RT state
def view(status: str, *transactions: tuple[str, str]) -> TicketView:
    return TicketView(id=12, subject="Upgrade", status=status,
                      transactions=tuple(Transaction(id=n, kind=k, body=b)
                                         for n, (k, b) in enumerate(transactions, start=1)))


CREATED = ("create", "Account number: 40012345\nRequested plan code: BIZ-50")
CHANGED = ("comment", records.changed_comment(LABEL, "40012345", "N", "BASIC-10", "BIZ-50", "ref"))
REFUSED = ("comment", records.refusal_comment(LABEL, "the request names no plan code"))


def test_a_new_ticket_is_not_settled() -> None:
    shown = view("new", CREATED, ("other", ""))
    assert rt_record(TICKET, shown) is None
    assert settled_in_rt(TICKET, shown, None) is None


def test_our_comment_and_the_resolve_settle_it() -> None:
    shown = view("resolved", CREATED, CHANGED, ("status", ""))
    record = rt_record(TICKET, shown)
    assert record is not None and settled_in_rt(TICKET, shown, record) == record


def test_our_comment_without_the_status_change_is_finished() -> None:
    shown = view("open", CREATED, CHANGED)
    assert settled_in_rt(TICKET, shown, rt_record(TICKET, shown)) is None


def test_a_person_reopening_after_us_is_left_alone() -> None:
    shown = view("open", CREATED, CHANGED, ("status", ""), ("status", ""))
    assert settled_in_rt(TICKET, shown, rt_record(TICKET, shown)) is not None


def test_a_standing_refusal_is_not_repeated() -> None:
    shown = view("open", CREATED, REFUSED, ("status", ""))
    with pytest.raises(BusinessError, match="refused earlier and already commented in RT") as err:
        settled_in_rt(TICKET, shown, rt_record(TICKET, shown))
    assert err.value.code == "ALREADY_REFUSED"


def test_a_refusal_answered_by_the_requestor_is_worked_again() -> None:
    shown = view("open", CREATED, REFUSED, ("correspond", "Sorry: plan code BIZ-50"))
    assert settled_in_rt(TICKET, shown, rt_record(TICKET, shown)) is None
    assert "plan code BIZ-50" in shown.request_text()


def test_a_closed_ticket_that_was_never_ours_is_not_worked() -> None:
    shown = view("resolved", CREATED)
    with pytest.raises(BusinessError, match="RT ticket 12 is resolved") as err:
        settled_in_rt(TICKET, shown, None)
    assert err.value.code == "RT_TICKET_NOT_OPEN"


# ---------------------------------------------------------------------- billing state
class FakeContacts:
    def __init__(self, account: CreditAccount | None) -> None:
        self.account = account

    def open_account(self, number: str) -> CreditAccount | None:
        return self.account if self.account and self.account.account == number else None


def account(plan: str = "BASIC-10", *, kind: str = "Customer", end: dt.date | None = None,
            notes: tuple[tuple[str, str], ...] = ()) -> CreditAccount:
    return CreditAccount(account="40012345", customer="N", credit_id="6", kind=kind, plan=plan, end_date=end,
                         notes=notes)


BIZ_50 = Request("40012345", "BIZ-50")
GOLD_1 = Refusal("UNKNOWN_PLAN", "plan code GOLD-1 is not offered in billing (offered: BASIC-10, BIZ-50)")


def assess(contacts: FakeContacts, request: Request = BIZ_50):  # a Situation
    return assess_billing(contacts, TICKET, request, TODAY)  # type: ignore[arg-type]


def test_billing_decisions() -> None:
    assert assess(FakeContacts(account())).billing is Billing.CHANGE
    assert assess(FakeContacts(account("BIZ-50"))).billing is Billing.NO_CHANGE
    assert assess(FakeContacts(account(end=TODAY))).billing is Billing.CHANGE  # ends today: still open


@pytest.mark.parametrize(("contacts", "request_", "code", "reason"), [
    (FakeContacts(account()), Request("", "BIZ-50", (Refusal("NO_ACCOUNT", "the request names no account number"),)),
     "NO_ACCOUNT", "the request names no account number"),
    (FakeContacts(None), Request("40012345", "BIZ-50"), "UNKNOWN_ACCOUNT",
     "billing has no customer with the account number 40012345"),
    (FakeContacts(account(kind="Vendor")), Request("40012345", "BIZ-50"), "UNKNOWN_ACCOUNT",
     "billing has only a vendor account with the account number 40012345"),
    (FakeContacts(account(end=dt.date(2025, 6, 30))), Request("40012345", "BIZ-50"), "ACCOUNT_CLOSED",
     "account 40012345 is closed (end date 2025-06-30)"),
    (FakeContacts(account()), Request("40012345", "", (GOLD_1,)), "UNKNOWN_PLAN", GOLD_1.reason),
    # an unknown plan is refused only for an open customer account: the account's problem comes first
    (FakeContacts(None), Request("40012345", "", (GOLD_1,)), "UNKNOWN_ACCOUNT",
     "billing has no customer with the account number 40012345"),
    (FakeContacts(account(end=dt.date(2025, 6, 30))), Request("40012345", "", (GOLD_1,)), "ACCOUNT_CLOSED",
     "account 40012345 is closed (end date 2025-06-30)"),
])
def test_refusals(contacts: FakeContacts, request_: Request, code: str, reason: str) -> None:
    refusal = assess(contacts, request_).refusal
    assert refusal is not None and (refusal.code, refusal.reason) == (code, reason)


def test_our_note_tells_how_far_an_earlier_run_got() -> None:
    note = ((records.note_text(LABEL, "40012345", "BASIC-10", "BIZ-50"), "2026-11-23 10:00:00"),)
    assert assess(FakeContacts(account("BASIC-10", notes=note))).billing is Billing.SAVE_ONLY
    done = assess(FakeContacts(account("BIZ-50", notes=note)))
    assert done.billing is Billing.DONE and done.note is not None and done.note.old_plan == "BASIC-10"
    with pytest.raises(BusinessError, match="someone changed it since") as err:
        assess(FakeContacts(account("ENT-500", notes=note)))
    assert err.value.code == "PLAN_CHANGED_MEANWHILE"
