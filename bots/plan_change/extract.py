"""Find the account number and the requested plan in a ticket's words.

Grounded in what billing knows rather than in phrase patterns, so the words may stand
anywhere, in English, Danish or Indonesian:

- a plan is any mention of a plan billing offers, in any spelling (plans.py). A mention
  introduced as the plan to change *from* ("from", "current plan", "fra", "nuværende",
  "dari", "saat ini") is set aside; every other one is the plan asked for.
- an account number is any number of the form billing's account numbers have (8 digits
  unless ``account_digits`` says otherwise) that the words before it do not introduce as
  something else: a phone number, an invoice, an order, a ticket, a CVR number... When
  there are several, billing is asked about those the words do not call an account, and
  one it lacks is set aside.

A request names exactly one of each. Two different ones of either kind make it
ambiguous, and the refusal names both: a bot must not pick one. A plan-like code that
billing does not offer is named as such.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from clerk import ConfigError

from .plans import Mention, PlanCatalogue


def _words(*words: str) -> re.Pattern[str]:
    """Any of ``words`` as whole words (several words may be split by any spacing), case ignored."""
    spelled = (r"\s+".join(re.escape(part) for part in word.split()) for word in words)
    return re.compile(r"(?<![^\W_])(?:" + "|".join(spelled) + r")(?![^\W_])", re.IGNORECASE)


_FROM_CUES = _words("from", "current", "currently", "existing", "old", "instead of",  # en
                    "fra", "nuværende", "eksisterende", "gamle", "i stedet for",  # da
                    "dari", "saat ini", "sekarang", "lama")  # id
_TO_CUES = _words("to", "onto", "into", "new", "requested", "wanted",  # en
                  "til", "ny", "nye", "ønsket", "ønskede",  # da
                  "ke", "baru", "diminta")  # id
_ACCOUNT_CUES = _words("account", "accounts", "acct", "a/c", "customer", "client",  # en
                       "konto", "kontonr", "kontonummer", "kunde", "kundenr", "kundenummer",  # da
                       "akun", "rekening", "pelanggan")  # id
_OTHER_CUES = _words("phone", "tel", "mobile", "fax", "invoice", "order", "ticket", "case", "ref", "reference",
                     "vat", "zip", "postcode", "iban",  # en
                     "telefon", "tlf", "mobil", "faktura", "fakturanr", "ordre", "ordrenr", "sag", "cvr",
                     "moms", "postnr",  # da
                     "telp", "hp", "wa", "whatsapp", "tagihan", "pesanan", "tiket", "npwp", "kode pos")  # id
_NAMED_ACCOUNT = re.compile(_ACCOUNT_CUES.pattern + r"[\s:#.]*(?:(?:number|numbers|no|nr|num|nummer|nomor)[\s:#.]*)?$",
                            re.IGNORECASE)  # "account no. " right before a number
_NUMBER = re.compile(r"(?<![^\W_])(?<!\d[.,])\d+(?![^\W_])(?![.,]\d)")
_LIST_GLUE = re.compile(r"[ \t,;/&+]+(?:(?:and|or|og|eller|dan|atau)[ \t,;/&+]+)?", re.IGNORECASE)
_PHONE_PREFIX = re.compile(r"\+\d{1,4}[ \t-]?$")
_CUE_REACH = 40  # characters before a number or a plan searched for the words that introduce it
_GRAVEST_FIRST = ("AMBIGUOUS_REQUEST", "NO_ACCOUNT", "BAD_ACCOUNT", "NO_PLAN", "UNKNOWN_PLAN")


@dataclass(frozen=True, slots=True)
class Refusal:
    code: str  # one of _GRAVEST_FIRST here; situation.py adds those found in billing
    reason: str  # one clause, no final period: it goes into "Plan change refused: <reason>."


@dataclass(frozen=True, slots=True)
class AccountForm:
    """How many digits billing's account numbers have (``[bots.plan_change] account_digits``:
    ``8``, or ``[6, 10]`` for a range)."""

    fewest: int = 8
    most: int = 8

    @classmethod
    def of(cls, settings: Mapping[str, Any]) -> AccountForm:
        """Raises:
            ConfigError: ``account_digits`` is neither a number nor a pair of numbers.
        """
        raw = settings.get("account_digits", 8)
        bounds = [raw] if isinstance(raw, int) else raw
        if not (isinstance(bounds, list) and len(bounds) in (1, 2)
                and all(isinstance(b, int) and not isinstance(b, bool) and 1 <= b <= 30 for b in bounds)
                and bounds[0] <= bounds[-1]):
            raise ConfigError(f"[bots.plan_change] account_digits must be a number of digits or a pair "
                              f"[fewest, most], not {raw!r}")
        return cls(fewest=bounds[0], most=bounds[-1])

    def fits(self, number: str) -> bool:
        return number.isdigit() and self.fewest <= len(number) <= self.most

    def describe(self) -> str:
        return f"{self.fewest} digits" if self.fewest == self.most else f"{self.fewest} to {self.most} digits"


@dataclass(frozen=True, slots=True)
class Request:
    """What a ticket asks for: the account number, and the plan as billing spells it.
    Empty strings mean "not found"; ``problems`` say why."""

    account: str
    plan: str
    problems: tuple[Refusal, ...] = ()

    def refusal(self, *, unless: tuple[str, ...] = ()) -> Refusal | None:
        """All problems but those coded ``unless`` as one refusal, coded by the gravest."""
        problems = [p for p in self.problems if p.code not in unless]
        if not problems:
            return None
        code = min((p.code for p in problems), key=_GRAVEST_FIRST.index)
        return Refusal(code, "; ".join(p.reason for p in problems))


def _last_cue(window: str, *cues: re.Pattern[str]) -> int | None:
    """Which of ``cues`` occurs last in ``window`` (its index), if any."""
    ends = [max((m.end() for m in cue.finditer(window)), default=-1) for cue in cues]
    best = max(range(len(cues)), key=lambda i: ends[i])
    return best if ends[best] >= 0 else None


def _window(text: str, start: int, since: int) -> str:
    """The words on ``start``'s line before it, back to ``since`` and at most _CUE_REACH characters."""
    line_start = text.rfind("\n", max(0, start - _CUE_REACH), start) + 1
    return text[max(line_start, since, start - _CUE_REACH):start]


