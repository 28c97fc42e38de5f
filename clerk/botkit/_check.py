"""``clerk check``: what would stop a bot, found before it touches any application.

A missing ``[apps.X]`` section, a missing credential, a selector file that does not load, and
a selector name the bot's code uses that no selector file of its applications defines.
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import inspect
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from clerk._bot import App, Bot
from clerk._config import Settings
from clerk._errors import ConfigError
from clerk._resources import selector_folder
from clerk._secrets import load_credentials
from clerk._selectors import SelectorBook
from clerk.botkit._names import used_names
from clerk.botkit._screens import load_screens
from clerk.desktop._selectors import DesktopSelectorBook


def check_bot(bot: Bot[Any], settings: Settings, environ: Mapping[str, str] | None = None) -> list[str]:
    """Every problem found, each a sentence naming what to fix; empty when the bot is ready."""
    problems: list[str] = []
    defined: set[str] = set()
    files: list[str] = []
    for name, app in bot.apps.items():
        if name not in settings.apps:
            problems.append(f"no [apps.{name}] section in the configuration")
        elif app.kind == "web" and not settings.apps[name].get("url"):
            problems.append(f"[apps.{name}] has no url")
        if app.login:
            try:
                load_credentials(name, environ)
            except ConfigError as err:
                problems.append(str(err))
        try:
            book = selector_book(settings, name, app)
        except ConfigError as err:
            problems.append(str(err))
            continue
        if app.kind == "web":
            try:
                load_screens(book.path, set(book.names()))
            except ConfigError as err:
                problems.append(str(err))
        defined |= set(book.names())
        files.append(str(book.path))
    if len(files) == len(bot.apps):  # a name can only be missing from files that all loaded
        for use in used_names(source_files(bot)):
            if use.name not in defined:
                problems.append(f"{use.where}: selector {use.name!r} is not defined in {' or '.join(files)}")
    return problems


def selector_book(settings: Settings, name: str, app: App) -> SelectorBook | DesktopSelectorBook:
    """The selector file of application ``name``, found where a run finds it (clerk._resources)."""
    loader = SelectorBook if app.kind == "web" else DesktopSelectorBook
    return loader.load(selector_folder(settings, name, app) or settings.selectors_dir, name)


def source_files(bot: Bot[Any]) -> list[Path]:
    """The module that defines the bot's ``enter`` and the modules of its own top-level package
    that it imports, directly or not (its screens, its apps' sessions), but not its siblings: a
    package may hold another target's modules, with other applications' names."""
    module = sys.modules.get(bot.enter.__module__)
    if module is None or not module.__file__:
        return []
    top = bot.enter.__module__.split(".")[0]
    todo = [(bot.enter.__module__, Path(module.__file__))]
    seen: dict[Path, None] = {}
    while todo:
        name, path = todo.pop()
        if path in seen:
            continue
        seen[path] = None
        todo += [(n, p) for n in _imports(name, path) if n.split(".")[0] == top and (p := _file_of(n))]
    for app in bot.apps.values():
        with contextlib.suppress(TypeError):  # a session made at run time has no file
            if (source := inspect.getsourcefile(app.session)):
                seen[Path(source)] = None
    return list(seen)


def _imports(module: str, path: Path) -> list[str]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            names.append(base)
            names += [f"{base}.{alias.name}" for alias in node.names]  # from pkg import submodule
    return names


def _file_of(module: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    return Path(spec.origin) if spec is not None and spec.origin and spec.origin.endswith(".py") else None
