"""Find the account number and the requested plan code in a ticket's words.

Requests come as structured lines (``Account number: 40012345`` / ``Requested plan code:
BIZ-50``) or as free text ("please downgrade account 40055501 to plan code BASIC-10").
Patterns are tried from the most explicit to the loosest, and the first kind that
matches decides. Two different values of the same kind make the request ambiguous:
a bot must not pick one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CODE = r"([A-Za-z][A-Za-z0-9]*-\d+)"
_NUMBER = r"(\d{5,12})"

# the first tier that finds anything decides
_ACCOUNT_TIERS = (
    re.compile(r"\baccount\s+(?:number|no\.?|num(?:ber)?|#)\s*[:#]?\s*" + _NUMBER + r"\b", re.IGNORECASE),
    re.compile(r"\b(?:account|acct\.?|a/c)\s*[:#]?\s*" + _NUMBER + r"\b", re.IGNORECASE),
    re.compile(r"\b(?:customer|client)\s+(?:number|no\.?|#)\s*[:#]?\s*" + _NUMBER + r"\b", re.IGNORECASE),
)
_PLAN_TIERS = (
    re.compile(r"\b(?:requested|new)\s+plan(?:\s+code)?\s*[:#]\s*" + _CODE + r"\b", re.IGNORECASE),
    re.compile(r"\bto\s+(?:the\s+)?(?:plan(?:\s+code)?\s+)?" + _CODE + r"\b", re.IGNORECASE),
    re.compile(r"\bplan\s+code\s*[:#]?\s*" + _CODE + r"\b", re.IGNORECASE),
    re.compile(r"\bplan\s*[:#]?\s*" + _CODE + r"\b", re.IGNORECASE),
)


@dataclass(frozen=True, slots=True)
class Request:
    """What a ticket asks for. Empty strings mean "not found"; ``problems`` say why."""

    account: str
    plan: str
    problems: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return bool(self.account and self.plan) and not self.problems


def _first_tier(tiers: tuple[re.Pattern[str], ...], text: str, *, upper: bool = False) -> list[str]:
    for pattern in tiers:
        found: list[str] = []
        for match in pattern.finditer(text):
            value = match.group(1).upper() if upper else match.group(1)
            if value not in found:
                found.append(value)
        if found:
            return found
    return []


def extract_request(text: str, *, account: str = "", plan: str = "") -> Request:
    """The account and plan a request names. Explicit values (columns of an export) win.

    Example:
        >>> extract_request("please downgrade account 40055501 to plan code BASIC-10")
        Request(account='40055501', plan='BASIC-10', problems=())
    """
    problems = []
    account = account.strip()
    plan = plan.strip().upper()
    if not account:
        accounts = _first_tier(_ACCOUNT_TIERS, text)
        if len(accounts) > 1:
            problems.append(f"the request names several account numbers ({', '.join(accounts)})")
        elif accounts:
            account = accounts[0]
        else:
            problems.append("the request names no account number")
    elif not re.fullmatch(r"\d{1,20}", account):
        problems.append(f"the account number {account!r} is not a number")
    if not plan:
        plans = _first_tier(_PLAN_TIERS, text, upper=True)
        if len(plans) > 1:
            problems.append(f"the request names several plan codes ({', '.join(plans)})")
        elif plans:
            plan = plans[0]
        else:
            problems.append("the request names no plan code")
    return Request(account=account, plan=plan, problems=tuple(problems))