def _wanted_plans(text: str, mentions: list[Mention]) -> tuple[list[Mention], list[Mention]]:
    """The mentions split into (asked for, changed from)."""
    wanted: list[Mention] = []
    former: list[Mention] = []
    since = 0
    for mention in mentions:
        window = _window(text, mention.start, since)
        (former if _last_cue(window, _TO_CUES, _FROM_CUES) == 1 else wanted).append(mention)
        since = mention.end
    return wanted, former


def _account_numbers(text: str, form: AccountForm, mentions: list[Mention]) -> tuple[dict[str, bool], list[str]]:
    """The numbers of the account form that nothing introduces as something else, each with
    whether the words call it an account ("account 40012345", "accounts 40012345 and
    40067890"); and the numbers of another length that the words call an account number."""
    fitting: dict[str, bool] = {}
    misfits: list[str] = []
    since, named_before = 0, False
    for match in _NUMBER.finditer(text):
        number = match.group()
        if (len(number) < 3 and not form.fits(number)) or any(m.start <= match.start() < m.end for m in mentions):
            continue
        window = _window(text, match.start(), since)
        listed = named_before and _LIST_GLUE.fullmatch(text, since, match.start()) is not None
        since = match.end()
        cue = _last_cue(window, _ACCOUNT_CUES, _OTHER_CUES)
        if cue == 1 or _PHONE_PREFIX.search(text, max(0, match.start() - 8), match.start()):
            named_before = False
            continue
        named = cue == 0 or listed
        if form.fits(number):
            fitting[number] = fitting.get(number, False) or named
        elif len(number) >= 3 and _NAMED_ACCOUNT.search(window):
            misfits.append(number)
        named_before = named
    return fitting, list(dict.fromkeys(misfits))


