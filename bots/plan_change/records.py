"""The texts the bot leaves behind, and how it recognises them on a later run.

Every note in LedgerSMB and every comment in RT starts with the ticket's marker, e.g.
``[clerk plan_change RT ticket 12]``. A rerun reads the marker back from both
applications to learn what was already done, so nothing is written twice even when
the local ledger was lost or a run was killed halfway.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

NOTE_SUBJECT = "Plan change"
NO_PLAN = "(none)"


def marker(ticket_label: str) -> str:
    return f"[clerk plan_change {ticket_label}]"


def _plan(name: str) -> str:
    return name or NO_PLAN


def _flat(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------- LedgerSMB note
def note_text(ticket_label: str, account: str, old_plan: str, new_plan: str) -> str:
    """Written BEFORE the plan is saved: if a run dies in between, the next one knows
    the old plan and that the change is this ticket's."""
    return (f"{marker(ticket_label)} Plan change from {_plan(old_plan)} to {new_plan} "
            f"for account {account}, requested in {ticket_label}.")


@dataclass(frozen=True, slots=True)
class NoteRecord:
    old_plan: str  # "" when the account had none
    new_plan: str
    entered_at: str


def find_note(ticket_label: str, notes: list[tuple[str, str]]) -> NoteRecord | None:
    """Our note for this ticket among ``(text, entered_at)`` pairs, if there is one."""
    pattern = re.compile(re.escape(marker(ticket_label)) + r" Plan change from (.+?) to (.+?) for account ")
    for text, entered_at in notes:
        match = pattern.search(_flat(text))
        if match:
            old = "" if match.group(1) == NO_PLAN else match.group(1)
            return NoteRecord(old_plan=old, new_plan=match.group(2), entered_at=entered_at)
    return None


# ---------------------------------------------------------------- RT comment
class Kind(StrEnum):
    CHANGED = "changed"
    NO_CHANGE = "no_change"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the bot did for a ticket, as its RT comment says it."""

    kind: Kind
    summary: str  # for the results file: "40012345: BASIC-10 -> BIZ-50 (LedgerSMB credit account 9)"


def changed_comment(ticket_label: str, account: str, customer: str, old_plan: str, new_plan: str,
                    billing_ref: str) -> str:
    return (f"{marker(ticket_label)} Plan changed: account {account} ({customer}) moved from "
            f"{_plan(old_plan)} to {new_plan}.\nBilling reference: {billing_ref}.")


def no_change_comment(ticket_label: str, account: str, customer: str, plan: str, billing_ref: str) -> str:
    return (f"{marker(ticket_label)} No change needed: account {account} ({customer}) is already on "
            f"plan {plan}.\nBilling reference: {billing_ref} (not changed).")


def refusal_comment(ticket_label: str, reason: str) -> str:
    return (f"{marker(ticket_label)} Plan change refused: {reason}.\n"
            "Billing was not changed. The ticket stays open for a person to follow up.")


def change_summary(account: str, old_plan: str, new_plan: str, billing_ref: str) -> str:
    return f"{account}: {_plan(old_plan)} -> {new_plan} ({billing_ref})"


def no_change_summary(account: str, plan: str, billing_ref: str) -> str:
    return f"{account}: already {plan}, not changed ({billing_ref})"


_CHANGED = re.compile(r"Plan changed: account (\S+) \(.*?\) moved from (.+?) to (.+?)\. "
                      r"Billing reference: (.*?)\.?$")
_NO_CHANGE = re.compile(r"No change needed: account (\S+) \(.*?\) is already on plan (.+?)\. "
                        r"Billing reference: (.*?) \(not changed\)")
_REFUSED = re.compile(r"Plan change refused: (.*?)\. Billing was not changed")


def read_outcome(ticket_label: str, text: str) -> Outcome | None:
    """The outcome a comment of ours records; None when ``text`` is not one."""
    flat = _flat(text)
    mark = marker(ticket_label)
    if mark not in flat:
        return None
    rest = flat[flat.index(mark) + len(mark):].strip()
    if match := _CHANGED.match(rest):
        account, old, new, ref = match.groups()
        return Outcome(Kind.CHANGED, change_summary(account, "" if old == NO_PLAN else old, new, ref))
    if match := _NO_CHANGE.match(rest):
        account, plan, ref = match.groups()
        return Outcome(Kind.NO_CHANGE, no_change_summary(account, plan, ref))
    if match := _REFUSED.match(rest):
        return Outcome(Kind.REFUSED, match.group(1))
    return None


def same_text(written: str, shown: str) -> bool:
    """Whether ``shown`` (as an application displays it) holds ``written``, spacing aside."""
    return _flat(written) in _flat(shown)
