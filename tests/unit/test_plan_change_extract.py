"""Finding the account number and the plan code in a plan-change request."""

from __future__ import annotations

import pytest

from bots.plan_change.extract import Request, extract_request


@pytest.mark.parametrize(("text", "account", "plan"), [
    # the seeded RT tickets, subject first as the bot reads them
    (("Plan change request for account 40012345\nHello,\n\nPlease move our account to the Business 50 plan "
      "starting next billing cycle.\n\nAccount number: 40012345\nRequested plan code: BIZ-50\n\nThanks,\nMaria"),
     "40012345", "BIZ-50"),
    (("Upgrade to Pro 100\nHi support,\n\nAccount number: 40067890\nRequested plan code: PRO-100\n\n"
      "We need more bandwidth for the new office."), "40067890", "PRO-100"),
    ("Change plan - acct 40099911\nAccount number: 40099911\nRequested plan code: PRO-100\nReason: renewal",
     "40099911", "PRO-100"),
    # structured lines with other spellings
    ("Account No: 40012345\nNew plan: ent-500", "40012345", "ENT-500"),
    ("Account #40012345, plan code: BASIC-10", "40012345", "BASIC-10"),
])
def test_structured_requests(text: str, account: str, plan: str) -> None:
    assert extract_request(text) == Request(account=account, plan=plan)


@pytest.mark.parametrize(("text", "account", "plan"), [
    (("Downgrade request\nDear team,\n\nour usage has dropped, please downgrade account 40055501 to plan code "
      "BASIC-10.\n\nRegards"), "40055501", "BASIC-10"),
    ("please move acct 40099911 from BASIC-10 to PRO-100", "40099911", "PRO-100"),
    ("Upgrade a/c 40012345 to the BIZ-50 plan please", "40012345", "BIZ-50"),
    ("customer no. 40067890 wants plan PRO-100", "40067890", "PRO-100"),
])
def test_free_text_requests(text: str, account: str, plan: str) -> None:
    assert extract_request(text) == Request(account=account, plan=plan)


def test_the_labelled_line_wins_over_the_subject() -> None:
    # the subject names the old plan; the structured line names the requested one
    request = extract_request("Change from plan BASIC-10\nAccount number: 40012345\nRequested plan code: BIZ-50")
    assert (request.account, request.plan) == ("40012345", "BIZ-50")


def test_a_question_without_account_or_plan() -> None:
    request = extract_request("Question about my plan\nHello, I would like to change my plan but I do not know "
                              "my account number. Can you help?")
    assert not request.complete
    assert request.problems == ("the request names no account number", "the request names no plan code")


def test_a_plan_name_that_is_not_a_code_is_not_taken() -> None:
    request = extract_request("Upgrade to Pro 100\nAccount number: 40067890")
    assert request.account == "40067890" and request.plan == ""
    assert request.problems == ("the request names no plan code",)


def test_two_different_accounts_are_ambiguous() -> None:
    request = extract_request("Account number: 40012345\nAccount number: 40067890\nRequested plan code: BIZ-50")
    assert request.problems == ("the request names several account numbers (40012345, 40067890)",)


def test_the_same_account_twice_is_fine() -> None:
    request = extract_request("Plan change for account 40012345\nAccount number: 40012345\nplan code BIZ-50")
    assert request.complete and request.account == "40012345"


def test_explicit_columns_win_and_are_checked() -> None:
    assert extract_request("account 1111111 to plan code BASIC-10", account="40012345", plan="biz-50") == \
        Request(account="40012345", plan="BIZ-50")
    request = extract_request("", account="4001-2345", plan="BIZ-50")
    assert request.problems == ("the account number '4001-2345' is not a number",)
    assert extract_request("no plan here", account="40012345").problems == ("the request names no plan code",)
