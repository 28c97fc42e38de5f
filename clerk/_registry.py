"""Find bots by name: ``bots/<name>/bot.py`` must define ``BOT``. Nothing registers itself."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

from clerk._bot import Bot
from clerk._errors import ConfigError


def available_bots(project_dir: Path) -> list[str]:
    return sorted(p.parent.name for p in (project_dir / "bots").glob("*/bot.py"))


def load_bot(name: str, project_dir: Path, target: str | None = None) -> Bot[Any]:
    """Import ``bots.<name>.bot`` from the project and return its ``BOT``.

    A bot that enters the same items into another application has targets, named after
    the application: ``target`` None or ``BOT``'s own application gives ``BOT``; another
    target comes from ``TARGETS`` in ``bot.py``, or else from ``bots/<name>/<target>.py``,
    which defines ``BOT_<TARGET>`` (e.g. ``bots/invoice_entry/gnucash.py``: ``BOT_GNUCASH``).

    Raises:
        ConfigError: there is no such bot or target, or its module has no ``BOT``.
    """
    bot = _load_default(name, project_dir)
    if target is None or target == bot.main_app:
        return bot
    module = importlib.import_module(f"bots.{name}.bot")
    targets = getattr(module, "TARGETS", None)
    chosen = targets.get(target) if isinstance(targets, dict) else None
    if chosen is None and target.isidentifier() and (project_dir / "bots" / name / f"{target}.py").is_file():
        chosen = getattr(importlib.import_module(f"bots.{name}.{target}"), f"BOT_{target.upper()}", None)
    if not isinstance(chosen, Bot):
        raise ConfigError(f"bot {name!r} has no target {target!r} (its own is {bot.main_app!r}; another "
                          f"needs TARGETS in bots/{name}/bot.py or BOT_{target.upper()} in bots/{name}/{target}.py)")
    return chosen


def _load_default(name: str, project_dir: Path) -> Bot[Any]:
    if name not in available_bots(project_dir):
        known = ", ".join(available_bots(project_dir)) or "none"
        raise ConfigError(f"no bot named {name!r} in {project_dir / 'bots'} (available: {known})")
    if str(project_dir) not in sys.path:
        sys.path.insert(0, str(project_dir))
    module = importlib.import_module(f"bots.{name}.bot")
    bot = getattr(module, "BOT", None)
    if not isinstance(bot, Bot):
        raise ConfigError(f"bots/{name}/bot.py does not define BOT = Bot(...)")
    return bot
