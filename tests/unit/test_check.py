"""``clerk check``: a bot's misspelt selector name, missing [apps.X] section or credential, or a
malformed selector file is found before any application is touched."""

from __future__ import annotations

import dataclasses
import importlib
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from clerk._config import Settings
from clerk.botkit._check import check_bot, source_files
from clerk.botkit._names import used_names
from clerk.cli import cli

SCREENS = '''
from clerk import RunContext


def buy(ctx: RunContext, item: str) -> str:
    web = ctx.app("shop").web
    web.fill("cart.quantity", item)
    web.wait_any("cart.done", "cart.eror")
    web.evaluate("el => el.value", on="cart.total")
    web.click(f"menu.{item}")            # built at run time: not seen
    item.split("a.b")                    # not a selector-taking method: not a name
    return web.text("cart.total")
'''

BOT = '''
from clerk import App, Bot, ItemSchema
from {package}.screens import buy


class Shop:
    def __init__(self, env):
        self.web = env.web

    def start(self):
        self.web.fill("login.user", "x")

    def reset(self): ...
    def screenshot(self, path): ...
    def close(self): ...


BOT = Bot(name="shop", description="a shop", apps={{"shop": App(session=Shop)}},
          schema=ItemSchema(columns={{}}, required=(), parse=lambda row: ""), reference=str, enter=buy)
'''

SELECTORS = """
selectors:
  login.user:    {css: "#user"}
  cart.quantity: {label: Quantity}
  cart.done:     {text: Thank you}
  cart.total:    {css: "#total"}
"""


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Any]:
    """A bot package outside the project, under a unique top-level name."""
    package = f"shop_{uuid.uuid4().hex[:8]}"
    folder = tmp_path / "src" / package
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text("")
    (folder / "screens.py").write_text(SCREENS)
    (folder / "bot.py").write_text(BOT.format(package=package))
    (folder / "unused.py").write_text('def other(web):\n    web.click("other.target")\n')
    sys.path.insert(0, str(tmp_path / "src"))
    try:
        yield importlib.import_module(f"{package}.bot").BOT
    finally:
        sys.path.remove(str(tmp_path / "src"))


@pytest.fixture
def shop_settings(settings: Settings, tmp_path: Path) -> Settings:
    folder = tmp_path / "selectors"
    folder.mkdir(exist_ok=True)
    (folder / "shop.yaml").write_text(SELECTORS)
    return dataclasses.replace(settings, selectors_dir=folder, apps={"shop": {"url": "http://shop.test"}})


CREDENTIALS = {"CLERK_SHOP_USER": "u", "CLERK_SHOP_PASSWORD": "p"}


def test_the_names_a_bot_uses_are_found_in_its_own_modules_and_its_session(shop) -> None:
    files = source_files(shop)
    assert {f.name for f in files} == {"bot.py", "screens.py"}  # not unused.py: bot.py never imports it
    assert sorted({u.name for u in used_names(files)}) == [
        "cart.done", "cart.eror", "cart.quantity", "cart.total", "login.user"]


def test_a_misspelt_name_is_reported_with_its_file_and_line(shop, shop_settings) -> None:
    problems = check_bot(shop, shop_settings, environ=CREDENTIALS)
    assert len(problems) == 1
    assert problems[0].endswith(f"screens.py:8: selector 'cart.eror' is not defined in "
                                f"{shop_settings.selectors_dir / 'shop.yaml'}")


def test_a_missing_section_credential_and_selector_file(shop, shop_settings) -> None:
    bare = dataclasses.replace(shop_settings, apps={}, selectors_dir=shop_settings.selectors_dir / "nowhere")
    problems = check_bot(shop, bare, environ={})
    assert problems[0] == "no [apps.shop] section in the configuration"
    assert problems[1].startswith("no user name for shop: set the environment variable CLERK_SHOP_USER")
    assert problems[2].startswith("shop: selector file ") and problems[2].endswith("not found")
    assert len(problems) == 3  # names are not checked against a file that did not load


def test_a_malformed_selector_file(shop, shop_settings) -> None:
    (shop_settings.selectors_dir / "shop.yaml").write_text("selectors:\n  cart.total: {css: a, colour: red}\n")
    problems = check_bot(shop, shop_settings, environ=CREDENTIALS)
    assert problems == [f"{shop_settings.selectors_dir / 'shop.yaml'}: cart.total: unknown field(s) colour"]


def test_the_projects_bots_pass_and_a_missing_credential_exits_2(checkout: Path, monkeypatch) -> None:
    for app in ("LEDGERSMB", "RT"):
        monkeypatch.setenv(f"CLERK_{app}_USER", "someone")
        monkeypatch.setenv(f"CLERK_{app}_PASSWORD", "something")
    result = CliRunner().invoke(cli, ["--project", str(checkout), "check"])
    assert result.exit_code == 0, result.output
    assert "invoice_entry: ok" in result.output and "plan_change: ok" in result.output
    monkeypatch.delenv("CLERK_RT_USER")
    result = CliRunner().invoke(cli, ["--project", str(checkout), "check", "plan_change"])
    assert result.exit_code == 2
    assert "plan_change: 1 problem(s)" in result.output and "CLERK_RT_USER" in result.output


def test_a_screens_section_naming_an_unknown_selector(shop, shop_settings) -> None:
    path = shop_settings.selectors_dir / "shop.yaml"
    path.write_text(SELECTORS + "screens:\n  cart:\n    path: /cart\n    names: [cart.total, cart.totl]\n")
    problems = check_bot(shop, shop_settings, environ=CREDENTIALS)
    assert problems[0] == f"{path}: screen cart: no selector named 'cart.totl' in this file"
