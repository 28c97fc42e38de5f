"""Text from data reaches the console as written: square brackets are not rich markup."""

from __future__ import annotations

import io
from pathlib import Path

from click.testing import CliRunner
from rich.console import Console

from clerk._ledger import ItemState, Ledger, RunStatus
from clerk._outcome import ItemResult, ItemStatus, RunReport
from clerk.cli import cli
from clerk.console import ProgressView, print_report

MESSAGE = "no [apps.formapp] section in the configuration; see [red]this[/]"


def console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=300, color_system=None), out


def test_a_failed_rows_message_keeps_its_brackets() -> None:
    screen, out = console()
    with ProgressView(screen) as view:
        view.started(1, resumed=False)
        view.advanced(ItemResult(row=2, reference="r", status=ItemStatus.FAILED, message=MESSAGE))
    assert f"row 2: failed: {MESSAGE}" in out.getvalue()


def test_the_summary_keeps_brackets_in_the_stop_reason_and_paths(tmp_path: Path) -> None:
    screen, out = console()
    folder = tmp_path / "[2026]"
    report = RunReport(run_id="r1", bot="[bot]", input_path=folder / "in.xlsx", output_path=folder / "out.xlsx",
                       recording_dir=folder, stop_reason=MESSAGE)
    print_report(report, screen)
    text = out.getvalue()
    assert "[bot] run r1" in text
    assert f"the run stopped early: {MESSAGE}" in text
    assert f"results workbook: {folder / 'out.xlsx'}" in text


def test_runs_show_keeps_brackets_in_messages(tmp_path: Path) -> None:
    (tmp_path / "clerk.toml").write_text("", encoding="utf-8")
    ledger = Ledger(tmp_path / "var" / "ledger.sqlite3")
    try:
        run, _ = ledger.open_run("formapp", "/in/[march].xlsx", "abc", tmp_path / "recordings")
        ledger.claim("formapp", "ref-1", run.id)
        ledger.settle("formapp", "ref-1", run.id, ItemState.FAILED, message=MESSAGE)
        ledger.record_result(run.id, 2, reference="ref-1", status="failed", app_ref=None, message=MESSAGE)
        ledger.finish_run(run.id, RunStatus.COMPLETED, {"failed": 1})
    finally:
        ledger.close()
    shown = CliRunner().invoke(cli, ["--project", str(tmp_path), "runs", "show", run.id], terminal_width=400)
    assert shown.exit_code == 0, shown.output
    assert "[apps.formapp]" in shown.output and "[march].xlsx" in shown.output
    listed = CliRunner().invoke(cli, ["--project", str(tmp_path), "runs", "list"])
    assert "[march].xlsx" in listed.output
