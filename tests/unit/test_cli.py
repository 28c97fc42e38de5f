"""The clerk command: configuration problems exit 2 with a message naming what to fix."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from clerk import ConfigError
from clerk._outcome import ItemResult, ItemStatus, RunReport
from clerk.cli import cli, main

INVOICES = [
    ["Vendor", "Invoice Number", "Invoice Date", "Due Date", "Amount", "Account", "Description"],
    ["Globex Telecom LLC", "INV-1", "2026-11-15", "2026-12-15", "123.45", "5780", "Phone bill"],
]


@pytest.fixture(autouse=True)
def _keep_signal_handlers() -> Iterator[None]:
    """``clerk run`` installs SIGINT/SIGTERM handlers; give pytest its own back."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


@pytest.fixture
def scratch_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Keep the ledger and recordings of these runs out of the checkout."""
    env = {"CLERK_CLERK__DATA_DIR": f'"{tmp_path / "var"}"',
           "CLERK_CLERK__RECORDINGS_DIR": f'"{tmp_path / "recordings"}"'}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def exit_of(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as done:
        main(argv)
    return done.value.code, capsys.readouterr().err  # type: ignore[return-value]


def test_a_missing_credential_names_the_variable(checkout, scratch_env, write_table, tmp_path: Path) -> None:
    invoices = write_table("invoices.csv", INVOICES)
    result = CliRunner().invoke(cli, ["--project", str(checkout), "run", "invoice_entry", "--input", str(invoices)],
                                env=scratch_env)
    assert isinstance(result.exception, ConfigError)
    assert "CLERK_LEDGERSMB_USER" in str(result.exception)
    assert result.exception.exit_code == 2
    assert not (tmp_path / "var").exists()  # nothing was started
    assert not invoices.with_name("invoices.results.xlsx").exists()


def test_main_exits_2_when_the_password_is_missing(checkout, scratch_env, write_table, capsys,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLERK_LEDGERSMB_USER", "admin")
    invoices = write_table("invoices.csv", INVOICES)
    code, err = exit_of(["--project", str(checkout), "run", "invoice_entry", "--input", str(invoices)], capsys)
    assert code == 2
    assert "error: no password for ledgersmb: set the environment variable CLERK_LEDGERSMB_PASSWORD" in err


def test_an_unknown_bot_exits_2_and_lists_the_known_ones(checkout, capsys) -> None:
    result = CliRunner().invoke(cli, ["--project", str(checkout), "run", "invoice_entyr"])
    assert isinstance(result.exception, ConfigError) and result.exception.exit_code == 2
    code, err = exit_of(["--project", str(checkout), "run", "invoice_entyr"], capsys)
    assert code == 2
    assert "no bot named 'invoice_entyr'" in err and "invoice_entry" in err


def test_a_config_error_in_the_files_exits_2(tmp_path: Path, capsys) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "default.toml").write_text('[web]\ntimeout_s = "soon"\n', encoding="utf-8")
    code, err = exit_of(["--project", str(tmp_path), "run", "invoice_entry"], capsys)
    assert code == 2 and "web.timeout_s must be a number of seconds" in err


def test_an_unusable_input_file_exits_1(checkout, scratch_env, tmp_path: Path, capsys) -> None:
    (tmp_path / "invoices.txt").write_text("nothing", encoding="utf-8")
    code, err = exit_of(["--project", str(checkout), "run", "invoice_entry", "--input",
                         str(tmp_path / "invoices.txt")], capsys)
    assert code == 1 and "not a spreadsheet" in err


@pytest.mark.parametrize("argv", [["run", "invoice_entry", "--limit", "0"], ["run"], ["no-such-command"]])
def test_usage_errors_exit_2(checkout, capsys, argv: list[str]) -> None:
    result = CliRunner().invoke(cli, ["--project", str(checkout), *argv])
    assert result.exit_code == 2
    code, err = exit_of(["--project", str(checkout), *argv], capsys)
    assert code == 2 and ("Usage:" in err or "Error:" in err)


@pytest.mark.parametrize(
    ("statuses", "stop_reason", "code"),
    [
        ([ItemStatus.DONE, ItemStatus.ALREADY_PRESENT], "", 0),
        ([ItemStatus.DONE, ItemStatus.PENDING], "", 0),  # --limit reached
        ([ItemStatus.READY], "", 0),
        ([ItemStatus.DONE, ItemStatus.INVALID], "", 1),
        ([ItemStatus.HELD, ItemStatus.INVALID], "", 1),
        ([ItemStatus.INVALID, ItemStatus.FAILED], "", 3),
        ([ItemStatus.DONE, ItemStatus.PENDING], "stopped by SIGINT", 4),
    ],
)
def test_the_run_outcome_is_the_exit_code(checkout, scratch_env, write_table, capsys, monkeypatch,
                                          statuses: list[ItemStatus], stop_reason: str, code: int) -> None:
    invoices = write_table("invoices.csv", INVOICES)

    def fake_run_bot(bot, settings, options, progress=None, stop=None) -> RunReport:
        assert bot.name == "invoice_entry" and options.input_path == invoices and options.limit == 5
        return RunReport(run_id="r1", bot=bot.name, input_path=invoices, output_path=invoices, recording_dir=invoices,
                         stop_reason=stop_reason,
                         results=[ItemResult(row=n, reference=None, status=s) for n, s in enumerate(statuses, 2)])

    monkeypatch.setattr("clerk._run.run_bot", fake_run_bot)
    assert exit_of(["--project", str(checkout), "run", "invoice_entry", "--input", str(invoices), "--limit", "5"],
                   capsys)[0] == code


def test_bots_lists_the_projects_bots(checkout) -> None:
    result = CliRunner().invoke(cli, ["--project", str(checkout), "bots"])
    assert result.exit_code == 0, result.output
    assert any(line.startswith("invoice_entry ") and "LedgerSMB" in line for line in result.output.splitlines())


def test_the_desktop_target_refuses_two_workers(checkout, scratch_env, write_table, capsys, tmp_path: Path) -> None:
    invoices = write_table("invoices.csv", INVOICES)
    code, err = exit_of(["--project", str(checkout), "run", "invoice_entry", "--target", "gnucash",
                         "--input", str(invoices), "--workers", "2"], capsys)
    assert code == 2
    assert "bot invoice_entry with target gnucash runs at most 1 session(s) at once" in err
    assert "one X display" in err and "--workers 2 refused" in err
    assert not (tmp_path / "var").exists() and not invoices.with_name("invoices.results.xlsx").exists()
