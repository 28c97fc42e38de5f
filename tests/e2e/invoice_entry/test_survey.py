"""One AP search before the first invoice tells the whole batch which invoices LedgerSMB
already has: one typed in by a person before the run is reported already_present, the
others are posted once, and no invoice is searched for on its own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.workbooks import read_results, write_workbook

from .conftest import ClerkRunner, ap_rows, invoice

pytestmark = pytest.mark.e2e


def test_one_search_finds_the_invoice_a_person_typed_in_and_the_rest_are_posted_once(
        clerk: ClerkRunner, prefix: str, tmp_path: Path) -> None:
    typed = write_workbook(tmp_path / "typed.xlsx", [invoice(prefix, 2)])
    person = clerk("run", "invoice_entry", "--input", str(typed),  # another machine, another ledger
                   extra_env={"CLERK_CLERK__DATA_DIR": str(tmp_path / "elsewhere")})
    assert person.returncode == 0, person.stdout + person.stderr
    [typed_in] = ap_rows(prefix)

    workbook = write_workbook(tmp_path / "batch.xlsx", [invoice(prefix, n) for n in (1, 2, 3)])
    batch = clerk("run", "invoice_entry", "--input", str(workbook))
    assert batch.returncode == 0, batch.stdout + batch.stderr
    results = read_results(tmp_path / "batch.results.xlsx")
    assert [r["status"] for r in results] == ["done", "already_present", "done"]
    assert int(results[1]["ledgersmb_id"]) == typed_in.id
    posted = ap_rows(prefix)
    assert [r.invnumber for r in posted] == [f"{prefix}{n:03d}" for n in (1, 2, 3)]
    assert posted[1] == typed_in
    assert [int(results[n]["ledgersmb_id"]) for n in (0, 2)] == [posted[0].id, posted[2].id]

    found_shots = Path(str(results[1]["screenshots"]))
    assert [p.name.split("-", 2)[2] for p in sorted(found_shots.glob("*.png"))] == ["found-existing.png"]
    events = [json.loads(line)["record"] for line in
              (found_shots.parent.parent / "events.jsonl").read_text(encoding="utf-8").splitlines()]
    messages = [event["message"] for event in events]
    assert "survey of ledgersmb: 3 of 3 item(s) covered, 1 already there" in messages
    steps = [(e["extra"]["item"], e["extra"]["audit_step"]["name"], e["extra"]["audit_step"]["url"])
             for e in events if e["extra"].get("audit") == "step"]
    assert [(item, name) for item, name, _ in steps] == [
        ("row-00003", "found existing"),  # on the survey's results
        ("row-00002", "form filled"), ("row-00002", "read back"),
        ("row-00004", "form filled"), ("row-00004", "read back"),  # from the posted screen
    ]
    assert "#ap.pl?action=add#" in steps[-1][2]  # the next form came without reloading LedgerSMB's shell


def test_a_number_with_characters_of_an_address_is_searched_as_typed(
        clerk: ClerkRunner, prefix: str, tmp_path: Path) -> None:
    # the survey opens the search results by their address: '&', '#', '+', '%' and a space must
    # reach LedgerSMB as part of the number, or the invoice a person typed is missed and posted twice
    number = f"{prefix}+&% #A01"  # the survey searches all but the last two characters
    row = [*invoice(prefix, 1)[:1], number, *invoice(prefix, 1)[2:]]
    typed = write_workbook(tmp_path / "typed.xlsx", [row])
    person = clerk("run", "invoice_entry", "--input", str(typed),
                   extra_env={"CLERK_CLERK__DATA_DIR": str(tmp_path / "elsewhere")})
    assert person.returncode == 0, person.stdout + person.stderr
    [typed_in] = ap_rows(prefix)
    assert typed_in.invnumber == number

    again = write_workbook(tmp_path / "again.xlsx", [row])
    batch = clerk("run", "invoice_entry", "--input", str(again))
    assert batch.returncode == 0, batch.stdout + batch.stderr
    [result] = read_results(tmp_path / "again.results.xlsx")
    assert (result["status"], int(result["ledgersmb_id"])) == ("already_present", typed_in.id)
    assert ap_rows(prefix) == [typed_in]
