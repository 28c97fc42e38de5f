"""Finding bots: entry points, a project's own bots/ folder, targets, and the files that travel
with a bot (its defaults.toml and selectors)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clerk import ConfigError
from clerk._registry import available_bots, bot_sources, find_bot, open_bot
from clerk._resources import selector_folder

PROJECT_BOT = '''from __future__ import annotations

from clerk import App, Bot, ItemSchema

from ..shared.session import Shop

BOT = Bot(name="{name}", description="a bot of the project folder", apps={{"shop": App(session=Shop, kind="desktop")}},
          schema=ItemSchema(columns={{}}, required=(), parse=lambda row: row), reference=str,
          find=lambda ctx, item: None, enter=lambda ctx, item: "")
'''

SESSION = '''class Shop:
    def __init__(self, env): ...
'''


def make_project(root: Path, name: str = "checkout_bot", folder: str | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "clerk.toml").write_text('[apps.shop]\nurl = "http://shop"\n', encoding="utf-8")
    bot = root / "bots" / (folder or name)
    bot.mkdir(parents=True)
    (bot / "bot.py").write_text(PROJECT_BOT.format(name=name), encoding="utf-8")
    (root / "bots" / "shared").mkdir(exist_ok=True)
    (root / "bots" / "shared" / "session.py").write_text(SESSION, encoding="utf-8")
    return root


def test_clerks_own_bots_are_entry_points_and_found_from_any_project(tmp_path: Path) -> None:
    sources = bot_sources(tmp_path)
    assert sources["invoice_entry"].target == "clerk_bots.invoice_entry.bot:BOT"
    assert sources["plan_change"].origin.startswith("entry point clerk_bots.plan_change.bot:BOT")
    loaded = find_bot("invoice_entry", tmp_path)
    assert loaded.module == "clerk_bots.invoice_entry.bot"
    assert [f.name for f in loaded.folders] == ["invoice_entry", "bots"]  # clerk_bots is the bots/ folder


def test_this_checkouts_bots_folder_is_not_listed_twice(checkout: Path) -> None:
    sources = bot_sources(checkout)
    assert sources["invoice_entry"].path is None  # the entry point, not the project folder's copy of it


def test_a_project_folder_holds_bots_without_installing_them(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    assert "checkout_bot" in available_bots(project)
    loaded = find_bot("checkout_bot", project)
    assert loaded.bot.description == "a bot of the project folder"
    assert not loaded.module.startswith("bots.")  # never the import name "bots", which users' packages may hold
    assert loaded.folders[0] == project / "bots" / "checkout_bot"


def test_two_projects_with_a_bot_of_the_same_name_do_not_mix(tmp_path: Path) -> None:
    one = make_project(tmp_path / "one")
    two = make_project(tmp_path / "two")
    (two / "bots" / "checkout_bot" / "bot.py").write_text(
        PROJECT_BOT.format(name="checkout_bot").replace("a bot of the project folder", "the second"), encoding="utf-8")
    assert find_bot("checkout_bot", one).bot.description == "a bot of the project folder"
    assert find_bot("checkout_bot", two).bot.description == "the second"


def test_a_project_bot_named_like_an_installed_bot_is_refused_naming_both(tmp_path: Path) -> None:
    project = make_project(tmp_path, name="invoice_entry")
    with pytest.raises(ConfigError, match=r"two bots are named 'invoice_entry': entry point .* and project folder"):
        bot_sources(project)


def test_an_unknown_bot_lists_the_available_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no bot named 'invoice_entyr' .*available: invoice_entry, plan_change"):
        find_bot("invoice_entyr", tmp_path)


def test_a_bot_that_does_not_import_is_a_configuration_error(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    (project / "bots" / "checkout_bot" / "bot.py").write_text("import no_such_module\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"cannot be imported: ModuleNotFoundError: No module named 'no_such_module'") \
            as caught:
        find_bot("checkout_bot", project)
    assert caught.value.exit_code == 2


def test_a_folder_whose_bot_has_another_name_is_refused(tmp_path: Path) -> None:
    project = make_project(tmp_path, name="shop_bot", folder="checkout_bot")
    with pytest.raises(ConfigError, match=r"published as 'checkout_bot' but its Bot is named 'shop_bot'"):
        find_bot("checkout_bot", project)


def test_the_target_is_a_bot_setting_and_picks_the_variant(tmp_path: Path) -> None:
    bot, _ = open_bot("invoice_entry", tmp_path, environ={})
    assert bot.main_app == "ledgersmb"  # the package's defaults.toml says target = "ledgersmb"
    bot, settings = open_bot("invoice_entry", tmp_path, {"bots.invoice_entry.target": "gnucash"}, environ={})
    assert bot.main_app == "gnucash" and bot.ledger_key == "invoice_entry@gnucash"
    assert settings.sources["bots.invoice_entry.target"] == "command line"
    with pytest.raises(ConfigError, match=r"no target 'sap' \(choose from ledgersmb, gnucash\)"):
        open_bot("invoice_entry", tmp_path, {"bots.invoice_entry.target": "sap"}, environ={})


# ---------------------------------------------------------------------------- what travels with a bot
def test_settings_layer_clerk_then_bot_package_then_project(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    (project / "bots" / "checkout_bot" / "defaults.toml").write_text(
        '[web]\ntimeout_s = 7\n[bots.checkout_bot]\nbasket = "small"\ncolour = "red"\n', encoding="utf-8")
    (project / "config").mkdir()
    (project / "config" / "default.toml").write_text('[bots.checkout_bot]\ncolour = "blue"\n', encoding="utf-8")
    _, settings = open_bot("checkout_bot", project, environ={"CLERK_BOTS__CHECKOUT_BOT__BASKET": '"large"'})
    assert settings.web.timeout.total_seconds() == 7
    assert settings.sources["web.timeout_s"] == "checkout_bot/defaults.toml"
    assert settings.web.browser == "/usr/bin/chromium"
    assert settings.sources["web.browser"] == "clerk defaults"
    assert dict(settings.bot("checkout_bot")) == {"basket": "large", "colour": "blue"}
    assert settings.app("shop")["url"] == "http://shop"  # from clerk.toml
    assert settings.sources["apps.shop.url"] == "clerk.toml"


def test_plan_changes_export_formats_come_from_its_package(tmp_path: Path) -> None:
    _, settings = open_bot("plan_change", tmp_path, environ={})
    assert set(settings.bot("plan_change")["exports"]) == {"rt", "jira", "zendesk"}
    assert settings.sources["bots.plan_change.queue"] == "plan_change/defaults.toml"


def test_selectors_are_looked_up_in_the_bot_package_then_the_app_package_then_the_project(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    (project / "selectors").mkdir()
    (project / "selectors" / "shop.yaml").write_text("selectors: {}\n", encoding="utf-8")
    bot, settings = open_bot("checkout_bot", project, environ={})
    assert selector_folder(settings, "shop", bot.apps["shop"]) == project / "selectors"
    (project / "bots" / "shared" / "selectors").mkdir()  # beside the app class's module
    (project / "bots" / "shared" / "selectors" / "shop.yaml").write_text("selectors: {}\n", encoding="utf-8")
    assert selector_folder(settings, "shop", bot.apps["shop"]) == project / "bots" / "shared" / "selectors"
    (project / "bots" / "checkout_bot" / "selectors").mkdir()
    (project / "bots" / "checkout_bot" / "selectors" / "shop.yaml").write_text("selectors: {}\n", encoding="utf-8")
    assert selector_folder(settings, "shop", bot.apps["shop"]) == project / "bots" / "checkout_bot" / "selectors"


def test_invoice_entry_finds_the_ledgersmb_selectors_in_its_package(tmp_path: Path) -> None:
    bot, settings = open_bot("invoice_entry", tmp_path, environ={})
    folder = selector_folder(settings, "ledgersmb", bot.apps["ledgersmb"])
    assert folder is not None and folder.parent.name == "bots" and (folder / "ledgersmb.yaml").is_file()


def test_a_selectors_dir_the_project_sets_is_searched_first(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    hotfix = project / "hotfix"
    hotfix.mkdir()
    (hotfix / "shop.yaml").write_text("selectors: {}\n", encoding="utf-8")
    (project / "bots" / "checkout_bot" / "selectors").mkdir()
    (project / "bots" / "checkout_bot" / "selectors" / "shop.yaml").write_text("selectors: {}\n", encoding="utf-8")
    bot, settings = open_bot("checkout_bot", project, environ={"CLERK_CLERK__SELECTORS_DIR": f'"{hotfix}"'})
    assert selector_folder(settings, "shop", bot.apps["shop"]) == hotfix
    bot, settings = open_bot("checkout_bot", project, environ={})
    assert selector_folder(settings, "shop", bot.apps["shop"]) == project / "bots" / "checkout_bot" / "selectors"
