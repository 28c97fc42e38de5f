"""The console's pages over the seeded ledger: filters, paging of a long run, item history."""

from __future__ import annotations

import re

from clerk._ledger import ItemState, Ledger, RunStatus
from tests.console.conftest import Seeded, sign_in


def _long_run(seeded: Seeded, size: int) -> str:
    ledger = Ledger(seeded.project / "var" / "ledger.sqlite3")
    try:
        run, _ = ledger.open_run("invoice_entry", str(seeded.project / "long.xlsx"), "long",
                                 seeded.project / "recordings" / "invoice_entry")
        for row in range(2, size + 2):
            reference = f"initech|L-{row:05d}"
            ledger.claim("invoice_entry", reference, run.id)
            state = ItemState.FAILED if row % 100 == 0 else ItemState.DONE
            ledger.settle("invoice_entry", reference, run.id, state, app_ref=str(row), message=state.value)
            ledger.record_result(run.id, row, reference=reference, status=state.value, app_ref=str(row),
                                 message=state.value)
        ledger.finish_run(run.id, RunStatus.COMPLETED, {"done": size - size // 100, "failed": size // 100})
        return run.id
    finally:
        ledger.close()


def _rows(html: str) -> list[int]:
    return [int(n) for n in re.findall(r"<tr class=\"[a-z]*\"><td>(\d+)</td>", html)]


def test_a_run_of_1000_items_opens_a_page_at_a_time(seeded: Seeded) -> None:
    run_id = _long_run(seeded, 1000)
    sign_in(seeded.client, "aud1")
    first = seeded.client.get(f"/runs/{run_id}").text
    assert _rows(first) == list(range(2, 52))
    assert "done 990" in first and "failed 10" in first and 'rel="next"' in first
    last = seeded.client.get(f"/runs/{run_id}?page=20").text
    assert _rows(last) == list(range(952, 1002)) and 'rel="next"' not in last and 'rel="prev"' in last
    failed = seeded.client.get(f"/runs/{run_id}?status=failed").text
    assert _rows(failed) == list(range(100, 1001, 100))


def test_runs_filter_by_bot_outcome_and_date(seeded: Seeded) -> None:
    sign_in(seeded.client, "aud1")
    assert seeded.run_id in seeded.client.get("/runs?outcome=failed_items").text
    assert seeded.run_id not in seeded.client.get("/runs?outcome=succeeded").text
    assert seeded.run_id not in seeded.client.get("/runs?bot=plan_change").text
    assert seeded.run_id not in seeded.client.get("/runs?date=2001-01-01").text
    assert seeded.run_id in seeded.client.get(f"/runs?date={seeded.run_id[:4]}-{seeded.run_id[4:6]}-{seeded.run_id[6:8]}").text
    overview = seeded.client.get("/").text
    assert overview.index(seeded.run_id) < overview.index("<h2>Jobs</h2>")  # last night's failures come first
    assert re.search(r'<td class="bad">1</td>', overview)  # its failed item is not resolved yet


def test_items_are_found_by_reference_or_application_id_with_their_history(seeded: Seeded) -> None:
    sign_in(seeded.client, "aud1")
    by_number = seeded.client.get("/items?q=demo-1002").text
    assert "Globex|DEMO-1002" in by_number and "Globex|DEMO-1001" not in by_number
    by_app_id = seeded.client.get("/items?q=71").text
    assert "Globex|DEMO-1001" in by_app_id and "Globex|DEMO-1002" not in by_app_id
    assert "DEMO-100" not in seeded.client.get("/items?q=%25").text  # LIKE wildcards are literal
    history = seeded.client.get("/items/invoice_entry/history", params={"ref": "Globex|DEMO-1002"}).text
    assert "(new)" in history and "in_progress" in history and "SELECTOR: &#39;ap.post&#39;" in history
    assert f"/files/{seeded.shot}" in history and 'loading="lazy"' in history


def test_the_export_zip_downloads_a_verified_run_only(seeded: Seeded) -> None:
    sign_in(seeded.client, "aud1")
    response = seeded.client.get(f"/runs/{seeded.run_id}/export.zip")
    assert response.status_code == 409 and "does not verify" in response.text  # never sealed: no manifest
