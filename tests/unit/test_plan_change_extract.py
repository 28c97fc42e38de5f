"""Finding the account number and the plan in a plan-change request: a corpus of phrasings.

The catalogue is the sandbox billing's price groups, in the order its report lists them.
"""

from __future__ import annotations

import pytest

from clerk import ConfigError
from clerk_bots.plan_change.extract import AccountForm, Refusal, Request, extract_request
from clerk_bots.plan_change.plans import PlanCatalogue

PLANS = PlanCatalogue(["BASIC-10", "BIZ-50", "ENT-500", "PRO-100"])
OFFERED = "(offered: BASIC-10, BIZ-50, ENT-500, PRO-100)"

UNDERSTOOD = [
    # the seeded RT tickets, subject first as the bot reads them
    (("Plan change request for account 40012345\nHello,\n\nPlease move our account to the Business 50 plan "
      "starting next billing cycle.\n\nAccount number: 40012345\nRequested plan code: BIZ-50\n\nThanks,\nMaria"),
     "40012345", "BIZ-50"),
    (("Upgrade to Pro 100\nHi support,\n\nAccount number: 40067890\nRequested plan code: PRO-100\n\n"
      "We need more bandwidth for the new office."), "40067890", "PRO-100"),
    (("Downgrade request\nDear team,\n\nour usage has dropped, please downgrade account 40055501 to plan code "
      "BASIC-10.\n\nRegards"), "40055501", "BASIC-10"),
    ("Change plan - acct 40099911\nAccount number: 40099911\nRequested plan code: PRO-100\nReason: renewal",
     "40099911", "PRO-100"),
    # issue 15: plain requests that were refused
    ("Hi, please move acct 40067890 onto the PRO-100 plan from next month.", "40067890", "PRO-100"),
    ("could you put account 40012345 on the BIZ-50 plan, please?", "40012345", "BIZ-50"),
    # English, the words anywhere, the plan in any spelling
    ("Account No: 40012345\nNew plan: ent-500", "40012345", "ENT-500"),
    ("Account #40012345, plan code: BASIC-10", "40012345", "BASIC-10"),
    ("please move acct 40099911 from BASIC-10 to PRO-100", "40099911", "PRO-100"),
    ("Upgrade a/c 40012345 to the BIZ-50 plan please", "40012345", "BIZ-50"),
    ("customer no. 40067890 wants plan PRO-100", "40067890", "PRO-100"),
    ("Upgrade to Pro 100\nAccount number: 40067890", "40067890", "PRO-100"),
    ("PRO 100 for 40055501 please", "40055501", "PRO-100"),
    ("40012345 -> Biz50", "40012345", "BIZ-50"),
    ("We'd like ENT 500 on our account (40099911) starting 1 December.", "40099911", "ENT-500"),
    ("From: maria@northwind.example\nPlease downgrade us from Pro-100 to basic-10. Our account is 40055501.",
     "40055501", "BASIC-10"),
    ("Current plan: BASIC-10\nWanted plan: BIZ-50\nAccount: 40012345", "40012345", "BIZ-50"),
    ("Please change the plan for 40012345. New plan \u2013 PRO_100.", "40012345", "PRO-100"),
    ("account 40012345: switch to PRO-100 instead of BASIC-10", "40012345", "PRO-100"),
    ("Please call me on +45 20304050 about moving account 40012345 to BIZ-50", "40012345", "BIZ-50"),
    ("Invoice 10045678 was too high; please move account 40012345 to BASIC-10.", "40012345", "BASIC-10"),
    ("Account 40012345: upgrade to ENT-500 please (ticket ref 40099999)", "40012345", "ENT-500"),
    ("Change from plan BASIC-10\nAccount number: 40012345\nRequested plan code: BIZ-50", "40012345", "BIZ-50"),
    ("Plan change for account 40012345\nAccount number: 40012345\nplan code BIZ-50", "40012345", "BIZ-50"),
    ("Downgrade from PRO-100 to BASIC-10 for account 40055501, same as last year", "40055501", "BASIC-10"),
    ("the pro-100 plan, account 40012345, asap", "40012345", "PRO-100"),
    # Danish
    ("Hej, vil I flytte konto 40012345 til PRO-100 fra næste måned? Mvh Maria", "40012345", "PRO-100"),
    ("Vi ønsker at skifte fra BASIC-10 til BIZ-50-planen. Kontonummer: 40099911", "40099911", "BIZ-50"),
    ("Kundenummer 40055501 \u2013 nedgrader venligst til basic 10.", "40055501", "BASIC-10"),
    ("Nuværende abonnement: PRO-100\nØnsket abonnement: ENT-500\nKonto: 40067890", "40067890", "ENT-500"),
    ("Ring gerne på tlf. 20304050. Konto 40012345 skal over på Biz 50.", "40012345", "BIZ-50"),
    ("Skift venligst kontoen 40012345 til Pro100 pr. 1. januar", "40012345", "PRO-100"),
    ("Faktura 10099911 er betalt. Sæt konto 40099911 på ENT-500, tak.", "40099911", "ENT-500"),
    # Indonesian
    ("Mohon pindahkan akun 40067890 ke paket PRO-100 mulai bulan depan.", "40067890", "PRO-100"),
    ("Tolong ubah paket pelanggan 40012345 dari BASIC-10 ke BIZ-50. Terima kasih.", "40012345", "BIZ-50"),
    ("Nomor akun: 40055501\nPaket baru: ENT-500", "40055501", "ENT-500"),
    ("Paket saat ini BASIC-10, mohon upgrade ke Pro 100 untuk rekening 40099911.", "40099911", "PRO-100"),
    ("Halo, saya mau ganti ke paket biz-50. No. pelanggan 40012345, HP 081234567890.", "40012345", "BIZ-50"),
]

