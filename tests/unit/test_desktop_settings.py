"""[apps.<name>] settings of a desktop application: how text goes in, how it is started again."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from clerk import ConfigError
from clerk.desktop import DesktopSettings
from clerk.desktop._launch import StartCommand


def test_text_outside_ascii_is_pasted_unless_configured_otherwise() -> None:
    assert DesktopSettings.from_app_settings({}).unicode_input == "clipboard"
    assert DesktopSettings.from_app_settings({"unicode_input": "xdotool"}).unicode_input == "xdotool"
    with pytest.raises(ConfigError, match="unicode_input must be one of clipboard, xdotool, gtk, got 'paste'"):
        DesktopSettings.from_app_settings({"unicode_input": "paste"})


def test_without_a_start_command_clerk_only_attaches() -> None:
    assert DesktopSettings.from_app_settings({}).start is None
    assert DesktopSettings.from_app_settings({"start_command": ""}).start is None


def test_a_start_command_is_split_like_a_shell_would_and_runs_in_the_project(monkeypatch: pytest.MonkeyPatch,
                                                                             tmp_path: Path) -> None:
    monkeypatch.setenv("CLERK_HOME", str(tmp_path))
    start = DesktopSettings.from_app_settings({"start_command": "bash 'sandbox/gnucash up.sh' --quiet",
                                               "start_timeout_s": 90}).start
    assert start == StartCommand(argv=("bash", "sandbox/gnucash up.sh", "--quiet"), timeout=dt.timedelta(seconds=90),
                                 cwd=tmp_path.resolve())
    listed = DesktopSettings.from_app_settings({"start_command": ["gnucash-up", "a b"]}).start
    assert listed is not None and listed.argv == ("gnucash-up", "a b")
    assert listed.timeout == dt.timedelta(seconds=120)


@pytest.mark.parametrize(("settings", "message"), [
    ({"start_command": 7}, "start_command must be a command line or a list of words, got 7"),
    ({"start_command": ["ok", 1]}, "start_command must be a command line or a list of words"),
    ({"start_command": "x", "start_timeout_s": 0}, "start_timeout_s must be a positive number of seconds, got 0"),
])
def test_a_malformed_start_command_is_a_config_error(settings: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        DesktopSettings.from_app_settings(settings)
