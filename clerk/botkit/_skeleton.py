"""``clerk new bot NAME --app APP``: a working bot package to start from.

It is a pip-installable package publishing the bot under the ``clerk.bots`` entry point, with
its model, screens, selectors, default settings and a sample input, plus a local copy of a
tiny application to develop against (``dev/<app>/index.html``) and a test that runs the bot
on it. The files come from clerk/botkit/skeleton; docs/writing-a-bot.md shows the same files.
"""

from __future__ import annotations

import re
from pathlib import Path

from clerk._errors import ConfigError

SKELETON = Path(__file__).resolve().parent / "skeleton"
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")


def skeleton_files(name: str, app: str) -> dict[str, str]:
    """The package's files, by path relative to its folder."""
    layout = {
        "pyproject.toml": "pyproject.toml", "README.md": "README.md.tmpl",
        f"{name}/__init__.py": "", f"{name}/bot.py": "bot.py.tmpl", f"{name}/model.py": "model.py.tmpl",
        f"{name}/screens.py": "screens.py.tmpl", f"{name}/selectors/{app}.yaml": "selectors.yaml",
        f"{name}/defaults.toml": "defaults.toml", f"{name}/sample.csv": "sample.csv",
        f"dev/{app}/index.html": "page.html", f"tests/test_{name}.py": "test_bot.py.tmpl",
    }
    words = {"__NAME__": name, "__APP__": app, "__APP_UPPER__": app.upper(),
             "__CLASS__": "".join(part.title() for part in app.split("_")),
             "__DIST__": name.replace("_", "-")}
    files = {}
    for target, source in layout.items():
        text = (SKELETON / source).read_text(encoding="utf-8") if source else ""
        for marker, value in words.items():
            text = text.replace(marker, value)
        files[target] = text
    return files


def new_bot(name: str, app: str, parent: Path) -> Path:
    """Write the package ``parent/<name>``; returns its folder.

    Raises:
        ConfigError: a name is not a lower-case Python identifier, or the folder exists.
    """
    for what, value in (("bot name", name), ("application name", app)):
        if not _IDENTIFIER.match(value):
            raise ConfigError(f"the {what} {value!r} must be lower case letters, digits and _ (a Python name)")
    folder = parent / name
    if folder.exists():
        raise ConfigError(f"{folder} already exists; choose another name or folder")
    for relative, text in skeleton_files(name, app).items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder
