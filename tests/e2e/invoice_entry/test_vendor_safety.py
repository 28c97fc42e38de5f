"""LedgerSMB silently resolves a partial vendor name to some vendor; clerk never posts to it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.workbooks import read_results, write_workbook

from .conftest import ClerkRunner, ap_rows, invoice

pytestmark = pytest.mark.e2e


def test_partial_vendor_name_is_refused_and_never_posted(clerk: ClerkRunner, prefix: str, tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "partial.xlsx", [invoice(prefix, 1), invoice(prefix, 2, vendor="co")])

    strict = clerk("run", "invoice_entry", "--input", str(path))
    assert strict.returncode == 1
    assert "no LedgerSMB vendor is named exactly 'co' (LedgerSMB would pick 'Stark Utilities Co')" in strict.stderr
    assert ap_rows(prefix) == []

    lenient = clerk("run", "invoice_entry", "--input", str(path), "--skip-invalid")
    assert lenient.returncode == 1
    results = read_results(tmp_path / "partial.results.xlsx")
    assert [r["status"] for r in results] == ["done", "invalid"]
    evidence = sorted(p.name for p in Path(str(results[1]["screenshots"])).glob("*.png"))
    assert evidence and all(name.endswith("vendor-refused.png") for name in evidence)
    assert [(r.vendor, r.invnumber) for r in ap_rows(prefix)] == [("Globex Telecom LLC", f"{prefix}001")]
