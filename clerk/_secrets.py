"""Credentials from the environment or the system keyring, never from files.

Every secret value that is loaded is registered with the Redactor, so log sinks and
error messages can scrub it wherever it turns up.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from clerk._errors import ConfigError

KEYRING_SERVICE = "clerk/{app}"
_MIN_REDACTED_LENGTH = 3  # shorter values would scrub ordinary words


class Secret:
    """A string that does not show itself in repr, str or f-strings."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__


class Redactor:
    """Registry of secret values and the one function that scrubs them from text."""

    MASK = "[redacted]"

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._forms: list[str] = []  # every way a value can appear in a sink, longest first
        self._lock = threading.Lock()

    def register(self, value: str) -> None:
        if len(value) >= _MIN_REDACTED_LENGTH:
            # a value shown through repr() (``{password!r}``) or a serialized sink (the JSON-lines
            # log) has its quotes, backslashes and other characters escaped: scrub those spellings too
            spellings = {value, repr(value)[1:-1]}
            forms = spellings | {json.dumps(s, ensure_ascii=ascii)[1:-1] for s in spellings for ascii in (True, False)}
            with self._lock:
                self._values.add(value)
                self._forms = sorted(set(self._forms) | forms, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for form in self._forms:
            if form in text:
                text = text.replace(form, self.MASK)
        return text

    @property
    def values(self) -> frozenset[str]:
        return frozenset(self._values)


REDACTOR = Redactor()
"""Process-wide: a secret loaded anywhere must be scrubbed from every sink."""


@dataclass(frozen=True, slots=True)
class Credentials:
    app: str
    user: str
    password: Secret


def env_names(app: str) -> tuple[str, str]:
    prefix = f"CLERK_{app.upper()}"
    return f"{prefix}_USER", f"{prefix}_PASSWORD"


def load_credentials(app: str, environ: Mapping[str, str] | None = None) -> Credentials:
    """Credentials for ``app``: ``CLERK_<APP>_USER`` / ``CLERK_<APP>_PASSWORD`` first,
    then the keyring service ``clerk/<app>`` (user under the name ``user``, the password
    under the user name).

    Raises:
        ConfigError: a value is in neither place; the message names the variable.

    Example:
        >>> load_credentials("ledgersmb").user
        'admin'
    """
    environ = os.environ if environ is None else environ
    user_var, password_var = env_names(app)
    service = KEYRING_SERVICE.format(app=app)
    user = environ.get(user_var) or _from_keyring(service, "user")
    if not user:
        raise ConfigError(
            f"no user name for {app}: set the environment variable {user_var} "
            f"(or store it in the keyring: service {service!r}, name 'user')"
        )
    password = environ.get(password_var) or _from_keyring(service, user)
    if not password:
        raise ConfigError(
            f"no password for {app}: set the environment variable {password_var} "
            f"(or store it in the keyring: service {service!r}, name {user!r})"
        )
    REDACTOR.register(password)
    return Credentials(app=app, user=user, password=Secret(password))


def _from_keyring(service: str, name: str) -> str | None:
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        return None
    try:
        return keyring.get_password(service, name)
    except (KeyringError, RuntimeError):
        return None
