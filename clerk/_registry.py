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


def load_bot(name: str, project_dir: Path) -> Bot[Any]:
    """Import ``bots.<name>.bot`` from the project and return its ``BOT``.

    Raises:
        ConfigError: there is no such bot, or its module has no ``BOT``.
    """
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
