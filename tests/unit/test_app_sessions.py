"""Sessions as typed classes: ``ctx.app(SomeApp)`` returns that class's session, and
DesktopApp carries the plumbing of a desktop application."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from clerk import App, AppEnv, ConfigError, RunContext
from clerk._run import run_bot
from clerk._run_options import RunOptions
from clerk.desktop import DesktopApp


class Till:
    """A session class of a desktop-kind application that needs no display."""

    def __init__(self, env: AppEnv) -> None:
        self.env = env
        self.started = False

    def start(self) -> None:
        self.started = True

    def reset(self) -> None: ...

    def screenshot(self, path: Path) -> None: ...

    def close(self) -> None: ...

    def ring(self, ref: str) -> str:
        return f"till-{ref}"


class Drawer(Till):
    pass


def run_with(make_bot, settings, write_table, enter: Any, **apps: App) -> Any:
    path = write_table("lines.csv", [["Reference", "Amount"], ["A-1", "1"]])
    bot = make_bot(apps=apps or {"till": App(session=Till, kind="desktop", login=False)}, enter=enter,
                   find=lambda ctx, line: None)
    return run_bot(bot, dataclasses.replace(settings, apps={"till": {}, "spare": {}}), RunOptions(input_path=path))


def test_ctx_app_by_class_returns_that_session(make_bot, settings, write_table) -> None:
    seen: list[Till] = []

    def enter(ctx: RunContext, line: Any) -> str:
        till = ctx.app(Till)  # typed: Till, no isinstance helper needed
        seen.append(till)
        assert ctx.app("till") is till  # by name, the same session
        return till.ring(line.ref)

    report = run_with(make_bot, settings, write_table, enter)
    assert [r.app_ref for r in report.results] == ["till-A-1"]
    assert seen[0].started and seen[0].env.name == "till"


def test_ctx_app_with_a_class_the_bot_does_not_declare_is_a_configuration_error(make_bot, settings,
                                                                               write_table) -> None:
    def enter(ctx: RunContext, line: Any) -> str:
        return ctx.app(Drawer).ring(line.ref)

    report = run_with(make_bot, settings, write_table, enter)
    assert report.exit_code == 2
    assert "declares no application(s) with the session Drawer (it declares till (Till)); ask by name" \
        in report.results[0].message


def test_two_applications_of_one_class_are_asked_for_by_name(make_bot, settings, write_table) -> None:
    def enter(ctx: RunContext, line: Any) -> str:
        return ctx.app(Till).ring(line.ref)

    apps = {"till": App(session=Till, kind="desktop", login=False), "spare": App(session=Till, kind="desktop",
                                                                                 login=False)}
    report = run_with(make_bot, settings, write_table, enter, **apps)
    assert "declares several application(s) with the session Till" in report.results[0].message


# ---------------------------------------------------------------------------- DesktopApp
SELECTORS = "app: kiosk\nselectors:\n  main: {window: \"Kiosk - {shop}\"}\n  main.home: {window: \"Kiosk - {shop}\"}\n"


class Kiosk(DesktopApp):
    running = ("main",)

    def __init__(self, env: AppEnv) -> None:
        self.shop = str(env.settings.get("shop", "north"))
        self.homes = 0
        super().__init__(env)

    def selector_params(self) -> dict[str, str]:
        return {"shop": self.shop}

    def go_home(self) -> None:
        self.homes += 1


def kiosk(tmp_path: Path, **settings: Any) -> Kiosk:
    (tmp_path / "kiosk.yaml").write_text(SELECTORS, encoding="utf-8")
    return Kiosk(AppEnv(name="kiosk", settings=settings, credentials=None, web=None, selectors_dir=tmp_path))


def test_a_desktop_app_checks_its_windows_before_going_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = kiosk(tmp_path, shop="south", display=":99")
    checked: list[tuple[str, ...]] = []
    monkeypatch.setattr(app.desktop, "preflight", lambda *names: checked.append(names))
    app.start()
    app.reset()
    assert checked == [("main",), ("main",)] and app.homes == 2
    assert app.desktop.params == {"shop": "south"}  # every lookup fills {shop} in window titles
    assert app.desktop.settings.display == ":99"
    assert app.setting("shop") == "south"
    with pytest.raises(ConfigError, match=r"\[apps.kiosk\] needs till_id"):
        app.setting("till_id")


def test_a_desktop_app_needs_its_selectors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"kiosk is a desktop application: it needs its selectors/kiosk.yaml"):
        Kiosk(AppEnv(name="kiosk", settings={}, credentials=None, web=None, selectors_dir=None))
