"""``[celery]`` (the broker and the queue) and ``[runner] executor``.

The broker's password never sits in the URL or a config file: it comes from
``CLERK_BROKER_PASSWORD`` and is put into the URL only in memory.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, urlsplit, urlunsplit

from clerk._config import load_config_tree
from clerk._errors import ConfigError
from clerk._secrets import REDACTOR
from clerk.scheduler._spec import _count, _only

BROKER_PASSWORD_VARIABLE = "CLERK_BROKER_PASSWORD"
_CELERY_KEYS = {"broker_url", "queue", "item_timeout_s", "heartbeat_s", "in_flight_per_worker"}
_RUNNER_KEYS = {"executor"}


@dataclass(frozen=True, slots=True, kw_only=True)
class FleetSettings:
    broker_url: str  # without the password
    broker_password: str | None
    queue: str = "clerk"
    item_timeout: dt.timedelta = dt.timedelta(minutes=10)  # one item on a worker, retries included
    heartbeat: dt.timedelta = dt.timedelta(seconds=10)  # how soon the broker notices a silent worker
    in_flight_per_worker: int = 2  # items queued ahead per live worker, so none waits for the next one
    executor: Literal["local", "celery"] = "local"  # [runner] executor: how scheduled runs work their items

    @property
    def broker_connection(self) -> str:
        """The broker URL with its password, for Celery only (the password is registered as a secret)."""
        if not self.broker_password:
            return self.broker_url
        parts = urlsplit(self.broker_url)
        user = quote(parts.username or "", safe="")
        host = parts.hostname or ""
        netloc = f"{user}:{quote(self.broker_password, safe='')}@{host}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def load_fleet_settings(project: Path, environ: Mapping[str, str] | None = None) -> FleetSettings:
    """Read ``[celery]`` and ``[runner]``.

    Raises:
        ConfigError: an unknown key, a wrong type, or a password written into the URL.
    """
    environ = os.environ if environ is None else environ
    tree, _sources = load_config_tree(project, environ=environ)
    celery = dict(tree.get("celery", {}))
    runner = dict(tree.get("runner", {}))
    _only(celery, _CELERY_KEYS, "[celery]")
    _only(runner, _RUNNER_KEYS, "[runner]")
    url = str(celery.get("broker_url", "amqp://clerk@127.0.0.1:5672/clerk"))
    if urlsplit(url).password:
        raise ConfigError(f"[celery] broker_url must not hold a password; set {BROKER_PASSWORD_VARIABLE}")
    executor = runner.get("executor", "local")
    if executor not in ("local", "celery"):
        raise ConfigError(f"[runner] executor must be local or celery, got {executor!r}")
    password = environ.get(BROKER_PASSWORD_VARIABLE) or None
    if password:
        REDACTOR.register(password)
    return FleetSettings(
        broker_url=url, broker_password=password, queue=str(celery.get("queue", "clerk")),
        item_timeout=_seconds(celery.get("item_timeout_s", 600), "[celery] item_timeout_s"),
        heartbeat=_seconds(celery.get("heartbeat_s", 10), "[celery] heartbeat_s"),
        in_flight_per_worker=_count(celery.get("in_flight_per_worker", 2), "[celery] in_flight_per_worker"),
        executor=executor,
    )


def _seconds(value: Any, where: str) -> dt.timedelta:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ConfigError(f"{where} must be a positive number, got {value!r}")
    return dt.timedelta(seconds=value)
