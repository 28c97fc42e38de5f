"""The ticket-export reader and its column mapping, with plan_change's default formats (bots/plan_change/defaults.toml)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from clerk import ConfigError, InputFileError
from clerk._items import parse_items
from clerk.inputs import TicketFormat, read_ticket_export, ticket_formats
from clerk_bots.plan_change.model import SCHEMA, PlanTicket

CONFIG = Path(__file__).resolve().parents[2] / "bots" / "plan_change" / "defaults.toml"
RT_HEADER = ["id", "Subject", "Status", "QueueName", "Owner", "Priority", "Requestors", "CreatedRelative",
             "ToldRelative", "LastUpdatedRelative", "TimeLeft"]
JIRA_HEADER = ["Summary", "Issue key", "Issue id", "Status", "Description", "Custom field (Account number)",
               "Custom field (Plan code)"]
ZENDESK_HEADER = ["Id", "Requester", "Subject", "Status", "Description"]


@pytest.fixture(scope="module")
def formats() -> list[TicketFormat]:
    return ticket_formats(tomllib.loads(CONFIG.read_text())["bots"]["plan_change"]["exports"])


def tickets(table) -> list[PlanTicket]:  # a Table
    items = parse_items(table, SCHEMA, lambda t: t.label)
    assert all(item.valid for item in items), [item.problems for item in items]
    return [item.data for item in items if item.data]


def test_the_default_formats(formats: list[TicketFormat]) -> None:
    assert [(f.name, f.system) for f in formats] == [("rt", "RT"), ("jira", "Jira"), ("zendesk", "Zendesk")]
    assert formats[1].columns["ticket"] == ("Issue key",)


def test_rt_results_tsv_needs_only_the_ticket_id(formats, write_table) -> None:
    path = write_table("Results.tsv", [RT_HEADER, ["12", "Upgrade to Pro 100", "new", "PlanChanges", "Nobody",
                                                    "Low", "<j@example.org>", "5 min ago", "", "5 min ago", ""]])
    table = read_ticket_export(path, formats)
    assert table.columns == {"ticket": "id", "subject": "Subject"}
    [ticket] = tickets(table)
    assert ticket == PlanTicket(system="RT", ticket="12", subject="Upgrade to Pro 100", description="",
                                account="", plan="")
    assert ticket.in_rt and ticket.label == "RT ticket 12"


def test_jira_csv_with_description_or_explicit_columns(formats, write_table) -> None:
    path = write_table("jira.csv", [
        JIRA_HEADER,
        ["Downgrade", "OPS-7", "10007", "Open", "please downgrade account 40055501 to plan code BASIC-10", "", ""],
        ["Upgrade", "OPS-8", "10008", "Open", "", "40067890", "PRO-100"],
    ])
    first, second = tickets(read_ticket_export(path, formats))
    assert (first.system, first.ticket, first.label, first.in_rt) == ("Jira", "OPS-7", "Jira ticket OPS-7", False)
    assert first.description.startswith("please downgrade")
    assert (second.account, second.plan) == ("40067890", "PRO-100")


def test_zendesk_xlsx_is_told_apart_from_an_rt_export(formats, write_table) -> None:
    # "Id" is RT's "id" too, but only Zendesk's mapping has the Description column
    path = write_table("zendesk.xlsx", [ZENDESK_HEADER, [4512, "Ann", "Plan", "open", "acct 40012345 to BIZ-50"]])
    [ticket] = tickets(read_ticket_export(path, formats))
    assert (ticket.system, ticket.ticket) == ("Zendesk", "4512")  # a whole number, not "4512.0"


def test_a_tie_is_an_error_and_a_format_can_be_forced(formats, write_table) -> None:
    path = write_table("export.csv", [["Id", "Subject", "Text"], ["12", "Upgrade", "account 1 plan X-1"]])
    # rt: Id and Subject; mine: Id and Text. Two listed headers each
    mine = TicketFormat(name="mine", system="Mine", columns={"ticket": ("Id",), "description": ("Text",)})
    with pytest.raises(InputFileError, match=r"fits several ticket export formats equally well \(rt, mine\); "
                                              "choose one with the setting export_format"):
        read_ticket_export(path, [formats[0], mine])
    assert tickets(read_ticket_export(path, [formats[0], mine], choice="mine"))[0].system == "Mine"
    with pytest.raises(ConfigError, match="unknown ticket export format 'github'"):
        read_ticket_export(path, formats, choice="github")


def test_a_file_no_format_fits_names_what_is_missing(formats, write_table) -> None:
    path = write_table("odd.csv", [["Key", "Text"], ["A-1", "hello"]])
    with pytest.raises(InputFileError, match=r"no ticket export format fits its header row .*rt: no ticket id "
                                              r"column \('id' or '#' or 'ticket'\).*columns found: 'Key', 'Text'"):
        read_ticket_export(path, formats)
    jira = write_table("jira-no-text.csv", [["Issue key", "Summary"], ["OPS-1", "Upgrade"]])
    with pytest.raises(InputFileError, match="not a jira export: neither a description column"):
        read_ticket_export(jira, formats, choice="jira")


def test_empty_exports(formats, write_table) -> None:
    path = write_table("Results.tsv", [RT_HEADER])
    with pytest.raises(InputFileError, match="has a header row .* but no tickets"):
        read_ticket_export(path, formats)
    assert read_ticket_export(path, formats, allow_empty=True).rows == []  # an empty live queue


def test_an_rt_id_must_be_a_number(formats, write_table) -> None:
    path = write_table("Results.tsv", [["id", "Subject"], ["#14", "ok"], ["OPS-1", "not RT"]])
    items = parse_items(read_ticket_export(path, formats), SCHEMA, lambda t: t.label)
    assert items[0].data is not None and items[0].data.ticket == "14"
    assert [str(p) for p in items[1].problems] == ["Results.tsv row 3, column 'id': 'OPS-1' is not an RT ticket number"]


def test_format_configuration_errors() -> None:
    with pytest.raises(ConfigError, match="'system' must name the ticketing system"):
        ticket_formats({"mine": {"ticket": ["Key"]}})
    with pytest.raises(ConfigError, match=r"unknown key\(s\) body"):
        ticket_formats({"mine": {"system": "X", "body": ["Text"]}})
    with pytest.raises(ConfigError, match="ticket must be a list of header names"):
        ticket_formats({"mine": {"system": "X", "ticket": [1]}})
    assert ticket_formats({"mine": {"system": "X", "ticket": "Key"}})[0].columns["ticket"] == ("Key",)
