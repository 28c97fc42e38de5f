"""``clerk selectors check APP`` against the sandbox's real LedgerSMB and RT (read-only: it
opens screens and counts matches). The shipped files pass; a copy of rt.yaml with a renamed,
an over-broad and a drifted selector is reported as such."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from clerk._config import load_settings
from clerk.botkit._live import check_live
from clerk.cli import cli

pytestmark = pytest.mark.e2e

SANDBOX_ENV = {"CLERK_LEDGERSMB_USER": "admin", "CLERK_LEDGERSMB_PASSWORD": "Admin123!",
               "CLERK_RT_USER": "agent", "CLERK_RT_PASSWORD": "Agent123!"}


@pytest.fixture(autouse=True)
def _sandbox_logins(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SANDBOX_ENV.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("app", ["ledgersmb", "rt"])
def test_every_declared_selector_of_the_shipped_files_is_found(checkout: Path, app: str) -> None:
    result = CliRunner().invoke(cli, ["--project", str(checkout), "selectors", "check", app])
    assert result.exit_code == 0, result.output
    assert "0 problem(s)" in result.output
    assert "screen login" in result.output and "missing" not in result.output


def test_a_renamed_an_ambiguous_and_a_drifted_selector_are_each_named(checkout: Path, tmp_path: Path) -> None:
    data = yaml.safe_load((checkout / "bots" / "selectors" / "rt.yaml").read_text(encoding="utf-8"))
    data["selectors"]["ticket.status"] = {"css": ".ticket-info-basics .status .value .the-current-value"}
    data["selectors"]["ticket.link"] = {"css": "#body a"}
    data["selectors"]["ticket.heading"] = [{"css": "#header h1.renamed"}, {"css": "#header h1"}]
    data["screens"]["ticket"]["names"].append("ticket.link")
    data["screens"]["ticket"]["ready"] = "ticket.history"
    (tmp_path / "rt.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    settings = load_settings(checkout, {"clerk.selectors_dir": str(tmp_path)})  # an override: searched first

    verdicts = {f.name: (f.verdict, f.detail) for f in check_live("rt", settings) if f.screen == "ticket"}
    assert verdicts["ticket.status"] == ("missing", "nothing matches")
    assert verdicts["ticket.link"][0] == "ambiguous" and verdicts["ticket.link"][1].endswith("one was expected")
    assert verdicts["ticket.heading"] == ("drifted", "only fallback 1 matches; update the file")
    assert verdicts["ticket.history"] == ("found", "")