REFUSED = [
    ("Please switch accounts 40012345 and 40067890 to BIZ-50",
     Refusal("AMBIGUOUS_REQUEST", "the request names several account numbers (40012345, 40067890)")),
    ("Move account 40012345 to BIZ-50 or PRO-100, whichever is cheaper",
     Refusal("AMBIGUOUS_REQUEST", "the request names several plan codes (BIZ-50, PRO-100)")),
    (("Question about my plan\nHello, I would like to change my plan but I do not know my account number. "
      "Can you help?"),
     Refusal("NO_ACCOUNT", "the request names no account number; the request names no plan code")),
    ("Upgrade to gold\nAccount number: 40012345\nRequested plan code: GOLD-1",
     Refusal("UNKNOWN_PLAN", f"plan code GOLD-1 is not offered in billing {OFFERED}")),
    ("Please upgrade 40012345 to SILVER-5 or GOLD-1",
     Refusal("UNKNOWN_PLAN", f"plan codes SILVER-5, GOLD-1 are not offered in billing {OFFERED}")),
    ("Account 4001234 to PRO-100",
     Refusal("BAD_ACCOUNT", "account number 4001234 does not have the form of billing's account numbers "
                            "(8 digits)")),
    ("Please move account 40012345, we're currently on BASIC-10",
     Refusal("NO_PLAN", "the request names no plan code to change to, only the plan to change from (BASIC-10)")),
    ("Flyt venligst konto 40012345 og konto 40067890 til PRO-100",
     Refusal("AMBIGUOUS_REQUEST", "the request names several account numbers (40012345, 40067890)")),
    ("Mohon ganti akun 40012345 ke paket GOLD-1",
     Refusal("UNKNOWN_PLAN", f"plan code GOLD-1 is not offered in billing {OFFERED}")),
    ("Saya mau upgrade paket, tapi lupa nomor akun saya.",
     Refusal("NO_ACCOUNT", "the request names no account number; the request names no plan code")),
]


def test_the_corpus_is_large_enough() -> None:
    assert len(UNDERSTOOD) + len(REFUSED) >= 40


@pytest.mark.parametrize(("text", "account", "plan"), UNDERSTOOD)
def test_understood(text: str, account: str, plan: str) -> None:
    assert extract_request(text, PLANS) == Request(account=account, plan=plan)


@pytest.mark.parametrize(("text", "refusal"), REFUSED)
def test_refused_and_the_reason_names_what_was_found(text: str, refusal: Refusal) -> None:
    request = extract_request(text, PLANS)
    assert request.refusal() == refusal
    assert "" in (request.account, request.plan)


def test_a_plan_named_in_words_is_found_by_its_words() -> None:
    plans = PlanCatalogue(["BASIC-10", "Gold Plan", "Business 50"])
    assert extract_request("account 40012345 to the gold plan please", plans).plan == "Gold Plan"
    assert extract_request("Please move account 40012345 to Business 50", plans).plan == "Business 50"


def test_the_longer_of_two_overlapping_plan_names_wins() -> None:
    plans = PlanCatalogue(["PRO", "PRO-100", "PRO-1000"])
    assert [m.plan for m in plans.mentions("pro-1000, Pro 100 and pro")] == ["PRO-1000", "PRO-100", "PRO"]


def test_a_plan_is_not_found_inside_a_longer_word_or_number() -> None:
    assert [m.plan for m in PLANS.mentions("XPRO-100 PRO-1000 BIZ-500 biz-50x")] == \
        ["XPRO-100", "PRO-1000", "BIZ-500"]  # all plan-like, none offered
    assert not any(m.offered for m in PLANS.mentions("XPRO-100 PRO-1000 BIZ-500 biz-50x"))


