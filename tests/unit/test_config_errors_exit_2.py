"""A configuration problem is exit 2 wherever it shows: before the run, or only when an
application is first opened in the middle of an item."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from clerk import App, ConfigError
from clerk._config import load_settings
from clerk._run import run_bot
from clerk._run_options import RunOptions


def test_a_configuration_error_found_mid_item_stops_the_run_with_exit_2(make_bot, fake_app, settings,
                                                                       write_table) -> None:
    fake_app.enter_errors["A-1"] = [ConfigError("[apps.fake] needs url")]
    path = write_table("lines.csv", [["Reference", "Amount"], ["A-1", "1"], ["A-2", "2"]])
    report = run_bot(make_bot(), settings, RunOptions(input_path=path))
    assert [r.status.value for r in report.results] == ["failed", "pending"]
    assert report.stop_reason == "CONFIG: [apps.fake] needs url"
    assert report.exit_code == 2  # not 4: nothing is wrong with the application, the settings are


def test_without_a_browser_key_the_browser_is_the_clerk_default_not_a_descriptor(tmp_path: Path) -> None:
    (tmp_path / "clerk.toml").write_text("[web]\nheadless = false\n", encoding="utf-8")
    settings = load_settings(tmp_path, environ={})
    assert settings.web.browser == "/usr/bin/chromium"
    assert settings.sources["web.browser"] == "clerk defaults"


@pytest.mark.parametrize("value", ['""', "3"])
def test_a_browser_that_is_not_a_path_is_refused(tmp_path: Path, value: str) -> None:
    (tmp_path / "clerk.toml").write_text(f"[web]\nbrowser = {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="web.browser must be a non-empty text"):
        load_settings(tmp_path, environ={})


def test_a_missing_browser_stops_a_web_bot_before_any_item(make_bot, fake_app, settings, write_table) -> None:
    web_settings = dataclasses.replace(settings, web=dataclasses.replace(settings.web, browser="/nowhere/chromium"))
    bot = make_bot(apps={"fake": App(session=fake_app.open_session, kind="web", login=False)})
    path = write_table("lines.csv", [["Reference", "Amount"], ["A-1", "1"]])
    with pytest.raises(ConfigError, match=r"browser /nowhere/chromium not found \(web.browser\)") as caught:
        run_bot(bot, web_settings, RunOptions(input_path=path))
    assert caught.value.exit_code == 2
    assert fake_app.calls == []  # no item was touched
