"""Where the files that travel with a bot are: its package folders, and its selectors.

A bot's package folder and its parent packages' folders (innermost first) may hold
``defaults.toml`` and ``selectors/<app>.yaml``; so may the package of the app class a bot
uses (``clerk_bots.apps.ledgersmb`` brings ``clerk_bots/selectors/ledgersmb.yaml``). The
project's own ``selectors/`` folder comes last.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

CLERK_DEFAULTS_SOURCE = "clerk defaults"  # the origin clerk._config records for clerk/defaults.toml

if TYPE_CHECKING:
    from clerk._bot import App
    from clerk._config import Settings


def package_folders(module: str) -> tuple[Path, ...]:
    """The folders of the packages holding an imported ``module``, innermost first:
    ``clerk_bots.invoice_entry.bot`` gives ``.../invoice_entry``, then ``.../clerk_bots``."""
    folders: list[Path] = []
    parts = module.split(".")[:-1]
    while parts:
        package = sys.modules.get(".".join(parts))
        folders += [Path(entry) for entry in getattr(package, "__path__", [])]
        parts.pop()
    return tuple(folders)


def selector_folders(settings: Settings, app: App) -> list[Path]:
    """Where ``<app>.yaml`` is looked for, first match wins: the bot's packages, the app
    class's packages, then the project's ``selectors/``. A ``[clerk] selectors_dir`` that the
    project, the environment or the command line sets comes first of all: an operator's
    override, e.g. a drifted selector fixed before the bot package has a new release."""
    app_module = getattr(app.session, "__module__", None)
    packages = [*settings.bot_folders, *(package_folders(app_module) if app_module else ())]
    found = [folder / "selectors" for folder in dict.fromkeys(packages)]
    overridden = settings.sources.get("clerk.selectors_dir", CLERK_DEFAULTS_SOURCE) != CLERK_DEFAULTS_SOURCE
    return [settings.selectors_dir, *found] if overridden else [*found, settings.selectors_dir]


def selector_folder(settings: Settings, name: str, app: App) -> Path | None:
    """The first folder holding ``<name>.yaml``; None when there is none."""
    return next((folder for folder in selector_folders(settings, app) if (folder / f"{name}.yaml").is_file()), None)
