"""Bot parameters: each bot's own options on ``clerk run BOT``, with no special case in the CLI."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from clerk import ConfigError
from clerk.cli import cli, main


@pytest.fixture(autouse=True)
def _keep_signal_handlers() -> Iterator[None]:
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, Any]]:
    """The (bot, settings) a run would start with; the run itself stops there."""
    seen: list[tuple[Any, Any]] = []

    def record(bot: Any, settings: Any, *_args: Any, **_kwargs: Any) -> None:
        seen.append((bot, settings))
        raise ConfigError("stopped by the test")

    monkeypatch.setattr("clerk._run.run_bot", record)  # clerk run imports it when it runs
    return seen


def help_of(project: Path, bot: str) -> str:
    result = CliRunner().invoke(cli, ["--project", str(project), "run", bot, "--help"])
    assert result.exit_code == 0, result.output
    return result.output


def test_each_bot_shows_its_own_parameters(tmp_path: Path) -> None:
    plan_change, invoice_entry = help_of(tmp_path, "plan_change"), help_of(tmp_path, "invoice_entry")
    assert "--queue NAME" in plan_change and "--target" not in plan_change
    assert "--target APP" in invoice_entry and "ledgersmb, gnucash" in invoice_entry
    assert "--queue" not in invoice_entry
    for text in (plan_change, invoice_entry):
        assert "--input PATH" in text and "--dry-run" in text


def test_clerk_run_lists_the_bots(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--project", str(tmp_path), "run", "--help"])
    assert "invoice_entry" in result.output and "plan_change" in result.output


def test_another_bots_parameter_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--project", str(tmp_path), "run", "invoice_entry", "--queue", "PlanChanges"])
    assert done.value.code == 2
    assert "No such option '--queue'" in capsys.readouterr().err


def test_a_parameter_is_the_bots_setting_from_the_command_line(tmp_path: Path, started: list[Any]) -> None:
    CliRunner().invoke(cli, ["--project", str(tmp_path), "run", "plan_change", "--queue", "Escalations"])
    bot, settings = started[0]
    assert bot.name == "plan_change"
    assert settings.bot("plan_change")["queue"] == "Escalations"
    assert settings.sources["bots.plan_change.queue"] == "command line"


def test_without_the_option_the_configured_value_stays(tmp_path: Path, started: list[Any]) -> None:
    (tmp_path / "clerk.toml").write_text('[bots.plan_change]\nqueue = "Billing"\n', encoding="utf-8")
    CliRunner().invoke(cli, ["--project", str(tmp_path), "run", "plan_change"])
    assert started[0][1].bot("plan_change")["queue"] == "Billing"


def test_target_chooses_the_bot_variant(tmp_path: Path, started: list[Any]) -> None:
    CliRunner().invoke(cli, ["--project", str(tmp_path), "run", "invoice_entry", "--target", "gnucash"])
    assert started[0][0].ledger_key == "invoice_entry@gnucash"


def test_an_unknown_target_is_refused_by_the_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--project", str(tmp_path), "run", "invoice_entry", "--target", "sap"])
    assert done.value.code == 2
    assert "'sap' is not one of 'ledgersmb', 'gnucash'" in capsys.readouterr().err


def test_a_live_source_run_is_resumed_only_for_the_same_queue(make_bot, settings) -> None:
    import dataclasses

    from clerk import Param
    from clerk._run import _open_input
    from clerk._run_options import RunOptions

    bot = make_bot(live_source=lambda ctx: None, params=(Param(name="queue", help="the queue"),))
    labels = [_open_input(bot, RunOptions(), dataclasses.replace(settings, bots={"fake_entry": {"queue": q}}))[1]
              for q in ("PlanChanges", "Escalations")]
    assert labels == ["live:fake_entry:queue=PlanChanges", "live:fake_entry:queue=Escalations"]
