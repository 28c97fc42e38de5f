"""The runner's own sections of the configuration: ``[alerts]`` and ``[logging]``.

They are layered exactly like every other section (``config/default.toml``, then
``config/<CLERK_ENV>.toml``, then ``CLERK_<SECTION>__<KEY>`` variables), by the same
helpers the framework's ``load_settings`` uses. The SMTP password is never a config key:
it comes from ``CLERK_SMTP_PASSWORD``.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clerk._config import load_config_tree
from clerk._errors import ConfigError
from clerk._secrets import REDACTOR, Secret

SMTP_PASSWORD_VARIABLE = "CLERK_SMTP_PASSWORD"
_ALERT_KEYS = {"smtp_host", "smtp_port", "smtp_security", "smtp_user", "mail_from", "mail_to", "webhook_url",
               "timeout_s", "on_invalid"}
_LOG_KEYS = {"console_level", "file", "file_level", "rotation", "retention"}
_LEVELS = ("TRACE", "DEBUG", "INFO", "SUCCESS", "WARNING", "ERROR", "CRITICAL")


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertSettings:
    smtp_host: str = ""  # empty: no e-mail
    smtp_port: int = 25
    smtp_security: str = "none"  # none | starttls | ssl
    smtp_user: str = ""
    smtp_password: Secret | None = None
    mail_from: str = "clerk@localhost"
    mail_to: tuple[str, ...] = ()
    webhook_url: str = ""  # empty: no webhook
    timeout: dt.timedelta = dt.timedelta(seconds=10)
    on_invalid: bool = True  # also alert when rows are invalid (business errors)

    @property
    def email(self) -> bool:
        return bool(self.smtp_host and self.mail_to)


@dataclass(frozen=True, slots=True, kw_only=True)
class LogSettings:
    console_level: str = "INFO"
    file: Path | None = None  # None: console only
    file_level: str = "DEBUG"
    rotation: str = "10 MB"
    retention: str = "14 days"


@dataclass(frozen=True, slots=True, kw_only=True)
class RunnerConfig:
    alerts: AlertSettings = field(default_factory=AlertSettings)
    logging: LogSettings = field(default_factory=LogSettings)


def load_runner_config(project: Path, data_dir: Path, environ: Mapping[str, str] | None = None) -> RunnerConfig:
    """Read ``[alerts]`` and ``[logging]``.

    Raises:
        ConfigError: a key is unknown or has the wrong type, or an SMTP user is set
            without ``CLERK_SMTP_PASSWORD``.
    """
    environ = os.environ if environ is None else environ
    merged, _sources = load_config_tree(project, environ=environ)
    return RunnerConfig(alerts=_alerts(merged.get("alerts", {}), environ),
                        logging=_logging(merged.get("logging", {}), data_dir))


def _alerts(tree: Mapping[str, Any], environ: Mapping[str, str]) -> AlertSettings:
    _only(tree, _ALERT_KEYS, "[alerts]")
    security = str(tree.get("smtp_security", "none"))
    if security not in ("none", "starttls", "ssl"):
        raise ConfigError(f"[alerts] smtp_security must be none, starttls or ssl, got {security!r}")
    mail_to = tree.get("mail_to", [])
    recipients = (mail_to,) if isinstance(mail_to, str) else tuple(str(m) for m in mail_to)
    user = str(tree.get("smtp_user", ""))
    password = environ.get(SMTP_PASSWORD_VARIABLE) or None
    if user and not password:
        raise ConfigError(f"[alerts] smtp_user is {user!r} but {SMTP_PASSWORD_VARIABLE} is not set")
    if password:
        REDACTOR.register(password)
    try:
        return AlertSettings(
            smtp_host=str(tree.get("smtp_host", "")), smtp_port=int(tree.get("smtp_port", 25)),
            smtp_security=security, smtp_user=user, smtp_password=Secret(password) if password else None,
            mail_from=str(tree.get("mail_from", "clerk@localhost")), mail_to=recipients,
            webhook_url=str(tree.get("webhook_url", "")),
            timeout=dt.timedelta(seconds=float(tree.get("timeout_s", 10))),
            on_invalid=bool(tree.get("on_invalid", True)),
        )
    except (TypeError, ValueError) as err:
        raise ConfigError(f"[alerts]: invalid value: {err}") from err


def _logging(tree: Mapping[str, Any], data_dir: Path) -> LogSettings:
    _only(tree, _LOG_KEYS, "[logging]")
    levels = {key: str(tree.get(key, default)).upper() for key, default in
              (("console_level", "INFO"), ("file_level", "DEBUG"))}
    for key, level in levels.items():
        if level not in _LEVELS:
            raise ConfigError(f"[logging] {key} must be one of {', '.join(_LEVELS)}, got {level!r}")
    file = str(tree.get("file", "logs/runner.log"))
    path = None if not file else (Path(file) if Path(file).is_absolute() else data_dir / file)
    return LogSettings(console_level=levels["console_level"], file=path, file_level=levels["file_level"],
                       rotation=str(tree.get("rotation", "10 MB")), retention=str(tree.get("retention", "14 days")))


def _only(tree: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(tree) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))})")
