"""Settings: one frozen object per run, built once from layered sources.

Precedence, lowest first: clerk's defaults (``clerk/defaults.toml``), the bot package's
``defaults.toml``, the project's ``clerk.toml`` and ``config/default.toml``,
``config/<env>.toml`` (``CLERK_ENV``), environment variables ``CLERK_<SECTION>__<KEY>`` and
finally the CLI. Each layer overrides single keys, so a project says only what differs.
Config files hold no secrets; ``load_settings`` refuses keys that look like one.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clerk._errors import ConfigError

_SECRET_KEYS = ("password", "passwd", "secret", "token", "api_key")
CLERK_DEFAULTS = Path(__file__).with_name("defaults.toml")
BOT_DEFAULTS = "defaults.toml"  # in a bot's package folder (and its parent packages')
PROJECT_FILE = "clerk.toml"  # marks a project folder, like [tool.clerk] in its pyproject.toml


DEFAULT_BROWSER = "/usr/bin/chromium"  # Debian's chromium


@dataclass(frozen=True, slots=True, kw_only=True)
class WebSettings:
    browser: str = DEFAULT_BROWSER
    headless: bool = True
    slowmo_ms: int = 0
    timeout: dt.timedelta = dt.timedelta(seconds=20)
    viewport_width: int = 1280
    viewport_height: int = 1000
    fresh_sessions_every: int = 50  # items; web sessions start afresh after that many (0: never)
    release_memory_every: int = 2  # items; then the garbage of every web page's renderer is collected (0: never)


@dataclass(frozen=True, slots=True, kw_only=True)
class RetrySettings:
    attempts: int = 3
    wait_initial: dt.timedelta = dt.timedelta(seconds=1)
    wait_max: dt.timedelta = dt.timedelta(seconds=20)


@dataclass(frozen=True, slots=True, kw_only=True)
class RunSettings:
    max_consecutive_failures: int = 3
    screenshots: str = "on"  # on | failures
    screenshot_format: str = "png"  # png (lossless) | jpeg (a web page's full-page shot in about half the time)


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    project_dir: Path
    data_dir: Path
    recordings_dir: Path
    selectors_dir: Path
    web: WebSettings = field(default_factory=WebSettings)
    retry: RetrySettings = field(default_factory=RetrySettings)
    run: RunSettings = field(default_factory=RunSettings)
    apps: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    bots: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)
    bot_folders: tuple[Path, ...] = ()  # the bot's package folders, innermost first: its files live there
    audit: Mapping[str, Any] = field(default_factory=dict)  # [audit], read by clerk.audit.AuditSettings
    ledger: Mapping[str, Any] = field(default_factory=dict)  # [ledger], read by clerk._ledger_config

    def app(self, name: str) -> Mapping[str, Any]:
        try:
            return self.apps[name]
        except KeyError:
            raise ConfigError(f"no [apps.{name}] section in the configuration") from None

    def bot(self, name: str) -> Mapping[str, Any]:
        return self.bots.get(name, {})

    def as_dict(self) -> dict[str, Any]:
        """The settings as used, for the run manifest (secrets never live here)."""
        return {
            "project_dir": str(self.project_dir), "data_dir": str(self.data_dir),
            "recordings_dir": str(self.recordings_dir),
            "web": _plain(self.web), "retry": _plain(self.retry), "run": _plain(self.run),
            "apps": {k: dict(v) for k, v in self.apps.items()},
            "bots": {k: dict(v) for k, v in self.bots.items()},
            "audit": dict(self.audit), "ledger": dict(self.ledger),
        }


def find_project_dir(start: Path | None = None) -> Path:
    """``CLERK_HOME`` if set, else the nearest folder upwards marked as a clerk project (a
    ``clerk.toml``, or ``[tool.clerk]`` in its ``pyproject.toml``), else the current folder."""
    if home := os.environ.get("CLERK_HOME"):
        return Path(home).resolve()
    here = (start or Path.cwd()).resolve()
    return next((folder for folder in [here, *here.parents] if is_project_dir(folder)), here)


def is_project_dir(folder: Path) -> bool:
    if (folder / PROJECT_FILE).is_file():
        return True
    pyproject = folder / "pyproject.toml"
    if not pyproject.is_file():
        return False
    try:
        return "clerk" in tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {})
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return False


def load_settings(
    project_dir: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    bot_folders: tuple[Path, ...] = (),
) -> Settings:
    """Build the Settings. ``overrides`` are dotted keys from the CLI, e.g. ``web.headless``;
    ``bot_folders`` are the bot's package folders, innermost first (see ``clerk._registry``).

    Raises:
        ConfigError: a file does not parse, a value has the wrong type, or a config
            file holds something that looks like a secret.
    """
    project = project_dir or find_project_dir()
    merged, sources = load_config_tree(project, overrides, environ, bot_folders)
    return _build(project, merged, sources, bot_folders)


def load_config_tree(
    project: Path, overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None,
    bot_folders: tuple[Path, ...] = (),
) -> tuple[dict[str, Any], dict[str, str]]:
    """The layered configuration as a plain tree, with where each key came from.

    Raises:
        ConfigError: a file does not parse, or a key looks like a secret.
    """
    environ = os.environ if environ is None else environ
    merged: dict[str, Any] = {}
    sources: dict[str, str] = {}
    layers = [(CLERK_DEFAULTS, "clerk defaults")]  # that origin is clerk._resources.CLERK_DEFAULTS_SOURCE
    layers += [(folder / BOT_DEFAULTS, f"{folder.name}/{BOT_DEFAULTS}") for folder in reversed(bot_folders)
               if (folder / BOT_DEFAULTS).is_file()]
    layers += [(project / name, name) for name in (PROJECT_FILE, "config/default.toml") if (project / name).is_file()]
    if env_name := environ.get("CLERK_ENV"):
        layers.append((project / "config" / f"{env_name}.toml", f"config/{env_name}.toml"))  # must exist
    for path, origin in layers:
        _merge(merged, _read_toml(path), sources, origin)
    _merge(merged, _from_environ(environ), sources, "environment")
    _merge(merged, _undot(overrides or {}), sources, "command line")
    _refuse_secrets(merged)
    return merged, sources


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"{path}: configuration file not found")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: {err}") from err


def _from_environ(environ: Mapping[str, str]) -> dict[str, Any]:
    dotted = {}
    for key, value in environ.items():
        if key.startswith("CLERK_") and "__" in key:
            dotted[key[len("CLERK_"):].lower().replace("__", ".")] = _parse_scalar(value)
    return _undot(dotted)


def _parse_scalar(value: str) -> Any:
    try:
        return tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        return value


def _undot(dotted: Mapping[str, Any]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for key, value in dotted.items():
        if value is None:
            continue
        node = tree
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return tree


def _merge(base: dict[str, Any], layer: Mapping[str, Any], sources: dict[str, str], origin: str,
           prefix: str = "") -> None:
    for key, value in layer.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            if not isinstance(base.get(key), dict):
                base[key] = {}
            _merge(base[key], value, sources, origin, dotted + ".")  # so each leaf records its source
        else:
            base[key] = value
            sources[dotted] = origin


def _refuse_secrets(tree: Mapping[str, Any], prefix: str = "") -> None:
    for key, value in tree.items():
        if isinstance(value, Mapping):
            _refuse_secrets(value, f"{prefix}{key}.")
        elif any(word in key.lower() for word in _SECRET_KEYS):
            raise ConfigError(
                f"configuration key {prefix}{key} looks like a secret; secrets come from "
                "environment variables or the keyring, never from config files"
            )


def _seconds(value: Any, key: str) -> dt.timedelta:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ConfigError(f"{key} must be a number of seconds, got {value!r}")
    return dt.timedelta(seconds=value)


def _int(value: Any, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{key} must be a whole number, got {value!r}")
    return value


def _text(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{key} must be a non-empty text, got {value!r}")
    return value


def _bool(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{key} must be true or false, got {value!r}")
    return value


def _build(project: Path, tree: Mapping[str, Any], sources: Mapping[str, str],
           bot_folders: tuple[Path, ...]) -> Settings:
    clerk = tree.get("clerk", {})
    web, retry, run = tree.get("web", {}), tree.get("retry", {}), tree.get("run", {})

    def folder(key: str) -> Path:
        path = Path(_text(clerk.get(key), f"clerk.{key}"))
        return path if path.is_absolute() else project / path

    try:
        return Settings(
            project_dir=project,
            data_dir=folder("data_dir"),
            recordings_dir=folder("recordings_dir"),
            selectors_dir=folder("selectors_dir"),
            web=WebSettings(
                browser=_text(web.get("browser"), "web.browser"),
                headless=_bool(web.get("headless"), "web.headless"),
                slowmo_ms=_int(web.get("slowmo_ms"), "web.slowmo_ms"),
                timeout=_seconds(web.get("timeout_s"), "web.timeout_s"),
                viewport_width=_int(web.get("viewport_width"), "web.viewport_width"),
                viewport_height=_int(web.get("viewport_height"), "web.viewport_height"),
                fresh_sessions_every=_int(web.get("fresh_sessions_every", 50), "web.fresh_sessions_every"),
                release_memory_every=_int(web.get("release_memory_every", 2), "web.release_memory_every"),
            ),
            retry=RetrySettings(
                attempts=_int(retry.get("attempts"), "retry.attempts"),
                wait_initial=_seconds(retry.get("wait_initial_s"), "retry.wait_initial_s"),
                wait_max=_seconds(retry.get("wait_max_s"), "retry.wait_max_s"),
            ),
            run=RunSettings(
                max_consecutive_failures=_int(run.get("max_consecutive_failures"), "run.max_consecutive_failures"),
                screenshots=_choice(run.get("screenshots"), ("on", "failures"), "run.screenshots"),
                screenshot_format=_choice(run.get("screenshot_format"), ("png", "jpeg"), "run.screenshot_format"),
            ),
            apps={k: dict(v) for k, v in tree.get("apps", {}).items()},
            bots={k: dict(v) for k, v in tree.get("bots", {}).items()},
            sources=dict(sources),
            bot_folders=bot_folders,
            audit=dict(tree.get("audit", {})),
            ledger=dict(tree.get("ledger", {})),
        )
    except (TypeError, ValueError) as err:
        raise ConfigError(f"invalid configuration value: {err}") from err


def _choice(value: Any, allowed: tuple[str, ...], key: str) -> str:
    if value not in allowed:
        raise ConfigError(f"{key} must be one of {', '.join(allowed)}, got {value!r}")
    return str(value)


def _plain(settings: Any) -> dict[str, Any]:
    out = {}
    for name in settings.__dataclass_fields__:
        value = getattr(settings, name)
        out[name] = value.total_seconds() if isinstance(value, dt.timedelta) else value
    return out