def _account_of(text: str, form: AccountForm, mentions: list[Mention],
                known: Callable[[str], bool] | None) -> tuple[str, Refusal | None]:
    found, misfits = _account_numbers(text, form, mentions)
    accounts = list(found)
    if len(accounts) > 1 and known is not None:
        # several numbers: one that only has the form, and that billing lacks, is something else
        accounts = [n for n in accounts if found[n] or known(n)] or accounts
    if len(accounts) > 1:
        return "", Refusal("AMBIGUOUS_REQUEST",
                           f"the request names several account numbers ({', '.join(accounts)})")
    if accounts:
        return accounts[0], None
    if misfits:
        return "", Refusal("BAD_ACCOUNT", f"account number {', '.join(misfits)} does not have the form of "
                                          f"billing's account numbers ({form.describe()})")
    return "", Refusal("NO_ACCOUNT", "the request names no account number")


def _plan_of(text: str, catalogue: PlanCatalogue, mentions: list[Mention]) -> tuple[str, Refusal | None]:
    wanted, former = _wanted_plans(text, mentions)
    offered = list(dict.fromkeys(m.plan for m in wanted if m.offered))
    if len(offered) > 1:
        return "", Refusal("AMBIGUOUS_REQUEST", f"the request names several plan codes ({', '.join(offered)})")
    if offered:
        return offered[0], None
    unknown = list(dict.fromkeys(m.plan for m in wanted))
    if unknown:
        return "", _not_offered(unknown, catalogue)
    if former:
        old = ", ".join(dict.fromkeys(m.plan for m in former))
        return "", Refusal("NO_PLAN", f"the request names no plan code to change to, only the plan to "
                                      f"change from ({old})")
    return "", Refusal("NO_PLAN", "the request names no plan code")


def _not_offered(codes: list[str], catalogue: PlanCatalogue) -> Refusal:
    named = (f"plan code {codes[0]} is" if len(codes) == 1 else f"plan codes {', '.join(codes)} are")
    return Refusal("UNKNOWN_PLAN", f"{named} not offered in billing (offered: {catalogue.describe()})")


def extract_request(text: str, catalogue: PlanCatalogue, form: AccountForm | None = None, *,
                    account: str = "", plan: str = "", known: Callable[[str], bool] | None = None) -> Request:
    """The account and plan a request names. Explicit values (columns of an export) win.

    ``known`` tells whether billing has an account number. It is asked only when a text
    holds several numbers of the account form, and only about those the words do not call
    an account: one billing lacks is set aside (a phone number in a signature, say).

    Example:
        >>> plans = PlanCatalogue(["BASIC-10", "BIZ-50", "PRO-100"])
        >>> extract_request("could you put account 40012345 on the biz 50 plan, please?", plans)
        Request(account='40012345', plan='BIZ-50', problems=())
    """
    form = form or AccountForm()
    mentions = catalogue.mentions(text)
    problems: list[Refusal] = []
    account = account.strip()
    if not account:
        account, problem = _account_of(text, form, mentions, known)
    elif not account.isdigit():
        problem = Refusal("BAD_ACCOUNT", f"the account number {account!r} is not a number")
    elif not form.fits(account):
        problem = Refusal("BAD_ACCOUNT", f"account number {account} does not have the form of billing's "
                                         f"account numbers ({form.describe()})")
    else:
        problem = None
    problems += [problem] if problem else []
    if plan.strip():
        resolved = catalogue.resolve(plan)
        problem = None if resolved else _not_offered([plan.strip().upper()], catalogue)
        plan = resolved or ""
    else:
        plan, problem = _plan_of(text, catalogue, mentions)
    problems += [problem] if problem else []
    return Request(account=account, plan=plan, problems=tuple(problems))
