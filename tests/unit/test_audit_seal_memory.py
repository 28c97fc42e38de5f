"""Sealing streams the manifest's items: its memory does not hold the item list again.

Refusing a 300,000-row workbook peaked at about 1.5 GB, most of it while sealing, which
built the item list, a plain-JSON copy of it, its canonical bytes and its indented text
all at once.
"""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

from loguru import logger

from clerk._outcome import ItemResult, ItemStatus, RunReport
from clerk._recording import Recording
from clerk.audit import verify_run
from clerk.audit._seal import seal_run
from tests.audit_helpers import make_settings

ROWS = 30_000
RUN_ID = "20260101-120000-sealed"


def refused_results(rows: int) -> list[ItemResult]:
    return [ItemResult(row=row, reference=f"Nobody Trading Ltd|B-{row:07d}", status=ItemStatus.INVALID,
                       message=f"vendor: no vendor is named exactly 'Nobody Trading Ltd' (row {row})")
            for row in range(2, rows + 2)]


def test_sealing_a_large_run_needs_far_less_memory_than_its_results(tmp_path: Path) -> None:
    logger.remove()  # nothing to log; keeps the measurement to sealing
    settings = make_settings(tmp_path)
    recording = Recording(settings.recordings_dir / "invoice_entry" / RUN_ID)
    recording.write_manifest({"run_id": RUN_ID, "bot": "invoice_entry"})
    recording.events.write_text("", encoding="utf-8")
    report = RunReport(run_id=RUN_ID, bot="invoice_entry", input_path=tmp_path / "big.xlsx",
                       output_path=tmp_path / "big.results.xlsx", recording_dir=recording.folder)
    tracemalloc.start()
    try:
        report.results.extend(refused_results(ROWS))
        held = tracemalloc.get_traced_memory()[0]  # the engine's results, which sealing describes
        tracemalloc.reset_peak()
        assert seal_run(recording, report, settings)
        sealing = tracemalloc.get_traced_memory()[1] - held
    finally:
        tracemalloc.stop()
    assert sealing < held / 2, (sealing, held)  # once it was about three times the results

    manifest = json.loads(recording.manifest.read_text(encoding="utf-8"))
    assert [item["row"] for item in manifest["items"]] == list(range(2, ROWS + 2))
    assert manifest["items"][0] == {
        "key": "row-00002", "row": 2, "reference": "Nobody Trading Ltd|B-0000002", "status": "invalid",
        "app_ref": None, "message": "vendor: no vendor is named exactly 'Nobody Trading Ltd' (row 2)",
        "worker": "", "steps": [], "traces": []}
    assert verify_run(recording.folder).intact
