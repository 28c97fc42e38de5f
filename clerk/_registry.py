"""Find bots by name. Two sources, and nothing registers itself:

- installed packages publish bots under the entry-point group ``clerk.bots``
  (``my_bot = "acme_bots.my_bot:BOT"`` in ``[project.entry-points."clerk.bots"]``);
  clerk's own invoice_entry and plan_change are found this way too;
- a project folder may hold bots in its own ``bots/<name>/bot.py`` (defining ``BOT``),
  used without installing anything. They are imported under a name of their own, so
  they never collide with an installed package (use relative imports inside them).

A bot's package folder, and its parent packages' folders, hold what the bot needs besides
code: ``defaults.toml`` (settings) and ``selectors/<app>.yaml``.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import importlib.metadata
import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clerk._bot import Bot
from clerk._config import Settings, load_settings
from clerk._errors import ConfigError
from clerk._resources import package_folders

ENTRY_POINT_GROUP = "clerk.bots"


@dataclass(frozen=True, slots=True)
class BotSource:
    """Where a bot named ``name`` comes from: ``target`` is ``"module:attribute"``."""

    name: str
    target: str
    origin: str  # for messages: the entry point and its distribution, or the project folder
    path: Path | None = None  # the project folder's bot.py


@dataclass(frozen=True, slots=True)
class LoadedBot:
    """A bot with the folders of the packages that hold it, innermost first."""

    bot: Bot[Any]
    module: str
    folders: tuple[Path, ...]


def bot_sources(project_dir: Path | None) -> dict[str, BotSource]:
    """Every bot that can be run, by name.

    Raises:
        ConfigError: two sources publish different bots under one name.
    """
    found: dict[str, BotSource] = {}
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = entry.dist.name if entry.dist is not None else "?"
        _add(found, BotSource(entry.name, entry.value, f"entry point {entry.value} of {dist}"))
    if project_dir is not None:
        package = _project_package(project_dir)
        for bot_py in sorted((project_dir / "bots").glob("*/bot.py")):
            name = bot_py.parent.name
            installed = found.get(name)
            if installed is not None and _same_file(installed, bot_py):
                continue  # this checkout's own bots, installed in editable mode
            _add(found, BotSource(name, f"{package}.{name}.bot:BOT", f"project folder {bot_py.parent}", bot_py))
    return found


def available_bots(project_dir: Path | None) -> list[str]:
    return sorted(bot_sources(project_dir))


@dataclass(frozen=True, slots=True)
class BotListing:
    """One bot as ``clerk bots`` shows it: loaded, or ``error`` saying why it cannot be."""

    source: BotSource
    bot: Bot[Any] | None
    error: str = ""


def list_bots(project_dir: Path | None) -> list[BotListing]:
    """Every bot by name, each imported on its own, so one that is broken hides no other.

    Raises:
        ConfigError: two sources publish different bots under one name.
    """
    listings = []
    for name, source in sorted(bot_sources(project_dir).items()):
        try:
            listings.append(BotListing(source, find_bot(name, project_dir).bot))
        except ConfigError as err:
            listings.append(BotListing(source, None, str(err)))
    return listings


def find_bot(name: str, project_dir: Path | None) -> LoadedBot:
    """Import the bot published as ``name``.

    Raises:
        ConfigError: no such bot, it does not import, or it is not a ``clerk.Bot``.
    """
    sources = bot_sources(project_dir)
    source = sources.get(name)
    if source is None:
        where = f"in {project_dir / 'bots'} or " if project_dir is not None else ""
        raise ConfigError(f"no bot named {name!r} {where}among the installed {ENTRY_POINT_GROUP!r} entry points "
                          f"(available: {', '.join(sorted(sources)) or 'none'})")
    if source.path is not None and project_dir is not None:
        _project_package(project_dir, create=True)
    module, bot = _import(source.target, source.origin)
    if bot.name != name:
        raise ConfigError(f"{source.origin} is published as {name!r} but its Bot is named {bot.name!r}")
    return LoadedBot(bot=bot, module=module, folders=package_folders(module))


def select_target(loaded: LoadedBot, settings: Settings) -> Bot[Any]:
    """The bot, or its variant for ``[bots.<name>] target`` (set by ``--target``).

    Raises:
        ConfigError: the bot has no such target.
    """
    bot = loaded.bot
    target = settings.bot(bot.name).get("target") or bot.main_app
    if target == bot.main_app:
        return bot
    if target not in bot.targets:
        raise ConfigError(f"bot {bot.name!r} has no target {target!r} "
                          f"(choose from {', '.join([bot.main_app, *bot.targets])})")
    reference = bot.targets[target]
    if reference.startswith("."):
        reference = loaded.module.rpartition(".")[0] + reference
    return _import(reference, f"target {target!r} of bot {bot.name!r}")[1]


def open_bot(name: str, project_dir: Path, overrides: dict[str, Any] | None = None,
             environ: dict[str, str] | None = None) -> tuple[Bot[Any], Settings]:
    """The bot named ``name`` for the chosen target, and its layered settings.

    Raises:
        ConfigError: no such bot or target, or the settings are wrong.
    """
    loaded = find_bot(name, project_dir)
    settings = load_settings(project_dir, overrides, environ, loaded.folders)
    return select_target(loaded, settings), settings


def _add(found: dict[str, BotSource], source: BotSource) -> None:
    earlier = found.get(source.name)
    if earlier is not None and earlier.target != source.target:
        raise ConfigError(f"two bots are named {source.name!r}: {earlier.origin} and {source.origin}; "
                          "rename or uninstall one")
    found[source.name] = source


def _same_file(source: BotSource, bot_py: Path) -> bool:
    try:
        spec = importlib.util.find_spec(source.target.partition(":")[0])
    except (ImportError, ValueError):
        return False
    return spec is not None and spec.origin is not None and Path(spec.origin).resolve() == bot_py.resolve()


def _project_package(project_dir: Path, *, create: bool = False) -> str:
    """The import name of a project's ``bots/`` folder: unique per folder, never ``bots``."""
    folder = (project_dir / "bots").resolve()
    name = "clerk_project_" + hashlib.sha256(str(folder).encode()).hexdigest()[:12]
    if create and name not in sys.modules:
        spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
        spec.submodule_search_locations = [str(folder)]
        sys.modules[name] = importlib.util.module_from_spec(spec)
    return name


def _import(reference: str, origin: str) -> tuple[str, Bot[Any]]:
    module_name, _, attribute = reference.partition(":")
    try:
        module = importlib.import_module(module_name)
    except (Exception, SystemExit) as err:  # any error in a bot's code, even sys.exit(), is a configuration problem here
        raise ConfigError(f"{origin} cannot be imported: {type(err).__name__}: {err}") from err
    bot = getattr(module, attribute or "BOT", None)
    if not isinstance(bot, Bot):
        raise ConfigError(f"{origin}: {module_name} does not define {attribute or 'BOT'} = Bot(...)")
    return module_name, bot