def test_an_unknown_code_beside_an_offered_plan_is_not_a_second_plan() -> None:
    request = extract_request("Ref COVID-19 rules: move account 40012345 to BIZ-50", PLANS)
    assert request == Request(account="40012345", plan="BIZ-50")


def test_an_unknown_plan_with_an_unknown_account_names_the_account_first() -> None:
    request = extract_request("Please move us to GOLD-1", PLANS)
    assert request.refusal() == Refusal(
        "NO_ACCOUNT", f"the request names no account number; plan code GOLD-1 is not offered in billing {OFFERED}")
    assert request.refusal(unless=("UNKNOWN_PLAN",)) == Refusal("NO_ACCOUNT", "the request names no account number")


def test_no_plans_on_offer() -> None:
    request = extract_request("account 40012345 to PRO-100", PlanCatalogue([]))
    assert request.refusal() == Refusal("UNKNOWN_PLAN", "plan code PRO-100 is not offered in billing (offered: none)")


def test_explicit_columns_win_and_are_checked() -> None:
    assert extract_request("account 1111111 to plan code BASIC-10", PLANS, account="40012345", plan="biz 50") == \
        Request(account="40012345", plan="BIZ-50")
    request = extract_request("", PLANS, account="4001-2345", plan="BIZ-50")
    assert request.refusal() == Refusal("BAD_ACCOUNT", "the account number '4001-2345' is not a number")
    assert extract_request("no plan here", PLANS, account="40012345").refusal() == \
        Refusal("NO_PLAN", "the request names no plan code")
    assert extract_request("", PLANS, account="40012345", plan="gold-1").refusal() == \
        Refusal("UNKNOWN_PLAN", f"plan code GOLD-1 is not offered in billing {OFFERED}")


def test_the_account_form_comes_from_the_settings() -> None:
    form = AccountForm.of({"account_digits": [6, 10]})
    assert form.describe() == "6 to 10 digits"
    assert extract_request("account 400123 to PRO-100", PLANS, form).account == "400123"
    assert extract_request("account 400123 to PRO-100", PLANS).account == ""
    assert AccountForm.of({}) == AccountForm(fewest=8, most=8)
    for wrong in ("8", [10, 6], [0], True, [1, 2, 3]):
        with pytest.raises(ConfigError, match="account_digits"):
            AccountForm.of({"account_digits": wrong})


class Billing:
    """Which account numbers billing has, and which it was asked about."""

    def __init__(self, *accounts: str) -> None:
        self.accounts, self.asked = set(accounts), []

    def has(self, number: str) -> bool:
        self.asked.append(number)
        return number in self.accounts


SIGNED = "Move account 40012345 to PRO-100.\nRegards,\nSøren Hansen\nNorthwind Bakery\n20304050"


def test_a_number_billing_lacks_beside_an_account_is_set_aside() -> None:
    billing = Billing("40012345")
    assert extract_request(SIGNED, PLANS, known=billing.has) == Request(account="40012345", plan="PRO-100")
    assert billing.asked == ["20304050"]  # the number called an account is not looked up


def test_without_billing_such_a_number_makes_the_request_ambiguous() -> None:
    assert extract_request(SIGNED, PLANS).refusal() == Refusal(
        "AMBIGUOUS_REQUEST", "the request names several account numbers (40012345, 20304050)")


def test_one_account_needs_no_lookup() -> None:
    billing = Billing()
    assert extract_request("account 40012345 to PRO-100", PLANS, known=billing.has).account == "40012345"
    assert billing.asked == []


@pytest.mark.parametrize("text", [
    "Please switch accounts 40012345 and 49999999 to BIZ-50",
    "Flyt konto 40012345 og 49999999 til BIZ-50",
    "Pindahkan akun 40012345, 49999999 ke BIZ-50",
])
def test_numbers_listed_as_accounts_stay_though_billing_lacks_one(text: str) -> None:
    billing = Billing("40012345")
    assert extract_request(text, PLANS, known=billing.has).refusal() == Refusal(
        "AMBIGUOUS_REQUEST", "the request names several account numbers (40012345, 49999999)")
    assert billing.asked == []


def test_of_numbers_by_form_alone_the_one_billing_has_is_the_account() -> None:
    assert extract_request("40012345 / 40067890 to PRO-100", PLANS, known=Billing("40067890").has).account == \
        "40067890"
    assert extract_request("40012345 / 40067890 to PRO-100", PLANS, known=Billing().has).refusal() == Refusal(
        "AMBIGUOUS_REQUEST", "the request names several account numbers (40012345, 40067890)")
