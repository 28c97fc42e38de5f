"""The ``screens:`` section of a selector file: where each group of names can be seen.

    screens:
      login:
        before_login: true                 # opened in a fresh, logged-out page
        path: /login.pl                    # relative to [apps.<app>] url
        names: [login.user, login.password, login.submit]
      ap.add:
        clicks: [menu.ap, menu.ap.add_transaction]   # from the home screen, in order
        ready: ap.add.title                # shown once the screen has arrived
        names: [ap.add.vendor, ap.add.post]
        many: [ap.add.account_options]     # names that are lists: several matches expected
        params: {account: "5780"}          # values for {placeholders}

``clerk selectors check APP`` visits each screen; ``clerk check`` validates the section.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from clerk._errors import ConfigError

_KEYS = {"before_login", "path", "clicks", "ready", "names", "many", "params", "note"}


@dataclass(frozen=True, slots=True)
class Screen:
    name: str
    names: tuple[str, ...]
    path: str = ""
    clicks: tuple[str, ...] = ()
    ready: str = ""
    many: frozenset[str] = frozenset()
    params: Mapping[str, str] = field(default_factory=dict)
    before_login: bool = False


def load_screens(path: Path, known: set[str]) -> list[Screen]:
    """The screens declared in the selector file at ``path`` (none: an empty list).

    Raises:
        ConfigError: the section is malformed or names a selector the file does not define.
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    section = data.get("screens") if isinstance(data, dict) else None
    if section is None:
        return []
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: 'screens:' must map screen names to what is on them")
    return [_screen(path, name, entry, known) for name, entry in section.items()]


def _screen(path: Path, name: Any, entry: Any, known: set[str]) -> Screen:
    where = f"{path}: screen {name}"
    if not isinstance(entry, dict) or not isinstance(entry.get("names"), list):
        raise ConfigError(f"{where}: needs a mapping with a 'names:' list")
    if unknown := set(entry) - _KEYS:
        raise ConfigError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    listed = [*entry["names"], *entry.get("clicks", []), *entry.get("many", []),
              *([entry["ready"]] if entry.get("ready") else [])]
    if missing := [n for n in listed if n not in known]:
        raise ConfigError(f"{where}: no selector named {', '.join(map(repr, missing))} in this file")
    return Screen(name=str(name), names=tuple(entry["names"]), path=str(entry.get("path", "")),
                  clicks=tuple(entry.get("clicks", [])), ready=str(entry.get("ready", "")),
                  many=frozenset(entry.get("many", [])), params={str(k): str(v) for k, v in
                                                                 (entry.get("params") or {}).items()},
                  before_login=bool(entry.get("before_login", False)))
